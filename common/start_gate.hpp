// At most K tasks of a run in their start phase at once (claim, worktree,
// tmux session, agent up to its first ready input prompt): 64 workers starting
// 64 agents together saturate a small machine for seconds, and the agents
// already up wait that long for their prompts to be answered. The gate is K
// lock files (logs/.start-slot-<i>.lock of the spec, excluded from git)
// shared by the run's worker processes: a slot is an fcntl lock, so a worker
// that dies frees its slot with it.
#pragma once
#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>

#include "common/file_lock.hpp"

namespace kp {

// A held slot; released when destroyed or by release().
class StartSlot {
 public:
  explicit StartSlot(std::optional<FileLock> lock = std::nullopt) : lock_(std::move(lock)) {}
  void release() { lock_.reset(); }
  bool held() const { return lock_.has_value(); }

 private:
  std::optional<FileLock> lock_;
};

class StartGate {
 public:
  // `slots` <= 0: no gate (every enter() returns at once with no slot held).
  StartGate(std::filesystem::path dir, int slots, std::chrono::milliseconds poll = std::chrono::milliseconds(50))
      : dir_(std::move(dir)), slots_(slots), poll_(poll) {}

  // Takes a free slot now, if any.
  std::optional<StartSlot> try_enter() const;
  // Waits for a free slot; nullopt when `stop` became true first.
  std::optional<StartSlot> enter(const std::atomic<bool>& stop) const;

  std::filesystem::path slot_path(int i) const;
  int slots() const { return slots_; }

 private:
  std::filesystem::path dir_;
  int slots_;
  std::chrono::milliseconds poll_;
};

// The default K: two starts per core (at least 2).
int default_max_starting(int cores);

}  // namespace kp
