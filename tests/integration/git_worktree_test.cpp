// prepare_task_worktree, commit_all and the repository queries on real repositories.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "common/error.hpp"
#include "common/git_worktree.hpp"
#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;

namespace {

void check_fsck(const fs::path& repo) {
  RunResult r = test::git_result(repo, {"fsck", "--no-progress"});
  CHECK_MESSAGE(r.exit_code == 0, "git fsck: " << r.out << r.err);
}

std::vector<fs::path> entries_starting_with(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  return out;
}

// Points libgit2's global/XDG/system config search at an empty folder for the
// life of the object, so only the repository's own config counts.
class IsolatedGitConfig {
 public:
  explicit IsolatedGitConfig(const fs::path& empty_dir) {
    for (int level : kLevels) {
      git_buf buf = GIT_BUF_INIT;
      git::check(git::lib().libgit2_opts(GIT_OPT_GET_SEARCH_PATH, level, &buf), "get search path");
      saved_.emplace_back(buf.ptr ? buf.ptr : "");
      git::lib().buf_dispose(&buf);
      git::check(git::lib().libgit2_opts(GIT_OPT_SET_SEARCH_PATH, level, empty_dir.c_str()), "set search path");
    }
  }
  ~IsolatedGitConfig() {
    for (size_t i = 0; i < saved_.size(); ++i)
      git::lib().libgit2_opts(GIT_OPT_SET_SEARCH_PATH, kLevels[i], saved_[i].c_str());
  }

 private:
  static constexpr int kLevels[] = {GIT_CONFIG_LEVEL_GLOBAL, GIT_CONFIG_LEVEL_XDG, GIT_CONFIG_LEVEL_SYSTEM};
  std::vector<std::string> saved_;
};

}  // namespace

TEST_CASE("a new task worktree starts at the current target tip; queries answer") {
  test::TempDir dir;
  fs::path repo = dir / "repo";
  test::init_repo(repo, {{"a.txt", "a\n"}});
  CHECK(git::current_branch(repo) == "main");
  fs::path wt = dir / "worktrees/spec/task-1.2";
  auto p = git::prepare_task_worktree(repo, wt, "task-spec-1.2", "main");
  CHECK(p.path == wt);
  CHECK(p.branch == "task-spec-1.2");
  CHECK_FALSE(p.reused);
  CHECK(test::read_text(wt / "a.txt") == "a\n");
  CHECK(git::current_branch(wt) == "task-spec-1.2");
  CHECK(git::branch_exists(repo, "task-spec-1.2"));
  CHECK_FALSE(git::branch_exists(repo, "nope"));
  CHECK(git::branch_tip(repo, "task-spec-1.2") == test::rev(repo, "main"));
  CHECK(git::is_merged(repo, "task-spec-1.2", "main"));
  CHECK(test::git(repo, {"worktree", "list"}).find(wt.string()) != std::string::npos);
  CHECK_THROWS_AS(git::branch_tip(repo, "nope"), RuntimeError);
  test::git(repo, {"checkout", "-q", "--detach"});
  CHECK_THROWS_AS(git::current_branch(repo), RuntimeError);
  check_fsck(repo);
}

TEST_CASE("a task whose dependencies merged later starts from the updated target") {
  test::TempDir dir;
  fs::path repo = dir / "repo";
  test::init_repo(repo, {{"a.txt", "a\n"}});
  test::write_text(repo / "dep.txt", "merged dependency\n");
  test::git(repo, {"add", "dep.txt"});
  test::git(repo, {"commit", "-q", "-m", "dependency merged"});
  fs::path wt = dir / "worktrees/spec/task-2";
  git::prepare_task_worktree(repo, wt, "task-spec-2", "main");
  CHECK(test::read_text(wt / "dep.txt") == "merged dependency\n");
  CHECK(test::rev(wt, "HEAD") == test::rev(repo, "main"));
}

TEST_CASE("commit_all stages new, changed and deleted files, respects .gitignore, and is a no-op when clean") {
  test::TempDir dir;
  fs::path repo = dir / "repo";
  test::init_repo(repo, {{"keep.txt", "k\n"}, {"gone.txt", "g\n"}, {".gitignore", "build/\n"}});
  fs::path wt = dir / "worktrees/spec/task-1";
  git::prepare_task_worktree(repo, wt, "task-spec-1", "main");
  CHECK_FALSE(git::commit_all(wt, "nothing").has_value());
  test::write_text(wt / "keep.txt", "changed\n");
  test::write_text(wt / "src/new.txt", "new\n");
  test::write_text(wt / "build/out.o", "ignored\n");
  fs::remove(wt / "gone.txt");
  auto oid = git::commit_all(wt, "spec: task 1 Title\n\nbody");
  REQUIRE(oid);
  CHECK(test::rev(repo, "task-spec-1") == *oid);
  CHECK(test::git(repo, {"show", "--name-status", "--format=%s|%an|%ae", *oid}) ==
        "spec: task 1 Title|Test|test@example.com\n\nD\tgone.txt\nM\tkeep.txt\nA\tsrc/new.txt\n");
  CHECK(test::git(wt, {"status", "--porcelain"}).empty());
  CHECK(test::rev(repo, "main") != *oid);  // only the task branch moved
  CHECK_FALSE(git::commit_all(wt, "again").has_value());
  check_fsck(repo);
}

TEST_CASE("identity comes from the environment first and is required") {
  test::TempDir dir;
  fs::path repo = dir / "repo";
  test::init_repo(repo, {{"a.txt", "a\n"}});
  CHECK(git::require_identity(repo).name == "Test");
  ::setenv("GIT_AUTHOR_NAME", "Env Person", 1);
  ::setenv("GIT_AUTHOR_EMAIL", "env@example.com", 1);
  auto id = git::require_identity(repo);
  ::unsetenv("GIT_AUTHOR_NAME");
  ::unsetenv("GIT_AUTHOR_EMAIL");
  CHECK(id.name == "Env Person");
  CHECK(id.email == "env@example.com");

  test::git(repo, {"config", "--unset", "user.name"});
  test::git(repo, {"config", "--unset", "user.email"});
  fs::create_directories(dir / "empty-config");
  IsolatedGitConfig isolated(dir / "empty-config");
  if (std::getenv("GIT_COMMITTER_NAME") || std::getenv("GIT_AUTHOR_NAME")) return;
  try {
    git::require_identity(repo);
    FAIL("require_identity accepted a repository without identity");
  } catch (const RuntimeError& e) {
    CHECK(std::string(e.what()).find("git config user.name") != std::string::npos);
  }
  fs::path wt = dir / "worktrees/spec/task-1";
  git::prepare_task_worktree(repo, wt, "task-spec-1", "main");
  test::write_text(wt / "b.txt", "b\n");
  CHECK_THROWS_AS(git::commit_all(wt, "m"), RuntimeError);
  CHECK(test::rev(repo, "task-spec-1") == test::rev(repo, "main"));
}

TEST_CASE("a leftover branch and worktree with unmerged work are reused") {
  test::TempDir dir;
  fs::path repo = dir / "repo";
  test::init_repo(repo, {{"a.txt", "a\n"}});
  fs::path wt = dir / "worktrees/spec/task-1";
  git::prepare_task_worktree(repo, wt, "task-spec-1", "main");
  test::write_text(wt / "work.txt", "committed work\n");
  auto work = git::commit_all(wt, "earlier run");
  REQUIRE(work);
  test::write_text(wt / "wip.txt", "uncommitted work\n");

  auto again = git::prepare_task_worktree(repo, wt, "task-spec-1", "main");
  CHECK(again.reused);
  CHECK(again.note.find("reusing") != std::string::npos);
  CHECK(test::rev(repo, "task-spec-1") == *work);
  CHECK(test::read_text(wt / "wip.txt") == "uncommitted work\n");

  SUBCASE("also when its folder was deleted by hand: the metadata is pruned, the branch reused") {
    fs::remove_all(wt);
    auto third = git::prepare_task_worktree(repo, wt, "task-spec-1", "main");
    CHECK(third.reused);
    CHECK(test::read_text(wt / "work.txt") == "committed work\n");
    CHECK(test::rev(wt, "HEAD") == *work);
    CHECK(test::git(repo, {"worktree", "prune", "--dry-run", "-v"}).empty());
  }
  SUBCASE("uncommitted work alone on a merged branch is reused too") {
    test::git(repo, {"merge", "-q", "--ff-only", "task-spec-1"});
    auto third = git::prepare_task_worktree(repo, wt, "task-spec-1", "main");
    CHECK(third.reused);
    CHECK(test::read_text(wt / "wip.txt") == "uncommitted work\n");
  }
  check_fsck(repo);
}

TEST_CASE("a leftover branch and worktree without unmerged work are moved aside under a dated name") {
  test::TempDir dir;
  fs::path repo = dir / "repo";
  test::init_repo(repo, {{"a.txt", "a\n"}});
  fs::path wt = dir / "worktrees/spec/task-1";
  git::prepare_task_worktree(repo, wt, "task-spec-1", "main");
  test::write_text(wt / "done.txt", "merged work\n");
  auto old_commit = git::commit_all(wt, "earlier run");
  REQUIRE(old_commit);
  test::git(repo, {"merge", "-q", "--ff-only", "task-spec-1"});
  test::write_text(repo / "later.txt", "later\n");
  test::git(repo, {"add", "later.txt"});
  test::git(repo, {"commit", "-q", "-m", "target moved on"});

  auto p = git::prepare_task_worktree(repo, wt, "task-spec-1", "main");
  CHECK_FALSE(p.reused);
  CHECK(p.note.find("moved aside") != std::string::npos);
  CHECK(test::rev(repo, "task-spec-1") == test::rev(repo, "main"));
  CHECK(test::read_text(wt / "later.txt") == "later\n");
  // Nothing deleted: the old folder and branch live on under dated names.
  auto old_dirs = entries_starting_with(wt.parent_path(), "task-1.old-");
  REQUIRE(old_dirs.size() == 1);
  CHECK(test::read_text(old_dirs[0] / "done.txt") == "merged work\n");
  std::string old_branches = test::git(repo, {"branch", "--list", "task-spec-1-old-*", "--format=%(refname:short)"});
  REQUIRE_FALSE(old_branches.empty());
  old_branches.pop_back();
  CHECK(test::rev(repo, old_branches) == *old_commit);
  CHECK(test::rev(old_dirs[0], "HEAD") == *old_commit);
  std::string list = test::git(repo, {"worktree", "list"});
  CHECK(list.find(old_dirs[0].string()) != std::string::npos);
  CHECK(list.find(wt.string() + " ") != std::string::npos);
  CHECK(test::git(repo, {"worktree", "prune", "--dry-run", "-v"}).empty());
  check_fsck(repo);
}

TEST_CASE("a plain folder in the way is moved aside, never deleted") {
  test::TempDir dir;
  fs::path repo = dir / "repo";
  test::init_repo(repo, {{"a.txt", "a\n"}});
  fs::path wt = dir / "worktrees/spec/task-3";
  test::write_text(wt / "precious.txt", "someone's file\n");
  auto p = git::prepare_task_worktree(repo, wt, "task-spec-3", "main");
  CHECK(p.note.find("moved aside") != std::string::npos);
  auto old_dirs = entries_starting_with(wt.parent_path(), "task-3.old-");
  REQUIRE(old_dirs.size() == 1);
  CHECK(test::read_text(old_dirs[0] / "precious.txt") == "someone's file\n");
  CHECK(test::read_text(wt / "a.txt") == "a\n");
}

TEST_CASE("a broken worktree folder in the way is moved aside and its stale metadata pruned") {
  test::TempDir dir;
  fs::path repo = dir / "repo";
  test::init_repo(repo, {{"a.txt", "a\n"}});
  fs::path wt = dir / "worktrees/spec/task-4";
  git::prepare_task_worktree(repo, wt, "task-spec-4", "main");
  fs::remove(wt / ".git");  // someone broke it by hand; the files stay
  test::write_text(wt / "a.txt", "edited in the broken copy\n");
  auto p = git::prepare_task_worktree(repo, wt, "task-spec-4", "main");
  CHECK(p.note.find("moved aside") != std::string::npos);
  auto old_dirs = entries_starting_with(wt.parent_path(), "task-4.old-");
  REQUIRE(old_dirs.size() == 1);
  CHECK(test::read_text(old_dirs[0] / "a.txt") == "edited in the broken copy\n");
  CHECK(test::read_text(wt / "a.txt") == "a\n");
  CHECK(git::current_branch(wt) == "task-spec-4");
  CHECK(test::git(repo, {"worktree", "prune", "--dry-run", "-v"}).empty());
  check_fsck(repo);
}

TEST_CASE("a worktree whose making was cut short by SIGKILL is made again whole, never reused as 'work'") {
  test::TempDir dir;
  fs::path repo = dir / "repo";
  std::vector<std::pair<std::string, std::string>> files;
  for (int i = 0; i < 1500; ++i) files.emplace_back(fmt::format("src/f{:04}.txt", i), fmt::format("file {}\n", i));
  files.emplace_back(".kiro/specs/app/tasks.md", "- [ ] 1 A\n");
  test::init_repo(repo, files);
  // A child makes the worktree and is killed a little later each round, once
  // the making has begun; then the next prepare must give a whole, clean tree.
  int cut_short = 0;
  for (int round = 0; round < 8; ++round) {
    const fs::path wt = dir / fmt::format("worktrees/app/task-{}", round);
    const std::string branch = fmt::format("task-app-{}", round);
    std::string unmerged;  // odd rounds: the branch holds a commit of work and has no worktree
    if (round % 2 == 1) {
      git::prepare_task_worktree(repo, wt, branch, "main");
      test::write_text(wt / "work.txt", "kept\n");
      unmerged = git::commit_all(wt, "work").value_or("");
      REQUIRE_FALSE(unmerged.empty());
      test::git(repo, {"worktree", "remove", wt.string()});
    }
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      try {
        git::prepare_task_worktree(repo, wt, branch, "main");
      } catch (...) {
        ::_exit(1);
      }
      ::_exit(0);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!git::worktree_unfinished(repo, wt) && std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(child, &status, WNOHANG) == child) {
        child = -1;  // finished before it was seen making the worktree
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (child > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(round * 1500));
      ::kill(child, SIGKILL);
      int status = 0;
      ::waitpid(child, &status, 0);
    }
    const bool unfinished = git::worktree_unfinished(repo, wt);
    const bool half_made = unfinished && fs::exists(wt);
    cut_short += half_made;
    auto p = git::prepare_task_worktree(repo, wt, branch, "main");
    if (half_made) CHECK_MESSAGE(p.note.find("cut short") != std::string::npos, p.note);
    CHECK_FALSE(git::worktree_unfinished(repo, wt));
    git::WorktreeStatus st = git::worktree_status(repo, wt, branch, "main");
    CHECK(st.exists);
    CHECK_MESSAGE(st.changed_paths.empty(), "round " << round << ": " << st.changed_paths.size() << " changed, first "
                                                     << (st.changed_paths.empty() ? "" : st.changed_paths[0]));
    CHECK(fs::exists(wt / ".kiro/specs/app/tasks.md"));
    CHECK(fs::exists(wt / "src/f1499.txt"));
    if (!unmerged.empty()) {  // the work is kept: the worktree is on its commit
      CHECK(test::rev(wt, "HEAD") == unmerged);
      CHECK(test::read_text(wt / "work.txt") == "kept\n");
    }
  }
  MESSAGE("a half-made worktree was left in " << cut_short << " of 8 rounds");
  CHECK(cut_short >= 2);  // else the rounds did not test a half-made worktree
  check_fsck(repo);
}
