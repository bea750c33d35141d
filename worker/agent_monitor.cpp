#include "worker/agent_monitor.hpp"

#include <cstdlib>
#include <memory>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/tmux_control.hpp"

namespace kp {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// What tmux says about the pane and its clients, asked through the control
// channel so no process is forked per check.
struct PaneFacts {
  bool dead = false;
  int people = 0;  // attached clients that are not control-mode (ours is)
};

// Enter through the control channel: a constant command, so no user text
// meets tmux's parser, and no process is forked on the hot path.
void press_enter(TmuxControl& control) { control.command("send-keys -t " + control.pane_id() + " Enter"); }

PaneFacts query_pane(TmuxControl& control, const std::string& session) {
  PaneFacts facts;
  std::string dead = control.command("display-message -p -t " + control.pane_id() + " '#{pane_dead}'");
  facts.dead = dead.rfind("1", 0) == 0;
  std::istringstream clients(control.command("list-clients -F '#{client_control_mode}|#{client_session}'"));
  for (std::string line; std::getline(clients, line);) {
    auto bar = line.find('|');
    if (bar != std::string::npos && line.substr(0, bar) == "0" && line.substr(bar + 1) == session) ++facts.people;
  }
  return facts;
}

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

std::string_view to_string(MonitorOutcome outcome) {
  switch (outcome) {
    case MonitorOutcome::done: return "done";
    case MonitorOutcome::exited: return "exited";
    case MonitorOutcome::timed_out: return "timed out";
    case MonitorOutcome::interrupted: return "interrupted";
    case MonitorOutcome::session_gone: return "session gone";
  }
  return "?";
}

MonitorResult monitor_agent(const TmuxClient& tmux, const AgentProfile& profile,
                            const MonitorSettings& settings, const MonitorEvents& events,
                            const std::atomic<bool>& stop) {
  MonitorResult result;
  auto control_ptr = std::make_unique<TmuxControl>(tmux, settings.session);
  int reconnects = 0;
  const auto start = Clock::now();
  bool prompt_sent = settings.prompt_sent;
  bool seen_work = settings.prompt_sent;  // resumed after the prompt: an idle prompt means done
  std::string answered_screen;            // the prompt screen we pressed Enter on
  std::string choice_logged_screen;
  std::string phase;
  auto last_change = start;
  auto last_facts_at = Clock::time_point{};
  auto prompt_enter_at = start;
  int enter_resends = 0;
  PaneFacts facts;
  bool recheck = true;  // capture now even without new output
  // Output comes in bursts (one redraw is many writes). Capture once a burst
  // has settled, or every kMaxDirty during an endless stream: one capture per
  // redraw at most, and never a half-drawn screen left as the last one read.
  constexpr auto kNever = Clock::time_point::max();
  constexpr auto kQuiet = 30ms;
  constexpr auto kMaxDirty = 150ms;
  auto dirty_since = kNever;  // first output not yet read
  auto last_output = kNever;

  auto set_phase = [&](const std::string& p) {
    if (p == phase) return;
    phase = p;
    if (events.phase) events.phase(p);
  };
  auto log = [&](const std::string& line) {
    if (events.log) events.log(line);
  };
  auto person_blocks_keys = [&] { return facts.people > 0 && !settings.enter_while_attached; };
  // KIRO_PARALLEL_TRACE=1: every screen read and its class, in the worker log.
  const char* trace_env = std::getenv("KIRO_PARALLEL_TRACE");
  const bool trace = trace_env && *trace_env && std::string_view(trace_env) != "0";

  while (true) {
    if (stop) {
      result.outcome = MonitorOutcome::interrupted;
      return result;
    }
    auto wait = settings.poll_interval;
    if (dirty_since != kNever) {
      auto due = std::min(last_output + kQuiet, dirty_since + kMaxDirty);
      // Round up: a wait rounded down to 0 ms would spin until `due`.
      auto left = std::chrono::ceil<std::chrono::milliseconds>(due - Clock::now());
      wait = std::max(1ms, std::min(wait, left));
    }
    bool output = control_ptr->wait_for_output(wait);
    if (!control_ptr->alive()) {
      // tmux drops a control client that falls behind (a loaded machine);
      // while the session lives, connect again rather than give up on it.
      if (stop || !tmux.has_session(settings.session) || reconnects >= 50) {
        result.outcome = MonitorOutcome::session_gone;
        result.detail = "the tmux session ended";
        return result;
      }
      ++reconnects;
      log("the tmux control connection dropped; connecting again");
      control_ptr = std::make_unique<TmuxControl>(tmux, settings.session);
      recheck = true;
      continue;
    }
    TmuxControl& control = *control_ptr;
    const auto now = Clock::now();
    const bool periodic = now - last_facts_at >= 1s;
    if (output) {
      if (dirty_since == kNever) dirty_since = now;
      last_output = now;
    }
    const bool settled = dirty_since != kNever && (now - last_output >= kQuiet || now - dirty_since >= kMaxDirty);
    if (!settled && !periodic && !recheck) continue;
    if (settled) dirty_since = kNever;
    recheck = false;
    std::string screen;
    try {
      if (periodic) {
        facts = query_pane(control, settings.session);
        last_facts_at = now;
      }
      screen = control.capture();
    } catch (const RuntimeError&) {
      if (!control.alive()) continue;  // reconnected or reported on the next round
      throw;
    }
    const bool changed = screen != result.last_screen;
    if (changed) {
      result.last_screen = screen;
      last_change = now;
      if (events.screen_changed) events.screen_changed(screen);
    }
    if (now - start > settings.task_timeout) {
      result.outcome = MonitorOutcome::timed_out;
      result.detail = fmt::format("no result after {} minutes", settings.task_timeout.count() / 60);
      return result;
    }
    Classification c = classify_screen(screen, profile, ClassifyContext{prompt_sent, facts.dead});
    const std::string why = fmt::format("{} (line {}: {})", c.rule, c.line, trim(c.text));
    if (trace) {
      log(fmt::format("trace: {}{}{} -> {} {}", output ? "output " : "", periodic ? "periodic " : "",
                      changed ? "changed" : "same", to_string(c.cls), why));
    }
    switch (c.cls) {
      case ScreenClass::exited:
        result.outcome = MonitorOutcome::exited;
        result.detail = "the agent exited: " + why;
        return result;
      case ScreenClass::starting:
        set_phase(prompt_sent ? "agent working" : "starting agent");
        if (!prompt_sent && now - start > settings.startup_timeout) {
          result.outcome = MonitorOutcome::timed_out;
          result.detail = "the agent did not show its input prompt";
          return result;
        }
        break;
      case ScreenClass::ready:
      case ScreenClass::done: {
        auto typed = input_line_text(screen, profile);
        std::string typed_text = typed ? trim(*typed) : std::string();
        if (!prompt_sent) {
          if (!typed_text.empty() || person_blocks_keys()) {
            set_phase(person_blocks_keys() ? "waiting: a person is attached" : "waiting: text in the input line");
            break;
          }
          tmux.send_literal(settings.session, settings.prompt);
          // Enter only once the text shows in the input line; a fast Enter can be swallowed.
          for (int i = 0; i < 40; ++i) {
            control.wait_for_output(50ms);
            auto now_typed = input_line_text(control.capture(), profile);
            if (now_typed && trim(*now_typed).find(trim(settings.prompt).substr(0, 20)) != std::string::npos) break;
          }
          press_enter(control);
          prompt_sent = true;
          prompt_enter_at = Clock::now();
          if (events.prompt_sent) events.prompt_sent();
          log(fmt::format("sent the task prompt '{}' and Enter; screen was {}", settings.prompt, why));
          set_phase("prompt sent");
          recheck = true;
          break;
        }
        if (!seen_work && !typed_text.empty() &&
            typed_text.find(trim(settings.prompt).substr(0, 20)) != std::string::npos) {
          // The prompt still sits in the input line: the Enter was swallowed.
          if (now - prompt_enter_at > 700ms && enter_resends < 3 && !person_blocks_keys()) {
            press_enter(control);
            ++enter_resends;
            prompt_enter_at = now;
            log("the Enter after the prompt was swallowed (text still in the input line); sent Enter again");
          }
          break;
        }
        if (seen_work || (now - prompt_enter_at > 5s && now - last_change > 3s)) {
          result.outcome = MonitorOutcome::done;
          result.detail = why;
          return result;
        }
        break;
      }
      case ScreenClass::busy:
        if (prompt_sent) seen_work = true;
        if (now - last_change > settings.stuck_after) {
          set_phase(fmt::format("possibly stuck: screen unchanged for {} s",
                                std::chrono::duration_cast<std::chrono::seconds>(now - last_change).count()));
        } else {
          set_phase("agent busy");
        }
        break;
      case ScreenClass::needs_input:
        if (prompt_sent) seen_work = true;
        if (screen == answered_screen) break;  // one Enter per prompt screen
        if (person_blocks_keys()) {
          set_phase("needs input: a person is attached");
          break;
        }
        press_enter(control);
        answered_screen = screen;
        log(fmt::format("pressed Enter: {}", why));
        set_phase("answered a prompt");
        recheck = true;
        break;
      case ScreenClass::needs_choice:
        if (prompt_sent) seen_work = true;
        set_phase("needs choice: " + trim(c.text));
        if (screen != choice_logged_screen) {
          choice_logged_screen = screen;
          log(fmt::format("needs a person's choice: {}\n--- screen ---\n{}\n--------------", why, screen));
        }
        break;
    }
  }
}

}  // namespace kp
