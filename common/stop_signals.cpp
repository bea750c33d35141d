#include "common/stop_signals.hpp"

#include <signal.h>

namespace kp {

namespace {

std::atomic<bool> g_stop{false};

void on_stop_signal(int) { g_stop = true; }

}  // namespace

const std::atomic<bool>& install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return g_stop;
}

}  // namespace kp
