// Errors that carry the exit code a script can rely on.
#pragma once
#include <stdexcept>
#include <string>

namespace kp {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // runtime failure
  kExitUsage = 2,        // bad usage or bad input; nothing was modified
  kExitTasksFailed = 3,  // tasks failed or are blocked
};

// Bad usage or bad input: one clear message, exit 2, nothing modified.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Something went wrong while doing the work: exit 1.
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kp
