// What the interactive watch does for a person: attach to a task's tmux
// session and come back, and run `stop` / `retry` (this executable's own
// commands, argv only) in the background so that the display keeps moving.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/run_state.hpp"
#include "common/spec_paths.hpp"
#include "master/watch_terminal.hpp"

namespace kp {

// The socket path of tmux server `socket_name` ("" the default server), as
// tmux computes it: $TMUX_TMPDIR (or /tmp)/tmux-<uid>/<name or "default">.
std::string tmux_socket_path(const std::string& socket_name);
// True when $TMUX (the client this watch runs in) is on that server.
bool inside_tmux_server(const char* tmux_env, const std::string& socket_path);

// Inside tmux on the run's server: switch-client to the session (the watch
// stays in its pane). Otherwise: the terminal is handed to `tmux attach`
// (TMUX unset, so a watch inside another tmux can nest it) until the person
// detaches, then the watch resumes. Returns a one-line message.
std::string attach_to_task(RawTerminal& terminal, const RunState& state, const TaskState& task);

// `kiro-parallel <args...>` run by this executable in a thread; its first
// line of output (or error) is the result.
class BackgroundCommand {
 public:
  explicit BackgroundCommand(std::vector<std::string> args);
  ~BackgroundCommand();  // waits for it: a stop is never left half done
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;
  // The result once it has ended (then joined), else nullopt.
  std::optional<std::string> result();

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace kp
