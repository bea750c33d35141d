// Exclusive inter-process locks on files (Boost.Interprocess file_lock, which
// is fcntl-based). fcntl locks belong to the process and are dropped when the
// process closes *any* descriptor of the file, so this module keeps exactly
// one open file_lock per path for the life of the process and never opens the
// lock file any other way. A process-local mutex makes the lock exclusive
// between threads of the same process too.
#pragma once
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

namespace kp {

class FileLock {
 public:
  // Blocks until the lock is ours. Creates the lock file when missing.
  // Throws RuntimeError after `timeout` (0: wait for ever).
  static FileLock acquire(const std::filesystem::path& path,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Takes the lock if nobody holds it.
  static std::optional<FileLock> try_acquire(const std::filesystem::path& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();  // unlocks

  const std::filesystem::path& path() const;

  struct Entry;  // the per-process open lock of one path

 private:
  explicit FileLock(std::shared_ptr<Entry> entry) : entry_(std::move(entry)) {}
  std::shared_ptr<Entry> entry_;
};

// True when another process holds the lock on `path` (liveness check). Never
// call it for a lock this process holds or may hold: for such a path it
// answers false.
bool lock_held_by_other_process(const std::filesystem::path& path);

}  // namespace kp
