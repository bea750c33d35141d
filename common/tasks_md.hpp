// tasks.md as people really write it (cc-sdd and the Kiro IDE, edited by
// hand): the grammar is /shared/tasks-md-grammar.md. The parser is lenient: it
// reads what it can and reports the rest as warnings naming the line.
#pragma once
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/mapped_file.hpp"
#include "common/task_id.hpp"
#include "common/text_arena.hpp"

namespace kp {

enum class TaskMark : uint8_t { pending, done, in_progress };

struct Diagnostic {
  int line = 0;  // 1-based; 0 when the message is about the whole file
  std::string message;
};

// An unnumbered checkbox under a task: part of that task, never run alone.
struct ChecklistItem {
  bool done = false;
  std::string_view text;
  int line = 0;
};

using Annotation = std::pair<std::string_view, std::string_view>;  // `_Label: value_`

// Where a TaskFile's text lives: the file as read, the few strings the parser
// had to build (joined lines, stripped markup, expanded ranges), and the lists
// tasks hold spans of. Tasks are views into it, so parsing 100,000 tasks
// allocates nothing per task (measured: per-task strings and vectors were
// half of analyze's time, a third of it the kernel zeroing their memory).
// Copies of a TaskFile share it; nothing changes it once parsed.
struct TaskFileText {
  std::string_view source;  // the file's bytes: those of `read` or of `mapped`
  std::string read;
  MappedFile mapped;
  TextArena built;
  std::deque<std::string> joined;  // titles and descriptions read over several lines
  // What the tasks of the file's later parts point into (a large file is read
  // as two parts on two threads).
  std::vector<std::shared_ptr<const TaskFileText>> parts;
  std::vector<std::string_view> requirements, depends, boundary;
  std::vector<int> children;
  std::vector<int> depends_lines, depends_tasks;  // beside each entry of `depends`: its line, the task it names (-1: none)
  std::vector<Annotation> annotations;
  std::vector<ChecklistItem> checklist;
};

// One task as written. Views and spans point into its TaskFile's TaskFileText:
// a Task lives as long as a TaskFile (or a Plan) that holds that text.
struct Task {
  // The fields the planner and the output read on every pass come first: one
  // cache line per task (measured: the plan's passes over 100,000 tasks were
  // bound by how much of each Task they pulled in).
  std::span<const int> children;                // indexes, file order
  std::string_view id;   // canonical: "1.10", "5.2.1"
  int parent = -1;            // index into TaskFile::tasks
  int line = 0;
  TaskMark mark = TaskMark::pending;
  bool major = false;     // top level: no parent task
  bool optional = false;  // `- [ ]* 2.3` or `- [ ] 2.3*`
  bool parallel = false;  // (P)
  bool from_heading = false;  // `## 1. Title` / `## Task 1: Title`
  bool declares_depends = false;       // a dependency label, `None` included
  std::span<const std::string_view> depends;    // written dependency ids, ranges expanded
  std::optional<std::string_view> blocked_reason;
  std::optional<double> estimate_seconds;       // **Estimated Duration:** 30 min
  std::span<const std::string_view> boundary;   // _Boundary: A, B_ (cc-sdd 3)
  std::string_view title;  // markup stripped, no "(P)", no leading ". "
  TaskId key;
  std::span<const std::string_view> requirements;
  std::span<const Annotation> annotations;      // other `_Label: value_`
  std::string_view contracts;                   // _Contracts: ..._
  std::string_view group;                       // **Parallel Group:** (for display)
  std::string_view description;
  std::span<const ChecklistItem> checklist;

  bool is_leaf() const { return children.empty(); }
  bool done() const { return mark == TaskMark::done; }
};
// Views and spans only: the join of a large file's two parts moves 50,000
// tasks as one block of bytes.
static_assert(std::is_trivially_copyable_v<Task>);

// The tasks of a file in file order: a vector's interface over one block of
// Tasks. A large file's two parts fill one block from two places (the second
// part from past the room reserved for the first), so that joining them moves
// the second part's tasks down by a few places in memory already touched,
// instead of copying them into fresh memory (measured at 100,000 tasks: the
// copy was ~3-4 ms and 15 MB more memory).
class TaskList {
 public:
  TaskList() = default;
  ~TaskList() { release(); }
  TaskList(const TaskList& other);
  TaskList& operator=(const TaskList& other);
  TaskList(TaskList&& other) noexcept;
  TaskList& operator=(TaskList&& other) noexcept;

  // Room for `count` tasks at `at` (in a block another list owns, which
  // outlives this one); past it, the list moves to a block of its own.
  static TaskList in_room(Task* at, size_t count);
  bool owns() const { return owns_; }
  // The `count` tasks a list in this block's room wrote at its start become this list's.
  void assume_filled(size_t count) { size_ = count; }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  Task* data() { return data_; }
  const Task* data() const { return data_; }
  Task& operator[](size_t i) { return data_[i]; }
  const Task& operator[](size_t i) const { return data_[i]; }
  Task* begin() { return data_; }
  Task* end() { return data_ + size_; }
  const Task* begin() const { return data_; }
  const Task* end() const { return data_ + size_; }
  Task& back() { return data_[size_ - 1]; }
  const Task& back() const { return data_[size_ - 1]; }

  void reserve(size_t count);
  Task& emplace_back();
  void push_back(const Task& task) { emplace_back() = task; }
  // Appends `tasks` (of another list) with each parent index shifted by
  // `shift`; they may lie further on in this list's own block (a part read
  // into the room past this one's): moved down, in one pass.
  void append_shifted(const Task* tasks, size_t count, int shift);

 private:
  void release();
  Task* data_ = nullptr;
  size_t size_ = 0, capacity_ = 0;
  bool owns_ = true;  // false: room in another list's block
};

struct DuplicateId {
  std::string id;
  int first_line = 0;
  int second_line = 0;
};

// Kiro's "## Task Dependency Graph" waves: wave N runs after waves 0..N-1.
struct WaveHint {
  int number = 0;
  std::vector<std::string> tasks;
  int line = 0;  // the line of the JSON block
};

struct Task;

// Canonical task id -> the first task of that id. Open addressing over task
// indexes (not views: a copied TaskFile's index stays right):
// no node or string allocated per task, one probe into a flat table.
class TaskIndex {
 public:
  static size_t hash_of(std::string_view id) { return std::hash<std::string_view>{}(id); }
  void reserve(const TaskList& tasks, size_t count);
  // Adds task `i` under its id (whose hash_of is `hash`) unless the id is
  // there; returns the task the id names.
  int insert(const TaskList& tasks, int i, size_t hash);
  int find(const TaskList& tasks, std::string_view id) const;  // -1 if none

 private:
  // A task and the high half of its id's hash side by side: one cache line
  // read per probe (measured at 100,000 tasks: separate arrays of tasks and
  // hashes, two misses per insert, made the index ~10 ms).
  struct Slot {
    int task = -1;  // -1: empty
    uint32_t tag = 0;
  };
  static uint32_t tag_of(size_t hash) { return static_cast<uint32_t>(hash >> 32); }
  void grow(const TaskList& tasks, size_t slots);
  std::vector<Slot> slots_;  // size a power of two
  size_t used_ = 0;
};

struct TaskFile {
  std::string path;
  std::shared_ptr<const TaskFileText> text;  // what the tasks' views point into
  TaskList tasks;  // file order
  std::vector<Diagnostic> warnings;
  std::vector<Diagnostic> errors;
  std::vector<DuplicateId> duplicates;
  std::vector<WaveHint> waves;  // sorted by number; empty without a graph
  // cc-sdd's `## Implementation Notes` (written by /kiro-impl): one entry per line.
  std::vector<std::string_view> implementation_notes;

  // Index of the first task with this id (canonical or as written), -1 if none.
  int find(std::string_view id) const;
  // The line that wrote entry `k` of `task.depends` (a task of this file). A
  // lookup, not a span in every Task: the dependencies' pass writes one span
  // per task, one cache line (measured at 100,000 tasks: two were ~1 ms).
  int depends_line(const Task& task, size_t k) const { return text->depends_lines[depends_at(task, k)]; }
  // The task that entry `k` of `task.depends` names, as find() gives it (-1:
  // none), resolved when the dependencies were read: no second lookup by id.
  int depends_task(const Task& task, size_t k) const { return text->depends_tasks[depends_at(task, k)]; }
  size_t depends_at(const Task& task, size_t k) const { return static_cast<size_t>(task.depends.data() - text->depends.data()) + k; }

  TaskIndex index;  // canonical id -> first task
  // What order auto looks at, counted as the tasks are linked to their
  // parents (measured at 100,000 tasks: a pass of its own over the Tasks was 1.2 ms).
  struct Marks {
    size_t parallel = 0;          // tasks marked (P)
    size_t leaves = 0;            // tasks without sub-tasks
    size_t declaring_leaves = 0;  // of those, the ones with a dependency label (`None` included)
  } marks;
};

TaskFile parse_tasks_md(std::string text, std::string path);
inline TaskFile parse_tasks_md(std::string_view text, std::string path) { return parse_tasks_md(std::string(text), std::move(path)); }
inline TaskFile parse_tasks_md(const char* text, std::string path) { return parse_tasks_md(std::string(text), std::move(path)); }

// Reads and parses a tasks.md. UsageError naming the file when it is missing,
// unreadable, a folder, or not text (NUL bytes, mostly invalid UTF-8).
// `map_large`: a large file is mapped, not read (common/mapped_file: for a
// one-shot command, since the process ends if the file is cut short meanwhile).
enum class TasksMdAccess { read, map_large };
TaskFile load_tasks_md(const std::filesystem::path& path, TasksMdAccess access = TasksMdAccess::read);

// "path:line: message" (or "path: message" for line 0).
std::string format_diagnostic(const TaskFile& file, const Diagnostic& diagnostic);

// "30 min", "2 hours", "1.5h", "1-2 days" (the mean of a range), "45s";
// nullopt for text that is not a duration.
std::optional<double> parse_duration_seconds(std::string_view text);

// True when the bytes look like a binary file rather than text.
bool looks_binary(std::string_view bytes);

}  // namespace kp
