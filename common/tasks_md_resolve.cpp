// What a Builder does once every line is read (tasks_md_builder.cpp reads
// them): heading tasks without sub-tasks dropped, named ids ranked, parents
// settled with the index of ids, children linked, dependency ranges expanded.
#include "common/tasks_md_builder.hpp"

#include <algorithm>
#include <future>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

namespace kp::tasks_md {

namespace {

// From this many tasks the index of ids is built on a second thread.
constexpr size_t kThreadedFrom = 20000;

}  // namespace

void Builder::rank_named_ids() {
  if (!any_named_) return;
  std::unordered_map<std::string_view, int> rank;  // interned names: views that stay valid
  for (auto& t : file_.tasks) {
    if (!t.key.named()) continue;
    auto [it, inserted] = rank.emplace(t.key.name(), static_cast<int>(rank.size()));
    t.key.set_name_rank(it->second);
  }
}

// A heading such as "## 1. Setup" is a major task only when numbered sub-tasks
// follow it and no checkbox task has the same id.
void Builder::drop_empty_heading_tasks() {
  if (!any_heading_) return;
  std::unordered_set<std::string> checkbox_ids, prefixes;
  for (const auto& t : file_.tasks) {
    if (t.from_heading) continue;
    checkbox_ids.insert(std::string(t.id));
    for (TaskId p = t.key.prefix(); !p.empty(); p = p.prefix()) prefixes.insert(p.str());
  }
  std::vector<int> keep;
  for (int i = 0; i < static_cast<int>(file_.tasks.size()); ++i) {
    const Task& t = file_.tasks[i];
    if (t.from_heading && (checkbox_ids.count(std::string(t.id)) || !prefixes.count(std::string(t.id)))) continue;
    keep.push_back(i);
  }
  if (keep.size() == file_.tasks.size()) return;
  TaskList tasks;
  std::vector<RawTitle> titles;
  std::vector<bool> dots;
  std::vector<size_t> hashes;
  std::vector<DepToken> deps;
  std::vector<uint32_t> dep_start;
  for (int i : keep) {  // the tasks' lists are spans already
    tasks.push_back(std::move(file_.tasks[i]));
    titles.push_back(raw_titles_[i]);
    dots.push_back(trailing_dot_[i]);
    hashes.push_back(id_hashes_[i]);
    dep_start.push_back(static_cast<uint32_t>(deps.size()));
    const auto tokens = dep_tokens_of(size_t(i));
    deps.insert(deps.end(), tokens.begin(), tokens.end());
  }
  file_.tasks = std::move(tasks);
  raw_titles_ = std::move(titles);
  trailing_dot_ = std::move(dots);
  id_hashes_ = std::move(hashes);
  dep_tokens_ = std::move(deps);
  dep_start_ = std::move(dep_start);
}

bool Builder::apply_trailing_dots() {
  const int n = static_cast<int>(file_.tasks.size());
  if (any_heading_) {
    // Heading tasks may have been dropped: the parents taken while reading
    // name the old indexes. Taken again, in one pass, as they were read.
    dotted_ = 0;
    trailing_dotted_.clear();
    elsewhere_.clear();
    no_recent_.clear();
    last_at_depth_.clear();
    for (int i = 0; i < n; ++i) {
      file_.tasks[size_t(i)].parent = -1;
      take_parent(i);
    }
  }
  // "8.5." is a major between 8 and 9; but when every dotted id carries a
  // trailing dot ("1.1. Title" everywhere) the dot is only style.
  size_t dotted_with_dot = 0;
  for (int i : trailing_dotted_) dotted_with_dot += file_.tasks[size_t(i)].from_heading ? 0 : 1;
  const bool dot_means_major = dotted_with_dot < dotted_;
  if (dot_means_major) {
    for (int i : trailing_dotted_) file_.tasks[size_t(i)].parent = -1;
  }
  elsewhere_.insert(elsewhere_.end(), no_recent_.begin(), no_recent_.end());
  no_recent_.clear();
  std::erase_if(elsewhere_, [&](int i) { return !has_parent_id(i, dot_means_major); });
  return dot_means_major;
}

Builder::Indexed Builder::index_ids() {
  const size_t n = file_.tasks.size();
  Indexed r;
  file_.index.reserve(file_.tasks, n);
  r.first_of_id.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const int first = file_.index.insert(file_.tasks, static_cast<int>(i), id_hashes_[i]);
    r.first_of_id[i] = first == static_cast<int>(i);
    if (first != static_cast<int>(i)) r.repeats.emplace_back(static_cast<int>(i), first);
  }
  return r;
}

bool Builder::settle_parents(const Indexed& indexed, bool dot_means_major) {
  // A numbered canonical id's prefixes are its text up to each dot ("5.2.1": "5.2", "5").
  auto look_up_parent = [&](int i) {
    Task& t = file_.tasks[i];
    std::string_view prefix = t.id;
    for (auto dot = prefix.rfind('.'); dot != std::string_view::npos; dot = prefix.rfind('.')) {
      prefix = prefix.substr(0, dot);
      int found = file_.index.find(file_.tasks, prefix);
      if (found >= 0 && found != i) {
        t.parent = found;
        return;
      }
    }
  };
  for (auto [i, first] : indexed.repeats) {
    const Task& t = file_.tasks[size_t(i)];
    file_.duplicates.push_back({std::string(t.id), file_.tasks[size_t(first)].line, t.line});
    warn(t.line, fmt::format("duplicate task id {} (also on line {}): tasks must have unique ids; `run` refuses until it is fixed",
                             t.id, file_.tasks[size_t(first)].line));
  }
  if (indexed.repeats.empty()) {
    for (int i : elsewhere_) look_up_parent(i);  // tasks whose parent is not the latest task one level up
    return !elsewhere_.empty();
  }
  // A repeated id: the parent is the first task of the prefix id, which
  // the latest task one level up is only when it is that first task.
  for (int i = 0; i < static_cast<int>(file_.tasks.size()); ++i) {
    Task& t = file_.tasks[i];
    if (!has_parent_id(i, dot_means_major)) continue;
    if (t.parent >= 0 && indexed.first_of_id[size_t(t.parent)]) continue;
    t.parent = -1;
    look_up_parent(i);
  }
  return true;
}

// Each task's children as one run of TaskFileText::children: counted, then placed (file order).
void Builder::link_children() {
  const size_t n = file_.tasks.size();
  std::vector<uint32_t> start(n + 1, 0);
  TaskFile::Marks marks;
  for (auto& t : file_.tasks) {
    t.major = t.parent < 0;
    t.children = {};  // linked again when the index moved a parent
    if (t.parent >= 0) ++start[size_t(t.parent) + 1];
    marks.parallel += t.parallel;
    marks.declaring_leaves += t.declares_depends;  // the parents' are taken off below
  }
  for (size_t i = 0; i < n; ++i) start[i + 1] += start[i];
  std::vector<int>& children = text_->children;
  children.resize(start[n]);
  std::vector<uint32_t> next(start.begin(), start.end() - 1);
  for (size_t i = 0; i < n; ++i) {
    if (int p = file_.tasks[i].parent; p >= 0) children[next[size_t(p)]++] = static_cast<int>(i);
  }
  size_t parents = 0;
  for (size_t i = 0; i < n; ++i) {
    if (start[i] == start[i + 1]) continue;
    Task& parent = file_.tasks[i];
    parent.children = {children.data() + start[i], start[i + 1] - start[i]};
    marks.declaring_leaves -= parent.declares_depends;
    ++parents;
  }
  marks.leaves = n - parents;
  file_.marks = marks;
}

// The tasks of a's depth with a <= key <= b, in file order. Tasks sorted by
// key once per depth: a range costs a binary search, not a pass over the file,
// and no search when a names a task (measured at 100,000 tasks with 63,630
// ranges: the searches' scattered reads into the Tasks, and a sort of tasks
// already in key order, were ~6 ms of the parse).
std::vector<int> Builder::tasks_in_range(const TaskId& a, const TaskId& b, int a_task) {
  std::vector<int> out;
  if (a.named() || b.named()) {  // ranked and unranked named ids order differently: look at each task
    for (int i = 0; i < static_cast<int>(file_.tasks.size()); ++i) {
      const TaskId& k = file_.tasks[static_cast<size_t>(i)].key;
      if (k.depth() == a.depth() && !(k < a) && !(b < k)) out.push_back(i);
    }
    return out;
  }
  auto key = [&](int i) -> const TaskId& { return file_.tasks[static_cast<size_t>(i)].key; };
  if (by_depth_.size() <= a.depth()) by_depth_.resize(a.depth() + 1);
  DepthOrder& order = by_depth_[a.depth()];
  std::vector<int>& sorted = order.sorted;
  if (sorted.empty()) {
    for (int i = 0; i < static_cast<int>(file_.tasks.size()); ++i) {
      if (key(i).depth() == a.depth()) sorted.push_back(i);
    }
    auto by_key = [&](int x, int y) { return key(x) < key(y); };
    // Files are nearly always written in key order: one pass checks it.
    if (!std::is_sorted(sorted.begin(), sorted.end(), by_key)) std::stable_sort(sorted.begin(), sorted.end(), by_key);
    order.place.resize(file_.tasks.size());
    for (size_t k = 0; k < sorted.size(); ++k) order.place[size_t(sorted[k])] = static_cast<uint32_t>(k);
  }
  // A task a names is the first of its id in file order (the index's), so
  // the first by key: the sort is stable.
  auto first = a_task >= 0 && key(a_task) == a
                   ? sorted.begin() + order.place[size_t(a_task)]
                   : std::lower_bound(sorted.begin(), sorted.end(), a, [&](int i, const TaskId& k) { return key(i) < k; });
  for (auto it = first; it != sorted.end() && !(b < key(*it)); ++it) out.push_back(*it);
  if (!std::is_sorted(out.begin(), out.end())) std::sort(out.begin(), out.end());
  return out;
}

// Each task's dependencies as one run of TaskFileText::depends (their lines beside, in depends_lines).
void Builder::expand_dependencies() {
  std::vector<std::string_view>& depends = text_->depends;
  std::vector<int>& lines = text_->depends_lines;
  std::vector<int>& named = text_->depends_tasks;
  std::vector<uint32_t> start(file_.tasks.size() + 1, 0);
  auto add = [&](std::string_view id, int line, int task) {
    depends.push_back(id);
    lines.push_back(line);
    named.push_back(task);
  };
  auto add_found = [&](std::string_view id, int line) { add(id, line, file_.index.find(file_.tasks, id)); };
  // A range's tasks, each once, the first task of each id: a repeated id's
  // tasks share one key, so the first in file order (the index's) comes first.
  auto add_range = [&](const std::vector<int>& tasks, int line) {
    const size_t before = depends.size();
    for (int k : tasks) {
      const Task& other = file_.tasks[static_cast<size_t>(k)];
      if (std::find(depends.begin() + static_cast<long>(before), depends.end(), other.id) == depends.end()) add(other.id, line, k);
    }
  };
  // The last range read, when it named tasks: the next task often writes
  // the same (measured at 100,000 tasks, seven in a row per range: the
  // parse 35 -> 29 ms).
  std::string_view range_first, range_last;
  std::vector<int> range_tasks;
  // Room for a range of three per entry: the lists never move while they grow.
  depends.reserve(3 * dep_tokens_.size());
  lines.reserve(3 * dep_tokens_.size());
  named.reserve(3 * dep_tokens_.size());
  for (size_t i = 0; i < file_.tasks.size(); ++i) {
    start[i] = static_cast<uint32_t>(depends.size());
    for (const auto& dep : dep_tokens_of(i)) {
      if (!range_tasks.empty() && dep.token.first == range_first && dep.token.last == range_last) {
        add_range(range_tasks, dep.line);
        continue;
      }
      // An id written as a task's canonical id (nearly always) is found by its
      // text: nothing parsed or built (a canonical id parses to itself).
      if (int j = dep.token.last.empty() ? file_.index.find(file_.tasks, dep.token.first) : -1; j >= 0) {
        add(file_.tasks[size_t(j)].id, dep.line, j);
        continue;
      }
      auto a = TaskId::parse(dep.token.first);
      if (!a) continue;
      if (dep.token.last.empty()) {
        int j = file_.index.find(file_.tasks, a->str());  // the task's own text when there is one: nothing kept
        add(j >= 0 ? file_.tasks[size_t(j)].id : keep(a->str()), dep.line, j);
        continue;
      }
      auto b = TaskId::parse(dep.token.last);
      if (!b) continue;
      range_tasks = tasks_in_range(*a, *b, file_.index.find(file_.tasks, dep.token.first));
      range_first = dep.token.first;
      range_last = dep.token.last;
      add_range(range_tasks, dep.line);
      if (range_tasks.empty()) {  // nothing in range: let the planner name both ends
        add_found(keep(a->str()), dep.line);
        add_found(keep(b->str()), dep.line);
      }
    }
  }
  start[file_.tasks.size()] = static_cast<uint32_t>(depends.size());
  for (size_t i = 0; i < file_.tasks.size(); ++i) {
    if (start[i] == start[i + 1]) continue;  // empty already: most tasks state none, and a Task is large
    file_.tasks[i].depends = {depends.data() + start[i], start[i + 1] - start[i]};
  }
}

TaskFile Builder::finish() {
  if (fence_) {
    warn(fence_line_, "code fence is never closed: the rest of the file is read as code, not tasks");
    fence_.reset();
  }
  drop_empty_heading_tasks();
  rank_named_ids();
  const bool dot_means_major = apply_trailing_dots();
  // The index of ids and then each task's dependency list (which the index
  // resolves) on a second thread for a large file; meanwhile each task's
  // children, unless the index may still move a parent.
  auto indexing = std::async(file_.tasks.size() >= kThreadedFrom ? std::launch::async : std::launch::deferred, [this] {
    Indexed indexed = index_ids();
    expand_dependencies();
    return indexed;
  });
  const bool linked = elsewhere_.empty();
  if (linked) link_children();
  const Indexed indexed = indexing.get();
  if (settle_parents(indexed, dot_means_major) || !linked) link_children();
  file_.text = std::move(text_);
  std::stable_sort(file_.waves.begin(), file_.waves.end(),
                   [](const WaveHint& a, const WaveHint& b) { return a.number < b.number; });
  if (file_.tasks.empty()) warn(1, "no numbered tasks found (expected lines such as '- [ ] 1.1 Title')");
  return std::move(file_);
}

}  // namespace kp::tasks_md
