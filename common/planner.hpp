// From a parsed tasks.md to a plan: which leaf task waits for which, waves
// (longest-path levels), the critical path, parallelism, blocked tasks, cycles.
// Every algorithm is iterative: a 10,000-deep chain is as fine as a flat list.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/tasks_md.hpp"

namespace kp {

// majors: majors are independent; inside a major a sub-task without explicit
// dependencies waits for the one before it unless it is (P); after a run of
// (P) sub-tasks the next unmarked one waits for the whole run.
// strict: every task waits for all tasks before it, except that a (P) task
// runs with the run of tasks just before it at its level (cc-sdd's rule).
// declared: only the written dependencies (every task states its own).
// automatic (the default, "auto"): declared when every task states its
// dependencies, strict when the file marks where parallelism is ((P),
// cc-sdd 3's _Boundary:_/_Contracts:_), majors with a warning otherwise.
enum class TaskOrder { automatic, majors, strict, declared };
std::optional<TaskOrder> parse_task_order(std::string_view text);  // auto, majors, strict, declared
std::string_view to_string(TaskOrder order);

struct OrderChoice {
  TaskOrder order = TaskOrder::majors;
  std::string reason;                 // one sentence: why this order
  std::optional<Diagnostic> warning;  // majors chosen for want of (P)
};
// What `automatic` means for this file; any other request is kept as it is.
OrderChoice resolve_order(const TaskFile& file, TaskOrder requested);

// A task's _Boundary:_ components, its own or its nearest ancestor's.
std::span<const std::string_view> effective_boundary(const TaskFile& file, int index);

// Two tasks that may run at the same time and name the same boundary.
struct BoundaryOverlap {
  std::string boundary;
  std::string first, second;  // leaf ids, first < second in file order
};

struct PlanOptions {
  TaskOrder order = TaskOrder::automatic;
  bool skip_optional = false;
  std::map<std::string, double> durations;  // task id -> seconds (median of history)
};

// Ids and titles are views into the TaskFile's text, which the Plan holds.
struct PlannedTask {
  int index = -1;  // into TaskFile::tasks
  std::string_view id;
  std::string_view title;
  int line = 0;
  std::span<const std::string_view> deps;  // leaf ids, completed (and skipped) tasks pruned
  std::span<const int> dep_indexes;        // the same, as indexes into TaskFile::tasks
  int wave = -1;                  // 0-based; -1 when it will not run
  double priority = 1;            // longest remaining weighted path to the end, itself included
  bool completed = false;
  bool optional = false;
  bool skipped = false;  // optional and --skip-optional
  bool blocked = false;  // _Blocked:_ on it or an ancestor, or waits for a blocked task
  std::string blocked_reason;
  bool runnable() const { return !completed && !skipped && !blocked; }
};

// What a Plan's views and spans point into; copies of a Plan share it.
struct PlanText {
  std::shared_ptr<const TaskFileText> file;  // ids and titles
  std::vector<std::string_view> deps;        // every leaf's deps, one run each
  std::vector<int> dep_indexes;
  std::vector<std::string_view> wave_ids;  // every wave's ids, one run each
  std::vector<int> wave_leaf_indexes;
};

struct Plan {
  std::shared_ptr<const PlanText> text;
  TaskOrder order = TaskOrder::majors;  // resolved: never automatic
  std::string order_reason;
  std::vector<BoundaryOverlap> boundary_overlaps;
  std::vector<PlannedTask> leaves;  // every leaf task, file order
  std::vector<int> leaf_of_task;    // per task of the file: its index in `leaves`, -1 for a parent
  struct LeafCounts {  // of `leaves`, counted as they are made
    size_t completed = 0, blocked = 0, optional = 0, skipped = 0;
  } leaf_counts;
  // Runs of text's wave lists: one list, not one per wave (strict order
  // makes 50,000 waves of 100,000 tasks).
  std::vector<std::span<const std::string_view>> waves;  // runnable leaves only, ids sorted
  std::vector<std::span<const int>> wave_leaves;         // the same tasks, as indexes into `leaves`
  std::vector<std::string_view> critical_path;       // runnable leaf ids, first to last
  double critical_length = 0;  // weighted (recorded durations, 1 where unknown)
  bool weighted = false;       // durations were given for at least one planned task
  double max_parallelism = 0;
  double avg_parallelism = 0;  // runnable leaves / waves
  std::vector<Diagnostic> warnings;
  std::vector<std::string> cycle;  // "2.1", "3.4", "2.1"; empty if none
  std::vector<std::pair<Diagnostic, Diagnostic>> duplicate_ids;

  int find_leaf(std::string_view id) const;  // index into leaves, -1 if none
};

Plan make_plan(const TaskFile& file, const PlanOptions& options);

// "2.1 -> 3.4 -> 2.1"
std::string format_cycle(const std::vector<std::string>& cycle);

}  // namespace kp
