#include "worker/task_claim.hpp"

#include "common/scheduler.hpp"
#include "common/spec_paths.hpp"

namespace kp {

ClaimResult claim_task(const SpecPaths& paths, int worker_id) {
  ClaimResult result;
  StateLock lock(paths);
  auto state = read_run_state(paths.state_json);
  if (!state) return result;
  TaskState* chosen = nullptr;
  bool resumed = false;
  // 1. A running task nobody live holds: its worker died (or `recover` adopted
  //    a session). Finishing it first is what keeps a crash from losing it.
  for (auto& t : state->tasks) {
    if (t.status != TaskStatus::running) continue;
    if (t.worker == worker_id || !worker_alive(paths, t.worker)) {
      chosen = &t;
      resumed = true;
      break;
    }
  }
  // 2. The best ready task.
  if (!chosen) {
    int index = pick_ready_task(*state);
    if (index >= 0) {
      chosen = &state->tasks[static_cast<size_t>(index)];
      chosen->status = TaskStatus::running;
      chosen->attempts += 1;
      chosen->started_epoch = now_epoch();
      chosen->started_at = iso8601_utc(chosen->started_epoch);
      chosen->prompt_sent = false;
      chosen->duration.reset();
      chosen->message.clear();
    }
  }
  if (!chosen) {
    result.why = work_remaining(*state) ? NoClaim::wait : NoClaim::finished;
    return result;
  }
  chosen->worker = worker_id;
  chosen->session = session_name(paths.spec, chosen->id);
  chosen->branch = branch_name(paths.spec, chosen->id);
  if (chosen->worktree.empty()) {
    chosen->worktree = (state->config.worktree_root.empty()
                            ? default_worktree_path(paths.repo_root, paths.spec, chosen->id)
                            : std::filesystem::path(state->config.worktree_root) / paths.spec /
                                  ("task-" + chosen->id))
                           .string();
  }
  // The claim carries the phase as it was: a resumed task that had reached its
  // commit or merge must go on from there, not run its agent again.
  Claim claim{*chosen, state->config, resumed};
  chosen->phase = resumed ? "resuming (was: " + chosen->phase + ")" : "claimed";
  chosen->phase_since = now_epoch();
  result.claim = std::move(claim);
  write_run_state(paths.state_json, *state);
  return result;
}

}  // namespace kp
