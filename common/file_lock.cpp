#include "common/file_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include <boost/interprocess/sync/file_lock.hpp>
#include <fmt/format.h>

#include "common/error.hpp"

namespace kp {

namespace fs = std::filesystem;

struct FileLock::Entry {
  fs::path path;
  boost::interprocess::file_lock lock;
  std::timed_mutex thread_mutex;  // exclusive between this process's threads
  bool held = false;              // guarded by thread_mutex
};

namespace {

std::mutex registry_mutex;

// One Entry per lock file for the whole process life: closing a descriptor of
// the file would drop every fcntl lock this process holds on it.
std::shared_ptr<FileLock::Entry> entry_for(const fs::path& raw_path) {
  fs::path path = fs::absolute(raw_path).lexically_normal();
  std::lock_guard guard(registry_mutex);
  static std::map<fs::path, std::shared_ptr<FileLock::Entry>>& registry =
      *new std::map<fs::path, std::shared_ptr<FileLock::Entry>>();
  auto it = registry.find(path);
  if (it != registry.end()) return it->second;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw RuntimeError(fmt::format("{}: cannot create lock file: {}", path.string(), std::strerror(errno)));
  }
  ::close(fd);  // safe: this process holds no lock on the file yet
  auto entry = std::make_shared<FileLock::Entry>();
  entry->path = path;
  try {
    entry->lock = boost::interprocess::file_lock(path.c_str());
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: cannot open lock: {}", path.string(), e.what()));
  }
  registry.emplace(path, entry);
  return entry;
}

}  // namespace

FileLock FileLock::acquire(const fs::path& path, std::chrono::milliseconds timeout) {
  auto entry = entry_for(path);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (timeout.count() == 0) {
    entry->thread_mutex.lock();
  } else if (!entry->thread_mutex.try_lock_until(deadline)) {
    throw RuntimeError(fmt::format("{}: timed out waiting for the lock", entry->path.string()));
  }
  try {
    if (timeout.count() == 0) {
      entry->lock.lock();
    } else {
      // Poll: fcntl has no timed wait.
      while (!entry->lock.try_lock()) {
        if (std::chrono::steady_clock::now() >= deadline) {
          throw RuntimeError(fmt::format("{}: timed out waiting for the lock", entry->path.string()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  } catch (...) {
    entry->thread_mutex.unlock();
    throw;
  }
  entry->held = true;
  return FileLock(entry);
}

std::optional<FileLock> FileLock::try_acquire(const fs::path& path) {
  auto entry = entry_for(path);
  if (!entry->thread_mutex.try_lock()) return std::nullopt;
  bool got = false;
  try {
    got = entry->lock.try_lock();
  } catch (...) {
    entry->thread_mutex.unlock();
    throw;
  }
  if (!got) {
    entry->thread_mutex.unlock();
    return std::nullopt;
  }
  entry->held = true;
  return FileLock(entry);
}

FileLock::FileLock(FileLock&& other) noexcept : entry_(std::move(other.entry_)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    this->~FileLock();
    new (this) FileLock(std::move(other));
  }
  return *this;
}

FileLock::~FileLock() {
  if (!entry_) return;
  entry_->held = false;
  try {
    entry_->lock.unlock();
  } catch (...) {
  }
  entry_->thread_mutex.unlock();
  entry_.reset();
}

const fs::path& FileLock::path() const { return entry_->path; }

bool lock_held_by_other_process(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return false;
  auto probe = FileLock::try_acquire(path);
  if (!probe) {
    // Either another process holds it, or a thread of ours does.
    auto entry = entry_for(path);
    if (entry->thread_mutex.try_lock()) {
      entry->thread_mutex.unlock();
      return true;
    }
    return false;
  }
  return false;  // we got it: nobody else holds it; released by probe's destructor
}

}  // namespace kp
