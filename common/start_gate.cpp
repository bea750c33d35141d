#include "common/start_gate.hpp"

#include <unistd.h>

#include <algorithm>
#include <thread>

#include <fmt/format.h>

namespace kp {

std::filesystem::path StartGate::slot_path(int i) const { return dir_ / fmt::format(".start-slot-{}.lock", i); }

std::optional<StartSlot> StartGate::try_enter() const {
  if (slots_ <= 0) return StartSlot{};
  // Start the scan at a slot that depends on the process, so that waiting
  // workers do not all try slot 0 first.
  const int first = static_cast<int>(::getpid() % slots_);
  for (int k = 0; k < slots_; ++k) {
    if (auto lock = FileLock::try_acquire(slot_path((first + k) % slots_))) return StartSlot(std::move(lock));
  }
  return std::nullopt;
}

std::optional<StartSlot> StartGate::enter(const std::atomic<bool>& stop) const {
  while (!stop) {
    if (auto slot = try_enter()) return slot;
    std::this_thread::sleep_for(poll_);
  }
  return std::nullopt;
}

int default_max_starting(int cores) { return std::max(2, 2 * cores); }

}  // namespace kp
