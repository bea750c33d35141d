#include "common/log.hpp"

#include <chrono>
#include <ctime>
#include <mutex>

namespace kp {

void log_write(std::string_view line) {
  static std::mutex mutex;
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  int ms = static_cast<int>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard guard(mutex);
  fmt::print("{}.{:03}Z {}\n", stamp, ms, line);
  std::fflush(stdout);
}

}  // namespace kp
