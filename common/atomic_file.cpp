#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace kp {

namespace {

std::string errno_text() { return std::strerror(errno); }

void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw RuntimeError(fmt::format("{}: write failed: {}", path.string(), errno_text()));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view content, bool durable) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmpl = dir.string();
  tmpl += "/.";
  tmpl += path.filename().string();
  tmpl += ".tmp.XXXXXX";
  UniqueFd fd(::mkstemp(tmpl.data()));
  if (!fd) {
    throw RuntimeError(fmt::format("{}: cannot create temp file: {}", path.string(), errno_text()));
  }
  try {
    write_all(fd.get(), content, path);
    if (::fchmod(fd.get(), 0644) != 0 || (durable && ::fsync(fd.get()) != 0)) {
      throw RuntimeError(fmt::format("{}: fsync failed: {}", path.string(), errno_text()));
    }
    fd.reset();
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
      throw RuntimeError(fmt::format("{}: rename failed: {}", path.string(), errno_text()));
    }
  } catch (...) {
    ::unlink(tmpl.c_str());
    throw;
  }
  if (!durable) return;
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd) ::fsync(dir_fd.get());
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    throw RuntimeError(fmt::format("{}: cannot read: {}", path.string(), errno_text()));
  }
  // Read straight into the string, sized once from the file's size (a 9 MB
  // tasks.md grown by doubling is ~25 MB more memory touched and copied).
  struct stat st {};
  size_t expected = ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0;
  // +1: the end of file is seen without growing; /proc files say 0 and are small.
  std::string out(expected > 0 ? expected + 1 : 4096, '\0');
  size_t length = 0;
  for (;;) {
    if (length == out.size()) out.resize(2 * out.size());  // the file grew, or not a regular file
    ssize_t n = ::read(fd.get(), out.data() + length, out.size() - length);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw RuntimeError(fmt::format("{}: cannot read: {}", path.string(), errno_text()));
    }
    if (n == 0) break;
    length += static_cast<size_t>(n);
  }
  out.resize(length);
  if (out.capacity() > 2 * length + 4096) out.shrink_to_fit();  // an empty or special file: no 64 KiB kept
  return out;
}

}  // namespace kp
