#include "common/control_channel.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

#include "common/error.hpp"

namespace kp {

namespace fs = std::filesystem;

fs::path master_control_path(const SpecPaths& paths) { return paths.spec_dir / ".master.ctl"; }

std::string format_control_request(const ControlRequest& r) {
  if (r.verb == "stop-task") return fmt::format("stop-task {} {}\n", r.worker, r.task);
  return r.verb + "\n";
}

std::optional<ControlRequest> parse_control_request(const std::string& line) {
  std::istringstream in(line);
  ControlRequest r;
  if (!(in >> r.verb)) return std::nullopt;
  if (r.verb == "stop-all") return r;
  if (r.verb == "stop-task" && (in >> r.worker >> r.task) && r.worker >= 0) return r;
  return std::nullopt;
}

ControlFifo::ControlFifo(fs::path path) : path_(std::move(path)) {
  std::error_code ec;
  fs::remove(path_, ec);  // a FIFO left by a master that was killed
  if (::mkfifo(path_.c_str(), 0600) != 0) {
    throw RuntimeError(fmt::format("cannot create {}: {}", path_.string(), std::strerror(errno)));
  }
  read_.reset(::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (read_) keep_open_.reset(::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!read_ || !keep_open_) {
    throw RuntimeError(fmt::format("cannot open {}: {}", path_.string(), std::strerror(errno)));
  }
}

ControlFifo::~ControlFifo() {
  std::error_code ec;
  fs::remove(path_, ec);
}

std::vector<ControlRequest> ControlFifo::read_requests() {
  char buf[512];
  ssize_t n;
  while ((n = ::read(read_.get(), buf, sizeof buf)) > 0) partial_.append(buf, static_cast<size_t>(n));
  std::vector<ControlRequest> out;
  for (size_t end; (end = partial_.find('\n')) != std::string::npos;) {
    if (auto r = parse_control_request(partial_.substr(0, end))) out.push_back(*r);
    partial_.erase(0, end + 1);
  }
  if (partial_.size() > 4096) partial_.clear();  // no newline in sight: noise
  return out;
}

bool send_control_request(const fs::path& path, const ControlRequest& request) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISFIFO(st.st_mode)) return false;
  // O_NONBLOCK: ENXIO at once when no process has it open for reading.
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return false;
  const std::string line = format_control_request(request);  // < PIPE_BUF: written whole or not at all
  return ::write(fd.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

namespace {

std::atomic<int> g_child_pipe{-1};

void on_child_signal(int) {
  int saved = errno;
  int fd = g_child_pipe.load();
  if (fd >= 0) {
    char c = 1;
    [[maybe_unused]] ssize_t n = ::write(fd, &c, 1);
  }
  errno = saved;
}

}  // namespace

ChildSignalPipe::ChildSignalPipe() {
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    throw RuntimeError(fmt::format("pipe: {}", std::strerror(errno)));
  }
  read_.reset(fds[0]);
  write_.reset(fds[1]);
  g_child_pipe = write_.get();
  struct sigaction action {};
  action.sa_handler = on_child_signal;
  action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigemptyset(&action.sa_mask);
  sigaction(SIGCHLD, &action, nullptr);
}

ChildSignalPipe::~ChildSignalPipe() {
  signal(SIGCHLD, SIG_DFL);
  g_child_pipe = -1;
}

void ChildSignalPipe::drain() {
  char buf[64];
  while (::read(read_.get(), buf, sizeof buf) > 0) {
  }
}

void wait_readable(const std::vector<int>& fds, int timeout_ms) {
  std::vector<pollfd> polled;
  for (int fd : fds) polled.push_back({fd, POLLIN, 0});
  ::poll(polled.data(), polled.size(), timeout_ms);
}

}  // namespace kp
