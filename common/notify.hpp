// Telling a person when they are needed: settings "notify": {"command": [argv],
// "bell": true}. The command runs with the spec, task, kind and a one-line
// message as its last four arguments and as KIRO_PARALLEL_* environment, by
// fork/exec (never a shell), when a task needs a person's choice (a menu it
// will not answer, a refused approval), a task fails or conflicts, or the run
// ends. Prompts kiro-parallel answers itself never notify.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/run_state.hpp"
#include "common/subprocess.hpp"

namespace kp {

struct NotifySettings {
  std::vector<std::string> command;  // empty: no command
  bool bell = true;                  // watch rings the terminal bell on a terminal
};
// UsageError naming the file for a malformed "notify".
NotifySettings parse_notify_settings(const nlohmann::json& settings, const std::string& path);

enum class NotifyKind { needs_person, failed, run_ended };
std::string_view to_string(NotifyKind kind);

struct NotifyEvent {
  std::string spec;
  std::string task;     // empty for run_ended
  NotifyKind kind = NotifyKind::needs_person;
  std::string message;  // one line
};

// The command's argv: `command` then spec, task, kind, message, each one
// argument whatever it holds; the message cut to one line of printable text.
std::vector<std::string> notify_argv(const std::vector<std::string>& command, const NotifyEvent& event);
// KIRO_PARALLEL_SPEC, _TASK, _KIND, _MESSAGE.
std::vector<std::pair<std::string, std::string>> notify_env(const NotifyEvent& event);

// What changed for a person between the states it is shown: a task entering a
// "needs choice" phase, a task becoming failed or conflict. The first state it
// sees is only remembered (an earlier master told of what was already there).
class NotifyTracker {
 public:
  std::vector<NotifyEvent> observe(const RunState& state);

 private:
  bool seen_ = false;
  std::vector<std::pair<std::string, bool>> needs_;       // id, needed a person
  std::vector<std::pair<std::string, TaskStatus>> status_;
};

// The run_ended event: "12 completed, 1 failed, ... in 14m05s".
NotifyEvent run_ended_event(const RunState& state);

// Starts the command (fork/exec, stdin /dev/null, output appended to `log`)
// without waiting; the caller reaps the child. Throws RuntimeError when it
// cannot be started.
ChildProcess start_notify(const std::vector<std::string>& command, const NotifyEvent& event,
                          const std::filesystem::path& log);

// What the master uses: a tracker, the command, the children to reap. Logs
// each notification (and a command that cannot start) with log_info.
class Notifier {
 public:
  Notifier(std::vector<std::string> command, std::string spec, std::filesystem::path log);
  ~Notifier();  // waits up to 5 s for commands still running
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;
  void observe(const RunState& state);  // notifies what changed since the last state
  void run_ended(const RunState& state);
  void reap();  // ends the children that have exited, without waiting

 private:
  void notify(const NotifyEvent& event);
  std::vector<std::string> command_;
  std::string spec_;
  std::filesystem::path log_;
  NotifyTracker tracker_;
  std::vector<ChildProcess> children_;
};

}  // namespace kp
