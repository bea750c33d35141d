// Timestamped log lines for the daemon processes, whose standard output is
// their log file (logs/master.log, logs/worker-<id>.log).
#pragma once
#include <cstdio>
#include <string_view>

#include <fmt/format.h>

namespace kp {

void log_write(std::string_view line);

template <typename... Args>
void log_info(fmt::format_string<Args...> format, Args&&... args) {
  log_write(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace kp
