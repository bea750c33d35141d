#include "common/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

extern char** environ;

namespace kp {

namespace {

std::vector<char*> to_c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

[[noreturn]] void child_fail(const char* what) {
  // Only async-signal-safe calls after fork.
  const char* msg = strerror(errno);
  ssize_t ignored = ::write(2, what, strlen(what));
  ignored = ::write(2, ": ", 2);
  ignored = ::write(2, msg, strlen(msg));
  ignored = ::write(2, "\n", 1);
  (void)ignored;
  _exit(127);
}

void make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw RuntimeError(fmt::format("pipe: {}", strerror(errno)));
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
}

// /proc/<pid>/stat without iostreams: a process may end between open and
// read, and libstdc++'s filebuf throws on that read error.
std::optional<std::string> read_proc_stat(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  char buf[1024];
  ssize_t n;
  do {
    n = ::read(fd.get(), buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

// The state letter and the parent pid from a stat line ("pid (comm) S ppid ...").
bool parse_proc_stat(const std::string& stat, char& state, pid_t& ppid) {
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 4 >= stat.size()) return false;
  state = stat[close + 2];
  ppid = static_cast<pid_t>(std::atoi(stat.c_str() + close + 4));
  return true;
}

}  // namespace

int exit_code_from_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

RunResult run_program(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) throw RuntimeError("run_program: empty argv");
  UniqueFd in_r, in_w, out_r, out_w, err_r, err_w;
  make_pipe(out_r, out_w);
  make_pipe(err_r, err_w);
  if (options.stdin_data) make_pipe(in_r, in_w);

  // Prepare everything that allocates before fork.
  auto c_argv = to_c_argv(argv);
  std::vector<std::string> env_strings;
  {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
      std::string_view kv(*e);
      auto eq = kv.find('=');
      if (eq == std::string_view::npos) continue;
      env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
    for (const auto& name : options.unset_env) env.erase(name);
    for (const auto& [k, v] : options.env) env[k] = v;
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  }
  std::vector<char*> c_env = to_c_argv(env_strings);
  std::string cwd = options.cwd ? options.cwd->string() : std::string();

  pid_t pid = ::fork();
  if (pid < 0) throw RuntimeError(fmt::format("fork: {}", strerror(errno)));
  if (pid == 0) {
    ::setpgid(0, 0);
    if (options.stdin_data) {
      ::dup2(in_r.get(), 0);
    } else {
      int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, 0);
    }
    ::dup2(out_w.get(), 1);
    ::dup2(err_w.get(), 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) child_fail(cwd.c_str());
    ::execvpe(c_argv[0], c_argv.data(), c_env.data());
    child_fail(c_argv[0]);
  }
  ChildProcess child(pid);
  out_w.reset();
  err_w.reset();
  in_r.reset();

  RunResult result;
  std::string_view to_write = options.stdin_data ? std::string_view(*options.stdin_data) : "";
  if (in_w && to_write.empty()) in_w.reset();
  if (in_w) ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  char buf[65536];
  while (out_r || err_r) {
    std::vector<pollfd> fds;
    if (out_r) fds.push_back({out_r.get(), POLLIN, 0});
    if (err_r) fds.push_back({err_r.get(), POLLIN, 0});
    if (in_w) fds.push_back({in_w.get(), POLLOUT, 0});
    int wait_ms = -1;
    if (options.timeout.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        result.timed_out = true;
        ::kill(-pid, SIGKILL);
        break;
      }
      wait_ms = static_cast<int>(left.count());
    }
    int n = ::poll(fds.data(), fds.size(), wait_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (auto& p : fds) {
      if (!p.revents) continue;
      if (in_w && p.fd == in_w.get()) {
        ssize_t w = ::write(in_w.get(), to_write.data(), to_write.size());
        if (w > 0) to_write.remove_prefix(static_cast<size_t>(w));
        if (w < 0 && errno != EAGAIN && errno != EINTR) to_write = {};
        if (to_write.empty()) in_w.reset();
        continue;
      }
      ssize_t r = ::read(p.fd, buf, sizeof buf);
      if (r > 0) {
        (p.fd == out_r.get() ? result.out : result.err).append(buf, static_cast<size_t>(r));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        if (p.fd == out_r.get()) out_r.reset(); else err_r.reset();
      }
    }
  }
  result.exit_code = child.wait();
  return result;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) pid_ = std::exchange(other.pid_, -1);
  return *this;
}

ChildProcess::~ChildProcess() = default;

std::optional<int> ChildProcess::poll() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return exit_code_from_status(status);
  }
  if (r < 0 && errno == ECHILD) {
    pid_ = -1;
    return -1;
  }
  return std::nullopt;
}

int ChildProcess::wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  pid_ = -1;
  return r < 0 ? -1 : exit_code_from_status(status);
}

int ChildProcess::terminate_group(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  ::kill(-pid_, SIGTERM);
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto code = poll()) return *code;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  return wait();
}

ChildProcess spawn_program(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) throw RuntimeError("spawn_program: empty argv");
  auto c_argv = to_c_argv(argv);
  std::string cwd = options.cwd ? options.cwd->string() : std::string();
  std::string out_path = options.stdout_path ? options.stdout_path->string() : std::string("/dev/null");
  pid_t pid = ::fork();
  if (pid < 0) throw RuntimeError(fmt::format("fork: {}", strerror(errno)));
  if (pid == 0) {
    if (options.new_session) {
      ::setsid();
    } else if (options.new_process_group) {
      ::setpgid(0, 0);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    // Descriptors inherited without O_CLOEXEC (and fcntl locks are per process
    // anyway) must not leak into the child.
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) child_fail(cwd.c_str());
    ::execvp(c_argv[0], c_argv.data());
    child_fail(c_argv[0]);
  }
  if (options.new_process_group && !options.new_session) ::setpgid(pid, pid);
  return ChildProcess(pid);
}

std::filesystem::path self_executable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw RuntimeError("cannot find own executable via /proc/self/exe");
  return p;
}

bool process_exists(pid_t pid) {
  if (pid <= 0) return false;
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

bool process_running(pid_t pid) {
  if (pid <= 0 || !process_exists(pid)) return false;
  auto stat = read_proc_stat(pid);
  char state = '?';
  pid_t ppid = 0;
  if (!stat || !parse_proc_stat(*stat, state, ppid)) return process_exists(pid);
  return state != 'Z' && state != 'X';
}

bool terminate_process(pid_t pid, bool group, std::chrono::milliseconds grace) {
  if (pid <= 1) return false;
  auto alive = [&] { return process_running(pid); };
  if (group) ::kill(-pid, SIGTERM);
  ::kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!alive()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (group) ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 100 && alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return !alive();
}

std::vector<pid_t> process_descendants(pid_t root) {
  // Build a parent -> children map from /proc/<pid>/stat once.
  std::multimap<pid_t, pid_t> children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::atoi(name.c_str()));
    auto stat = read_proc_stat(pid);  // the process may be gone by now
    char state = '?';
    pid_t ppid = 0;
    if (!stat || !parse_proc_stat(*stat, state, ppid)) continue;
    children.emplace(ppid, pid);
  }
  std::vector<pid_t> out;
  std::vector<pid_t> stack{root};
  while (!stack.empty()) {
    pid_t p = stack.back();
    stack.pop_back();
    auto [lo, hi] = children.equal_range(p);
    for (auto it = lo; it != hi; ++it) {
      out.push_back(it->second);
      stack.push_back(it->second);
    }
  }
  return out;
}

}  // namespace kp
