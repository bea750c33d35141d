// The monitor against a fake terminal and a fake clock: when it types the
// prompt, how it makes sure the agent took it, and how a turn ends. A turn
// that ends is never "completed" here: the worker judges the evidence.
#include <doctest/doctest.h>

#include <functional>

#include "common/agent_signals.hpp"
#include "test_support.hpp"
#include "worker/agent_monitor.hpp"

using namespace kp;
using namespace std::chrono_literals;

namespace {

std::string rule() {
  std::string r;
  for (int i = 0; i < 40; ++i) r += "─";
  return r;
}

// Claude Code's new layout: history, then the input line between two rules.
std::string claude_screen(const std::string& history, const std::string& typed, const std::string& footer) {
  return history + "\n" + rule() + "\n❯ " + typed + "\n" + rule() + "\n  " + footer + "\n";
}
std::string idle(const std::string& history = "", const std::string& typed = "") {
  return claude_screen(history, typed, "? for shortcuts");
}
std::string busy(const std::string& history) { return claude_screen(history + "\n✻ Working… (3s)", "", "esc to interrupt"); }

// A terminal whose agent is a small state machine the test writes.
struct FakeTerminal : ScreenSource {
  Clock::time_point t{};
  std::string screen = idle();
  std::string input;  // what was typed and not yet submitted
  int enters = 0;
  std::function<void(FakeTerminal&)> on_enter;               // the agent reacts to Enter
  std::function<void(FakeTerminal&)> on_time;                // the agent's own progress
  bool wait_for_output(std::chrono::milliseconds d) override {
    t += d;
    if (on_time) on_time(*this);
    return false;
  }
  bool alive() override { return true; }
  std::string capture() override { return screen; }
  std::string capture_history(int) override { return screen; }
  PaneFacts facts() override { return {}; }
  void press_enter() override {
    ++enters;
    if (on_enter) on_enter(*this);
  }
  void press_escape() override { ++escapes; }
  int escapes = 0;
  void type_literal(const std::string& text) override {
    input += text;
    screen = idle("", input);
  }
  Clock::time_point now() override { return t; }
  double seconds() const { return std::chrono::duration<double>(t.time_since_epoch()).count(); }
};

const AgentProfile& claude() { return *builtin_profile("claude"); }

MonitorSettings quick_settings() {
  MonitorSettings s;
  s.prompt = "/kiro:spec-impl demo 1.1";
  s.poll_interval = 100ms;
  s.delivery_timeout = 20s;
  s.startup_timeout = 30s;
  return s;
}

MonitorResult run(FakeTerminal& term, const MonitorSettings& s, std::vector<std::string>* log = nullptr) {
  MonitorEvents ev;
  if (log) ev.log = [log](const std::string& l) { log->push_back(l); };
  std::atomic<bool> stop{false};
  return monitor_agent(term, claude(), s, ev, stop);
}

// An agent that takes the prompt on Enter, works for `work` and goes idle.
void agent_that_works(FakeTerminal& term, std::chrono::milliseconds work, const std::string& last_line) {
  auto started = std::make_shared<std::optional<ScreenSource::Clock::time_point>>();
  term.on_enter = [started](FakeTerminal& t) {
    if (t.input.empty()) return;
    *started = t.t;
    t.screen = busy("❯ " + t.input);
  };
  term.on_time = [started, work, last_line](FakeTerminal& t) {
    if (*started && t.t - **started > work) {
      t.screen = idle("❯ " + t.input + "\n⏺ " + last_line);
      started->reset();
    }
  };
}

}  // namespace

TEST_CASE("monitor: a turn that ends at the idle prompt is reported as ended, not as done") {
  FakeTerminal term;
  agent_that_works(term, 2s, "Implemented it.");
  MonitorResult r = run(term, quick_settings());
  CHECK(r.outcome == MonitorOutcome::turn_ended);
  CHECK(term.enters == 1);
  CHECK(last_words(r.last_screen, claude()) == "⏺ Implemented it.");
}

TEST_CASE("monitor: the prompt waits for a screen that stayed ready; a dialog drawn over it is answered first") {
  FakeTerminal term;
  term.screen = idle();
  bool dialog_shown = false;
  std::optional<double> typed_at;
  term.on_time = [&](FakeTerminal& t) {
    // 150 ms after the input line, a trust dialog is drawn over it (codex does this).
    if (!dialog_shown && t.t.time_since_epoch() > 150ms) {
      dialog_shown = true;
      t.screen = "Do you trust the files in this folder?\n\n❯ 1. Yes, proceed\n  2. No, exit\n\nEnter to confirm · Esc to exit\n";
    }
    if (!t.input.empty() && !typed_at) typed_at = t.seconds();
  };
  term.on_enter = [&](FakeTerminal& t) {
    if (t.input.empty()) {
      t.screen = idle();  // the dialog accepted
      return;
    }
    t.screen = idle("❯ " + t.input + "\n⏺ Done.");
  };
  MonitorSettings s = quick_settings();
  s.ready_settle = 300ms;
  MonitorResult r = run(term, s);
  CHECK(dialog_shown);
  REQUIRE(typed_at.has_value());
  CHECK(*typed_at >= 0.45);  // after the dialog was answered and the screen settled again
  CHECK(term.enters == 2);  // the dialog, then the prompt
  CHECK(r.outcome == MonitorOutcome::turn_ended);
}

TEST_CASE("monitor: a swallowed Enter is sent again while the prompt sits in the input line") {
  FakeTerminal term;
  int seen = 0;
  agent_that_works(term, 1s, "ok");
  auto works = term.on_enter;
  term.on_enter = [&, works](FakeTerminal& t) {
    if (!t.input.empty() && ++seen == 1) return;  // the first Enter does nothing (unsent)
    works(t);
  };
  std::vector<std::string> log;
  MonitorResult r = run(term, quick_settings(), &log);
  CHECK(r.outcome == MonitorOutcome::turn_ended);
  CHECK(term.enters == 2);
  bool logged = false;
  for (const auto& l : log) logged = logged || l.find("sent Enter again") != std::string::npos;
  CHECK(logged);
}

TEST_CASE("monitor: our own prompt left unsent in the input line by a dead worker gets its Enter, not a second copy") {
  FakeTerminal term;
  agent_that_works(term, 1s, "Implemented it.");
  MonitorSettings s = quick_settings();
  term.input = s.prompt;  // the worker before this one typed it and died before its Enter
  term.screen = idle("", term.input);
  std::vector<std::string> log;
  MonitorResult r = run(term, s, &log);
  CHECK(r.outcome == MonitorOutcome::turn_ended);
  CHECK(term.enters == 1);
  CHECK(term.input == s.prompt);  // not typed again
  bool logged = false;
  for (const auto& l : log) logged = logged || l.find("already sits in the input line") != std::string::npos;
  CHECK(logged);
}

TEST_CASE("monitor: an adopted session whose agent took the prompt already is watched, the prompt not sent twice") {
  for (bool still_busy : {true, false}) {
    CAPTURE(still_busy);
    FakeTerminal term;
    MonitorSettings s = quick_settings();
    s.adopted_session = true;  // the worker that sent the prompt died before the state heard
    const std::string done_screen = idle("❯ " + s.prompt + "\n⏺ Implemented it.");
    term.screen = still_busy ? busy("❯ " + s.prompt) : done_screen;
    term.on_time = [&](FakeTerminal& t) {
      if (t.t.time_since_epoch() > 1s) t.screen = done_screen;
    };
    std::vector<std::string> log;
    MonitorResult r = run(term, s, &log);
    CHECK(r.outcome == MonitorOutcome::turn_ended);
    CHECK(term.enters == 0);
    CHECK(term.input.empty());
    bool logged = false;
    for (const auto& l : log) logged = logged || l.find("sent before this worker resumed") != std::string::npos;
    CHECK(logged);
  }
}

TEST_CASE("monitor: a prompt that never leaves the input line is not delivered, never done") {
  FakeTerminal term;  // Enter never submits
  MonitorSettings s = quick_settings();
  MonitorResult r = run(term, s);
  CHECK(r.outcome == MonitorOutcome::undelivered);
  CHECK(term.enters == 1 + s.enter_retries);
  CHECK(term.seconds() >= 20);
}

TEST_CASE("monitor: a lost prompt is typed once more, then reported undelivered") {
  FakeTerminal term;
  int typed_times = 0;
  term.on_enter = [&](FakeTerminal& t) {
    if (t.input.empty()) return;
    ++typed_times;
    t.input.clear();
    t.screen = idle();  // gone without a trace
  };
  MonitorResult r = run(term, quick_settings());
  CHECK(typed_times == 2);
  CHECK(r.outcome == MonitorOutcome::undelivered);
}

TEST_CASE("monitor: an API error after the prompt ends the turn in an error, transient or not") {
  for (auto [line, transient] : {std::pair{"⎿  API Error: 529 Overloaded", true},
                                 std::pair{"⎿  API Error: 400 invalid request", false},
                                 std::pair{"⏺ Unknown command: /kiro:spec-impl", false}}) {
    CAPTURE(line);
    FakeTerminal term;
    term.on_enter = [line = std::string(line)](FakeTerminal& t) {
      if (!t.input.empty()) t.screen = idle("❯ " + t.input + "\n  " + line);
    };
    MonitorResult r = run(term, quick_settings());
    CHECK(r.outcome == MonitorOutcome::error);
    CHECK(r.transient == transient);
    CHECK(r.detail.find(line) != std::string::npos);
  }
}

TEST_CASE("monitor: one idle frame in the middle of the work does not end the turn") {
  FakeTerminal term;
  int frames = 0;
  bool working = false;
  term.on_enter = [&](FakeTerminal& t) {
    if (t.input.empty()) return;
    working = true;
    t.screen = busy("❯ " + t.input);
  };
  term.on_time = [&](FakeTerminal& t) {
    if (!working) return;
    ++frames;
    if (frames == 5) t.screen = idle("❯ " + t.input);  // a redraw caught half way
    if (frames == 6) t.screen = busy("❯ " + t.input);
    if (frames == 60) t.screen = idle("❯ " + t.input + "\n⏺ finished");
  };
  MonitorResult r = run(term, quick_settings());
  CHECK(r.outcome == MonitorOutcome::turn_ended);
  CHECK(frames >= 60);
}

TEST_CASE("monitor: with hooks, the Stop signal ends the turn and StopFailure is an error") {
  test::TempDir dir;
  for (bool failure : {false, true}) {
    CAPTURE(failure);
    const auto channel_path = dir / (failure ? "fail.jsonl" : "ok.jsonl");
    SignalChannel channel(channel_path);
    FakeTerminal term;
    term.on_enter = [&](FakeTerminal& t) {
      if (t.input.empty()) return;
      t.screen = busy("❯ " + t.input);
      append_signal_line(channel_path, {{"hook_event_name", "UserPromptSubmit"}});
    };
    int ticks = 0;
    term.on_time = [&](FakeTerminal& t) {
      if (t.input.empty() || ++ticks != 10) return;
      if (failure) {
        append_signal_line(channel_path, {{"hook_event_name", "StopFailure"}, {"error", "server_error"},
                                          {"last_assistant_message", "API Error: 529 Overloaded"}});
      } else {
        append_signal_line(channel_path, {{"hook_event_name", "Stop"}, {"transcript_path", "/t.jsonl"},
                                          {"last_assistant_message", "All done."}});
      }
      t.screen = idle("❯ " + t.input + "\n⏺ words");
    };
    MonitorSettings s = quick_settings();
    s.expect_stop_signal = true;
    s.signals = &channel;
    MonitorResult r = run(term, s);
    if (failure) {
      CHECK(r.outcome == MonitorOutcome::error);
      CHECK(r.transient);
    } else {
      CHECK(r.outcome == MonitorOutcome::turn_ended);
      CHECK(r.by_signal);
      CHECK(r.transcript_path == "/t.jsonl");
      CHECK(r.last_words == "All done.");
    }
  }
}

TEST_CASE("monitor: a Stop signal after the idle screen ends the turn within 60 ms, not a poll interval later") {
  test::TempDir dir;
  const auto channel_path = dir / "signals.jsonl";
  SignalChannel channel(channel_path);
  FakeTerminal term;
  std::optional<ScreenSource::Clock::time_point> idle_at, stop_at;
  term.on_enter = [&](FakeTerminal& t) {
    if (!t.input.empty()) t.screen = busy("❯ " + t.input);
  };
  term.on_time = [&](FakeTerminal& t) {
    if (t.input.empty()) return;
    if (!idle_at && t.t.time_since_epoch() > 2s) {
      idle_at = t.t;
      t.screen = idle("❯ " + t.input + "\n⏺ words");
    }
    // The Stop hook writes its line 300 ms after the redraw; the monitor can
    // only see it at its next wake (the fake clock moves in the monitor's waits).
    if (idle_at && !stop_at && t.t - *idle_at >= 300ms) {
      stop_at = *idle_at + 300ms;
      append_signal_line(channel_path, {{"hook_event_name", "Stop"}, {"transcript_path", "/t.jsonl"}});
    }
  };
  MonitorSettings s = quick_settings();
  s.poll_interval = 250ms;
  s.expect_stop_signal = true;
  s.signals = &channel;
  MonitorResult r = run(term, s);
  REQUIRE(stop_at.has_value());
  CHECK(r.outcome == MonitorOutcome::turn_ended);
  CHECK(r.by_signal);
  CHECK(term.t - *stop_at <= 60ms);  // neither the poll interval (250 ms) nor done_settle (1.5 s)
}

TEST_CASE("monitor: the prompt is typed when ready_settle ends, not at the next poll after it") {
  FakeTerminal term;
  term.screen = idle();
  std::optional<double> typed_at;
  agent_that_works(term, 1s, "Done.");
  auto on_time = term.on_time;
  term.on_time = [&, on_time](FakeTerminal& t) {
    if (!t.input.empty() && !typed_at) typed_at = t.seconds();
    on_time(t);
  };
  MonitorSettings s = quick_settings();
  s.poll_interval = 250ms;
  s.ready_settle = 300ms;
  MonitorResult r = run(term, s);
  CHECK(r.outcome == MonitorOutcome::turn_ended);
  REQUIRE(typed_at.has_value());
  // First look after one poll (0.25 s), ready_settle (0.3 s), the echo check's
  // first wait (0.05 s): 0.6 s. A settle seen only at polls would make it 0.8 s.
  CHECK(*typed_at == doctest::Approx(0.6));
}

TEST_CASE("monitor: a prompt screen the policy does not approve gets no Enter") {
  FakeTerminal term;
  term.on_enter = [&](FakeTerminal& t) {
    if (t.input.empty()) return;
    t.screen = "❯ " + t.input + "\n\n Bash command\n\n   git push --force origin main\n\n Do you want to proceed?\n ❯ 1. Yes\n   2. No\n\n Esc to cancel\n";
  };
  MonitorSettings s = quick_settings();
  s.task_timeout = 1min;
  int asked = 0;
  s.approve = [&](const std::string&) {
    ++asked;
    return ApprovalAnswer{ApprovalAnswer::refuse, "git_push", "git push --force origin main"};
  };
  MonitorResult r = run(term, s);
  CHECK(asked > 0);
  CHECK(term.enters == 1);  // only the prompt's
  CHECK(r.outcome == MonitorOutcome::timed_out);
}

TEST_CASE("monitor: a person's answer to the pending approval: approve once is one Enter, refuse is Esc and no Enter") {
  for (bool approve : {true, false}) {
    CAPTURE(approve);
    FakeTerminal term;
    const std::string menu =
        "\n\n Bash command\n\n   git push origin main\n\n Do you want to proceed?\n ❯ 1. Yes\n   2. No\n\n Esc to cancel\n";
    term.on_enter = [&](FakeTerminal& t) {
      if (!t.input.empty() && t.enters == 1) t.screen = "❯ " + t.input + menu;
      if (t.enters == 2) t.screen = busy("❯ " + t.input);  // the menu answered: back to work
    };
    MonitorSettings s = quick_settings();
    s.task_timeout = 1min;
    s.approve = [](const std::string&) { return ApprovalAnswer{ApprovalAnswer::refuse, "git_push", "Bash git push origin main"}; };
    std::vector<std::string> asked_with;
    int answers = 0;
    s.person_answer = [&](const std::string& phase) -> std::optional<bool> {
      asked_with.push_back(phase);
      if (term.seconds() < 10 || answers > 0) return std::nullopt;  // the person answers once, after 10 s
      ++answers;
      return approve;
    };
    MonitorEvents ev;
    std::vector<std::string> phases;
    ev.phase = [&](const std::string& p) { phases.push_back(p); };
    std::atomic<bool> stop{false};
    monitor_agent(term, claude(), s, ev, stop);
    REQUIRE(!asked_with.empty());
    CHECK(asked_with.front() == "needs choice: refused by git_push: Bash git push origin main");
    CHECK(answers == 1);
    CHECK(term.enters == (approve ? 2 : 1));  // the prompt's, and for approve the one Enter on the menu
    CHECK(term.escapes == (approve ? 0 : 1));
    const std::string expected = approve ? "answered a prompt: approved once by a person: Bash git push origin main"
                                         : "refused a prompt: refused by a person: Bash git push origin main";
    CHECK(std::find(phases.begin(), phases.end(), expected) != phases.end());
  }
}
