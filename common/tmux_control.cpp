#include "common/tmux_control.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "common/error.hpp"

extern char** environ;

namespace kp {

namespace {

constexpr int kReplyTimeoutMs = 15000;
// A control client usually leaves at once on end of input, but tmux can take
// a while; it is only our viewer (not the session), so do not wait long for it.
constexpr auto kReapGrace = std::chrono::milliseconds(50);

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw RuntimeError(fmt::format("pipe: {}", strerror(errno)));
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// write() that reports a closed reader as EPIPE instead of killing the
// process with SIGPIPE: SIGPIPE is blocked in this thread for the call and a
// signal it raised is consumed before the mask is restored.
ssize_t write_no_sigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t w = ::write(fd, data, size);
  int saved_errno = errno;
  if (w < 0 && errno == EPIPE && !was_pending) {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved_errno;
  return w;
}

// Rounded up: rounding down would poll with 0 ms in a loop for the last
// fraction of a millisecond.
int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

TmuxControl::TmuxControl(const TmuxClient& client, const std::string& session) : session_(session) {
  std::vector<std::string> argv = client.base_argv();
  // The session name only ever reaches tmux as one argv element.
  argv.insert(argv.end(), {"-C", "attach-session", "-t", tmux_literal_arg("=" + session)});

  // Everything that allocates happens before fork.
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    if (!starts_with(*e, "TMUX=")) env_strings.emplace_back(*e);
  }
  std::vector<char*> c_env;
  for (auto& e : env_strings) c_env.push_back(e.data());
  c_env.push_back(nullptr);

  // Held until tmux has answered: then this client's control state exists and
  // a notification can no longer find it half-connected (see lock_tmux_lifecycle).
  FileLock lifecycle = lock_tmux_lifecycle(client.socket());
  socket_ = client.socket();
  Pipe commands = make_pipe();
  Pipe replies = make_pipe();
  pid_t pid = ::fork();
  if (pid < 0) throw RuntimeError(fmt::format("fork: {}", strerror(errno)));
  if (pid == 0) {
    ::dup2(commands.read_end.get(), 0);
    ::dup2(replies.write_end.get(), 1);
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 2);
    ::execvpe(c_argv[0], c_argv.data(), c_env.data());
    _exit(127);
  }
  pid_ = pid;
  to_tmux_ = std::move(commands.write_end);
  from_tmux_ = std::move(replies.read_end);
  ::fcntl(from_tmux_.get(), F_SETFL, O_NONBLOCK);

  try {
    // The attach-session itself answers first with a block.
    Reply attach = next_reply();
    if (attach.error) {
      throw RuntimeError(fmt::format("tmux control mode cannot attach to {}: {}", session,
                                     attach.text));
    }
    std::string id = command("display-message -p '#{pane_id}'");
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    if (id.empty() || id[0] != '%') throw RuntimeError("tmux control mode: no pane id for " + session);
    pane_id_ = id;
  } catch (...) {
    to_tmux_.reset();
    from_tmux_.reset();
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    throw;
  }
}

TmuxControl::~TmuxControl() {
  if (pid_ <= 0) return;
  // Our detach notifies the other control clients: none may be connecting now.
  std::optional<FileLock> lifecycle;
  try {
    lifecycle.emplace(lock_tmux_lifecycle(socket_));
  } catch (...) {
  }
  // End of input detaches a control client; closing its output too means
  // a blocked write cannot keep it alive.
  to_tmux_.reset();
  from_tmux_.reset();
  auto deadline = std::chrono::steady_clock::now() + kReapGrace;
  while (true) {
    pid_t r = ::waitpid(pid_, nullptr, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) return;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

bool TmuxControl::read_some(int timeout_ms) {
  if (!alive_ || !from_tmux_) return true;
  pollfd p{from_tmux_.get(), POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return false;
  char buf[65536];
  while (true) {
    ssize_t r = ::read(from_tmux_.get(), buf, sizeof buf);
    if (r > 0) {
      buffer_.append(buf, static_cast<size_t>(r));
      if (static_cast<size_t>(r) < sizeof buf) break;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) break;
    alive_ = false;  // end of file or a read error: the client has gone
    break;
  }
  parse_lines();
  return true;
}

void TmuxControl::parse_lines() {
  size_t start = 0;
  while (true) {
    size_t nl = buffer_.find('\n', start);
    if (nl == std::string::npos) break;
    handle_line(buffer_.substr(start, nl - start));
    start = nl + 1;
  }
  buffer_.erase(0, start);
}

void TmuxControl::handle_line(const std::string& line) {
  if (in_block_) {
    // Only the %end/%error with the %begin's own time, number and flags
    // closes a block: pane text may itself start with "%end".
    bool end = starts_with(line, "%end ") && line.substr(5) == block_guard_;
    bool error = starts_with(line, "%error ") && line.substr(7) == block_guard_;
    if (end || error) {
      if (!block_text_.empty() && block_text_.back() == '\n' && error) block_text_.pop_back();
      replies_.push_back({error, std::move(block_text_)});
      block_text_.clear();
      in_block_ = false;
    } else {
      block_text_ += line;
      block_text_ += '\n';
    }
    return;
  }
  if (starts_with(line, "%begin ")) {
    in_block_ = true;
    block_guard_ = line.substr(7);
    block_text_.clear();
  } else if (starts_with(line, "%output ") || starts_with(line, "%extended-output ")) {
    output_seen_ = true;
  } else if (starts_with(line, "%exit")) {
    alive_ = false;
  }
  // Other notifications (%session-changed, %window-renamed, ...) are not needed.
}

TmuxControl::Reply TmuxControl::next_reply() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kReplyTimeoutMs);
  while (replies_.empty()) {
    if (!alive_) throw RuntimeError("tmux control connection to " + session_ + " ended");
    int left = remaining_ms(deadline);
    if (left == 0 || !read_some(left)) {
      throw RuntimeError("tmux control connection to " + session_ + " did not answer");
    }
  }
  Reply reply = std::move(replies_.front());
  replies_.pop_front();
  return reply;
}

std::string TmuxControl::command(const std::string& tmux_command) {
  if (!alive_) throw RuntimeError("tmux control connection to " + session_ + " ended");
  std::string line = tmux_command + "\n";
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t w = write_no_sigpipe(to_tmux_.get(), rest.data(), rest.size());
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      alive_ = false;
      throw RuntimeError("tmux control connection to " + session_ + " closed");
    }
    rest.remove_prefix(static_cast<size_t>(w));
  }
  Reply reply = next_reply();
  if (reply.error) {
    throw RuntimeError(fmt::format("tmux {}: {}", tmux_command, reply.text));
  }
  return reply.text;
}

std::string TmuxControl::capture() { return command("capture-pane -p -J -t " + pane_id_); }

bool TmuxControl::wait_for_output(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // Drain whatever is pending first, without waiting.
  while (alive_ && read_some(0)) {
  }
  while (true) {
    if (output_seen_ || !alive_) {
      output_seen_ = false;
      return true;
    }
    int left = remaining_ms(deadline);
    if (left == 0 || !read_some(left)) return false;
    while (alive_ && read_some(0)) {
    }
  }
}

}  // namespace kp
