// Loading the plan a run executes: tasks.md parsed and planned with the
// run's order, history weights, and the refusals `run` must make (cycle,
// duplicate ids, unreadable lines) that `analyze` only reports.
#pragma once
#include <optional>
#include <string>

#include "common/agent_profile.hpp"
#include "common/planner.hpp"
#include "common/run_state.hpp"
#include "common/settings.hpp"
#include "common/tasks_md.hpp"

namespace kp {

struct RunPlan {
  TaskFile file;
  Plan plan;
  bool refuse = false;
  std::string refusal;  // every reason, one per line, naming file and line
};

RunPlan load_run_plan(const SpecPaths& paths, const Settings& settings,
                      const std::optional<std::string>& order_flag, bool skip_optional_flag);

// What `run --dry-run` shows: the agent, the order, and which tasks would start first.
void print_run_preview(const SpecPaths& paths, const RunState& state, const AgentProfile& profile);

}  // namespace kp
