#include "master/watch_loop.hpp"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/notify.hpp"
#include "common/scheduler.hpp"
#include "common/settings.hpp"
#include "common/term_style.hpp"
#include "master/run_display.hpp"
#include "master/signal_catcher.hpp"

namespace kp {

TermSize terminal_size() {
  TermSize size;
  struct winsize ws {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    size.width = ws.ws_col;
    size.height = ws.ws_row;
  }
  return size;
}

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



constexpr auto kSettle = std::chrono::seconds(15);


// Sleeps up to `seconds`, waking early on a signal.
void nap(double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!SignalCatcher::caught() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// monitor: stuck when a task it supervised failed or conflicts; pending ones are not its business.
RunOutcome monitor_outcome(const RunState& state) {
  StatusCounts c = count_statuses(state);
  return c.failed + c.conflict > 0 ? RunOutcome::stuck : RunOutcome::all_done;
}

}  // namespace

std::string monitor_final_line(const RunState& state) {
  StatusCounts c = count_statuses(state);
  std::string line = fmt::format("monitor: nothing runs any more: {} completed, {} committed, {} failed, {} conflict, {} stopped",
                                 c.completed, c.committed, c.failed, c.conflict, c.stopped);
  if (c.pending > 0) {
    line += fmt::format("; {} pending not started (kiro-parallel run {} starts them)", c.pending, state.spec);
  }
  return line;
}

int plain_watch_loop(const SpecPaths& paths, const WatchOptions& options) {
  const double interval = options.interval;
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
      HiddenCursor::write_out(in_place_frame(render_run(state, completions, facts, style, size.width, size.height - 1)));
    } else if (outcome == RunOutcome::moving || over) {
      std::string key = run_change_key(state, facts);
      if (key != last_key) {
        if (!last_key.empty()) HiddenCursor::write_out("\n");
        HiddenCursor::write_out(render_run(state, completions, facts, style, 0, 0));
        last_key = key;
      }
    }
    if (options.monitor && !(facts.master_running || facts.any_worker_alive())) {
      over = true;  // the monitor ends once nothing it supervised runs
      outcome = monitor_outcome(state);
    }
    if (over) {
      Style s = outcome == RunOutcome::all_done ? Style::green : Style::bold_red;
      std::string line = options.monitor ? monitor_final_line(state) : run_final_line(state, outcome);
      HiddenCursor::write_out(style(line, s) + (bell ? "\a\n" : "\n"));
      for (const auto& line : summary_lines(summarize_for_view(paths, state, facts.now))) {
        HiddenCursor::write_out(line + "\n");
      }
      return run_exit_code(outcome);
    }
    nap(outcome == RunOutcome::moving ? interval : std::min(interval, 0.1));
    if (SignalCatcher::caught()) {
      if (terminal) HiddenCursor::write_out("\n");
      return SignalCatcher::caught() == SIGINT ? 130 : 128 + SignalCatcher::caught();
    }
  }
}


std::string in_place_frame(const std::string& frame) {
  std::string out = "\033[H";
  for (char c : frame) {
    if (c == '\n') out += "\033[K";
    out += c;
  }
  return out + "\033[J";
}

}  // namespace kp
