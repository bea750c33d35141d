#include <fmt/format.h>

#include <thread>

#include "common/agent_processes.hpp"
#include "common/control_channel.hpp"
#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/spec_sessions.hpp"
#include "common/subprocess.hpp"
#include "common/task_lifecycle.hpp"
#include "common/tmux_client.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/master_launch.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdStopAll = {
    .name = "stop-all",
    .summary = "stop master, workers and the spec's sessions; work stays",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options = {},
    .help = "The live master is asked (its control channel, .master.ctl) to stop its\n"
            "workers (SIGTERM, SIGKILL after a grace period) and exit; workers with no\n"
            "master are stopped directly. Every tmux session of the spec (found by its\n"
            "@kiro-parallel owner option and the exact names in its state, never by a\n"
            "name prefix) is killed with its processes; running tasks become 'stopped'.\n"
            "Worktrees, branches and commits stay; `run` carries on later.\n",
    .handler = handler,
};

namespace {

// Asks the live master, through its control channel, to stop its workers and
// exit; true once its lock is free. False when it cannot be asked or did not
// exit within its workers' grace and more.
bool stop_through_master(const SpecPaths& paths) {
  if (!send_control_request(master_control_path(paths), {"stop-all", "", -1})) return false;
  for (int i = 0; i < 150; ++i) {
    if (!master_alive(paths)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  auto state = read_run_state(paths.state_json);
  if (!state) throw UsageError(fmt::format("stop-all: no run state for spec {}", paths.spec));
  int stopped_processes = 0;
  if (master_alive(paths)) {
    if (stop_through_master(paths)) {
      ++stopped_processes;
    } else if (int pid = read_pid_file(paths.master_pid); pid > 0 && master_alive(paths)) {
      // The master stops its own workers on SIGTERM too; give it their grace and more.
      if (terminate_process(pid, false, std::chrono::seconds(15))) ++stopped_processes;
    }
  }
  for (int id = 0; id < std::max(state->config.max_parallel, 1) + 8; ++id) {
    if (!worker_alive(paths, id)) continue;
    int pid = read_pid_file(paths.worker_pid(id));
    if (pid > 0 && terminate_process(pid, true, std::chrono::seconds(5))) ++stopped_processes;
  }
  TmuxClient tmux(state->config.tmux_socket);
  int sessions = 0;
  for (const auto& name : spec_sessions(tmux.list_sessions_with_owner(), paths.repo_root, paths.spec, &*state)) {
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
