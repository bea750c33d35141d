#include "master/run_plan.hpp"

#include <unistd.h>

#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/git_handle.hpp"
#include "common/git_repo.hpp"
#include "common/scheduler.hpp"
#include "common/spec_meta.hpp"

namespace kp {

RunPlan load_run_plan(const SpecPaths& paths, const Settings& settings,
                      const std::optional<std::string>& order_flag, bool skip_optional_flag) {
  RunPlan out;
  out.file = load_tasks_md(paths.tasks_md);
  PlanOptions options;
  std::string order_text = order_flag.value_or(settings.order);
  auto order = parse_task_order(order_text);
  if (!order) throw UsageError(fmt::format("run: --order must be auto, majors or strict, not '{}'", order_text));
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

namespace {

// True when `rel_path` is in the tree of `branch`'s tip.
bool committed_on(const std::filesystem::path& repo_root, const std::string& branch, const std::string& rel_path) {
  git::RepoPtr repo = git::open_repo(repo_root);
  git_oid tip = git::resolve_branch(repo.get(), branch);
  git::CommitPtr commit = git::lookup_commit(repo.get(), tip);
  git::TreePtr tree = git::commit_tree(commit.get());
  git_tree_entry* entry = nullptr;
  if (git::lib().tree_entry_bypath(&entry, tree.get(), rel_path.c_str()) != 0) return false;
  git::lib().tree_entry_free(entry);
  return true;
}

bool executable_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<std::string> find_program(const std::string& program) {
  if (program.empty()) return std::nullopt;
  if (program.find('/') != std::string::npos) {
    if (executable_file(program)) return program;
    return std::nullopt;
  }
  const char* env = std::getenv("PATH");
  std::string path = env ? env : "/bin:/usr/bin";  // execvp's default without PATH
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    if (executable_file(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

Preflight run_preflight(const SpecPaths& paths, const Settings& settings, const AgentProfile& profile,
                        const std::vector<std::string>& agent_command, const std::string& target_branch) {
  Preflight out;
  if (agent_command.empty()) {
    out.refusals.push_back(fmt::format("run: profile {} has no command: set agent.command in {} or pass --agent-cmd",
                                       profile.name, settings.path));
  } else if (!find_program(agent_command[0])) {
    const char* env = std::getenv("PATH");
    out.refusals.push_back(fmt::format(
        "run: the agent's program '{}' is not {} (PATH={}): install it, or name it with agent.command in {} or --agent-cmd",
        agent_command[0], agent_command[0].find('/') != std::string::npos ? "an executable file" : "on PATH",
        env ? env : "", settings.path));
  }
  out.prompt = choose_prompt(paths.repo_root, profile.name, profile.prompt_template,
                             settings_prompt(settings.raw, profile.name));
  if (out.prompt.missing) out.refusals.push_back(out.prompt.refusal);
  if (!out.prompt.found_relative.empty()) {
    try {
      if (!committed_on(paths.repo_root, target_branch, out.prompt.found_relative)) {
        out.warnings.push_back(fmt::format(
            "run: warning: {} is not committed on {}: the task worktrees start from that branch and will not have "
            "it, so the agent may answer \"Unknown command\"; commit it first",
            out.prompt.found_relative, target_branch));
      }
    } catch (const std::exception&) {
      // An unreadable branch is refused later with its own message.
    }
  }
  SpecMeta meta = load_spec_meta(paths);
  if (meta.tasks_approved == false) {
    out.warnings.push_back(fmt::format(
        "run: warning: {} says the tasks are not approved (approvals.tasks.approved is false); cc-sdd's "
        "kiro-impl stops on unapproved tasks: approve them in spec.json if they are ready",
        meta.source));
  }
  return out;
}

void print_run_preview(const SpecPaths& paths, const RunState& state, const AgentProfile& profile,
                       const Preflight& preflight) {
  std::string command;
  for (const auto& a : state.config.agent_command) command += (command.empty() ? "" : " ") + a;
  AgentProfile sent = profile;
  sent.prompt_template = state.config.prompt_template;
  fmt::print("dry run for spec {} (nothing started)\n", paths.spec);
  fmt::print("  profile {}: {}\n", profile.name, command);
  fmt::print("  prompt: {}  (from {})\n", state.config.prompt_template, preflight.prompt.source);
  fmt::print("  target branch {}, {} workers, order {}\n", state.config.target_branch, state.config.max_parallel,
             state.config.order);
  StatusCounts counts = count_statuses(state);
  fmt::print("  tasks: {} to run, {} completed, {} blocked\n", counts.pending + counts.running, counts.completed,
             counts.blocked);
  RunState sim = state;
  std::string first;
  fmt::print("  first to start:");
  for (int i = 0; i < state.config.max_parallel; ++i) {
    int next = pick_ready_task(sim);
    if (next < 0) break;
    TaskState& t = sim.tasks[static_cast<size_t>(next)];
    fmt::print(" {}", t.id);
    t.status = TaskStatus::running;
    if (i == 0) first = t.id;
  }
  fmt::print("\n");
  if (!first.empty()) fmt::print("  task {} gets: {}\n", first, render_prompt(sent, paths.spec, first));
}

}  // namespace kp
