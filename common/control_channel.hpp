// The master's control channel: a FIFO in the spec's folder (.master.ctl)
// that `stop` and `stop-all` write one request line to, so that the master,
// the parent, stops its own children (as s6's supervise does). Only the live
// master reads it; whether a master lives is its held lock, never this file.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/spec_paths.hpp"
#include "common/unique_fd.hpp"

namespace kp {

// <spec folder>/.master.ctl
std::filesystem::path master_control_path(const SpecPaths& paths);

struct ControlRequest {
  std::string verb;  // "stop-task" or "stop-all"
  std::string task;  // stop-task: the task id
  int worker = -1;   // stop-task: the worker holding it
};

std::string format_control_request(const ControlRequest& request);  // one line, '\n' ended
std::optional<ControlRequest> parse_control_request(const std::string& line);

// The reading end, held by the master: created (a stale FIFO replaced) at
// construction, removed at destruction. fd() is for poll().
class ControlFifo {
 public:
  explicit ControlFifo(std::filesystem::path path);
  ~ControlFifo();
  ControlFifo(const ControlFifo&) = delete;
  ControlFifo& operator=(const ControlFifo&) = delete;
  int fd() const { return read_.get(); }
  // The whole request lines that have arrived; malformed ones are skipped.
  std::vector<ControlRequest> read_requests();

 private:
  std::filesystem::path path_;
  UniqueFd read_;
  UniqueFd keep_open_;  // our own writer: no end-of-file when a client closes
  std::string partial_;
};

// Writes the request to the FIFO at `path` without blocking. False when no
// one reads it (no master, or one that has not opened it yet).
bool send_control_request(const std::filesystem::path& path, const ControlRequest& request);

// The SIGCHLD self-pipe: a child's end wakes poll() on fd() at once.
class ChildSignalPipe {
 public:
  ChildSignalPipe();  // installs the SIGCHLD handler (one per process)
  ~ChildSignalPipe();
  ChildSignalPipe(const ChildSignalPipe&) = delete;
  ChildSignalPipe& operator=(const ChildSignalPipe&) = delete;
  int fd() const { return read_.get(); }
  void drain();

 private:
  UniqueFd read_;
  UniqueFd write_;
};

// Waits up to timeout_ms for any of `fds` to be readable (EINTR counts as a wake).
void wait_readable(const std::vector<int>& fds, int timeout_ms);

}  // namespace kp
