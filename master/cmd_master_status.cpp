// `master-status <spec>`: the processes of a run (master, each worker id with
// its pid, liveness and task) and the latest completions.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/spec_paths.hpp"
#include "common/term_style.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/run_display.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdMasterStatus = {
    .name = "master-status",
    .summary = "master and worker processes, their tasks, recent completions",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options = {},
    .help = "Shows whether the master runs (and its pid), each worker id with its pid,\n"
            "alive or dead, the task it holds and for how long, and the last 10\n"
            "completions with their durations. Changes nothing.\n"
            "exit status: 0; 2 when the spec has no run state.\n",
    .handler = handler,
};

namespace {

std::string worker_line(const RunState& state, const WorkerFact& w, double now, const TermStyle& style) {
  std::string pid = w.pid > 0 ? std::to_string(w.pid) : "-";
  std::string life = w.alive ? style("alive", Style::green) : style("dead ", Style::dim);
  std::string task;
  if (w.task.empty()) {
    task = w.alive ? "idle" : "no task";
    // A claim in the state without a live worker: recover puts it back.
    for (const auto& t : state.tasks) {
      if (t.worker == w.id && t.status == TaskStatus::running && !w.alive) {
        task = fmt::format("the state still gives it task {} (kiro-parallel recover {} releases it)", t.id, state.spec);
      }
    }
  } else {
    double since = w.task_since;
    if (since <= 0) {
      if (const TaskState* t = state.find(w.task)) since = t->started_epoch;
    }
    std::string held = since > 0 ? format_duration(now - since) : "-";
    const TaskState* t = state.find(w.task);
    std::string phase = t && !t->phase.empty() ? " · " + t->phase : "";
    task = fmt::format("{} task {} for {}{}", w.alive ? "has" : "had", w.task, held, phase);
  }
  return fmt::format("  worker {:<3} pid {:<8} {}  {}\n", w.id, pid, life, task);
}

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  auto [state, facts] = read_run_view(paths);
  TermStyle style(stdout);
  std::string out = fmt::format("spec {}\n", state.spec);
  if (facts.master_running) {
    out += facts.master_pid > 0 ? fmt::format("master: running (pid {})\n", facts.master_pid) : "master: running\n";
  } else {
    out += style("master: not running", Style::yellow) + "\n";
  }
  out += fmt::format("workers ({} configured):\n", state.config.max_parallel);
  for (const auto& w : facts.workers) out += worker_line(state, w, facts.now, style);
  auto completions = read_completions(paths.completed_json);
  if (completions.empty()) {
    out += "recent completions: none\n";
  } else {
    out += "recent completions (latest first):\n";
    size_t from = completions.size() > 10 ? completions.size() - 10 : 0;
    for (size_t i = completions.size(); i-- > from;) {
      const auto& c = completions[i];
      out += fmt::format("  {:<8} {:>7}  {}  {}\n", c.task_id, format_duration(c.duration), c.completed_at, c.title);
    }
  }
  fmt::print("{}", out);
  return kExitOk;
}

}  // namespace

}  // namespace kp
