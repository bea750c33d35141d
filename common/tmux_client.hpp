// The tmux command-line client: every call is one argv vector through
// kp::run_program; text from users reaches tmux only as argv elements (and
// typed text only through `send-keys -l`), never through a shell.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/file_lock.hpp"
#include "common/subprocess.hpp"

namespace kp {

// tmux splits its argv into commands at any element that ENDS with ';'
// (even inside `send-keys -l`); "X\;" stands for a literal "X;". This returns
// the argv element that tmux turns back into exactly `text`.
std::string tmux_literal_arg(const std::string& text);

// tmux expands formats ("#{...}", "#(shell command)") in some arguments, such
// as new-session's -s and -c; "##" stands for a literal '#'.
std::string tmux_format_literal(const std::string& text);

// The tmux user option kiro-parallel sets on every session it creates: the
// task's mark ("<repo>#<spec>/<task>", as in common/agent_processes.hpp), so
// that a spec's sessions are found by owner, never by a name prefix.
inline constexpr const char* kSessionOwnerOption = "@kiro-parallel";

struct SessionInfo {
  std::string name;
  std::string owner;  // the @kiro-parallel option; empty when the session has none
};

class TmuxClient {
 public:
  // "" = the user's default server; otherwise `tmux -L NAME` (a private socket).
  explicit TmuxClient(std::string socket_name);

  const std::string& socket() const { return socket_; }
  // {"tmux"} or {"tmux", "-L", name}.
  std::vector<std::string> base_argv() const;

  bool server_running() const;
  // Exact name match ("=name"), not tmux's prefix matching. False when tmux
  // says there is no such session or no server; RuntimeError when it cannot tell.
  bool has_session(const std::string& name) const;

  // A detached session running `command` (an argv; empty = the default shell)
  // in `cwd`, with `remain-on-exit on` so the last screen and the exit stay
  // readable. When `env` holds KIRO_PARALLEL_TASK, its value is also set as the
  // session's @kiro-parallel option in the same tmux call.
  // RuntimeError when tmux refuses (e.g. the name is taken).
  void new_session(const std::string& name, const std::filesystem::path& cwd,
                   const std::vector<std::string>& command,
                   const std::vector<std::pair<std::string, std::string>>& env = {},
                   int width = 200, int height = 50) const;

  // Types `text` literally (send-keys -l): no key names, no parsing.
  void send_literal(const std::string& session, const std::string& text) const;
  void send_enter(const std::string& session) const;
  // Named keys such as "Down", "Escape", "C-c".
  void send_keys(const std::string& session, const std::vector<std::string>& keys) const;

  // The visible screen (capture-pane -p -J). RuntimeError when the session is gone.
  std::string capture(const std::string& session) const;
  // Session names; empty when no server runs. RuntimeError when tmux fails
  // otherwise (a failed listing is not "no sessions").
  std::vector<std::string> list_sessions() const;
  // Every session with its @kiro-parallel option; as list_sessions.
  std::vector<SessionInfo> list_sessions_with_owner() const;
  // Clients attached to the session that are people, not control-mode clients.
  int attached_people(const std::string& session) const;
  std::optional<pid_t> pane_pid(const std::string& session) const;
  // True when the pane's process has ended (kept by remain-on-exit); false if no session.
  bool pane_dead(const std::string& session) const;
  // The exit status of a dead pane's process (128+signal when killed) once tmux
  // has reaped it: pane_dead() can turn true a moment before the status is known.
  std::optional<int> pane_exit_status(const std::string& session) const;

  // Ends the pane's whole process tree (SIGTERM to every descendant and the
  // pane process, `grace`, then SIGKILL to survivors), then kill-session.
  // Does nothing when the session does not exist.
  void kill_session(const std::string& name,
                    std::chrono::milliseconds grace = std::chrono::seconds(2)) const;

  // Runs `tmux [-L sock] args...` (args are passed as they are: callers
  // escape user text with tmux_literal_arg).
  RunResult run(const std::vector<std::string>& args) const;

 private:
  // Like run(), but RuntimeError on a non-zero exit, naming `what`.
  RunResult run_checked(const std::vector<std::string>& args, const char* what) const;

  std::string socket_;
};

// Target of a session's current pane, exact-matching the name: "=NAME:".
std::string tmux_pane_target(const std::string& session);

// tmux 3.3a's server crashes (a null control_state in control_write) when a
// notification for all control clients (a session created or closed, a client
// attached or detached) reaches a control client that is still connecting.
// Our processes therefore serialize these events per tmux server: this lock is
// held around new-session, kill-session, and a control client's connect and
// disconnect. Persons' clients and plain commands do not need it.
FileLock lock_tmux_lifecycle(const std::string& socket_name);


}  // namespace kp
