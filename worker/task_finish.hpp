// The end of a task whose agent is done: tick, commit, stop the session,
// merge into the target branch (waiting while the merge is held), record.
// With config.merge false (run --no-merge) it stops at committed.
#pragma once
#include <atomic>

#include "common/run_state.hpp"
#include "worker/placement.hpp"
#include "worker/task_runner.hpp"

namespace kp {

TaskEnd finish_task(const SpecPaths& paths, const TaskState& task, const RunConfig& config,
                    const Placement& place, const std::atomic<bool>& stop);

// Merges the task's committed branch into the target branch and records the
// end: completed (once), conflict (with how to resolve it) or failed. A held
// merge is waited out while `wait_when_held` (until `stop`: interrupted);
// without it a held merge returns interrupted at once, the task unchanged.
// The worker's and `kiro-parallel merge`'s one merge path.
TaskEnd merge_task_branch(const SpecPaths& paths, const TaskState& task, const RunConfig& config,
                          const WorkPlace& work, const std::atomic<bool>& stop, bool wait_when_held);

// Copies logs/task-<id>_latest.log to logs/task-<id>_<UTC stamp>.log.
void archive_task_log(const SpecPaths& paths, const std::string& task_id);

// The commands that resolve a conflicted task by hand, one per line.
std::string conflict_instructions(const SpecPaths& paths, const TaskState& task,
                                  const std::string& target_branch);

}  // namespace kp
