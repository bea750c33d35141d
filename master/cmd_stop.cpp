#include <fmt/format.h>

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

const Command kCmdStop = {
    "stop",
    "stop <spec> <task>",
    "stop one task and its worker; the worktree and its work stay",
    "  The task becomes 'stopped' (its dependents wait as blocked); its worker gets\n"
    "  SIGTERM (SIGKILL after 5 s) and its tmux session is killed with everything in it.\n"
    "  A pending task is marked stopped so it does not start. `retry` or a new `run`\n"
    "  gives it another try in the same worktree.\n",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdStop, args, {}, 2, 2);
  if (parsed.help) {
    print_command_help(kCmdStop);
    return 0;
  }
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  const std::string& id = parsed.positionals[1];
  int worker = -1;
  std::string session;
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
    session = t->session.empty() ? session_name(paths.spec, id) : t->session;
    socket = state->config.tmux_socket;
    stop(*state, id, "stopped by `kiro-parallel stop`");
    commit_run_state(paths, *state);
  }
  if (worker >= 0 && worker_alive(paths, worker)) {
    int pid = read_pid_file(paths.worker_pid(worker));
    if (pid > 0) terminate_process(pid, true, std::chrono::seconds(5));
  }
  TmuxClient tmux(socket);
  if (before == TaskStatus::running && tmux.has_session(session)) tmux.kill_session(session);
  stop_task_processes(task_mark(paths.repo_root, paths.spec, id));  // e.g. an agent's daemon outside the session
  fmt::print("stopped task {}{}\n", id, worker >= 0 ? fmt::format(" and worker {}", worker) : "");
  return 0;
}

}  // namespace

}  // namespace kp
