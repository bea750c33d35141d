#include <fmt/format.h>

#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/tmux_client.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/master_launch.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdRecover = {
    .name = "recover",
    .summary = "adopt sessions state does not know; reset claims of dead workers; carry on",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options = {{{"--no-start"}, "", "repair the state only; do not start a master"}},
    .help = "A running task whose worker died is released: with its tmux session alive the\n"
            "next worker adopts the session and finishes the task; without one it goes\n"
            "back to pending (its worktree and work stay). A session of the spec that state\n"
            "does not show running is adopted. Then, when work is left and no master runs,\n"
            "a master is started to finish the run.\n",
    .handler = handler,
};

namespace {

void print_list(const char* what, const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  std::string text;
  for (const auto& id : ids) text += " " + id;
  fmt::print("{}:{}\n", what, text);
}

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  auto state = read_run_state(paths.state_json);
  if (!state) throw UsageError(fmt::format("recover: no run state for spec {}", paths.spec));
  TmuxClient tmux(state->config.tmux_socket);
  RecoveryReport report = recover_orphans(paths, tmux);
  print_list("resumable (session alive, the next worker adopts it)", report.resumable);
  print_list("reset to pending (worker and session gone; work stays)", report.reset);
  print_list("adopted sessions", report.adopted);
  print_list("sessions of this spec that match no unfinished task (left alone)", report.foreign);
  auto after = read_run_state(paths.state_json);
  bool work = after && work_remaining(*after);
  if (master_alive(paths)) {
    fmt::print("the master is running (pid {}); it carries on\n", read_pid_file(paths.master_pid));
  } else if (work && !parsed.has("--no-start")) {
    start_master(paths);
    fmt::print("started the master (pid {}) to finish the run\n", read_pid_file(paths.master_pid));
  } else if (!work) {
    fmt::print("no work left to run\n");
  }
  return 0;
}

}  // namespace

}  // namespace kp
