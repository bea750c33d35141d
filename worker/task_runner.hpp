// One claimed task, start to finish: worktree, tmux session, agent, monitor,
// commit, merge, record. The state file says where it got to, so a worker
// that resumes a dead worker's task carries on from there.
#pragma once
#include <atomic>

#include "common/spec_paths.hpp"
#include "common/start_gate.hpp"
#include "worker/task_claim.hpp"

namespace kp {

enum class TaskEnd { completed, failed, conflict, stopped, interrupted, committed };
std::string_view to_string(TaskEnd end);

// `start_slot` (the start gate's, start_gate.hpp) is released once the start
// phase is over: the agent shows its input prompt, a person is asked, or the
// monitor ended.
TaskEnd run_claimed_task(const SpecPaths& paths, int worker_id, const Claim& claim,
                         const std::atomic<bool>& stop, StartSlot& start_slot);

}  // namespace kp
