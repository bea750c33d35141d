// The interactive watch's terminal: raw input (no echo, no line editing, no
// signals from keys) and the alternate screen with the cursor hidden, all put
// back by the destructor however the watch ends (a return, an exception, a
// SIGINT or SIGTERM caught by SignalCatcher), and around suspend()/resume()
// while another program (tmux attach) has the terminal.
#pragma once
#include <termios.h>

#include <string>

namespace kp {

class RawTerminal {
 public:
  RawTerminal();  // throws RuntimeError when stdin is not a terminal
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

  // The terminal as it was (cooked, main screen, cursor shown), and back.
  void suspend();
  void resume();
  // The bytes typed within `timeout_ms` (empty: none; also on a signal).
  std::string read_input(int timeout_ms);
  bool hung_up() const { return hung_up_; }  // the terminal went away: time to leave
  static void write_out(const std::string& text);

 private:
  void enter();
  void leave();
  struct termios saved_ {};
  bool active_ = false;
  bool hung_up_ = false;
};

}  // namespace kp
