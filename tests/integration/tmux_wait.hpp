// Waiting on a tmux pane's screen in tests: poll with a generous timeout,
// never a fixed sleep for correctness. Header-only so any integration test can use it.
#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "common/error.hpp"
#include "common/tmux_client.hpp"

namespace kp::test {

struct ScreenWait {
  bool ok = false;      // the condition held before the timeout
  std::string screen;   // the last screen captured (empty if none could be)
  explicit operator bool() const { return ok; }
};

// Polls `condition` every `interval` until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20),
                       std::chrono::milliseconds interval = std::chrono::milliseconds(50)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

// Captures the session's screen until `ready(screen)` holds or `timeout` passes.
// Stops early (not ok) when the session has gone.
inline ScreenWait wait_for_screen(const TmuxClient& tmux, const std::string& session,
                                  const std::function<bool(const std::string&)>& ready,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  ScreenWait result;
  bool gone = false;
  wait_until(
      [&] {
        try {
          result.screen = tmux.capture(session);
        } catch (const RuntimeError&) {
          gone = !tmux.has_session(session);
          return gone;
        }
        result.ok = ready(result.screen);
        return result.ok;
      },
      timeout);
  return result;
}

// Waits until the screen contains `needle`.
inline ScreenWait wait_for_text(const TmuxClient& tmux, const std::string& session,
                                const std::string& needle,
                                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  return wait_for_screen(
      tmux, session, [&](const std::string& s) { return s.find(needle) != std::string::npos; },
      timeout);
}

}  // namespace kp::test
