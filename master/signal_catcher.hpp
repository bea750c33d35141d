// Catching SIGINT and SIGTERM while a command follows something live (watch,
// logs -f), and putting back the handlers that were there before: `run` calls
// watch inside its own process.
#pragma once
#include <signal.h>

#include <csignal>

namespace kp {

class SignalCatcher {
 public:
  SignalCatcher() {
    caught() = 0;
    struct sigaction action {};
    action.sa_handler = [](int sig) { caught() = sig; };
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~SignalCatcher() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  SignalCatcher(const SignalCatcher&) = delete;
  SignalCatcher& operator=(const SignalCatcher&) = delete;

  // The signal caught so far, 0 when none.
  static volatile std::sig_atomic_t& caught() {
    static volatile std::sig_atomic_t signal_number = 0;
    return signal_number;
  }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace kp
