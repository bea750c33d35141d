#include "master/watch_terminal.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "common/error.hpp"

namespace kp {

RawTerminal::RawTerminal() {
  if (::tcgetattr(STDIN_FILENO, &saved_) != 0) {
    throw RuntimeError(fmt::format("watch: cannot read the terminal's mode: {}", std::strerror(errno)));
  }
  enter();
}

RawTerminal::~RawTerminal() { leave(); }

void RawTerminal::enter() {
  struct termios raw = saved_;
  raw.c_iflag &= ~static_cast<tcflag_t>(ICRNL | IXON | INLCR | IGNCR);
  raw.c_lflag &= ~static_cast<tcflag_t>(ECHO | ICANON | ISIG | IEXTEN);
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 0;
  ::tcsetattr(STDIN_FILENO, TCSANOW, &raw);
  write_out("\033[?1049h\033[?25l\033[2J\033[H");  // alternate screen, cursor hidden
  active_ = true;
}

void RawTerminal::leave() {
  if (!active_) return;
  write_out("\033[?25h\033[?1049l");
  ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  active_ = false;
}

void RawTerminal::suspend() { leave(); }

void RawTerminal::resume() {
  if (!active_) enter();
}

std::string RawTerminal::read_input(int timeout_ms) {
  struct pollfd p {STDIN_FILENO, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return {};
  if (!(p.revents & POLLIN)) {
    hung_up_ = (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
    return {};
  }
  char buf[256];
  ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
  if (n == 0) hung_up_ = true;
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

void RawTerminal::write_out(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace kp
