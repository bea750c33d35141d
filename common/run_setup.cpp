#include "common/run_setup.hpp"

#include "common/scheduler.hpp"
#include "common/task_lifecycle.hpp"

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
    t.deps.assign(leaf.deps.begin(), leaf.deps.end());
    t.priority = leaf.priority;
    t.optional = leaf.optional;
    t.wave = leaf.wave < 0 ? 0 : leaf.wave;
    if (leaf.index >= 0) {
      auto boundary = effective_boundary(file, leaf.index);
      t.boundary.assign(boundary.begin(), boundary.end());
    }
    for (int p = leaf.index >= 0 ? file.tasks[static_cast<size_t>(leaf.index)].parent : -1; p >= 0;
         p = file.tasks[static_cast<size_t>(p)].parent) {
      t.parents.emplace_back(file.tasks[static_cast<size_t>(p)].id);
    }
    const TaskState* before = previous ? previous->find(leaf.id) : nullptr;
    start_from_plan(t, before, leaf.completed, leaf.blocked, leaf.blocked_reason);
    state.tasks.push_back(std::move(t));
  }
  propagate_blocked(state);
  return state;
}

}  // namespace kp
