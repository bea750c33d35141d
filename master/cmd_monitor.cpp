// `monitor <spec>`: supervise the tasks of a run that are already running —
// answer their prompts, finish the ones that are done (commit and merge as
// usual) — without claiming a new task (the original tool's command). It
// refuses while a master lives: that master supervises them already, and two
// supervisors on one session would answer one prompt twice.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/subprocess.hpp"
#include "common/tmux_client.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/master_launch.hpp"
#include "master/run_display.hpp"
#include "master/watch_loop.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdMonitor = {
    .name = "monitor",
    .summary = "finish the tasks already running (answer prompts, commit, merge); start no new one",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options =
        {
            {{"--no-watch"}, "", "start the supervising master and return at once"},
            {{"--interval"}, "S", "watch refresh interval in seconds (default 1)"},
        },
    .help = "For a run whose master is gone (killed, or stopped with its sessions left):\n"
            "workers still alive from that master are stopped (their tasks stay running and\n"
            "are resumed, so that nothing claims a new task), running tasks whose session\n"
            "lives are resumed, and a master is started in monitor mode: its workers only\n"
            "take running tasks nobody holds, never a pending one, and it exits once no task\n"
            "runs. Pending tasks stay pending (kiro-parallel run starts them). A running task\n"
            "whose session is gone goes back to pending, as with recover.\n"
            "While a master runs, monitor refuses (exit 1): that master supervises the tasks\n"
            "already, and handing over would leave one prompt to two supervisors.\n"
            "exit status: 0 when the tasks it supervised ended completed (or committed),\n"
            "3 when one failed or is in conflict, 1 when a master runs, 2 without a run state.\n",
    .handler = handler,
};

namespace {

// Workers of a dead master still claim new tasks when theirs ends: stopped
// (SIGTERM to the group: the task keeps its claim and its session, and is resumed).
std::vector<int> stop_orphan_workers(const SpecPaths& paths, const RunState& state) {
  std::vector<int> stopped;
  for (int id = 0; id < std::max(state.config.max_parallel, 1); ++id) {
    if (!worker_alive(paths, id)) continue;
    int pid = read_pid_file(paths.worker_pid(id));
    if (pid > 0 && terminate_process(pid, true, std::chrono::seconds(5))) stopped.push_back(id);
  }
  return stopped;
}

int count_running(const SpecPaths& paths) {
  auto state = read_run_state(paths.state_json);
  if (!state) return 0;
  return static_cast<int>(std::count_if(state->tasks.begin(), state->tasks.end(),
                                        [](const TaskState& t) { return t.status == TaskStatus::running; }));
}

int handler(const ParsedArgs& parsed) {
  double interval = parsed.number("--interval", 0.1, 3600).value_or(1.0);
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  RunState state = load_run_state_for_view(paths);
  if (master_alive(paths)) {
    fmt::print(stderr,
               "kiro-parallel monitor: the master of {} is running (pid {}) and supervises its tasks already; "
               "use kiro-parallel watch {} (or stop-all, then monitor)\n",
               paths.spec, read_pid_file(paths.master_pid), paths.spec);
    return kExitFailure;
  }
  for (int id : stop_orphan_workers(paths, state)) {
    fmt::print("monitor: stopped worker {} of an earlier master (its task is resumed)\n", id);
  }
  RecoveryReport recovered = recover_orphans(paths, TmuxClient(state.config.tmux_socket));
  for (const auto& id : recovered.reset) fmt::print("monitor: task {} has no session any more: pending again\n", id);
  for (const auto& id : recovered.adopted) fmt::print("monitor: adopted the session of task {}\n", id);
  int running = count_running(paths);
  if (running == 0) {
    fmt::print("monitor: no task of {} is running; nothing to supervise (kiro-parallel run {} starts the rest)\n",
               paths.spec, paths.spec);
    return kExitOk;
  }
  start_master(paths, /*monitor_only=*/true);
  fmt::print("monitor: supervising {} running task{} (master pid {}, monitor mode: no new claims)\n", running,
             running == 1 ? "" : "s", read_pid_file(paths.master_pid));
  if (parsed.has("--no-watch")) return kExitOk;
  return plain_watch_loop(paths, {interval, true});
}

}  // namespace

}  // namespace kp
