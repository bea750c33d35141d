#include "common/run_setup.hpp"

#include "common/scheduler.hpp"

namespace kp {

RunState build_run_state(const std::string& spec, const TaskFile& file, const Plan& plan, const RunConfig& config,
                         const std::optional<RunState>& previous) {
  RunState state;
  state.spec = spec;
  state.config = config;
  state.created_at = previous && !previous->created_at.empty() ? previous->created_at : iso8601_utc(now_epoch());
  for (const PlannedTask& leaf : plan.leaves) {
    if (leaf.skipped) continue;
    TaskState t;
    t.id = leaf.id;
    t.title = leaf.title;
    t.deps = leaf.deps;
    t.priority = leaf.priority;
    t.optional = leaf.optional;
    t.wave = leaf.wave < 0 ? 0 : leaf.wave;
    if (leaf.index >= 0) t.boundary = effective_boundary(file, leaf.index);
    for (int p = leaf.index >= 0 ? file.tasks[static_cast<size_t>(leaf.index)].parent : -1; p >= 0;
         p = file.tasks[static_cast<size_t>(p)].parent) {
      t.parents.push_back(file.tasks[static_cast<size_t>(p)].id);
    }
    const TaskState* before = previous ? previous->find(leaf.id) : nullptr;
    if (before) {
      t.attempts = before->attempts;
      t.session = before->session;
      t.branch = before->branch;
      t.worktree = before->worktree;
      t.started_at = before->started_at;
      t.started_epoch = before->started_epoch;
      t.duration = before->duration;
    }
    if (leaf.completed || (before && before->status == TaskStatus::completed)) {
      t.status = TaskStatus::completed;
    } else if (leaf.blocked) {
      t.status = TaskStatus::blocked;
      t.message = leaf.blocked_reason.empty() ? "blocked in tasks.md" : leaf.blocked_reason;
    } else if (before && (before->status == TaskStatus::running || before->status == TaskStatus::conflict)) {
      // A claimed task is resumed by the next worker; a conflict waits for a person.
      t.status = before->status;
      t.worker = before->worker;
      t.phase = before->phase;
      t.phase_since = before->phase_since;
      t.message = before->message;
      t.prompt_sent = before->prompt_sent;
    } else {
      t.status = TaskStatus::pending;
    }
    state.tasks.push_back(std::move(t));
  }
  propagate_blocked(state);
  return state;
}

}  // namespace kp
