#include "master/watch_actions.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/file_lock.hpp"
#include "common/subprocess.hpp"
#include "common/tmux_client.hpp"
#include "master/run_display.hpp"

extern char** environ;

namespace kp {

namespace {

// fork/exec with the terminal inherited, TMUX dropped from the environment; waits.
int run_on_terminal(const std::vector<std::string>& argv, const std::string& socket) {
  std::vector<std::string> args = argv;
  std::vector<char*> c_argv;
  for (auto& a : args) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, "TMUX=", 5) != 0) env.emplace_back(*e);
  }
  std::vector<char*> c_env;
  for (auto& e : env) c_env.push_back(e.data());
  c_env.push_back(nullptr);
  // A client coming while a worker's control client connects crashes tmux
  // 3.3a's server: the lifecycle lock covers the attach's first moments.
  FileLock lifecycle = lock_tmux_lifecycle(socket);
  std::fflush(stdout);
  pid_t pid = ::fork();
  if (pid < 0) throw RuntimeError(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::execvpe(c_argv[0], c_argv.data(), c_env.data());
    _exit(127);
  }
  int status = 0;
  auto connect_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  bool waited = false;
  while (std::chrono::steady_clock::now() < connect_until) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      waited = true;
      break;
    }
    ::usleep(20000);
  }
  { FileLock released = std::move(lifecycle); }
  while (!waited) {
    pid_t r = ::waitpid(pid, &status, 0);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return -1;
  }
  return exit_code_from_status(status);
}

}  // namespace

std::string tmux_socket_path(const std::string& socket_name) {
  const char* dir = std::getenv("TMUX_TMPDIR");
  std::string base = dir && *dir ? dir : "/tmp";
  return fmt::format("{}/tmux-{}/{}", base, ::getuid(), socket_name.empty() ? "default" : socket_name);
}

bool inside_tmux_server(const char* tmux_env, const std::string& socket_path) {
  if (!tmux_env || !*tmux_env) return false;
  std::string env(tmux_env);
  std::string path = env.substr(0, env.find(','));
  std::error_code ec1, ec2;
  auto a = std::filesystem::weakly_canonical(path, ec1);
  auto b = std::filesystem::weakly_canonical(socket_path, ec2);
  return !ec1 && !ec2 ? a == b : path == socket_path;
}

std::string attach_to_task(RawTerminal& terminal, const RunState& state, const TaskState& task) {
  const std::string session = task_session(state, task);
  TmuxClient tmux(state.config.tmux_socket);
  if (!tmux.has_session(session)) {
    return fmt::format("task {} has no tmux session {} (it is {})", task.id, session, to_string(task.status));
  }
  std::vector<std::string> argv = attach_command_argv(state.config, session);
  if (inside_tmux_server(std::getenv("TMUX"), tmux_socket_path(state.config.tmux_socket))) {
    argv[argv.size() - 3] = "switch-client";
    RunResult r = run_program(argv);
    if (!r.ok()) return fmt::format("tmux switch-client to {} failed: {}", session, r.err.substr(0, r.err.find('\n')));
    return fmt::format("switched to {}; come back with your tmux keys (prefix L: the last session)", session);
  }
  terminal.suspend();
  int code = -1;
  try {
    code = run_on_terminal(argv, state.config.tmux_socket);
  } catch (...) {
    terminal.resume();
    throw;
  }
  terminal.resume();
  return code == 0 ? fmt::format("back from {} (task {})", session, task.id)
                   : fmt::format("tmux attach to {} ended with exit {}", session, code);
}

struct BackgroundCommand::Shared {
  std::mutex mutex;
  std::optional<std::string> result;
};

BackgroundCommand::BackgroundCommand(std::vector<std::string> args) : shared_(std::make_shared<Shared>()) {
  args.insert(args.begin(), self_executable().string());
  thread_ = std::thread([shared = shared_, args] {
    std::string text;
    try {
      RunResult r = run_program(args);
      std::string out = !r.out.empty() ? r.out : r.err;
      text = out.substr(0, out.find('\n'));
      if (!r.ok() && text.empty()) text = fmt::format("{} exited {}", args[1], r.exit_code);
    } catch (const std::exception& e) {
      text = e.what();
    }
    std::lock_guard<std::mutex> lock(shared->mutex);
    shared->result = text;
  });
}

BackgroundCommand::~BackgroundCommand() {
  if (thread_.joinable()) thread_.join();
}

std::optional<std::string> BackgroundCommand::result() {
  std::optional<std::string> r;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    r = shared_->result;
  }
  if (r && thread_.joinable()) thread_.join();
  return r;
}

}  // namespace kp
