// `attach <spec> <task>`: hands the terminal to the task's tmux session by
// replacing this process with `tmux [-L sock] attach -t =<session>` (argv, no
// shell). Without a terminal it prints that command instead.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/spec_paths.hpp"
#include "common/tmux_client.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/run_display.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdAttach = {
    .name = "attach",
    .summary = "attach to a task's tmux session",
    .positionals = {{"<spec>", PositionalKind::spec}, {"<task>", PositionalKind::task}},
    .options = {},
    .help = "Runs tmux attach on the task's session (on the run's tmux socket). Detach\n"
            "again with the tmux prefix key and d (C-b d by default); the task goes on.\n"
            "While a person is attached the worker presses no keys for the agent.\n"
            "Not on a terminal: prints the tmux command and exits 1. Inside tmux, tmux\n"
            "refuses to nest sessions: detach first (or use tmux switch-client).\n"
            "exit status: 1 when not on a terminal or the session does not exist;\n"
            "2 when the task is not in the run state.\n",
    .handler = handler,
};

namespace {

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  const std::string& task_id = parsed.positionals[1];
  RunState state = load_run_state_for_view(paths);
  const TaskState* task = state.find(task_id);
  if (!task) throw UsageError(fmt::format("attach: spec {} has no task '{}' in its run state", paths.spec, task_id));
  std::string session = task_session(state, *task);
  if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO)) {
    fmt::print("{}\n", attach_command_text(state.config, session));
    fmt::print(stderr, "kiro-parallel attach: not a terminal; run the command above from one\n");
    return kExitFailure;
  }
  TmuxClient tmux(state.config.tmux_socket);
  if (!tmux.has_session(session)) {
    fmt::print(stderr, "kiro-parallel attach: no tmux session {} for task {} (it is {}{})\n", session, task_id,
               to_string(task->status), task->status == TaskStatus::running ? ", maybe still starting" : "");
    return kExitFailure;
  }
  std::vector<std::string> argv = attach_command_argv(state.config, session);
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  ::execvp(c_argv[0], c_argv.data());
  throw RuntimeError(fmt::format("cannot run tmux: {}", std::strerror(errno)));
}

}  // namespace

}  // namespace kp
