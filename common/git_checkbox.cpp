#include "common/git_checkbox.hpp"

#include <git2.h>

#include <map>
#include <vector>

#include "common/atomic_file.hpp"
#include "common/git_handle.hpp"
#include "common/task_id.hpp"
#include "common/tasks_md_lines.hpp"

namespace kp::git {

namespace {

struct CheckboxLine {
  size_t mark_pos = 0;  // offset of the mark character inside the line
  std::string id;       // task id, empty for an unnumbered checklist item
};

// The parser's own line grammar (tasks_md_lines): the ticker and the parser
// agree on what a task line, its id and a code fence are.
std::optional<CheckboxLine> parse_checkbox(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  tasks_md::LineShape shape = tasks_md::shape_line(line);
  auto item = tasks_md::parse_list_item(shape.text);
  if (!item) return std::nullopt;
  auto box = tasks_md::parse_checkbox(item->rest);
  if (!box) return std::nullopt;
  CheckboxLine out;
  out.mark_pos = static_cast<size_t>(item->rest.data() - line.data()) + 1;
  if (!box->number.empty()) {
    auto id = TaskId::parse(box->number);
    if (id) out.id = id->str();  // canonical: "01.02" is 1.2
  }
  return out;
}

// Fences and cc-sdd's `## Implementation Notes` (whose lines are never tasks),
// tracked line by line as the parser tracks them.
class LineContext {
 public:
  // True when the line is task text (outside a fence and the notes).
  bool body(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    tasks_md::LineShape shape = tasks_md::shape_line(line);
    if (fence_) {
      if (tasks_md::closes_fence(*fence_, shape.text)) fence_.reset();
      return false;
    }
    if (shape.blank()) return false;
    if ((fence_ = tasks_md::parse_fence(shape.text))) return false;
    if (shape.indent < 4) {
      if (auto heading = tasks_md::parse_heading(shape.text)) {
        int level = static_cast<int>(shape.text.find_first_not_of('#'));
        if (notes_level_ > 0 && level <= notes_level_) notes_level_ = 0;
        if (notes_level_ == 0 && tasks_md::lower_ascii(*heading) == "implementation notes") notes_level_ = level;
        return false;
      }
    }
    return notes_level_ == 0;
  }

 private:
  std::optional<tasks_md::Fence> fence_;
  int notes_level_ = 0;
};

// Lines with their endings, so joining them gives the text back byte for byte.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

// Calls fn(line, checkbox) for every checkbox line outside code fences.
template <typename Fn>
void for_each_checkbox(std::vector<std::string>& lines, Fn fn) {
  LineContext context;
  for (std::string& line : lines) {
    if (!context.body(line)) continue;
    if (auto cb = parse_checkbox(line)) fn(line, *cb);
  }
}

// Key of a checkbox line that survives a change of its mark: the task id, or
// the line with a blank mark for checklist items; plus the occurrence number.
std::string mark_key(const std::string& line, const CheckboxLine& cb) {
  if (!cb.id.empty()) return "id:" + cb.id;
  std::string normalized = line;
  normalized[cb.mark_pos] = ' ';
  while (!normalized.empty() && (normalized.back() == '\n' || normalized.back() == '\r')) normalized.pop_back();
  return "line:" + normalized;
}

struct Marks {
  std::map<std::string, char> by_key;
  std::string normalized;  // text with every mark blanked
};

Marks collect_marks(const std::string& text) {
  Marks m;
  std::vector<std::string> lines = split_lines(text);
  std::map<std::string, int> seen;
  for_each_checkbox(lines, [&](std::string& line, const CheckboxLine& cb) {
    std::string key = mark_key(line, cb);
    key += "#" + std::to_string(seen[key]++);
    const char mark = line[cb.mark_pos];
    m.by_key[key] = mark;
    line[cb.mark_pos] = ' ';
  });
  for (const auto& l : lines) m.normalized += l;
  return m;
}

std::optional<char> find_mark(const Marks& m, const std::string& key) {
  auto it = m.by_key.find(key);
  if (it == m.by_key.end()) return std::nullopt;
  return it->second;
}

char union_mark(std::optional<char> base, std::optional<char> ours, std::optional<char> theirs) {
  if (!ours) return theirs.value_or(' ');
  if (!theirs) return *ours;
  if (*ours == *theirs) return *ours;
  if (base && *ours == *base) return *theirs;
  if (base && *theirs == *base) return *ours;
  if (*ours == 'x' || *ours == 'X') return *ours;
  if (*theirs == 'x' || *theirs == 'X') return *theirs;
  return *ours;
}

struct MergeFileResult {
  git_merge_file_result r{};
  ~MergeFileResult() { lib().merge_file_result_free(&r); }
};

}  // namespace

std::optional<std::string> tick_task_checkbox_text(const std::string& text, const std::string& task_id) {
  std::vector<std::string> lines = split_lines(text);
  auto key = TaskId::parse(task_id);
  const std::string wanted = key ? key->str() : task_id;
  bool changed = false;
  for_each_checkbox(lines, [&](std::string& line, const CheckboxLine& cb) {
    if (cb.id != wanted) return;
    char mark = line[cb.mark_pos];
    if (mark == 'x' || mark == 'X') return;
    line[cb.mark_pos] = 'x';
    changed = true;
  });
  if (!changed) return std::nullopt;
  std::string out;
  for (const auto& l : lines) out += l;
  return out;
}

bool tick_task_checkbox(const std::filesystem::path& tasks_md, const std::string& task_id) {
  auto text = read_file(tasks_md);
  if (!text) return false;
  auto ticked = tick_task_checkbox_text(*text, task_id);
  if (!ticked) return false;
  write_file_atomic(tasks_md, *ticked);
  return true;
}

std::optional<std::string> merge_checkbox_union(const std::optional<std::string>& base,
                                                const std::string& ours, const std::string& theirs) {
  ensure_library();
  Marks b = collect_marks(base.value_or(std::string()));
  Marks o = collect_marks(ours);
  Marks t = collect_marks(theirs);
  git_merge_file_input in_base, in_ours, in_theirs;
  lib().merge_file_input_init(&in_base, GIT_MERGE_FILE_INPUT_VERSION);
  lib().merge_file_input_init(&in_ours, GIT_MERGE_FILE_INPUT_VERSION);
  lib().merge_file_input_init(&in_theirs, GIT_MERGE_FILE_INPUT_VERSION);
  in_base.ptr = b.normalized.data();
  in_base.size = b.normalized.size();
  in_ours.ptr = o.normalized.data();
  in_ours.size = o.normalized.size();
  in_theirs.ptr = t.normalized.data();
  in_theirs.size = t.normalized.size();
  MergeFileResult merged;
  check(lib().merge_file(&merged.r, &in_base, &in_ours, &in_theirs, nullptr), "cannot merge tasks.md");
  if (!merged.r.automergeable) return std::nullopt;

  std::vector<std::string> lines = split_lines(std::string(merged.r.ptr, merged.r.len));
  std::map<std::string, int> seen;
  for_each_checkbox(lines, [&](std::string& line, const CheckboxLine& cb) {
    std::string key = mark_key(line, cb);
    key += "#" + std::to_string(seen[key]++);
    line[cb.mark_pos] = union_mark(base ? find_mark(b, key) : std::nullopt, find_mark(o, key), find_mark(t, key));
  });
  std::string out;
  for (const auto& l : lines) out += l;
  return out;
}

}  // namespace kp::git
