#include "test_support.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include <doctest/doctest.h>
#include <fmt/format.h>

namespace kp::test {

namespace fs = std::filesystem;

namespace {

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return fmt::format("{}-{}-{:x}", ::getpid(), counter++, rd() & 0xffffff);
}

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  fs::path root = base && *base ? fs::path(base) : fs::temp_directory_path();
  path_ = root / ("kp-test-" + unique_suffix());
  fs::create_directories(path_);
  path_ = fs::canonical(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  if (std::getenv("KP_KEEP_TEST_DIRS")) return;
  fs::remove_all(path_, ec);
}

fs::path source_dir() { return KP_SOURCE_DIR; }
fs::path kp_binary() { return KP_BINARY; }
fs::path shared_dir() { return source_dir().parent_path() / "shared"; }

void write_text(const fs::path& path, const std::string& text) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE_MESSAGE(out.good(), "cannot write " << path);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RunResult run_kp(const std::vector<std::string>& args, const fs::path& cwd,
                 const std::vector<std::pair<std::string, std::string>>& env,
                 std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{kp_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  if (!cwd.empty()) options.cwd = cwd;
  options.env = env;
  options.env.emplace_back("NO_COLOR", "1");
  options.timeout = timeout;
  return run_program(argv, options);
}

RunResult git_result(const fs::path& repo, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git", "-C", repo.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  options.env = {{"GIT_AUTHOR_NAME", "Test"}, {"GIT_AUTHOR_EMAIL", "test@example.com"},
                 {"GIT_COMMITTER_NAME", "Test"}, {"GIT_COMMITTER_EMAIL", "test@example.com"}};
  return run_program(argv, options);
}

std::string git(const fs::path& repo, const std::vector<std::string>& args) {
  RunResult r = git_result(repo, args);
  std::string cmd;
  for (const auto& a : args) cmd += " " + a;
  REQUIRE_MESSAGE(r.exit_code == 0, "git" << cmd << " failed: " << r.err);
  return r.out;
}

std::string rev(const fs::path& repo, const std::string& what) {
  std::string out = git(repo, {"rev-parse", what});
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void init_repo(const fs::path& repo, const std::vector<std::pair<std::string, std::string>>& files) {
  fs::create_directories(repo);
  git(repo, {"init", "-q", "-b", "main"});
  git(repo, {"config", "user.name", "Test"});
  git(repo, {"config", "user.email", "test@example.com"});
  for (const auto& [rel, text] : files) write_text(repo / rel, text);
  git(repo, {"add", "-A"});
  git(repo, {"commit", "-q", "--allow-empty", "-m", "initial"});
}

TmuxServer::TmuxServer() : socket_("kp-test-" + unique_suffix()) {}

TmuxServer::~TmuxServer() { tmux({"kill-server"}); }

RunResult TmuxServer::tmux(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"tmux", "-L", socket_};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  options.timeout = std::chrono::seconds(20);
  return run_program(argv, options);
}

}  // namespace kp::test
