// Running programs with an argv vector: never through a shell.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kp {

struct RunResult {
  int exit_code = -1;   // exit status, or 128+signal when killed by a signal
  std::string out;      // captured standard output
  std::string err;      // captured standard error
  bool timed_out = false;
  bool ok() const { return exit_code == 0 && !timed_out; }
};

struct RunOptions {
  std::optional<std::filesystem::path> cwd;
  std::optional<std::string> stdin_data;                  // nothing: /dev/null
  std::vector<std::pair<std::string, std::string>> env;   // added to the environment
  std::vector<std::string> unset_env;
  std::chrono::milliseconds timeout{0};                   // 0: none
};

// Runs argv[0] (looked up in PATH) and waits for it. Throws RuntimeError only
// when the program cannot be started; a non-zero exit is in the result.
RunResult run_program(const std::vector<std::string>& argv, const RunOptions& options = {});

// A child process this process started and must reap. The destructor does not
// kill it: ownership of a process is explicit (terminate_group, wait).
class ChildProcess {
 public:
  ChildProcess() = default;
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // Non-blocking reap; returns the exit code once the child has ended.
  std::optional<int> poll();
  // Blocking reap.
  int wait();
  // SIGTERM to the child's process group, then SIGKILL after `grace`.
  int terminate_group(std::chrono::milliseconds grace);

 private:
  pid_t pid_ = -1;
};

struct SpawnOptions {
  std::optional<std::filesystem::path> cwd;
  std::optional<std::filesystem::path> stdout_path;  // appended; default /dev/null
  bool new_process_group = true;
  bool new_session = false;                          // setsid(): no controlling terminal
};

// Starts argv without waiting. stdin is /dev/null; stdout and stderr go to
// `stdout_path` (appended) or /dev/null.
ChildProcess spawn_program(const std::vector<std::string>& argv, const SpawnOptions& options = {});

// Converts a wait status to an exit code (128+signal for a signal).
int exit_code_from_status(int status);

// Path of the running executable (/proc/self/exe).
std::filesystem::path self_executable();

// True when a process with this pid exists (it may be a zombie or a reused pid;
// liveness of our own processes is decided by locks, this is only a hint).
bool process_exists(pid_t pid);

// True for a live process: exists and is not a zombie (in a container nobody
// may ever reap an orphan, so a zombie must count as ended).
bool process_running(pid_t pid);

// Stops a process that is not our child: SIGTERM (to its process group when
// `group`), up to `grace` for it to go, then SIGKILL. True when it is gone.
bool terminate_process(pid_t pid, bool group, std::chrono::milliseconds grace);

// Every descendant of `pid` (children first found through /proc), not including pid.
std::vector<pid_t> process_descendants(pid_t pid);

}  // namespace kp
