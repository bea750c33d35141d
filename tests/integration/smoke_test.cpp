#include <doctest/doctest.h>

#include "common/git_repo.hpp"
#include "test_support.hpp"

using namespace kp;

TEST_CASE("the binary answers --help and rejects an unknown command with exit 2") {
  auto help = test::run_kp({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("analyze") != std::string::npos);
  auto bad = test::run_kp({"no-such-command"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("unknown command") != std::string::npos);
}

TEST_CASE("-C may stand before the command, as with git") {
  test::TempDir dir;
  auto r = test::run_kp({"-C", dir.path().string(), "status", "nospec"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no spec 'nospec'") != std::string::npos);
  CHECK(r.err.find(dir.path().string()) != std::string::npos);
}

TEST_CASE("run refuses, with exit 2 and nothing started, a repository without a git identity") {
  test::TempDir dir;
  auto repo = dir / "repo";
  test::init_repo(repo, {{".kiro/specs/app/tasks.md", "- [ ] 1. One\n- [ ] 1.1 Task\n"}});
  test::git(repo, {"config", "--unset", "user.name"});
  test::git(repo, {"config", "--unset", "user.email"});
  auto r = test::run_kp({"run", "app", "-C", repo.string(), "--no-watch"}, {},
                        {{"HOME", dir.path().string()}, {"GIT_CONFIG_NOSYSTEM", "1"},
                         {"KIRO_PARALLEL_TMUX_SOCKET", "kp-never-started"}});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("identity") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(repo / ".kiro/specs/app/.parallel_state.json"));
}

TEST_CASE("libgit2 is loaded by a command that uses git, not by one that does not") {
  // The loader names every library it maps (LD_DEBUG=files): analyze and
  // --version start without libgit2 and the fifteen libraries it needs.
  test::TempDir dir;
  auto repo = dir / "repo";
  test::init_repo(repo, {{".kiro/specs/app/tasks.md", "- [ ] 1. One\n- [ ] 1.1 Task\n"}});
  const std::vector<std::pair<std::string, std::string>> loader_log{{"LD_DEBUG", "files"}};
  auto analyze = test::run_kp({"analyze", "app", "-C", repo.string()}, {}, loader_log);
  CHECK(analyze.exit_code == 0);
  CHECK(analyze.err.find("file=libfmt") != std::string::npos);  // the log is there
  CHECK(analyze.err.find("libgit2") == std::string::npos);
  auto version = test::run_kp({"--version"}, {}, loader_log);
  CHECK(version.exit_code == 0);
  CHECK(version.err.find("libgit2") == std::string::npos);
  // run reads the repository's git identity first: without one it stops there.
  test::git(repo, {"config", "--unset", "user.name"});
  test::git(repo, {"config", "--unset", "user.email"});
  std::vector<std::pair<std::string, std::string>> env = loader_log;
  env.insert(env.end(), {{"HOME", dir.path().string()}, {"GIT_CONFIG_NOSYSTEM", "1"},
                         {"KIRO_PARALLEL_TMUX_SOCKET", "kp-never-started"}});
  auto run = test::run_kp({"run", "app", "-C", repo.string(), "--no-watch"}, {}, env);
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("identity") != std::string::npos);
  CHECK(run.err.find("file=libgit2.so") != std::string::npos);
}

TEST_CASE("run refuses duplicate task ids with both lines, and a cycle, with exit 2") {
  test::TempDir dir;
  auto repo = dir / "repo";
  test::init_repo(repo, {{".kiro/specs/dup/tasks.md", "- [ ] 1. One\n- [ ] 1.1 A\n- [ ] 1.1 B\n"},
                         {".kiro/specs/cyc/tasks.md",
                          "- [ ] 1. One\n- [ ] 1.1 A\n  - _Depends: 1.2_\n- [ ] 1.2 (P) B\n  - _Depends: 1.1_\n"}});
  auto dup = test::run_kp({"run", "dup", "-C", repo.string(), "--no-watch"});
  CHECK(dup.exit_code == 2);
  CHECK(dup.err.find("tasks.md:3") != std::string::npos);
  CHECK(dup.err.find("tasks.md:2") != std::string::npos);
  auto cyc = test::run_kp({"run", "cyc", "-C", repo.string(), "--no-watch"});
  CHECK(cyc.exit_code == 2);
  CHECK(cyc.err.find("1.1 -> 1.2 -> 1.1") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(repo / ".kiro/specs/dup/.parallel_state.json"));
}

TEST_CASE("the run's own files are excluded once in .git/info/exclude, never in .gitignore") {
  test::TempDir dir;
  auto repo = dir / "repo";
  test::init_repo(repo, {{".kiro/specs/app/tasks.md", "- [ ] 1. One\n"}});
  test::write_text(repo / ".git/info/exclude", "# mine\n*.swp");  // no final newline
  kp::git::exclude_runtime_files(repo);
  kp::git::exclude_runtime_files(repo);
  std::string text = test::read_text(repo / ".git/info/exclude");
  CHECK(text.rfind("# mine\n*.swp\n# kiro-parallel run state\n", 0) == 0);
  size_t count = 0;
  for (size_t at = text.find("/.kiro/specs/*/logs/"); at != std::string::npos; at = text.find("/.kiro/specs/*/logs/", at + 1)) {
    ++count;
  }
  CHECK(count == 1);
  test::write_text(repo / ".kiro/specs/app/.parallel_state.json", "{}");
  test::write_text(repo / ".kiro/specs/app/logs/master.log", "x");
  CHECK(test::git(repo, {"status", "--porcelain"}).empty());
  CHECK_FALSE(std::filesystem::exists(repo / ".gitignore"));
}
