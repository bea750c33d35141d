#include "worker/task_claim.hpp"

#include "common/scheduler.hpp"
#include "common/spec_paths.hpp"
#include "common/task_lifecycle.hpp"

namespace kp {

namespace {

// A running task nobody live holds: its worker died (or `recover` adopted a
// session). Finishing it first is what keeps a crash from losing it.
TaskState* unowned_running_task(const SpecPaths& paths, RunState& state, int worker_id) {
  for (auto& t : state.tasks) {
    if (t.status == TaskStatus::running && (t.worker == worker_id || !worker_alive(paths, t.worker))) return &t;
  }
  return nullptr;
}

std::string task_worktree(const SpecPaths& paths, const RunState& state, const std::string& id) {
  return (state.config.worktree_root.empty()
              ? default_worktree_path(paths.repo_root, paths.spec, id)
              : std::filesystem::path(state.config.worktree_root) / paths.spec / ("task-" + id))
      .string();
}

}  // namespace

ClaimResult claim_task(const SpecPaths& paths, int worker_id, bool resume_only) {
  ClaimResult result;
  StateLock lock(paths);
  auto state = read_run_state(paths.state_json);
  if (!state) return result;
  if (TaskState* orphan = unowned_running_task(paths, *state, worker_id)) {
    // The claim carries the phase as it was: a resumed task that had reached
    // its commit or merge must go on from there, not run its agent again.
    if (orphan->worktree.empty()) orphan->worktree = task_worktree(paths, *state, orphan->id);
    orphan->session = session_name(paths.spec, orphan->id);
    orphan->branch = branch_name(paths.spec, orphan->id);
    Claim claim{*orphan, state->config, true};
    claim.task.worker = worker_id;
    resume(*state, orphan->id, worker_id);
    result.claim = std::move(claim);
  } else if (int index = resume_only ? -1 : pick_ready_task(*state); index >= 0) {
    const std::string id = state->tasks[static_cast<size_t>(index)].id;
    kp::claim(*state, id, worker_id, session_name(paths.spec, id), branch_name(paths.spec, id),
              task_worktree(paths, *state, id));
    result.claim = Claim{*state->find(id), state->config, false};
  } else {
    result.why = work_remaining(*state) && !resume_only ? NoClaim::wait : NoClaim::finished;
    return result;
  }
  commit_run_state(paths, *state);
  return result;
}

}  // namespace kp
