// The monitor's seam to an agent's terminal: wait for output, read the
// screen, press Enter, type text, tell the time. The tmux implementation
// talks to a session through a control connection; tests use a fake screen
// and a fake clock. (A placement on another machine would be another
// implementation of this.)
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/tmux_client.hpp"

namespace kp {

struct PaneFacts {
  bool dead = false;
  int people = 0;  // attached clients that are not control-mode (ours is)
};

class ScreenSource {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~ScreenSource() = default;
  // True when output came (or the connection ended) within `timeout`.
  virtual bool wait_for_output(std::chrono::milliseconds timeout) = 0;
  // False once the session is gone for good (reconnects are tried inside).
  virtual bool alive() = 0;
  virtual std::string capture() = 0;
  // The screen with up to `lines` of scrollback above it.
  virtual std::string capture_history(int lines) = 0;
  virtual PaneFacts facts() = 0;
  virtual void press_enter() = 0;
  virtual void press_escape() = 0;  // "No" on Claude's, codex's and gemini's permission menus
  virtual void type_literal(const std::string& text) = 0;
  virtual Clock::time_point now() { return Clock::now(); }
};

// A tmux session through a control-mode client; one reconnect per dropped
// connection while the session lives (tmux drops slow control clients).
std::unique_ptr<ScreenSource> tmux_screen_source(const TmuxClient& tmux, const std::string& session,
                                                 std::function<void(const std::string&)> log);

}  // namespace kp
