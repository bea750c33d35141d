// `events <spec> [-f] [--json]`: the spec's event journal (logs/events.jsonl),
// one line per task transition; -f follows it while the run goes on.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/event_journal.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/spec_paths.hpp"
#include "common/term_style.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/signal_catcher.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdEvents = {
    .name = "events",
    .summary = "print the run's task transitions (the event journal)",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options =
        {
            {{"-f", "--follow"},
             "",
             "keep printing new events; ends (exit 0) once the master has exited and every event is "
             "printed, or on Ctrl-C. Started before a run, it waits for the master while work remains."},
            {{"--json"}, "", "print the journal's JSON lines of its transitions, without the recorded state they carry"},
        },
    .help = "The journal is .kiro/specs/<spec>/logs/events.jsonl, appended under the\n"
            "state lock, one object per line: ts (ISO 8601 UTC, milliseconds), event\n"
            "(claimed, resumed, adopted, released, started, phase, prompt_delivered,\n"
            "needs_input, needs_choice, approved, refused, possibly_stuck, merge_held,\n"
            "completed, failed, conflict, stopped, retried, blocked, unblocked,\n"
            "answer_requested, answer_dropped), task,\n"
            "worker (null: none), attempt, phase (the task's phase after it), detail,\n"
            "and evidence (completed) or error (failed, conflict, merge_held) when set.\n"
            "exit status: 0; 1 when there is no journal yet (without -f).\n",
    .handler = handler,
};

namespace {

Style event_style(const std::string& event) {
  if (event == "completed") return Style::green;
  if (event == "failed" || event == "conflict") return Style::red;
  if (event == "needs_choice" || event == "refused") return Style::bold_red;
  if (event == "stopped" || event == "blocked" || event == "merge_held" || event == "possibly_stuck") return Style::yellow;
  if (event == "phase") return Style::dim;
  return Style::plain;
}

std::string human_line(const JournalEvent& e, const TermStyle& style) {
  std::string line = fmt::format("{}  {:<8}  {}", e.ts, e.task, style(fmt::format("{:<16}", e.event), event_style(e.event)));
  line += e.worker >= 0 ? fmt::format("  worker {} attempt {}", e.worker, e.attempt) : fmt::format("  attempt {}", e.attempt);
  if (!e.phase.empty() && e.event == "phase") line += "  " + e.phase;
  if (!e.detail.empty() && e.event != "phase") line += "  " + e.detail;
  if (!e.evidence.empty()) line += "  evidence: " + e.evidence;
  if (!e.error.empty()) line += "  " + style("error: " + e.error, Style::red);
  for (char& c : line) {
    if (c == '\n') c = ' ';  // one event, one line
  }
  return line;
}

void print_events(const std::vector<JournalEvent>& events, bool json, const TermStyle& style) {
  for (const auto& e : events) {
    std::string line = json ? journal_line(e) : human_line(e, style);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }
  std::fflush(stdout);
}

// Following ends once the master is gone and nothing more can be written:
// after a master was seen, or when the state shows no work left.
bool run_over(const SpecPaths& paths, bool& seen_master) {
  if (master_alive(paths)) {
    seen_master = true;
    return false;
  }
  if (seen_master) return true;
  try {
    auto state = read_run_state(paths.state_json);
    return state && !work_remaining(*state);
  } catch (const std::exception&) {
    return false;  // a state being written for the first time
  }
}

int follow(const SpecPaths& paths, std::uintmax_t offset, bool json, const TermStyle& style) {
  SignalCatcher signals;
  bool seen_master = false;
  while (!SignalCatcher::caught()) {
    const bool over = run_over(paths, seen_master);
    // Read after the liveness check: what the master's run wrote before it exited is printed.
    print_events(read_journal_from(journal_path(paths), offset), json, style);
    if (over) return kExitOk;
    for (int i = 0; i < 4 && !SignalCatcher::caught(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return kExitOk;
}

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  const bool json = parsed.has("--json");
  const bool follow_it = parsed.has("--follow");
  TermStyle style(stdout);
  std::uintmax_t offset = 0;
  std::error_code ec;
  if (!follow_it && !std::filesystem::exists(journal_path(paths), ec)) {
    fmt::print(stderr, "kiro-parallel events: no events yet for spec {} ({})\n", paths.spec,
               journal_path(paths).string());
    return kExitFailure;
  }
  print_events(read_journal_from(journal_path(paths), offset), json, style);
  return follow_it ? follow(paths, offset, json, style) : kExitOk;
}

}  // namespace

}  // namespace kp
