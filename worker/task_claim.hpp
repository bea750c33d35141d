// Claiming work under the spec's .task_lock: a worker resumes a running task
// whose worker died first, else takes the best ready task.
#pragma once
#include <optional>
#include <string>

#include "common/run_state.hpp"

namespace kp {

struct Claim {
  TaskState task;    // the task as claimed
  RunConfig config;  // the run's settings
  bool resumed = false;
};

enum class NoClaim { wait, finished };

struct ClaimResult {
  std::optional<Claim> claim;
  NoClaim why = NoClaim::finished;  // when no claim: wait for running tasks, or nothing left
};

// `resume_only` (kiro-parallel monitor): only a running task nobody live
// holds is taken, never a new one; without one the worker is finished.
ClaimResult claim_task(const SpecPaths& paths, int worker_id, bool resume_only = false);

}  // namespace kp
