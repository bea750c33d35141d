// `watch <spec> [--interval S] [--once]`: a live display that never changes
// anything. On a terminal it redraws one frame in place; otherwise it prints a
// plain block each time something changes, so logs and pipes stay readable.
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/notify.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/settings.hpp"
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

const Command kCmdWatch = {
    .name = "watch",
    .summary = "live display of a run (display only)",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options =
        {
            {{"--interval"}, "S", "refresh every S seconds (default 1; at least 0.1)"},
            {{"--once"}, "", "print one frame and exit"},
        },
    .help = "On a terminal the frame is redrawn in place; otherwise a plain block is\n"
            "printed each time something changes. Ctrl-C leaves it (exit 130). On a\n"
            "terminal the bell rings when a task needs a person or fails and when the\n"
            "run ends (setting notify.bell: false turns it off). The run summary (wall,\n"
            "work, speedup, critical path, tokens, cost) closes the output.\n"
            "exit status: 0 when every task is completed, 3 when nothing can move any\n"
            "more (tasks failed, stopped, blocked or in conflict, or neither the master\n"
            "nor a worker runs); --once exits 3 in that case and 0 otherwise.\n",
    .handler = handler,
};

namespace {

// Hides the cursor while frames are drawn; shows it again however we leave.
class HiddenCursor {
 public:
  explicit HiddenCursor(bool active) : active_(active) {
    if (active_) write_out("\033[?25l\033[2J\033[H");
  }
  ~HiddenCursor() {
    if (active_) write_out("\033[?25h");
  }
  HiddenCursor(const HiddenCursor&) = delete;
  HiddenCursor& operator=(const HiddenCursor&) = delete;

  static void write_out(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }

 private:
  bool active_;
};

struct TermSize {
  int width = 80;
  int height = 24;
};

TermSize terminal_size() {
  TermSize size;
  struct winsize ws {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    size.width = ws.ws_col;
    size.height = ws.ws_row;
  }
  return size;
}

// Each line ends in "erase to end of line", the frame in "erase below": the
// old frame disappears without a flickering full clear.
std::string in_place(const std::string& frame) {
  std::string out = "\033[H";
  for (char c : frame) {
    if (c == '\n') out += "\033[K";
    out += c;
  }
  return out + "\033[J";
}

std::string final_line(const RunState& state, RunOutcome outcome) {
  StatusCounts c = count_statuses(state);
  if (outcome == RunOutcome::all_done && c.committed > 0) {
    return fmt::format("{} tasks committed, not merged; {} pending wait on them (kiro-parallel merge {})", c.committed,
                       c.pending, state.spec);
  }
  if (outcome == RunOutcome::all_done) return "all tasks completed";
  if (work_remaining(state)) {
    return fmt::format("nothing can move: the master is not running ({} pending, {} running); "
                       "start it with kiro-parallel run {} (or recover)",
                       c.pending, c.running, state.spec);
  }
  return fmt::format("nothing more can run: {} failed, {} stopped, {} blocked, {} conflict "
                     "(see kiro-parallel status {})",
                     c.failed, c.stopped, c.blocked, c.conflict, state.spec);
}

constexpr auto kSettle = std::chrono::seconds(15);

int exit_code(RunOutcome outcome) { return outcome == RunOutcome::stuck ? kExitTasksFailed : kExitOk; }

// Sleeps up to `seconds`, waking early on a signal.
void nap(double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!SignalCatcher::caught() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int watch_loop(const SpecPaths& paths, double interval) {
  TermStyle style(stdout);
  // NO_COLOR only drops colour; a dumb terminal cannot move the cursor either.
  const char* term = std::getenv("TERM");
  bool terminal = style.terminal() && !(term && std::string_view(term) == "dumb");
  SignalCatcher signals;
  HiddenCursor cursor(terminal);
  std::string last_key;
  NotifyTracker bell_events;  // what rings the bell, on a terminal
  Settings settings = load_settings(paths);
  bool bell = terminal && parse_notify_settings(settings.raw, settings.path).bell;
  // Once nothing can move, the master and its workers exit on their own; the
  // watch ends after them (up to kSettle), so the next command finds the run over.
  bool settling = false;
  std::chrono::steady_clock::time_point settle_until{};
  while (true) {
    auto [state, facts] = read_run_view(paths, [](const SpecPaths& p) {
      auto s = read_run_state(p.state_json);
      if (!s) throw RuntimeError(fmt::format("the run state of spec {} was removed", p.spec));
      return std::move(*s);
    });
    auto completions = read_completions(paths.completed_json);
    RunOutcome outcome = run_outcome(state, facts);
    if (!bell_events.observe(state).empty() && bell) HiddenCursor::write_out("\a");
    bool over = false;
    if (outcome == RunOutcome::moving) {
      settling = false;
    } else {
      auto now = std::chrono::steady_clock::now();
      if (!settling) {
        settling = true;
        settle_until = now + kSettle;
      }
      over = !(facts.master_running || facts.any_worker_alive()) || now >= settle_until;
    }
    if (terminal) {
      TermSize size = terminal_size();
      // The last row stays free so the frame never scrolls the screen.
      HiddenCursor::write_out(in_place(render_run(state, completions, facts, style, size.width, size.height - 1)));
    } else if (outcome == RunOutcome::moving || over) {
      std::string key = run_change_key(state, facts);
      if (key != last_key) {
        if (!last_key.empty()) HiddenCursor::write_out("\n");
        HiddenCursor::write_out(render_run(state, completions, facts, style, 0, 0));
        last_key = key;
      }
    }
    if (over) {
      Style s = outcome == RunOutcome::all_done ? Style::green : Style::bold_red;
      HiddenCursor::write_out(style(final_line(state, outcome), s) + (bell ? "\a\n" : "\n"));
      for (const auto& line : summary_lines(summarize_for_view(paths, state, facts.now))) {
        HiddenCursor::write_out(line + "\n");
      }
      return exit_code(outcome);
    }
    nap(outcome == RunOutcome::moving ? interval : std::min(interval, 0.1));
    if (SignalCatcher::caught()) {
      if (terminal) HiddenCursor::write_out("\n");
      return SignalCatcher::caught() == SIGINT ? 130 : 128 + SignalCatcher::caught();
    }
  }
}

int handler(const ParsedArgs& parsed) {
  double interval = parsed.number("--interval", 0.1, 3600).value_or(1.0);
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  load_run_state_for_view(paths);  // no run state: a usage error, before any output
  if (parsed.has("--once")) {
    TermStyle style(stdout);
    auto [state, facts] = read_run_view(paths);
    TermSize size = style.terminal() ? terminal_size() : TermSize{0, 0};
    fmt::print("{}", render_run(state, read_completions(paths.completed_json), facts, style, size.width,
                                size.height > 0 ? size.height - 1 : 0));
    return exit_code(run_outcome(state, facts));
  }
  return watch_loop(paths, interval);
}

}  // namespace

}  // namespace kp
