#include <fmt/format.h>

#include <optional>
#include <thread>

#include "common/agent_processes.hpp"
#include "common/atomic_file.hpp"
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

const Command kCmdStop = {
    .name = "stop",
    .summary = "stop one task and its worker; the worktree and its work stay",
    .positionals = {{"<spec>", PositionalKind::spec}, {"<task>", PositionalKind::task}},
    .options = {},
    .help = "The task becomes 'stopped' (its dependents wait as blocked); the live master\n"
            "is asked to stop its worker (SIGTERM to the worker's process group, SIGKILL\n"
            "after 5 s); with no master, stop does that itself. The task's tmux session\n"
            "is killed with everything in it.\n"
            "A pending task is marked stopped so it does not start. `retry` or a new `run`\n"
            "gives it another try in the same worktree.\n",
    .handler = handler,
};

namespace {

// Asks the live master to stop the worker (its child); true once that worker
// has let go of its lock. False when no master reads the control channel or
// it did not manage in time: the caller then stops the worker itself.
// True while the worker may hold the task: its task file names it, or it has
// none yet (it writes it just after its claim); not once it has taken another.
bool worker_holds(const SpecPaths& paths, int worker, const std::string& id) {
  if (!worker_alive(paths, worker)) return false;
  auto held = read_file(paths.worker_task(worker));
  return !held || held->substr(0, held->find('\n')) == id;
}

bool stopped_by_master(const SpecPaths& paths, const std::string& id, int worker) {
  if (!master_alive(paths)) return false;
  if (!send_control_request(master_control_path(paths), {"stop-task", id, worker})) return false;
  for (int i = 0; i < 80; ++i) {  // the master's grace is 5 s; 8 s in all
    if (!worker_holds(paths, worker, id)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  const std::string& id = parsed.positionals[1];
  int worker = -1;
  std::optional<TaskState> task;
  std::string socket;
  TaskStatus before = TaskStatus::pending;
  {
    StateLock lock(paths);
    auto state = read_run_state(paths.state_json);
    if (!state) throw UsageError(fmt::format("stop: no run state for spec {}", paths.spec));
    TaskState* t = state->find(id);
    if (!t) throw UsageError(fmt::format("stop: spec {} has no task {}", paths.spec, id));
    before = t->status;
    if (before != TaskStatus::running && before != TaskStatus::pending) {
      fmt::print("task {} is {}; nothing to stop\n", id, to_string(before));
      return 0;
    }
    worker = before == TaskStatus::running ? t->worker : -1;
    task = *t;
    socket = state->config.tmux_socket;
    stop(*state, id, "stopped by `kiro-parallel stop`");
    commit_run_state(paths, *state);
  }
  if (worker >= 0 && worker_holds(paths, worker, id) && !stopped_by_master(paths, id, worker)) {
    int pid = read_pid_file(paths.worker_pid(worker));
    if (pid > 0) terminate_process(pid, true, std::chrono::seconds(5));
  }
  TmuxClient tmux(socket);
  if (before == TaskStatus::running) {
    for (const auto& s : tmux.list_sessions_with_owner()) {
      if (is_task_session(s, paths.repo_root, paths.spec, *task)) tmux.kill_session(s.name);
    }
  }
  stop_task_processes(task_mark(paths.repo_root, paths.spec, id));  // e.g. an agent's daemon outside the session
  fmt::print("stopped task {}{}\n", id, worker >= 0 ? fmt::format(" and worker {}", worker) : "");
  return 0;
}

}  // namespace

}  // namespace kp
