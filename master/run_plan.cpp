#include "master/run_plan.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/scheduler.hpp"

namespace kp {

RunPlan load_run_plan(const SpecPaths& paths, const Settings& settings,
                      const std::optional<std::string>& order_flag, bool skip_optional_flag) {
  RunPlan out;
  out.file = load_tasks_md(paths.tasks_md);
  PlanOptions options;
  std::string order_text = order_flag.value_or(settings.order);
  auto order = parse_task_order(order_text);
  if (!order) throw UsageError(fmt::format("run: --order must be majors or strict, not '{}'", order_text));
  options.order = *order;
  options.skip_optional = skip_optional_flag || settings.skip_optional;
  options.durations = median_durations(read_completions(paths.completed_json));
  out.plan = make_plan(out.file, options);
  for (const auto& e : out.file.errors) out.refusal += format_diagnostic(out.file, e) + "\n";
  for (const auto& [first, second] : out.plan.duplicate_ids) {
    out.refusal += format_diagnostic(out.file, second) + "\n";
    out.refusal += fmt::format("{}:{}: (the first one is here)\n", out.file.path, first.line);
  }
  if (!out.plan.duplicate_ids.empty()) {
    out.refusal += "run: task ids must be unique, or the agent cannot tell the tasks apart; fix tasks.md\n";
  }
  if (!out.plan.cycle.empty()) {
    std::string cycle;
    for (const auto& id : out.plan.cycle) cycle += (cycle.empty() ? "" : " -> ") + id;
    out.refusal += fmt::format("{}: dependency cycle: {}\n", out.file.path, cycle);
  }
  out.refuse = !out.refusal.empty();
  return out;
}

void print_run_preview(const SpecPaths& paths, const RunState& state, const AgentProfile& profile) {
  std::string command;
  for (const auto& a : state.config.agent_command) command += (command.empty() ? "" : " ") + a;
  fmt::print("dry run for spec {} (nothing started)\n", paths.spec);
  fmt::print("  profile {}: {}\n", profile.name, command);
  fmt::print("  prompt: {}\n", render_prompt(profile, paths.spec, "<task>"));
  fmt::print("  target branch {}, {} workers, order {}\n", state.config.target_branch, state.config.max_parallel,
             state.config.order);
  StatusCounts counts = count_statuses(state);
  fmt::print("  tasks: {} to run, {} completed, {} blocked\n", counts.pending + counts.running, counts.completed,
             counts.blocked);
  RunState sim = state;
  fmt::print("  first to start:");
  for (int i = 0; i < state.config.max_parallel; ++i) {
    int next = pick_ready_task(sim);
    if (next < 0) break;
    TaskState& t = sim.tasks[static_cast<size_t>(next)];
    fmt::print(" {}", t.id);
    t.status = TaskStatus::running;
  }
  fmt::print("\n");
}

}  // namespace kp
