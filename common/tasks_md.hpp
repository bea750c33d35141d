// tasks.md as people really write it (cc-sdd and the Kiro IDE, edited by
// hand): the grammar is /shared/tasks-md-grammar.md. The parser is lenient: it
// reads what it can and reports the rest as warnings naming the line.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/task_id.hpp"

namespace kp {

enum class TaskMark { pending, done, in_progress };

struct Diagnostic {
  int line = 0;  // 1-based; 0 when the message is about the whole file
  std::string message;
};

// An unnumbered checkbox under a task: part of that task, never run alone.
struct ChecklistItem {
  bool done = false;
  std::string text;
  int line = 0;
};

struct Task {
  std::string id;   // canonical: "1.10", "5.2.1"
  TaskId key;
  std::string title;  // markup stripped, no "(P)", no leading ". "
  TaskMark mark = TaskMark::pending;
  bool major = false;     // top level: no parent task
  bool optional = false;  // `- [ ]* 2.3` or `- [ ] 2.3*`
  bool parallel = false;  // (P)
  bool from_heading = false;  // `## 1. Title` / `## Task 1: Title`
  int parent = -1;            // index into TaskFile::tasks
  std::vector<int> children;  // indexes, file order
  int line = 0;
  std::vector<std::string> depends;  // written dependency ids, ranges expanded
  std::vector<int> depends_lines;    // the line of each entry of `depends`
  std::vector<std::string> requirements;
  std::vector<std::pair<std::string, std::string>> annotations;  // other `_Label: value_`
  std::optional<std::string> blocked_reason;
  bool declares_depends = false;       // a dependency label, `None` included
  std::vector<std::string> boundary;   // _Boundary: A, B_ (cc-sdd 3)
  std::string contracts;               // _Contracts: ..._
  std::string group;                   // **Parallel Group:** (for display)
  std::optional<double> estimate_seconds;  // **Estimated Duration:** 30 min
  std::string description;
  std::vector<ChecklistItem> checklist;

  bool is_leaf() const { return children.empty(); }
  bool done() const { return mark == TaskMark::done; }
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
// indexes (the tasks own the text, so a copied TaskFile's index stays right):
// no node or string allocated per task, one probe into a flat table.
class TaskIndex {
 public:
  void reserve(size_t tasks);
  // Adds task `i` under its id unless the id is there; returns the task the id names.
  int insert(const std::vector<Task>& tasks, int i);
  int find(const std::vector<Task>& tasks, std::string_view id) const;  // -1 if none

 private:
  void grow(size_t slots);
  std::vector<int> slots_;        // task indexes, -1 where empty; size a power of two
  std::vector<size_t> hashes_;    // each slot's hash, to skip most compares and to grow
  size_t used_ = 0;
};

struct TaskFile {
  std::string path;
  std::vector<Task> tasks;  // file order
  std::vector<Diagnostic> warnings;
  std::vector<Diagnostic> errors;
  std::vector<DuplicateId> duplicates;
  std::vector<WaveHint> waves;  // sorted by number; empty without a graph
  // cc-sdd's `## Implementation Notes` (written by /kiro-impl): one entry per line.
  std::vector<std::string> implementation_notes;

  // Index of the first task with this id (canonical or as written), -1 if none.
  int find(std::string_view id) const;

  TaskIndex index;  // canonical id -> first task
};

TaskFile parse_tasks_md(std::string_view text, std::string path);

// Reads and parses a tasks.md. UsageError naming the file when it is missing,
// unreadable, a folder, or not text (NUL bytes, mostly invalid UTF-8).
TaskFile load_tasks_md(const std::filesystem::path& path);

// "path:line: message" (or "path: message" for line 0).
std::string format_diagnostic(const TaskFile& file, const Diagnostic& diagnostic);

// "30 min", "2 hours", "1.5h", "1-2 days" (the mean of a range), "45s";
// nullopt for text that is not a duration.
std::optional<double> parse_duration_seconds(std::string_view text);

// True when the bytes look like a binary file rather than text.
bool looks_binary(std::string_view bytes);

}  // namespace kp
