#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "common/agent_profile.hpp"
#include "common/approval_policy.hpp"
#include "common/error.hpp"
#include "common/git_repo.hpp"
#include "common/agent_footprint.hpp"
#include "common/machine_capacity.hpp"
#include "common/planner.hpp"
#include "common/run_setup.hpp"
#include "common/run_state.hpp"
#include "common/settings.hpp"
#include "common/start_gate.hpp"
#include "common/tasks_md.hpp"
#include "common/tmux_client.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/master_launch.hpp"
#include "master/run_plan.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdRun = {
    .name = "run",
    .summary = "start the detached master (unless one runs) and watch the run",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options =
        {
            {{"--max-parallel"},
             "N",
             "workers, i.e. agents at once (setting max_parallel, default 3); auto: from the cores, free "
             "memory and the plan's width (says why)"},
            {{"--wave"}, "M", "run only tasks of waves 0..M (see analyze)"},
            {{"--dry-run"}, "", "print what would run, start nothing"},
            {{"--no-watch"}, "", "start the master and return at once"},
            {{"--no-merge"},
             "",
             "stop each task at committed on its branch (setting merge: false); dependents wait; "
             "kiro-parallel merge <spec> [task] merges them"},
            {{"--agent-cmd"}, "CMD", "the agent's command line, split on spaces (setting agent.command)"},
            {.names = {"--profile"},
             .argument = "NAME",
             .help = "agent profile: claude, codex, gemini, aider, custom (agent.profile)",
             .value = ValueKind::profile,
             .in_usage = false},
            {.names = {"--order"},
             .argument = "ORDER",
             .help = "auto (default), majors or strict (setting order; see analyze)",
             .choices = {"auto", "majors", "strict"},
             .in_usage = false},
            {.names = {"--skip-optional"}, .help = "do not run optional (*) tasks", .in_usage = false},
            {.names = {"--approve"},
             .argument = "MODE",
             .help = "permission prompts for this run: policy, allowlist, all or none (setting approve.mode; "
                     "see \"Approval policy\" in the README)",
             .choices = {"policy", "allowlist", "all", "none"},
             .in_usage = false},
            {.names = {"--target"},
             .argument = "BRANCH",
             .help = "merge into BRANCH (setting target_branch; default: the checked-out branch)",
             .in_usage = false},
            {.names = {"--tmux-socket"},
             .argument = "NAME",
             .help = "run sessions on tmux -L NAME (setting tmux_socket; default server)",
             .in_usage = false},
            {.names = {"--interval"},
             .argument = "S",
             .help = "watch refresh interval in seconds (default 1)",
             .in_usage = false},
        },
    .help = "",
    .handler = handler,
};

namespace {

// --max-parallel N|auto, else max_parallel N|"auto" of the settings. `why`
// says how auto chose ("auto: 8 cores, 20 GB free, ..."), empty otherwise.
int choose_max_parallel(const ParsedArgs& parsed, const SpecPaths& paths, const Settings& settings, const Plan& plan,
                        const std::string& profile, std::string& why) {
  bool automatic = parsed.value("--max-parallel") ? *parsed.value("--max-parallel") == "auto" : settings.max_parallel_auto;
  if (!automatic) return static_cast<int>(parsed.integer("--max-parallel", 1, 256).value_or(settings.max_parallel));
  int width = static_cast<int>(std::max(plan.max_parallelism, 1.0));
  AutoWorkers chosen = choose_workers(read_machine_facts(), footprint_for(paths.logs_dir, profile), width);
  why = chosen.reason;
  return chosen.workers;
}

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  Settings settings = load_settings(paths);
  RunPlan run_plan = load_run_plan(paths, settings, parsed.value("--order"), parsed.has("--skip-optional"));
  if (run_plan.refuse) {
    fmt::print(stderr, "{}", run_plan.refusal);
    return kExitUsage;
  }
  AgentProfile profile = resolve_profile(settings.raw, settings.path, parsed.value("--profile"));

  RunConfig config;
  std::string workers_why;
  config.max_parallel = choose_max_parallel(parsed, paths, settings, run_plan.plan, profile.name, workers_why);
  config.max_wave = static_cast<int>(parsed.integer("--wave", 0, 1000000).value_or(-1));
  config.profile = profile.name;
  config.agent_command = profile.command;
  if (auto cmd = parsed.value("--agent-cmd")) {
    config.agent_command = split_words(*cmd);
    if (config.agent_command.empty()) throw UsageError("run: --agent-cmd is empty");
  }
  config.tmux_socket = parsed.value("--tmux-socket").value_or(settings.tmux_socket);
  config.order = std::string(to_string(run_plan.plan.order));
  if (auto mode = parsed.value("--approve")) {
    approval_mode_from_string(*mode, "run --approve");  // UsageError on a bad mode
    config.approve_mode = *mode;
  }
  config.worktree_root = settings.worktree_root;
  config.poll_interval_ms = settings.poll_interval_ms;
  config.max_starting = settings.max_starting > 0 ? settings.max_starting : default_max_starting(read_machine_facts().cores);
  config.task_timeout_minutes = settings.task_timeout_minutes;
  config.run_timeout_minutes = settings.run_timeout_minutes;
  if (config.run_timeout_minutes > 0) config.run_deadline_epoch = now_epoch() + config.run_timeout_minutes * 60.0;
  config.retries = settings.retries;
  config.merge = settings.merge && !parsed.has("--no-merge");
  config.stuck_after_seconds = settings.stuck_after_seconds;
  config.enter_while_attached = settings.enter_while_attached;
  config.commit_message = settings.commit_message;
  config.merge_message = settings.merge_message;
  config.agent_env = settings.agent_env;
  config.target_branch = parsed.value("--target").value_or(settings.target_branch);
  if (config.target_branch.empty()) {
    try {
      config.target_branch = git::current_branch(paths.repo_root);
    } catch (const std::exception& e) {
      throw UsageError(fmt::format("run: cannot tell the target branch ({}); set target_branch or pass --target", e.what()));
    }
  }
  if (!git::branch_exists(paths.repo_root, config.target_branch)) {
    throw UsageError(fmt::format("run: target branch '{}' does not exist", config.target_branch));
  }
  try {
    git::require_identity(paths.repo_root);
  } catch (const RuntimeError& e) {
    throw UsageError(fmt::format("run: {}", e.what()));  // a setup problem: nothing started
  }
  // Preflight: refuse before anything is written (the prompt follows what cc-sdd installed).
  Preflight preflight = run_preflight(paths, settings, profile, config.agent_command, config.target_branch);
  for (const auto& w : preflight.warnings) fmt::print(stderr, "{}\n", w);
  if (!preflight.refusals.empty()) {
    for (const auto& r : preflight.refusals) fmt::print(stderr, "{}\n", r);
    return kExitUsage;
  }
  config.prompt_template = preflight.prompt.prompt_template;
  config.prompt_source = preflight.prompt.source;
  config.serialize_same_boundary = settings.serialize_same_boundary;

  TmuxClient tmux(config.tmux_socket);
  auto previous = read_run_state(paths.state_json);
  RunState preview = build_run_state(paths.spec, run_plan.file, run_plan.plan, config, previous);
  if (parsed.has("--dry-run")) {
    if (!workers_why.empty()) fmt::print("{} workers ({})\n", config.max_parallel, workers_why);
    print_run_preview(paths, preview, profile, preflight);
    return 0;
  }
  fmt::print("kiro-parallel: spec {} — {} tasks, profile {} ({}), target branch {}, {} workers{}\n", paths.spec,
             preview.tasks.size(), profile.name, config.agent_command.empty() ? "" : config.agent_command[0],
             config.target_branch, config.max_parallel, workers_why.empty() ? "" : " (" + workers_why + ")");
  if (master_alive(paths)) {
    fmt::print("kiro-parallel: a master is already running for {} (pid {}); not starting another\n", paths.spec,
               read_pid_file(paths.master_pid));
  } else {
    git::exclude_runtime_files(paths.repo_root);
    // The state a new master starts from, merged under the lock with what an
    // earlier run left (completed stays completed, claims of the dead resume).
    {
      StateLock lock(paths);
      RunState state = build_run_state(paths.spec, run_plan.file, run_plan.plan, config, read_run_state(paths.state_json));
      commit_run_state(paths, state);
    }
    RecoveryReport recovered = recover_orphans(paths, tmux);
    for (const auto& id : recovered.resumable) fmt::print("kiro-parallel: task {} will be resumed\n", id);
    for (const auto& id : recovered.adopted) fmt::print("kiro-parallel: adopted the session of task {}\n", id);
    start_master(paths);
    fmt::print("kiro-parallel: master started (pid {}); logs in {}\n", read_pid_file(paths.master_pid),
               paths.logs_dir.string());
  }
  if (parsed.has("--no-watch")) return 0;
  std::vector<std::string> watch_args{paths.spec, "-C", paths.repo_root.string()};
  if (auto interval = parsed.value("--interval")) {
    watch_args.push_back("--interval");
    watch_args.push_back(*interval);
  }
  return kCmdWatch.handler(parse_args(kCmdWatch, watch_args));
}

}  // namespace

}  // namespace kp
