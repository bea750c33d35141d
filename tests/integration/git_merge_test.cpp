// merge_into_target on real repositories: conflicts, checkbox union, held
// merges, concurrent mergers, stale ref locks.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include <doctest/doctest.h>

#include "common/error.hpp"
#include "common/git_merge.hpp"
#include "common/git_worktree.hpp"
#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;

namespace {

bool is_ancestor(const fs::path& repo, const std::string& commit, const std::string& of) {
  return test::git_result(repo, {"merge-base", "--is-ancestor", commit, of}).exit_code == 0;
}

void check_fsck(const fs::path& repo) {
  RunResult r = test::git_result(repo, {"fsck", "--no-progress"});
  CHECK_MESSAGE(r.exit_code == 0, "git fsck: " << r.out << r.err);
}

bool has_conflict_marker(const fs::path& root) {
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->path().filename() == ".git") {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && test::read_text(it->path()).find("<<<<<<<") != std::string::npos) return true;
  }
  return false;
}

// A repository on main plus task worktrees under <tmp>/worktrees/spec/task-<n>.
struct Fixture {
  test::TempDir dir;
  fs::path repo = dir / "repo";
  explicit Fixture(std::initializer_list<std::pair<std::string, std::string>> files) { test::init_repo(repo, files); }
  fs::path task(int n) {
    fs::path wt = dir / ("worktrees/spec/task-" + std::to_string(n));
    auto prepared = git::prepare_task_worktree(repo, wt, branch(n), "main");
    REQUIRE(prepared.path == wt);
    return wt;
  }
  static std::string branch(int n) { return "task-spec-" + std::to_string(n); }
  std::string commit_in(const fs::path& wt, const std::string& rel, const std::string& text) {
    test::write_text(wt / rel, text);
    auto oid = git::commit_all(wt, "spec: task " + rel);
    REQUIRE(oid);
    return *oid;
  }
};

}  // namespace

TEST_CASE("same line edited on two branches: first merges, second conflicts and changes nothing; retry after manual resolution") {
  Fixture f({{"a.txt", "one\ntwo\n"}});
  fs::path wt1 = f.task(1), wt2 = f.task(2);
  std::string c1 = f.commit_in(wt1, "a.txt", "ONE from task 1\ntwo\n");
  std::string c2 = f.commit_in(wt2, "a.txt", "ONE from task 2\ntwo\n");

  auto first = git::merge_into_target(f.repo, Fixture::branch(1), "main", "spec: merge task 1");
  CHECK(first.outcome == git::MergeOutcome::fast_forward);
  CHECK(first.main_tree_updated);
  CHECK(test::rev(f.repo, "main") == c1);
  CHECK(test::read_text(f.repo / "a.txt") == "ONE from task 1\ntwo\n");
  CHECK(test::git(f.repo, {"status", "--porcelain"}).empty());

  auto second = git::merge_into_target(f.repo, Fixture::branch(2), "main", "spec: merge task 2");
  CHECK(second.outcome == git::MergeOutcome::conflict);
  CHECK(second.conflict_paths == std::vector<std::string>{"a.txt"});
  CHECK(second.message.find("git merge main") != std::string::npos);
  CHECK(test::rev(f.repo, "main") == c1);
  CHECK(second.target_commit == c1);
  CHECK_FALSE(has_conflict_marker(f.repo));
  CHECK_FALSE(has_conflict_marker(wt1));
  CHECK_FALSE(has_conflict_marker(wt2));
  CHECK(test::git(f.repo, {"status", "--porcelain"}).empty());
  CHECK(test::git(wt2, {"status", "--porcelain"}).empty());
  CHECK(test::rev(f.repo, Fixture::branch(2)) == c2);

  // The person resolves in the task worktree and commits; the retry succeeds.
  CHECK(test::git_result(wt2, {"merge", "main"}).exit_code != 0);
  test::write_text(wt2 / "a.txt", "ONE from both\ntwo\n");
  test::git(wt2, {"add", "a.txt"});
  test::git(wt2, {"commit", "-q", "--no-edit"});
  auto retry = git::merge_into_target(f.repo, Fixture::branch(2), "main", "spec: merge task 2");
  CHECK(retry.outcome == git::MergeOutcome::fast_forward);
  CHECK(test::read_text(f.repo / "a.txt") == "ONE from both\n" "two\n");
  CHECK(test::git(f.repo, {"status", "--porcelain"}).empty());
  CHECK(is_ancestor(f.repo, c1, "main"));
  CHECK(is_ancestor(f.repo, c2, "main"));
  auto again = git::merge_into_target(f.repo, Fixture::branch(2), "main", "x");
  CHECK(again.outcome == git::MergeOutcome::up_to_date);
  check_fsck(f.repo);
}

TEST_CASE("adjacent checkbox ticks in tasks.md on two branches merge as the union") {
  const std::string tasks = "# Tasks\n- [ ] 1. First\n- [ ] 2. Second\n- [ ] 3. Third\n";
  Fixture f({{".kiro/specs/spec/tasks.md", tasks}, {"x.txt", "x\n"}});
  fs::path wt1 = f.task(1), wt2 = f.task(2);
  CHECK(git::tick_task_checkbox(wt1 / ".kiro/specs/spec/tasks.md", "1"));
  test::write_text(wt1 / "one.txt", "1\n");
  auto c1 = git::commit_all(wt1, "spec: task 1");
  CHECK(git::tick_task_checkbox(wt2 / ".kiro/specs/spec/tasks.md", "2"));
  test::write_text(wt2 / "two.txt", "2\n");
  auto c2 = git::commit_all(wt2, "spec: task 2");
  REQUIRE(c1);
  REQUIRE(c2);

  CHECK(git::merge_into_target(f.repo, Fixture::branch(1), "main", "m1").outcome == git::MergeOutcome::fast_forward);
  auto second = git::merge_into_target(f.repo, Fixture::branch(2), "main", "spec: merge task 2 (Second)");
  CHECK(second.outcome == git::MergeOutcome::merged);
  CHECK(second.checkbox_union);
  const std::string expected = "# Tasks\n- [x] 1. First\n- [x] 2. Second\n- [ ] 3. Third\n";
  CHECK(test::git(f.repo, {"show", "main:.kiro/specs/spec/tasks.md"}) == expected);
  CHECK(test::read_text(f.repo / ".kiro/specs/spec/tasks.md") == expected);
  CHECK(test::read_text(f.repo / "two.txt") == "2\n");
  CHECK(test::git(f.repo, {"status", "--porcelain"}).empty());
  CHECK(test::git(f.repo, {"log", "-1", "--format=%s"}) == "spec: merge task 2 (Second)\n");
  CHECK(test::git(f.repo, {"rev-list", "--parents", "-1", "main"}).size() == 3 * 41);
  CHECK(is_ancestor(f.repo, *c1, "main"));
  CHECK(is_ancestor(f.repo, *c2, "main"));
  CHECK_FALSE(has_conflict_marker(f.repo));
  check_fsck(f.repo);
}

TEST_CASE("uncommitted edits in the checked-out target: held when touched, merged around them otherwise") {
  Fixture f({{"a.txt", "a\n"}, {"b.txt", "b\n"}});
  fs::path wt1 = f.task(1);
  std::string c1 = f.commit_in(wt1, "a.txt", "a from task\n");
  const std::string before = test::rev(f.repo, "main");

  SUBCASE("an edit in a file the merge touches holds the merge") {
    test::write_text(f.repo / "a.txt", "person's edit\n");
    auto r = git::merge_into_target(f.repo, Fixture::branch(1), "main", "m");
    CHECK(r.outcome == git::MergeOutcome::held);
    CHECK(r.held_paths == std::vector<std::string>{"a.txt"});
    CHECK(r.message.find("a.txt") != std::string::npos);
    CHECK(test::rev(f.repo, "main") == before);
    CHECK(test::read_text(f.repo / "a.txt") == "person's edit\n");
    CHECK(test::git(f.repo, {"status", "--porcelain"}) == " M a.txt\n");
  }
  SUBCASE("a staged edit in a touched file holds the merge too") {
    test::write_text(f.repo / "a.txt", "staged\n");
    test::git(f.repo, {"add", "a.txt"});
    auto r = git::merge_into_target(f.repo, Fixture::branch(1), "main", "m");
    CHECK(r.outcome == git::MergeOutcome::held);
    CHECK(test::rev(f.repo, "main") == before);
    CHECK(test::git(f.repo, {"status", "--porcelain"}) == "M  a.txt\n");
  }
  SUBCASE("an edit elsewhere stays byte-identical and the merged file is updated") {
    const std::string edit = "b plus the person's\r\nunsaved\xff bytes";
    test::write_text(f.repo / "b.txt", edit);
    test::write_text(f.repo / "notes.txt", "untracked\n");
    test::write_text(f.repo / "staged.txt", "staged by the person\n");
    test::git(f.repo, {"add", "staged.txt"});
    auto r = git::merge_into_target(f.repo, Fixture::branch(1), "main", "m");
    CHECK(r.outcome == git::MergeOutcome::fast_forward);
    CHECK(r.main_tree_updated);
    CHECK(test::rev(f.repo, "main") == c1);
    CHECK(test::read_text(f.repo / "b.txt") == edit);
    CHECK(test::read_text(f.repo / "notes.txt") == "untracked\n");
    CHECK(test::read_text(f.repo / "a.txt") == "a from task\n");
    CHECK(test::git(f.repo, {"status", "--porcelain"}) == " M b.txt\nA  staged.txt\n?? notes.txt\n");
  }
  check_fsck(f.repo);
}

TEST_CASE("an untracked file where the merge adds one holds the merge") {
  Fixture f({{"a.txt", "a\n"}});
  fs::path wt1 = f.task(1);
  f.commit_in(wt1, "new.txt", "from task\n");
  test::write_text(f.repo / "new.txt", "the person's own new file\n");
  auto r = git::merge_into_target(f.repo, Fixture::branch(1), "main", "m");
  CHECK(r.outcome == git::MergeOutcome::held);
  CHECK(r.held_paths == std::vector<std::string>{"new.txt"});
  CHECK(test::read_text(f.repo / "new.txt") == "the person's own new file\n");
  check_fsck(f.repo);
}

TEST_CASE("the person commits to the target after the worktree was made: a merge commit keeps both") {
  Fixture f({{"a.txt", "a\n"}, {"b.txt", "b\n"}});
  fs::path wt1 = f.task(1);
  std::string task_commit = f.commit_in(wt1, "a.txt", "a from task\n");
  test::write_text(f.repo / "b.txt", "b from the person\n");
  test::git(f.repo, {"commit", "-q", "-am", "person's commit"});
  const std::string person_commit = test::rev(f.repo, "main");

  auto r = git::merge_into_target(f.repo, Fixture::branch(1), "main", "spec: merge task 1 (Title)");
  CHECK(r.outcome == git::MergeOutcome::merged);
  CHECK(r.target_commit == test::rev(f.repo, "main"));
  CHECK(test::rev(f.repo, "main^1") == person_commit);
  CHECK(test::rev(f.repo, "main^2") == task_commit);
  CHECK(test::read_text(f.repo / "a.txt") == "a from task\n");
  CHECK(test::read_text(f.repo / "b.txt") == "b from the person\n");
  CHECK(test::git(f.repo, {"status", "--porcelain"}).empty());
  CHECK(test::git(f.repo, {"log", "-1", "--format=%an <%ae>"}) == "Test <test@example.com>\n");
  check_fsck(f.repo);
}

TEST_CASE("a merge that deletes, adds and moves files updates the checked-out target exactly") {
  Fixture f({{"old.txt", "old\n"}, {"dir/moved.txt", "moved\n"}, {"b.txt", "b\n"}});
  fs::path wt1 = f.task(1);
  fs::remove(wt1 / "old.txt");
  fs::create_directories(wt1 / "elsewhere");
  fs::rename(wt1 / "dir/moved.txt", wt1 / "elsewhere/moved.txt");
  test::write_text(wt1 / "deep/new/file.txt", "new\n");
  auto task_commit = git::commit_all(wt1, "task");
  REQUIRE(task_commit);
  test::write_text(f.repo / "b.txt", "b by the person\n");
  test::git(f.repo, {"commit", "-q", "-am", "person"});
  auto r = git::merge_into_target(f.repo, Fixture::branch(1), "main", "m");
  CHECK(r.outcome == git::MergeOutcome::merged);
  CHECK_FALSE(fs::exists(f.repo / "old.txt"));
  CHECK_FALSE(fs::exists(f.repo / "dir/moved.txt"));
  CHECK(test::read_text(f.repo / "elsewhere/moved.txt") == "moved\n");
  CHECK(test::read_text(f.repo / "deep/new/file.txt") == "new\n");
  CHECK(test::git(f.repo, {"status", "--porcelain", "--untracked-files=all"}).empty());
  CHECK(test::git(f.repo, {"diff", "HEAD", "--stat"}).empty());
  check_fsck(f.repo);
}

TEST_CASE("a target checked out nowhere: the ref moves and no working tree is touched") {
  Fixture f({{"a.txt", "a\n"}});
  fs::path wt1 = f.task(1);
  std::string c1 = f.commit_in(wt1, "a.txt", "a from task\n");
  test::git(f.repo, {"switch", "-q", "-c", "dev"});
  test::write_text(f.repo / "a.txt", "dev's uncommitted edit\n");
  auto r = git::merge_into_target(f.repo, Fixture::branch(1), "main", "m");
  CHECK(r.outcome == git::MergeOutcome::fast_forward);
  CHECK_FALSE(r.main_tree_updated);
  CHECK(test::rev(f.repo, "main") == c1);
  CHECK(test::read_text(f.repo / "a.txt") == "dev's uncommitted edit\n");
  CHECK(test::git(f.repo, {"status", "--porcelain"}) == " M a.txt\n");
  check_fsck(f.repo);
}

TEST_CASE("the target checked out in another worktree is protected and updated the same way") {
  Fixture f({{"a.txt", "a\n"}, {"b.txt", "b\n"}});
  fs::path wt1 = f.task(1);
  std::string c1 = f.commit_in(wt1, "a.txt", "a from task\n");
  test::git(f.repo, {"switch", "-q", "-c", "dev"});
  fs::path other = f.dir / "main-checkout";
  test::git(f.repo, {"worktree", "add", "-q", other.string(), "main"});
  const std::string before = test::rev(f.repo, "main");

  test::write_text(other / "a.txt", "edit in the other worktree\n");
  auto held = git::merge_into_target(f.repo, Fixture::branch(1), "main", "m");
  CHECK(held.outcome == git::MergeOutcome::held);
  CHECK(held.message.find(other.string()) != std::string::npos);
  CHECK(test::rev(f.repo, "main") == before);
  CHECK(test::read_text(other / "a.txt") == "edit in the other worktree\n");

  test::git(other, {"checkout", "--", "a.txt"});
  test::write_text(other / "b.txt", "b edited there\n");
  auto merged = git::merge_into_target(f.repo, Fixture::branch(1), "main", "m");
  CHECK(merged.outcome == git::MergeOutcome::fast_forward);
  CHECK(merged.main_tree_updated);
  CHECK(test::rev(f.repo, "main") == c1);
  CHECK(test::read_text(other / "a.txt") == "a from task\n");
  CHECK(test::read_text(other / "b.txt") == "b edited there\n");
  CHECK(test::git(other, {"status", "--porcelain"}) == " M b.txt\n");
  CHECK(test::git(f.repo, {"status", "--porcelain"}).empty());
  check_fsck(f.repo);
}

TEST_CASE("concurrent merges from several processes lose no commit") {
  Fixture f({{"base.txt", "base\n"}});
  constexpr int kTasks = 5;
  std::vector<std::string> commits;
  for (int n = 1; n <= kTasks; ++n) {
    fs::path wt = f.task(n);
    commits.push_back(f.commit_in(wt, "file" + std::to_string(n) + ".txt", std::to_string(n) + "\n"));
  }
  std::vector<pid_t> children;
  for (int n = 1; n <= kTasks; ++n) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 1;
      try {
        auto r = git::merge_into_target(f.repo, Fixture::branch(n), "main", "merge task " + std::to_string(n));
        code = (r.outcome == git::MergeOutcome::merged || r.outcome == git::MergeOutcome::fast_forward) ? 0 : 2;
      } catch (...) {
        code = 3;
      }
      ::_exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  for (const std::string& c : commits) CHECK(is_ancestor(f.repo, c, "main"));
  for (int n = 1; n <= kTasks; ++n)
    CHECK(test::read_text(f.repo / ("file" + std::to_string(n) + ".txt")) == std::to_string(n) + "\n");
  CHECK(test::git(f.repo, {"status", "--porcelain"}).empty());
  check_fsck(f.repo);
}

TEST_CASE("a stale refs/heads/main.lock holds the merge, is named, and is left in place") {
  Fixture f({{"a.txt", "a\n"}});
  fs::path wt1 = f.task(1);
  f.commit_in(wt1, "a.txt", "a from task\n");
  const std::string before = test::rev(f.repo, "main");
  fs::path lock = f.repo / ".git/refs/heads/main.lock";
  test::write_text(lock, "");
  auto r = git::merge_into_target(f.repo, Fixture::branch(1), "main", "m");
  CHECK(r.outcome == git::MergeOutcome::held);
  CHECK(r.message.find("main.lock") != std::string::npos);
  CHECK(fs::exists(lock));
  CHECK(test::rev(f.repo, "main") == before);
  CHECK(test::read_text(f.repo / "a.txt") == "a\n");
  CHECK(test::git(f.repo, {"status", "--porcelain"}).empty());
  fs::remove(lock);
  CHECK(git::merge_into_target(f.repo, Fixture::branch(1), "main", "m").outcome == git::MergeOutcome::fast_forward);
  check_fsck(f.repo);
}

TEST_CASE("merge_outcome_name names every outcome") {
  CHECK(git::merge_outcome_name(git::MergeOutcome::up_to_date) == "up_to_date");
  CHECK(git::merge_outcome_name(git::MergeOutcome::fast_forward) == "fast_forward");
  CHECK(git::merge_outcome_name(git::MergeOutcome::merged) == "merged");
  CHECK(git::merge_outcome_name(git::MergeOutcome::conflict) == "conflict");
  CHECK(git::merge_outcome_name(git::MergeOutcome::held) == "held");
}

TEST_CASE("a merge cut short by SIGKILL after the branch moved: the next merge brings the checked-out tree along") {
  test::TempDir dir;
  const fs::path repo = dir / "repo";
  std::vector<std::pair<std::string, std::string>> files;
  for (int i = 0; i < 1500; ++i) files.emplace_back("src/f" + std::to_string(i) + ".txt", "old\n");
  test::init_repo(repo, files);
  const fs::path main_ref = repo / ".git/refs/heads/main";
  int cut_short = 0;
  for (int round = 0; round < 6; ++round) {
    // A task branch that changes every file, in a worktree of its own.
    const std::string branch = "task-" + std::to_string(round);
    const fs::path wt = dir / ("worktrees/" + branch);
    git::prepare_task_worktree(repo, wt, branch, "main");
    for (int i = 0; i < 1500; ++i) test::write_text(wt / ("src/f" + std::to_string(i) + ".txt"), branch + "\n");
    REQUIRE(git::commit_all(wt, "spec: " + branch));
    const std::string before = test::read_text(main_ref);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      try {
        git::merge_into_target(repo, branch, "main", "merge " + branch);
      } catch (...) {
        ::_exit(1);
      }
      ::_exit(0);
    }
    // Killed a little later each round once the branch has moved.
    bool moved = false;
    for (int i = 0; i < 100000 && !moved; ++i) {
      moved = test::read_text(main_ref) != before;
      int status = 0;
      if (!moved && ::waitpid(child, &status, WNOHANG) == child) break;
      if (!moved) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    if (moved) {
      std::this_thread::sleep_for(std::chrono::microseconds(round * 2000));
      ::kill(child, SIGKILL);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    const bool behind = !test::git(repo, {"status", "--porcelain"}).empty();
    cut_short += behind;
    if (round == 0 && behind && test::read_text(repo / "src/f1499.txt") == "old\n") {
      // The person edits a file the cut-short merge had not reached: it is
      // never overwritten; the merge says what to look at, and goes on once
      // the person has put it back.
      test::write_text(repo / "src/f1499.txt", "the person's edit\n");
      CHECK_THROWS_WITH_AS(git::merge_into_target(repo, branch, "main", "merge " + branch),
                           doctest::Contains("changed since: src/f1499.txt"), RuntimeError);
      CHECK(test::read_text(repo / "src/f1499.txt") == "the person's edit\n");
      test::write_text(repo / "src/f1499.txt", "old\n");
    }
    auto r = git::merge_into_target(repo, branch, "main", "merge " + branch);
    CHECK(r.outcome == git::MergeOutcome::up_to_date);
    CHECK_MESSAGE(test::git(repo, {"status", "--porcelain"}).empty(), "round " << round);
    CHECK(test::read_text(repo / "src/f1499.txt") == branch + "\n");
  }
  MESSAGE("the tree was left behind its branch in " << cut_short << " of 6 rounds");
  CHECK(cut_short >= 2);  // else the rounds did not test the cut
  check_fsck(repo);
}
