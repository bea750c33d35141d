// Merging during a real run: conflicts that wait for a person and `retry`,
// and a person's uncommitted edits that hold a merge instead of being overwritten.
#include <doctest/doctest.h>

#include "common/run_state.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;
namespace fs = std::filesystem;

namespace {

// Any file under `root` (outside .git) holding a conflict marker.
std::string find_conflict_marker(const fs::path& root) {
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    std::string text = test::read_text(it->path());
    if (text.find("<<<<<<<") != std::string::npos || text.find(">>>>>>>") != std::string::npos) {
      return it->path().string();
    }
  }
  return {};
}

}  // namespace

TEST_CASE("two tasks editing the same line: one merges, one waits in conflict, retry completes it") {
  RunFixture f(R"(- [ ] 1. One
- [ ] 1.1 Edit the shared file
- [ ] 2. Two
- [ ] 2.1 Edit the shared file too
- [ ] 2.2 After two
)",
               R"({"default": {"duration": 0.5, "wait_for": "GATE"},
                   "tasks": {"1.1": {"append": "shared.txt"}, "2.1": {"append": "shared.txt"}}})",
               {{"shared.txt", "original first line\nsecond line\n"}});
  // Both agents work from the same main before either finishes, however slow
  // the machine: the second merge must conflict.
  REQUIRE(f.start(2).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "busy") && f.task_phase_contains("2.1", "busy"); }));
  f.open_gate();
  auto watched = f.watch();
  CHECK_MESSAGE(watched.exit_code == 3, f.explain());
  RunState s = f.state();
  const TaskState* a = s.find("1.1");
  const TaskState* b = s.find("2.1");
  REQUIRE(((a->status == TaskStatus::completed && b->status == TaskStatus::conflict) ||
           (b->status == TaskStatus::completed && a->status == TaskStatus::conflict)));
  const TaskState* loser = a->status == TaskStatus::conflict ? a : b;
  const TaskState* winner = a->status == TaskStatus::conflict ? b : a;
  CHECK(s.find("2.2")->status == (loser->id == "2.1" ? TaskStatus::pending : TaskStatus::completed));
  CHECK(find_conflict_marker(f.repo().parent_path()).empty());
  CHECK(test::read_text(f.repo() / "shared.txt") == winner->id + " was here\nsecond line\n");
  auto status = f.kp({"status", "app"});
  CHECK(status.out.find("retry") != std::string::npos);
  CHECK(fs::exists(loser->worktree));

  // The person resolves it in the task's worktree, as status says.
  fs::path wt = loser->worktree;
  CHECK(test::git_result(wt, {"merge", "main"}).exit_code != 0);
  test::write_text(wt / "shared.txt", "both were here\nsecond line\n");
  test::git(wt, {"add", "-A"});
  test::git(wt, {"commit", "-q", "--no-edit"});
  auto retried = f.kp({"retry", "app", loser->id});
  CHECK_MESSAGE(retried.exit_code == 0, retried.out << retried.err);
  CHECK(f.watched_ok());
  for (const auto& t : f.state().tasks) CHECK_MESSAGE(t.status == TaskStatus::completed, t.id);
  CHECK(test::read_text(f.repo() / "shared.txt") == "both were here\nsecond line\n");
  CHECK(test::git(f.repo(), {"status", "--porcelain", "--untracked-files=no"}).empty());
  CHECK(test::git_result(f.repo(), {"fsck", "--no-progress"}).exit_code == 0);
}

TEST_CASE("a person's uncommitted edit in a file the merge touches holds the merge; untouched edits stay") {
  RunFixture f(R"(- [ ] 1. One
- [ ] 1.1 Edit the shared file
)",
               R"({"default": {"duration": 0.5, "append": "shared.txt"}})",
               {{"shared.txt", "original first line\nmiddle\nthird line\n"}, {"notes.txt", "notes\n"}});
  // The person is editing, uncommitted: a line the task will not touch, and another file.
  test::write_text(f.repo() / "shared.txt", "original first line\nmiddle\nthird line, edited by a person\n");
  test::write_text(f.repo() / "notes.txt", "notes, edited\n");
  REQUIRE(f.start(1).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "held"); }));
  // Held: the person's bytes are untouched and main has not moved.
  CHECK(test::read_text(f.repo() / "shared.txt") == "original first line\nmiddle\nthird line, edited by a person\n");
  CHECK(test::git(f.repo(), {"log", "--format=%s", "-1", "main"}) == "initial\n");
  auto status = f.kp({"status", "app"});
  CHECK(status.out.find("held") != std::string::npos);
  // The person commits their edit; the merge goes through as a clean three-way merge.
  test::git(f.repo(), {"commit", "-q", "-m", "my edit", "--", "shared.txt"});
  CHECK(f.watched_ok());
  CHECK(test::read_text(f.repo() / "shared.txt") == "1.1 was here\nmiddle\nthird line, edited by a person\n");
  CHECK(test::read_text(f.repo() / "notes.txt") == "notes, edited\n");
  CHECK(test::git(f.repo(), {"status", "--porcelain", "--untracked-files=no"}) == " M notes.txt\n");
  CHECK(test::git_result(f.repo(), {"fsck", "--no-progress"}).exit_code == 0);
}
