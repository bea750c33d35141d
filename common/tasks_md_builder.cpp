#include "common/tasks_md_builder.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fmt/format.h>

#include "common/huge_pages.hpp"
#include "common/tasks_md_waves.hpp"

namespace kp::tasks_md {

namespace {

// A numbered id written as TaskId::str() writes it: no leading zeros, nothing but digits and dots.
bool canonical_number(std::string_view n) {
  if (n.empty()) return false;
  bool part_start = true;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    if (c == '.') {
      if (part_start) return false;
      part_start = true;
    } else if (c < '0' || c > '9' || (part_start && c == '0' && i + 1 < n.size() && n[i + 1] != '.')) {
      return false;
    } else {
      part_start = false;
    }
  }
  return !part_start;
}

// The common range "1.1-1.3" read as text, with no TaskId built: both ends
// numbered, the same canonical prefix. add(built, written) gets each id, and
// the end as written when it is the same text ("1.1", not "1.01"). Returns
// false for any other range, which add_requirements reads the long way (same result).
template <class Add>
bool add_simple_range(std::string_view first, std::string_view last, Add add) {
  auto split = [](std::string_view id, std::string_view& prefix, long long& part) {
    auto dot = id.rfind('.');
    prefix = dot == std::string_view::npos ? std::string_view() : id.substr(0, dot);
    std::string_view digits = dot == std::string_view::npos ? id : id.substr(dot + 1);
    if (digits.empty() || digits.size() > 9) return false;
    part = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      part = part * 10 + (c - '0');
    }
    return true;
  };
  std::string_view pa, pb;
  long long la = 0, lb = 0;
  if (!split(first, pa, la) || !split(last, pb, lb) || pa != pb || la > lb || lb - la > 500) return false;
  if (!pa.empty() && !canonical_number(pa)) return false;  // "1.2", not "01.2"
  char id[48];  // "<prefix>.<k>": a prefix longer than this is read the long way
  if (pa.size() + 12 > sizeof id) return false;
  std::memcpy(id, pa.data(), pa.size());
  const size_t head = pa.empty() ? 0 : pa.size() + 1;
  if (!pa.empty()) id[pa.size()] = '.';
  for (long long k = la; k <= lb; ++k) {
    const std::string_view built(id, size_t(std::to_chars(id + head, id + sizeof id, k).ptr - id));
    // An end written with no leading zero is the id as built: its text is used, nothing is built.
    const std::string_view written = k == la && first.size() == built.size()  ? first
                                     : k == lb && last.size() == built.size() ? last
                                                                              : std::string_view();
    add(built, written);
  }
  return true;
}

// Numbered ids ("1.2") in source text: digits, dots between digits.
bool numbered_id_text(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.' ? s[i - 1] == '.' : (s[i] < '0' || s[i] > '9')) return false;
  }
  return true;
}

// Where the line that starts at `from` ends: its '\n', or text.size().
// Lines are short (40 bytes is typical): sixteen bytes a step inline, not a
// call to memchr per line (measured at 100,000 tasks: memchr was 3% of
// analyze's instructions, ~100 a line).
size_t line_end(std::string_view text, size_t from) {
  size_t i = from;
#if defined(__SSE2__)
  const __m128i newline = _mm_set1_epi8('\n');
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    if (const int hits = _mm_movemask_epi8(_mm_cmpeq_epi8(x, newline))) return i + size_t(__builtin_ctz(unsigned(hits)));
  }
#endif
  for (; i < text.size(); ++i) {
    if (text[i] == '\n') return i;
  }
  return text.size();
}

}  // namespace

Builder::Builder(std::shared_ptr<TaskFileText> text, std::string_view source, std::string path, size_t expected_tasks)
    : text_(std::move(text)), source_(source) {
  file_.path = std::move(path);
  if (expected_tasks > 0) reserve(expected_tasks);
}

void Builder::reserve(size_t expected_tasks) {
  if (file_.tasks.owns()) {  // else the tasks are read into room reserved for them (read_tasks_into)
    file_.tasks.reserve(expected_tasks);  // capacity never touched costs no memory
    // 100,000 tasks are ~30 MB: faults cost more than the parse.
    advise_huge_pages(file_.tasks.data(), file_.tasks.capacity() * sizeof(Task));
  }
  raw_titles_.reserve(expected_tasks);
  id_hashes_.reserve(expected_tasks);
  dep_start_.reserve(expected_tasks);
  runs_.reserve(expected_tasks);
  description_.reserve(expected_tasks);
  text_->requirements.reserve(expected_tasks * 3);
}

void Builder::read(std::string_view part, int first_line) {
  int number = first_line - 1;
  for (size_t start = 0; start < part.size();) {
    const size_t end = line_end(part, start);
    line(part.substr(start, end - start), ++number);
    start = end + 1;
  }
}

void Builder::read_tasks_into(Task* at, size_t count) { file_.tasks = TaskList::in_room(at, count); }

void Builder::keep_task_block(TaskList& block) {
  if (file_.tasks.owns() || file_.tasks.data() != block.data()) return;  // grown out of the room: a block of its own
  block.assume_filled(file_.tasks.size());
  file_.tasks = std::move(block);
}

bool Builder::can_join(const Builder& next) const {
  return may_join() && (!next.read_outer_section_ || section_.empty());
}

void Builder::join(Builder&& next) {
  auto append = [](auto& to, auto& from) { to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end())); };
  // The next part's task indexes count from its own start.
  const int offset = static_cast<int>(file_.tasks.size());
  auto append_shifted = [offset](std::vector<int>& to, const std::vector<int>& from) {
    for (int i : from) to.push_back(i + offset);
  };
  file_.tasks.append_shifted(next.file_.tasks.data(), next.file_.tasks.size(), offset);
  append_shifted(elsewhere_, next.elsewhere_);
  // The next part's first tasks of a level: the latest task one level up is this part's.
  for (int j : next.no_recent_) {
    const int i = j + offset;
    const size_t depth = file_.tasks[size_t(i)].key.depth();
    place_under(i, depth - 1 < last_at_depth_.size() ? last_at_depth_[depth - 1] : -1);
  }
  if (last_at_depth_.size() < next.last_at_depth_.size()) last_at_depth_.resize(next.last_at_depth_.size(), -1);
  for (size_t d = 0; d < next.last_at_depth_.size(); ++d) {
    if (next.last_at_depth_[d] >= 0) last_at_depth_[d] = next.last_at_depth_[d] + offset;
  }
  append_shifted(trailing_dotted_, next.trailing_dotted_);
  dotted_ += next.dotted_;
  any_heading_ = any_heading_ || next.any_heading_;
  any_named_ = any_named_ || next.any_named_;
  append(raw_titles_, next.raw_titles_);
  trailing_dot_.insert(trailing_dot_.end(), next.trailing_dot_.begin(), next.trailing_dot_.end());
  id_hashes_.insert(id_hashes_.end(), next.id_hashes_.begin(), next.id_hashes_.end());
  const auto tokens = static_cast<uint32_t>(dep_tokens_.size());
  for (uint32_t s : next.dep_start_) dep_start_.push_back(s + tokens);
  dep_tokens_.insert(dep_tokens_.end(), next.dep_tokens_.begin(), next.dep_tokens_.end());
  append(file_.warnings, next.file_.warnings);
  append(file_.waves, next.file_.waves);
  append(file_.implementation_notes, next.file_.implementation_notes);
  // Where the whole file ends: the next part's state (an unclosed fence is warned of at the end).
  fence_ = std::move(next.fence_);
  fence_line_ = next.fence_line_;
  notes_level_ = next.notes_level_;
  text_->parts.push_back(std::move(next.text_));
}

void Builder::place_under(int i, int recent) {
  Task& t = file_.tasks[size_t(i)];
  if (recent < 0) no_recent_.push_back(i);  // its part's first of its level: join() looks before the part
  else if (file_.tasks[size_t(recent)].id == t.id.substr(0, t.id.rfind('.'))) t.parent = recent;
  else elsewhere_.push_back(i);
}

void Builder::take_parent(int i) {
  Task& t = file_.tasks[size_t(i)];
  const size_t depth = t.key.depth();
  if (depth >= 2) {
    if (!t.from_heading) ++dotted_;
    if (trailing_dot_[size_t(i)]) trailing_dotted_.push_back(i);
  }
  if (last_at_depth_.size() <= depth) last_at_depth_.resize(depth + 1, -1);
  if (depth >= 2) place_under(i, last_at_depth_[depth - 1]);
  if (depth > 0) last_at_depth_[depth] = i;
}

int Builder::add_task(std::string_view number, Box box, bool optional, bool trailing_dot,
                      std::string_view title, int line, bool from_heading) {
  Task& t = file_.tasks.emplace_back();  // in place: a Task is large, moving one costs
  t.key = *TaskId::parse(number);
  // "1.2" as written is a view into the file; "01.2" or "CORE-1 " is built.
  t.id = canonical_number(number) && in_source(number) ? number : keep(t.key.str());
  id_hashes_.push_back(TaskIndex::hash_of(t.id));
  t.mark = box == Box::done ? TaskMark::done : box == Box::in_progress ? TaskMark::in_progress : TaskMark::pending;
  t.optional = optional;
  t.from_heading = from_heading;
  t.line = line;
  raw_titles_.push_back({title, nullptr});
  description_.push_back(nullptr);
  trailing_dot_.push_back(trailing_dot);
  dep_start_.push_back(static_cast<uint32_t>(dep_tokens_.size()));
  any_heading_ = any_heading_ || from_heading;
  any_named_ = any_named_ || t.key.named();
  take_parent(static_cast<int>(file_.tasks.size()) - 1);
  ListRuns& runs = runs_.emplace_back();
  auto at = [](const auto& list, uint32_t (&run)[2]) { run[0] = run[1] = static_cast<uint32_t>(list.size()); };
  at(text_->requirements, runs.requirements);
  at(text_->annotations, runs.annotations);
  at(text_->boundary, runs.boundary);
  at(text_->checklist, runs.checklist);
  return static_cast<int>(file_.tasks.size()) - 1;
}

// "1.1-1.3": the ids of the range, or the text as written when it is not one.
void Builder::add_requirement_range(std::string_view first, std::string_view last) {
  auto add = [&](std::string_view built, std::string_view written) {
    add_requirement(!written.empty() && in_source(written) ? written : keep(built));
  };
  if (add_simple_range(first, last, add)) return;
  auto a = TaskId::parse(first), b = TaskId::parse(last);
  if (a && b && a->prefix() == b->prefix() && a->parts().back() <= b->parts().back() &&
      b->parts().back() - a->parts().back() <= 500) {
    std::string prefix = a->depth() > 1 ? a->prefix().str() + "." : "";
    for (int k = a->parts().back(); k <= b->parts().back(); ++k) add_requirement(keep(prefix + std::to_string(k)));
  } else {
    add_requirement(keep(fmt::format("{}-{}", first, last)));
  }
}

void Builder::add_requirements(std::string_view value) {
  if (add_numbered_requirements(value)) return;
  parse_id_list(value, ids_);
  for (const auto& tok : ids_) {
    if (!tok.is_id || tok.last.empty()) add_requirement(keep(tok.first));
    else add_requirement_range(tok.first, tok.last);
  }
}

// The list nearly every task writes, "1.1-1.3" or "2.1, 2.4": numbered ids
// and ranges between commas, nothing else. Read straight from the text (what
// parse_id_list reads it as, without its tokens); false, and nothing added,
// for any other list.
bool Builder::add_numbered_requirements(std::string_view value) {
  constexpr size_t kMost = 16;
  std::pair<std::string_view, std::string_view> items[kMost];  // first, last (empty: one id)
  size_t count = 0;
  for (size_t start = 0; start <= value.size();) {
    size_t end = std::min(value.find(',', start), value.size());
    std::string_view item = trim(value.substr(start, end - start));
    start = end + 1;
    if (item.empty()) continue;
    if (count == kMost) return false;
    const size_t dash = item.find('-');
    std::string_view first = item.substr(0, dash), last = dash == std::string_view::npos ? std::string_view() : item.substr(dash + 1);
    if (!numbered_id_text(first) || (dash != std::string_view::npos && !numbered_id_text(last))) return false;
    items[count++] = {first, last};
  }
  for (size_t k = 0; k < count; ++k) {
    auto [first, last] = items[k];
    if (last.empty()) add_requirement(in_source(first) ? first : keep(first));
    else add_requirement_range(first, last);
  }
  return true;
}

// The labels the planner and `analyze` read besides dependencies.
void Builder::known_label(Task& task, std::string_view label, std::string_view value) {
  std::string l = lower_ascii(trim(label));
  if (l == "boundary") {
    for (const auto& part : parse_id_list(value)) {  // free text: one token per comma
      std::string_view name = trim(part.first);
      if (name.empty()) continue;
      text_->boundary.push_back(keep(strip_markdown(name)));
      runs_[size_t(current_)].boundary[1] = static_cast<uint32_t>(text_->boundary.size());
    }
  } else if (l == "contracts" || l == "contract") {
    task.contracts = display(value);
  } else if (l == "parallel group" || l == "group") {
    std::string lower = lower_ascii(value);
    if (lower.rfind("none", 0) != 0) task.group = display(value);
  } else if (l == "estimated duration" || l == "estimate" || l == "duration" || l == "estimated time") {
    task.estimate_seconds = parse_duration_seconds(value);
  }
}

// Inside cc-sdd's `## Implementation Notes` every line is a note, never a
// task or a description; the next heading of the same or a higher level ends it.
bool Builder::notes_line(std::string_view raw, const LineShape& sh) {
  if (notes_level_ == 0) return false;
  if (sh.indent < 4) {
    if (auto heading = parse_heading(sh.text)) {
      if (static_cast<int>(sh.text.find_first_not_of('#')) <= notes_level_) {
        notes_level_ = 0;
        return false;
      }
    }
  }
  (void)raw;
  if (sh.blank()) return true;
  std::string_view text = sh.text;
  if (auto item = parse_list_item(text)) text = item->rest;
  file_.implementation_notes.emplace_back(trim(text));
  return true;
}

void Builder::detail(std::string_view text, int line) {
  Task& task = file_.tasks[current_];
  parse_annotations(text, annotations_);
  const auto& annotations = annotations_;
  if (!annotations.empty()) {
    for (auto& [label, value] : annotations) {
      switch (classify_label(label)) {
        case LabelKind::requirements:
          add_requirements(value);
          break;
        case LabelKind::depends:
          task.declares_depends = true;
          parse_id_list(value, ids_);
          for (auto& tok : ids_) {
            if (tok.is_id) {
              dep_tokens_.push_back({tok, line});  // current_ is the latest task: its run ends the list
            } else {
              warn(line, fmt::format("task {}: cannot read dependency '{}' (expected task ids such as 1.2 or 1.1-1.3)",
                                     task.id, tok.first));
            }
          }
          break;
        case LabelKind::blocked:
          task.blocked_reason = value.empty() ? std::string_view("blocked") : value;
          break;
        case LabelKind::other:
          known_label(task, label, value);
          text_->annotations.emplace_back(label, value);
          runs_[size_t(current_)].annotations[1] = static_cast<uint32_t>(text_->annotations.size());
          break;
      }
    }
    return;
  }
  if (auto prose = prose_dependency(text)) {
    for (auto& tok : parse_id_list(*prose)) {
      if (tok.is_id) dep_tokens_.push_back({tok, line});
    }
  }
  task.description = task.description.empty() ? text : join(task.description, description_[size_t(current_)], text, '\n');
}

void Builder::end_fence(int line) {
  bool graph_section = fence_section_.find("dependency graph") != std::string::npos ||
                       fence_section_.find("task dependencies") != std::string::npos;
  bool json_like = fence_->info.rfind("json", 0) == 0 || fence_->info.empty();
  if (json_like || graph_section) {
    std::string error;
    auto waves = parse_waves_json(fence_body_, error);
    if (waves) {
      for (auto& w : *waves) {
        w.line = fence_line_;
        file_.waves.push_back(std::move(w));
      }
    } else if (graph_section) {
      warn(fence_line_, fmt::format("dependency graph block is not readable: {}", error));
    }
  }
  (void)line;
  fence_.reset();
  fence_body_.clear();
}

void Builder::line(std::string_view raw, int number) {
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  LineShape sh = shape_line(raw);
  if (fence_) {
    if (closes_fence(*fence_, sh.text)) {
      end_fence(number);
    } else {
      fence_body_.append(raw);
      fence_body_ += '\n';
    }
    return;
  }
  if (sh.blank()) {
    title_continues_ = false;
    return;
  }
  if (auto fence = parse_fence(sh.text)) {
    fence_ = fence;
    fence_line_ = number;
    fence_section_ = section_;
    if (!seen_heading_) read_outer_section_ = true;
    title_continues_ = false;
    return;
  }
  if (notes_line(raw, sh)) return;
  if (sh.indent < 4) {
    if (auto heading = parse_heading(sh.text)) {
      section_ = lower_ascii(*heading);
      seen_heading_ = true;
      current_ = -1;
      title_continues_ = false;
      if (section_ == "implementation notes") {
        notes_level_ = static_cast<int>(sh.text.find_first_not_of('#'));
        return;
      }
      if (auto ht = parse_heading_task(*heading)) {
        current_ = add_task(ht->number, Box::pending, false, false, ht->title, number, true);
        current_indent_ = -1;
      }
      return;
    }
  }
  bool under_task = current_ >= 0 && sh.indent > current_indent_;
  if (auto item = parse_list_item(sh.text)) {
    if (auto box = parse_checkbox(item->rest)) {
      if (!box->number.empty()) {
        current_ = add_task(box->number, box->box, box->star_after_box || box->star_after_number,
                            box->trailing_dot, box->title, number, false);
        current_indent_ = sh.indent;
        title_continues_ = true;
        return;
      }
      title_continues_ = false;
      if (under_task) {
        text_->checklist.push_back({box->box == Box::done, display(trim(box->title)), number});
        runs_[size_t(current_)].checklist[1] = static_cast<uint32_t>(text_->checklist.size());
      } else {
        warn(number, fmt::format("checkbox without a task number is not a task: '{}'",
                                 std::string(trim(box->title)).substr(0, 60)));
      }
      return;
    }
    title_continues_ = false;
    if (under_task || (current_ >= 0 && !parse_annotations(item->rest).empty())) {
      detail(item->rest, number);
    } else {
      current_ = -1;
    }
    return;
  }
  if (under_task) {
    if (title_continues_ && parse_annotations(sh.text).empty()) {
      RawTitle& raw = raw_titles_[current_];
      raw.text = join(raw.text, raw.joined, sh.text, ' ');
      return;
    }
    title_continues_ = false;
    detail(sh.text, number);
    return;
  }
  title_continues_ = false;
  if (current_ >= 0 && !parse_annotations(sh.text).empty()) {
    detail(sh.text, number);
    return;
  }
  current_ = -1;
}

// The lists read line by line, as spans, now that no list grows any more.
void Builder::end_part() {
  titles();
  for (size_t i = 0; i < file_.tasks.size(); ++i) {
    Task& t = file_.tasks[i];
    const ListRuns& r = runs_[i];
    // Empty lists are left as they are (most tasks have no annotations,
    // boundary or checklist, and a Task is large).
    auto set = [](auto& field, const auto& list, const uint32_t (&run)[2]) {
      if (run[1] != run[0]) field = std::span(list.data() + run[0], run[1] - run[0]);
    };
    set(t.requirements, text_->requirements, r.requirements);
    set(t.annotations, text_->annotations, r.annotations);
    set(t.boundary, text_->boundary, r.boundary);
    set(t.checklist, text_->checklist, r.checklist);
    if (description_[i]) t.description = *description_[i];
  }
}

// Titles without markup, (P) or a `_Blocked:` on the task line (`/kiro-impl` may write one there).
void Builder::titles() {
  for (size_t i = 0; i < file_.tasks.size(); ++i) {
    std::string_view raw = raw_titles_[i].text;
    std::string unblocked;  // the title without its _Blocked: reason, when it has one
    if (auto at = raw.find("_Blocked:"); at != std::string::npos) {
      auto end = raw.find('_', at + 9);
      std::string_view reason = trim(raw.substr(at + 9, end == std::string::npos ? std::string::npos : end - at - 9));
      file_.tasks[i].blocked_reason = reason.empty() ? std::string_view("blocked") : reason;
      unblocked = std::string(raw);
      unblocked.erase(at, end == std::string::npos ? std::string::npos : end + 1 - at);
      raw = unblocked;
    }
    auto parts = split_title(raw);
    std::string_view title = has_markdown(parts.title) ? keep(trim(strip_markdown(parts.title))) : parts.title;
    file_.tasks[i].title = unblocked.empty() ? title : keep(title);  // `unblocked` goes now
    file_.tasks[i].parallel = parts.parallel;
  }
}

}  // namespace kp::tasks_md
