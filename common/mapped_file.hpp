// A file's bytes mapped read-only, for a large file read once (analyze of a
// 12 MB tasks.md): no copy into fresh memory (measured at 100,000 tasks: the
// read into a string was ~4 ms of zeroed pages and copying; the mapping 1 ms).
//
// A mapping sees the file as it is: another program that cuts the file short
// while it is mapped (an editor that saves in place) makes reading the lost
// pages raise SIGBUS. While any MappedFile lives, that SIGBUS ends the process
// with a message that names the file and exit code 1, not a crash. Long-lived
// processes (the master, the workers) read files into memory instead.
#pragma once
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>

namespace kp {

class MappedFile {
 public:
  MappedFile() = default;
  // The file's bytes; nullopt when it does not exist. Throws RuntimeError
  // when it cannot be opened, is not a regular file, or cannot be mapped.
  static std::optional<MappedFile> open(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }
  explicit operator bool() const { return data_ != nullptr; }

 private:
  void reset();
  void* data_ = nullptr;  // null for an empty file: nothing is mapped
  size_t size_ = 0;
  int slot_ = -1;  // this mapping's entry in the SIGBUS handler's table
};

}  // namespace kp
