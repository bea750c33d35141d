#include <fmt/format.h>

#include <thread>

#include "common/agent_processes.hpp"
#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/subprocess.hpp"
#include "common/task_lifecycle.hpp"
#include "common/tmux_client.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/master_launch.hpp"

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdStopAll = {
    "stop-all",
    "stop-all <spec>",
    "stop master, workers and the spec's sessions; work stays",
    "  The master stops its workers (SIGTERM, SIGKILL after a grace period); every\n"
    "  tmux session of the spec is killed with its processes; running tasks become\n"
    "  'stopped'. Worktrees, branches and commits stay; `run` carries on later.\n",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdStopAll, args, {}, 1, 1);
  if (parsed.help) {
    print_command_help(kCmdStopAll);
    return 0;
  }
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  auto state = read_run_state(paths.state_json);
  if (!state) throw UsageError(fmt::format("stop-all: no run state for spec {}", paths.spec));
  int stopped_processes = 0;
  if (master_alive(paths)) {
    int pid = read_pid_file(paths.master_pid);
    // The master stops its own workers on SIGTERM; give it their grace and more.
    if (pid > 0 && terminate_process(pid, false, std::chrono::seconds(15))) ++stopped_processes;
  }
  for (int id = 0; id < std::max(state->config.max_parallel, 1) + 8; ++id) {
    if (!worker_alive(paths, id)) continue;
    int pid = read_pid_file(paths.worker_pid(id));
    if (pid > 0 && terminate_process(pid, true, std::chrono::seconds(5))) ++stopped_processes;
  }
  TmuxClient tmux(state->config.tmux_socket);
  int sessions = 0;
  const std::string prefix = paths.spec + "-task-";
  for (const auto& name : tmux.list_sessions()) {
    if (name.rfind(prefix, 0) != 0) continue;
    tmux.kill_session(name);
    ++sessions;
  }
  // What left a session's process tree (an agent's daemon) still carries its task's mark.
  stopped_processes += stop_spec_processes(paths.repo_root, paths.spec);
  int tasks = 0;
  update_run_state(paths, [&](RunState& s) {
    for (auto& t : s.tasks) {
      if (t.status != TaskStatus::running) continue;
      // A task caught between its commit and its merge keeps its claim: the
      // next run finishes the merge instead of running the agent again.
      if (phase_past_agent(t.phase)) {
        release_for_resume(s, t.id, "stop-all: the next run finishes its merge");
        continue;
      }
      stop(s, t.id, "stopped by `kiro-parallel stop-all`");
      ++tasks;
    }
  });
  fmt::print("stopped {} process{}, {} session{}, {} running task{}; worktrees and work stay\n", stopped_processes,
             stopped_processes == 1 ? "" : "es", sessions, sessions == 1 ? "" : "s", tasks, tasks == 1 ? "" : "s");
  return 0;
}

}  // namespace

}  // namespace kp
