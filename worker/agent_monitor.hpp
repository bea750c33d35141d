// Watching one agent's terminal until its turn on the task ends: type the
// task prompt into a screen that has stayed ready, make sure the agent took
// it, press Enter once per prompt screen the approval policy allows, never
// type over a person, and notice how the turn ended: cleanly (evidence is
// judged by the worker, not here), in an error, or not at all.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/agent_profile.hpp"
#include "common/agent_signals.hpp"
#include "common/screen_classifier.hpp"
#include "worker/screen_source.hpp"

namespace kp {

enum class MonitorOutcome { turn_ended, error, undelivered, exited, timed_out, interrupted, session_gone };
std::string_view to_string(MonitorOutcome outcome);

// What the approval policy says of a prompt screen.
struct ApprovalAnswer {
  enum Verdict { approve, refuse, ask } verdict = approve;
  std::string rule;  // which rule decided
  std::string what;  // the command or path the prompt asks about
  bool reject = false;  // refused with approve.on_refuse = "reject": answer No (Esc) instead of waiting
};

struct MonitorSettings {
  std::string prompt;                       // the rendered task prompt
  bool prompt_sent = false;                 // resumed after the prompt reached the agent
  bool adopted_session = false;             // the agent ran before this worker (a resumed task)
  std::chrono::milliseconds poll_interval{250};
  std::chrono::seconds task_timeout{7200};
  std::chrono::seconds stuck_after{900};
  std::chrono::seconds startup_timeout{180};
  std::chrono::milliseconds ready_settle{300};      // a ready screen must stay ready this long
  std::chrono::milliseconds enter_delay{0};         // between the typed text showing and Enter
  std::chrono::seconds delivery_timeout{45};        // the agent must show it took the prompt
  std::chrono::milliseconds done_settle{1500};      // an idle screen must stay idle this long
  std::chrono::seconds signal_grace{10};            // idle screen, waiting for the agent's Stop signal
  int enter_retries = 3;                            // Enter again while the prompt sits unsent
  int retypes = 1;                                  // type a lost prompt again
  bool expect_stop_signal = false;                  // the agent reports turn ends (Claude hooks)
  bool enter_while_attached = false;
  SignalChannel* signals = nullptr;                 // the agent's own signals, when it has them
  // The approval policy for a needs_input screen; unset = approve.
  std::function<ApprovalAnswer(const std::string& screen)> approve;
  // A person's answer to the approval prompt left for them, asked with the
  // phase text the monitor set for it: true approve once (Enter), false
  // refuse (Esc); nullopt none. Unset: only a person at the session answers.
  std::function<std::optional<bool>(const std::string& phase)> person_answer;
};

// What the monitor tells the worker; every call is on the monitor's thread.
struct MonitorEvents {
  std::function<void(const std::string& phase)> phase;               // "agent busy", "needs choice", ...
  std::function<void()> agent_ready;                                 // the first ready screen: its start is over
  std::function<void()> prompt_sent;                                 // persist: do not send twice
  std::function<void()> prompt_delivered;                            // the agent took it
  std::function<void(const std::string& screen)> screen_changed;     // refresh the latest log
  std::function<void(const std::string& line)> log;                  // worker log
  std::function<void(const AgentSignal& signal)> signal;             // every signal read
};

struct MonitorResult {
  MonitorOutcome outcome = MonitorOutcome::turn_ended;
  std::string detail;        // the deciding rule and line, or why it ended
  std::string last_screen;
  bool transient = false;    // an error worth a retry
  bool by_signal = false;    // the agent's Stop signal ended the turn
  std::string transcript_path;
  std::string last_words;    // the agent's last message, when its signal gave it
};

// Runs until the turn's outcome is known or `stop` becomes true.
MonitorResult monitor_agent(ScreenSource& screen, const AgentProfile& profile, const MonitorSettings& settings,
                            const MonitorEvents& events, const std::atomic<bool>& stop);

// The agent's own words at the end of its turn: the last lines above its
// input prompt (below the prompt's echo), joined on one line.
std::string last_words(const std::string& screen, const AgentProfile& profile, size_t max_chars = 300);

}  // namespace kp
