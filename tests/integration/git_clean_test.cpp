// remove_task_worktree: what clean may remove, what it refuses, and --force archiving.
#include <doctest/doctest.h>

#include "common/git_worktree.hpp"
#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  test::TempDir dir;
  fs::path repo = dir / "repo";
  fs::path wt = dir / "worktrees/spec/task-1";
  const std::string branch = "task-spec-1";
  Fixture() {
    test::init_repo(repo, {{"a.txt", "a\n"}});
    git::prepare_task_worktree(repo, wt, branch, "main");
  }
  // After every scenario: metadata consistent and fsck clean.
  void check_consistent() {
    CHECK(test::git(repo, {"worktree", "prune", "--dry-run", "-v"}).empty());
    RunResult r = test::git_result(repo, {"fsck", "--no-progress"});
    CHECK_MESSAGE(r.exit_code == 0, r.out << r.err);
  }
  bool listed() { return test::git(repo, {"worktree", "list"}).find(wt.string()) != std::string::npos; }
  bool admin_dir_exists() { return fs::exists(repo / ".git/worktrees/task-1"); }
};

}  // namespace

TEST_CASE("a merged, clean worktree is removed with its branch and metadata") {
  Fixture f;
  test::write_text(f.wt / "b.txt", "b\n");
  auto work = git::commit_all(f.wt, "task");
  REQUIRE(work);
  test::git(f.repo, {"merge", "-q", "--ff-only", f.branch});
  auto st = git::worktree_status(f.repo, f.wt, f.branch, "main");
  CHECK(st.exists);
  CHECK(st.merged);
  CHECK_FALSE(st.dirty);
  CHECK_FALSE(st.untracked);

  auto r = git::remove_task_worktree(f.repo, f.wt, f.branch, "main", false);
  CHECK(r.removed);
  CHECK(r.archive_ref.empty());
  CHECK_FALSE(fs::exists(f.wt));
  CHECK_FALSE(f.listed());
  CHECK_FALSE(f.admin_dir_exists());
  CHECK_FALSE(git::branch_exists(f.repo, f.branch));
  CHECK(test::git_result(f.repo, {"merge-base", "--is-ancestor", *work, "main"}).exit_code == 0);
  CHECK_FALSE(git::worktree_status(f.repo, f.wt, f.branch, "main").exists);
  f.check_consistent();
}

TEST_CASE("unmerged commits: refused and listed; with force archived, then removed") {
  Fixture f;
  test::write_text(f.wt / "b.txt", "b\n");
  auto work = git::commit_all(f.wt, "unmerged task work");
  REQUIRE(work);
  CHECK_FALSE(git::worktree_status(f.repo, f.wt, f.branch, "main").merged);

  auto refused = git::remove_task_worktree(f.repo, f.wt, f.branch, "main", false);
  CHECK_FALSE(refused.removed);
  CHECK(refused.reason.find("not merged") != std::string::npos);
  CHECK(fs::exists(f.wt / "b.txt"));
  CHECK(test::rev(f.repo, f.branch) == *work);
  CHECK(f.listed());

  auto forced = git::remove_task_worktree(f.repo, f.wt, f.branch, "main", true);
  CHECK(forced.removed);
  REQUIRE(forced.archive_ref.rfind("refs/kiro-parallel/archive/task-spec-1/", 0) == 0);
  CHECK(test::rev(f.repo, forced.archive_ref) == *work);
  CHECK_FALSE(fs::exists(f.wt));
  CHECK_FALSE(f.listed());
  CHECK_FALSE(f.admin_dir_exists());
  CHECK_FALSE(git::branch_exists(f.repo, f.branch));
  f.check_consistent();
}

TEST_CASE("uncommitted changes: refused and listed; with force a commit of them is archived") {
  Fixture f;
  test::write_text(f.wt / "a.txt", "edited, never committed\n");
  auto st = git::worktree_status(f.repo, f.wt, f.branch, "main");
  CHECK(st.dirty);
  CHECK(st.merged);
  CHECK(st.changed_paths == std::vector<std::string>{"a.txt"});

  auto refused = git::remove_task_worktree(f.repo, f.wt, f.branch, "main", false);
  CHECK_FALSE(refused.removed);
  CHECK(refused.reason.find("a.txt") != std::string::npos);
  CHECK(test::read_text(f.wt / "a.txt") == "edited, never committed\n");
  CHECK(git::branch_exists(f.repo, f.branch));

  auto forced = git::remove_task_worktree(f.repo, f.wt, f.branch, "main", true);
  CHECK(forced.removed);
  REQUIRE_FALSE(forced.archive_ref.empty());
  CHECK(test::git(f.repo, {"show", forced.archive_ref + ":a.txt"}) == "edited, never committed\n");
  CHECK(test::rev(f.repo, forced.archive_ref + "^") == test::rev(f.repo, "main"));
  CHECK_FALSE(fs::exists(f.wt));
  CHECK_FALSE(f.admin_dir_exists());
  f.check_consistent();
}

TEST_CASE("untracked files: refused and listed; with force archived") {
  Fixture f;
  test::write_text(f.wt / "notes/new.txt", "untracked\n");
  auto st = git::worktree_status(f.repo, f.wt, f.branch, "main");
  CHECK(st.untracked);
  CHECK_FALSE(st.dirty);

  auto refused = git::remove_task_worktree(f.repo, f.wt, f.branch, "main", false);
  CHECK_FALSE(refused.removed);
  CHECK(refused.reason.find("notes/new.txt") != std::string::npos);
  CHECK(fs::exists(f.wt / "notes/new.txt"));

  auto forced = git::remove_task_worktree(f.repo, f.wt, f.branch, "main", true);
  CHECK(forced.removed);
  CHECK(test::git(f.repo, {"show", forced.archive_ref + ":notes/new.txt"}) == "untracked\n");
  CHECK_FALSE(fs::exists(f.wt));
  CHECK_FALSE(f.listed());
  f.check_consistent();
}

TEST_CASE("a folder that is not a worktree of the repository is left alone") {
  Fixture f;
  fs::path stranger = f.dir / "worktrees/spec/task-9";
  test::write_text(stranger / "x.txt", "x\n");
  auto r = git::remove_task_worktree(f.repo, stranger, "task-spec-9", "main", true);
  CHECK_FALSE(r.removed);
  CHECK(fs::exists(stranger / "x.txt"));
  f.check_consistent();
}
