// `logs <spec> <task> [-f]`: a task's latest screen log. The worker replaces
// the file by rename, so following means re-reading it by path, not tailing a
// descriptor.
#include <signal.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/spec_paths.hpp"
#include "common/term_style.hpp"
#include "master/cli_args.hpp"
#include "master/signal_catcher.hpp"
#include "master/command.hpp"
#include "master/run_display.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdLogs = {
    .name = "logs",
    .summary = "print a task's latest screen log",
    .positionals = {{"<spec>", PositionalKind::spec}, {"<task>", PositionalKind::task}},
    .options = {{{"-f", "--follow"},
                 "",
                 "follow: print the log again each time it changes, until the task is no longer running "
                 "(or Ctrl-C)"}},
    .help = "The log is .kiro/specs/<spec>/logs/task-<task>_latest.log, the last screen\n"
            "of the task's agent. exit status: 0; 1 when there is no log yet; 2 when\n"
            "the task is not in the run state.\n",
    .handler = handler,
};

namespace {

void print_log(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (!text.empty() && text.back() != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);
}

bool task_running(const SpecPaths& paths, const std::string& task_id) {
  auto state = read_run_state(paths.state_json);
  if (!state) return false;
  const TaskState* t = state->find(task_id);
  return t && t->status == TaskStatus::running;
}

int follow(const SpecPaths& paths, const std::string& task_id, std::optional<std::string> shown) {
  TermStyle style(stdout);
  SignalCatcher signals;
  const auto log = paths.task_latest_log(task_id);
  while (true) {
    bool running = task_running(paths, task_id);
    // Read after the state: the last screen of a finished task is written before its status changes.
    auto text = read_file(log);
    if (text && text != shown) {
      if (style.terminal()) {
        std::fputs("\033[H\033[2J", stdout);
      } else if (shown) {
        std::fputs(fmt::format("--- {} changed ---\n", log.filename().string()).c_str(), stdout);
      }
      print_log(*text);
      shown = text;
    }
    if (!running) return shown ? kExitOk : kExitFailure;
    for (int i = 0; i < 10 && !SignalCatcher::caught(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (SignalCatcher::caught()) return SignalCatcher::caught() == SIGINT ? 130 : 128 + SignalCatcher::caught();
  }
}

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  const std::string& task_id = parsed.positionals[1];
  RunState state = load_run_state_for_view(paths);
  const TaskState* task = state.find(task_id);
  if (!task) throw UsageError(fmt::format("logs: spec {} has no task '{}' in its run state", paths.spec, task_id));
  auto text = read_file(paths.task_latest_log(task_id));
  bool follow_it = parsed.has("--follow");
  if (text) print_log(*text);
  if (follow_it && (text || task->status == TaskStatus::running)) return follow(paths, task_id, text);
  if (!text) {
    fmt::print(stderr, "kiro-parallel logs: no log yet for task {} ({})\n", task_id,
               paths.task_latest_log(task_id).string());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

}  // namespace kp
