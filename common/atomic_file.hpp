// Whole-file reads and writes. A write goes to a temp file in the same folder,
// is fsynced, then renamed over the target, so a reader never sees a torn file.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace kp {

// Writes `content` to `path` atomically (temp, fsync, rename, fsync dir).
// Throws RuntimeError naming the path on failure. `durable = false` skips the
// fsyncs: still never torn, but may be lost in a power cut (logs).
void write_file_atomic(const std::filesystem::path& path, std::string_view content, bool durable = true);

// Reads a whole file; std::nullopt when it does not exist. Throws RuntimeError
// naming the path on any other failure.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace kp
