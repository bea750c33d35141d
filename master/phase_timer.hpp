// The phases of one command's run, timed for a benchmark to read (analyze
// under scripts/bench-analyze.sh): nothing is measured unless asked.
#pragma once
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace kp {

// KIRO_PARALLEL_TIMING=1: each phase's wall time on stderr, for scripts/bench-analyze.sh.
class PhaseTimer {
 public:
  PhaseTimer() {
    const char* env = std::getenv("KIRO_PARALLEL_TIMING");
    on_ = env && *env && std::string_view(env) != "0";
  }
  bool on() const { return on_; }
  // Ends the phase running since the last mark (or since the timer began).
  void mark(std::string_view phase) {
    auto now = std::chrono::steady_clock::now();
    if (on_) text_ += fmt::format("{}{} {:.1f} ms", text_.empty() ? "" : ", ", phase, ms(last_, now));
    last_ = now;
  }
  // A phase that ran beside the others: its own time, not in the total.
  void note(std::string_view phase, double ms) {
    if (on_) notes_ += fmt::format(", {} {:.1f} ms", phase, ms);
  }
  void print(size_t tasks) const {
    if (on_) fmt::print(stderr, "timing: {}, total {:.1f} ms, {} tasks{}\n", text_, ms(begin_, last_), tasks, notes_);
  }

 private:
  static double ms(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  }
  bool on_ = false;
  std::chrono::steady_clock::time_point begin_ = std::chrono::steady_clock::now(), last_ = begin_;
  std::string text_, notes_;
};

}  // namespace kp
