// Helpers shared by the tests: temporary folders, running the real binary,
// real git repositories, private tmux sockets.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "common/subprocess.hpp"

namespace kp::test {

// A parse or plan's list (a span or vector of views) as strings, to compare in CHECKs.
template <class Range>
std::vector<std::string> strings(const Range& list) {
  return std::vector<std::string>(list.begin(), list.end());
}
template <class Range>
std::vector<int> ints(const Range& list) {
  return std::vector<int>(list.begin(), list.end());
}
template <class Lists>
std::vector<std::vector<std::string>> string_lists(const Lists& lists) {
  std::vector<std::vector<std::string>> out;
  for (const auto& l : lists) out.push_back(strings(l));
  return out;
}


// A fresh folder under $TMPDIR, removed (with everything in it) at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

std::filesystem::path source_dir();     // the project checkout
std::filesystem::path kp_binary();      // the built kiro-parallel
std::filesystem::path shared_dir();     // ../shared beside the checkout (may not exist)

void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);

// Runs the real kiro-parallel with `args` (in `cwd` when given).
RunResult run_kp(const std::vector<std::string>& args,
                 const std::filesystem::path& cwd = {},
                 const std::vector<std::pair<std::string, std::string>>& env = {},
                 std::chrono::milliseconds timeout = std::chrono::minutes(5));

// Runs git with args in `repo`; REQUIRE-fails the test on a non-zero exit.
std::string git(const std::filesystem::path& repo, const std::vector<std::string>& args);
// Runs git; returns the result whatever the exit code.
RunResult git_result(const std::filesystem::path& repo, const std::vector<std::string>& args);

// `git rev-parse WHAT` in `repo`, without the newline.
std::string rev(const std::filesystem::path& repo, const std::string& what);

// `git init` on branch main with a test identity and one commit holding `files`.
void init_repo(const std::filesystem::path& repo,
               const std::vector<std::pair<std::string, std::string>>& files);

// A private tmux server for one test: a unique -L name, killed at the end.
class TmuxServer {
 public:
  TmuxServer();
  ~TmuxServer();
  TmuxServer(const TmuxServer&) = delete;
  TmuxServer& operator=(const TmuxServer&) = delete;
  const std::string& socket() const { return socket_; }
  // Runs `tmux -L <socket> args...`.
  RunResult tmux(const std::vector<std::string>& args) const;

 private:
  std::string socket_;
};

}  // namespace kp::test
