#include <filesystem>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/tmux_client.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/master_launch.hpp"
#include "master/run_display.hpp"

namespace kp {

namespace fs = std::filesystem;

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdRecover = {
    .name = "recover",
    .summary = "adopt sessions state does not know; reset claims of dead workers; carry on",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options = {{{"--no-start"}, "", "repair the state only; do not start a master"},
                {{"--rebuild-state"},
                 "",
                 "when .parallel_state.json is torn or broken, rebuild it from logs/events.jsonl first "
                 "(the broken file is kept beside it as .parallel_state.json.broken-<time>); exit 1 when "
                 "the journal cannot rebuild it"}},
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

// The broken snapshot is moved aside, never deleted: a person may want it.
int rebuild_state(const SpecPaths& paths) {
  StateLock lock(paths);
  try {
    if (read_run_state(paths.state_json)) {
      fmt::print("{} is readable; nothing to rebuild\n", paths.state_json.string());
      return kExitOk;
    }
  } catch (const RuntimeError&) {
  }
  auto state = rebuild_run_state_from_journal(paths);
  if (!state) {
    throw RuntimeError(fmt::format("{}: no run_state record to rebuild from (written by an older version?); move {} "
                                   "aside and start afresh with `kiro-parallel run {}`",
                                   journal_path(paths).string(), paths.state_json.string(), paths.spec));
  }
  std::error_code ec;
  if (fs::exists(paths.state_json, ec)) {
    fs::path aside = paths.state_json;
    aside += ".broken-" + iso8601_utc(now_epoch());
    fs::rename(paths.state_json, aside);
    fmt::print("kept the broken state as {}\n", aside.string());
  }
  write_run_state(paths.state_json, *state);
  fmt::print("rebuilt {} from {}: {} tasks ({})\n", paths.state_json.string(), journal_path(paths).string(),
             state->tasks.size(), render_counts(*state));
  return kExitOk;
}

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  if (parsed.has("--rebuild-state")) {
    int rc = rebuild_state(paths);
    if (parsed.has("--no-start")) return rc;
  }
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
