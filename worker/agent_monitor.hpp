// Watching one agent's tmux session until its task is done: send the task
// prompt once the agent is ready, press Enter once per safe prompt screen,
// never type over a person, notice completion, a crash, a timeout.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "common/agent_profile.hpp"
#include "common/screen_classifier.hpp"
#include "common/tmux_client.hpp"

namespace kp {

enum class MonitorOutcome { done, exited, timed_out, interrupted, session_gone };
std::string_view to_string(MonitorOutcome outcome);

struct MonitorSettings {
  std::string session;
  std::string prompt;                       // the rendered task prompt
  bool prompt_sent = false;                 // resumed after the prompt reached the agent
  std::chrono::milliseconds poll_interval{250};
  std::chrono::seconds task_timeout{7200};
  std::chrono::seconds stuck_after{900};
  std::chrono::seconds startup_timeout{180};
  bool enter_while_attached = false;
};

// What the monitor tells the worker; every call is on the monitor's thread.
struct MonitorEvents {
  std::function<void(const std::string& phase)> phase;               // "agent busy", "needs choice", ...
  std::function<void()> prompt_sent;                                 // persist: do not send twice
  std::function<void(const std::string& screen)> screen_changed;     // refresh the latest log
  std::function<void(const std::string& line)> log;                  // worker log
};

struct MonitorResult {
  MonitorOutcome outcome = MonitorOutcome::done;
  std::string detail;        // the deciding rule and line, or why it ended
  std::string last_screen;
};

// Runs until the task's outcome is known or `stop` becomes true.
MonitorResult monitor_agent(const TmuxClient& tmux, const AgentProfile& profile,
                            const MonitorSettings& settings, const MonitorEvents& events,
                            const std::atomic<bool>& stop);

}  // namespace kp
