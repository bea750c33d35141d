// Loading the plan a run executes: tasks.md parsed and planned with the
// run's order, history weights, and the refusals `run` must make (cycle,
// duplicate ids, unreadable lines) that `analyze` only reports; and the
// preflight: the prompt follows what cc-sdd installed, the agent's program
// must be on PATH, spec.json's approval is checked.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "common/agent_profile.hpp"
#include "common/cc_sdd.hpp"
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

// The program execvp would run for argv[0] (a name with a slash is taken as a
// path); nullopt when there is none, or it is not executable.
std::optional<std::string> find_program(const std::string& program);

struct Preflight {
  PromptChoice prompt;
  std::vector<std::string> refusals;  // run must not start: each says what to do
  std::vector<std::string> warnings;  // shown, then the run goes on
};

// Everything `run` checks before it writes any state; `target_branch` is the
// branch task worktrees start from (they hold only what is committed on it).
Preflight run_preflight(const SpecPaths& paths, const Settings& settings, const AgentProfile& profile,
                        const std::vector<std::string>& agent_command, const std::string& target_branch);

// What `run --dry-run` shows: the agent, the prompt and where it came from,
// the order, which tasks would start first and the exact prompt of the first.
void print_run_preview(const SpecPaths& paths, const RunState& state, const AgentProfile& profile,
                       const Preflight& preflight);

}  // namespace kp
