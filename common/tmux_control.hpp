// One tmux control-mode connection (`tmux [-L sock] -C attach-session -t =NAME`)
// to a session: the worker learns of screen changes from %output notifications
// within milliseconds and runs tmux commands through the open channel, so
// waiting on an agent forks no process per poll.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <deque>
#include <string>

#include "common/tmux_client.hpp"
#include "common/unique_fd.hpp"

namespace kp {

class TmuxControl {
 public:
  // RuntimeError when the session cannot be attached (no server, no session).
  TmuxControl(const TmuxClient& client, const std::string& session);
  // Detaches (closes the command pipe), reaps the tmux client; SIGKILL if it lingers.
  ~TmuxControl();
  TmuxControl(const TmuxControl&) = delete;
  TmuxControl& operator=(const TmuxControl&) = delete;

  // Waits until the session's pane produced output (a %output notification,
  // also one that arrived during an earlier command()) or `timeout` passes.
  // True on output or when the connection ended; false on timeout. Every
  // pending notification is drained.
  bool wait_for_output(std::chrono::milliseconds timeout);

  // Sends a CONSTANT tmux command line and returns the text between its
  // %begin and %end. RuntimeError on %error or when the connection ends.
  // Never pass user text here: this goes through tmux's command parser.
  std::string command(const std::string& tmux_command);

  // capture-pane -p -J of the session's pane, through the channel.
  std::string capture();

  // False after %exit or end of file (the session is gone or the client died).
  bool alive() const { return alive_; }
  // The readable descriptor, for poll() over several connections; call
  // wait_for_output(0ms) when it is readable.
  int fd() const { return from_tmux_.get(); }
  const std::string& session() const { return session_; }
  // The pane id ("%3") that capture() targets.
  const std::string& pane_id() const { return pane_id_; }

 private:
  struct Reply {
    bool error = false;
    std::string text;
  };

  // Reads what is available, waiting at most `timeout` for the first byte
  // (negative: for ever). Returns false on timeout.
  bool read_some(int timeout_ms);
  // Splits the buffer into lines and handles each.
  void parse_lines();
  void handle_line(const std::string& line);
  // Waits for the next complete %begin..%end block.
  Reply next_reply();

  std::string session_;
  std::string socket_;
  pid_t pid_ = -1;
  UniqueFd to_tmux_;
  UniqueFd from_tmux_;
  std::string buffer_;
  bool alive_ = true;
  bool output_seen_ = false;
  bool in_block_ = false;
  std::string block_guard_;  // "<time> <number> <flags>" of the open %begin
  std::string block_text_;
  std::deque<Reply> replies_;
  std::string pane_id_;
};

}  // namespace kp
