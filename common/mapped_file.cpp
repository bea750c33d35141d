#include "common/mapped_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace kp {

namespace {

// The live mappings, for the SIGBUS handler: fixed slots it may read without
// locks or allocation. Each message is written whole before its range is set.
struct MappingSlot {
  std::atomic<bool> taken{false};
  std::atomic<uintptr_t> begin{0}, end{0};  // end 0: not yet (or no longer) mapped
  char message[768] = {};
  size_t message_size = 0;
};
constexpr int kSlots = 8;
MappingSlot g_slots[kSlots];

void on_sigbus(int, siginfo_t* info, void*) {
  const auto at = reinterpret_cast<uintptr_t>(info->si_addr);
  for (const MappingSlot& slot : g_slots) {
    const uintptr_t end = slot.end.load(std::memory_order_acquire);
    if (end != 0 && at >= slot.begin.load(std::memory_order_relaxed) && at < end) {
      (void)!::write(STDERR_FILENO, slot.message, slot.message_size);
      ::_exit(kExitFailure);
    }
  }
  // Not one of ours: the default action, delivered when the handler returns.
  ::signal(SIGBUS, SIG_DFL);
  ::raise(SIGBUS);
}

void install_sigbus_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, nullptr);
  });
}

int take_slot(const std::filesystem::path& path) {
  for (int i = 0; i < kSlots; ++i) {
    bool free = false;
    if (!g_slots[i].taken.compare_exchange_strong(free, true)) continue;
    const std::string text =
        fmt::format("kiro-parallel: {}: cut short by another program while it was read (saved in place?); run the command again\n",
                    path.string());
    const size_t size = std::min(text.size(), sizeof g_slots[i].message);
    std::copy_n(text.data(), size, g_slots[i].message);
    g_slots[i].message_size = size;
    return i;
  }
  return -1;
}

}  // namespace

std::optional<MappedFile> MappedFile::open(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    throw RuntimeError(fmt::format("{}: cannot read: {}", path.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw RuntimeError(fmt::format("{}: cannot read: {}", path.string(), std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) throw RuntimeError(fmt::format("{}: cannot map: not a regular file", path.string()));
  MappedFile file;
  if (st.st_size == 0) return file;  // nothing to map
  file.slot_ = take_slot(path);
  if (file.slot_ < 0) throw RuntimeError(fmt::format("{}: cannot map: {} files are mapped already", path.string(), kSlots));
  install_sigbus_handler();
  const auto size = static_cast<size_t>(st.st_size);
  // Populated at once: one call, not a fault per 64 KiB on the threads that read it.
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd.get(), 0);
  if (data == MAP_FAILED) {
    const std::string why = std::strerror(errno);
    file.reset();
    throw RuntimeError(fmt::format("{}: cannot map: {}", path.string(), why));
  }
  file.data_ = data;
  file.size_ = size;
  MappingSlot& slot = g_slots[file.slot_];
  slot.begin.store(reinterpret_cast<uintptr_t>(data), std::memory_order_relaxed);
  slot.end.store(reinterpret_cast<uintptr_t>(data) + size, std::memory_order_release);
  return file;
}

MappedFile::~MappedFile() { reset(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)), slot_(std::exchange(other.slot_, -1)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    slot_ = std::exchange(other.slot_, -1);
  }
  return *this;
}

void MappedFile::reset() {
  if (slot_ >= 0) g_slots[slot_].end.store(0, std::memory_order_release);  // before the pages go
  if (data_ != nullptr) ::munmap(data_, size_);
  if (slot_ >= 0) g_slots[slot_].taken.store(false, std::memory_order_release);
  data_ = nullptr;
  size_ = 0;
  slot_ = -1;
}

}  // namespace kp
