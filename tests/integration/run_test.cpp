// End to end: the detached master, workers, worktrees, tmux sessions, the
// simulated agent, merges and durations, on a real repository.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "common/run_state.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;

namespace {

const char* kTwelveTasks = R"(# Implementation Plan

- [ ] 1. Foundation
- [ ] 1.1 Set up the project skeleton
  - _Requirements: 1.1_
- [ ] 1.2 Add the "configuration" loader; $(not a command)
  - _Depends: 1.1_
- [ ] 1.3 (P) Add logging
- [ ] 2. Data layer
- [ ] 2.1 Define the schema
  - _Depends: 1.1_
- [ ] 2.2 Write the repository
- [ ] 2.3 (P) Add migrations
- [ ] 3. API
- [ ] 3.1 Expose the list endpoint
  - _Depends: 2.2, 1.2_
- [ ] 3.2 Expose the create endpoint
- [ ] 3.3 (P) Validate input
- [ ] 4. UI
- [ ] 4.1 Render the list
  - _Depends: 3.1_
- [ ] 4.2 Render the form
  - _Depends: 3.2_
- [ ] 4.3 Wire everything up
  - _Depends: 4.1, 4.2_
)";

const std::vector<std::string> kTwelveIds = {"1.1", "1.2", "1.3", "2.1", "2.2", "2.3",
                                             "3.1", "3.2", "3.3", "4.1", "4.2", "4.3"};

bool is_ancestor(const std::filesystem::path& repo, const std::string& a, const std::string& b) {
  return test::git_result(repo, {"merge-base", "--is-ancestor", a, b}).exit_code == 0;
}

}  // namespace

TEST_CASE("a spec of twelve tasks runs to the end with three workers") {
  RunFixture f(kTwelveTasks, R"({"default": {"duration": 0.6, "prompts": 1},
                                "tasks": {"2.2": {"prompts": 2}, "3.1": {"duration": 1.2}}})");
  auto started = f.start(3);
  REQUIRE_MESSAGE(started.exit_code == 0, started.out << started.err);
  CHECK(f.watched_ok());

  RunState s = f.state();
  REQUIRE(s.tasks.size() == kTwelveIds.size());
  for (const auto& t : s.tasks) CHECK_MESSAGE(t.status == TaskStatus::completed, t.id << " " << t.message);

  // Every task's commit is on main exactly once, and tasks.md there has every tick.
  std::string subjects = test::git(f.repo(), {"log", "main", "--format=%s"});
  std::string tasks_md = test::git(f.repo(), {"show", "main:.kiro/specs/app/tasks.md"});
  for (const auto& id : kTwelveIds) {
    size_t count = 0;
    std::string needle = "app: task " + id + " ";
    for (size_t at = subjects.find(needle); at != std::string::npos; at = subjects.find(needle, at + 1)) ++count;
    CHECK_MESSAGE(count == 1, "task " << id << " commits on main: " << count);
    CHECK_MESSAGE(tasks_md.find("- [x] " + id + " ") != std::string::npos, "tick of " << id);
    CHECK(is_ancestor(f.repo(), "task-app-" + id, "main"));
  }
  CHECK(tasks_md.find("- [ ]") == std::string::npos);

  // No task started before its dependencies were merged: each task's branch
  // was cut from a main that already held its dependencies' commits.
  for (const auto& t : s.tasks) {
    for (const auto& dep : t.deps) {
      CHECK_MESSAGE(is_ancestor(f.repo(), "task-app-" + dep, "task-app-" + t.id), t.id << " after " << dep);
    }
  }

  // One completion per task, with a plausible duration.
  auto history = read_completions(f.paths().completed_json);
  std::map<std::string, int> per_task;
  for (const auto& c : history) {
    ++per_task[c.task_id];
    CHECK(c.duration > 0.3);
    CHECK(c.duration < 120);
    CHECK(c.completed_at.size() == 20);
  }
  CHECK(history.size() == kTwelveIds.size());
  for (const auto& id : kTwelveIds) CHECK(per_task[id] == 1);

  // Trust dialogs and permission menus were answered without a person, once each.
  CHECK(f.sim_log_count({"trust_answered", "option=1"}) == 12);
  CHECK(f.sim_log_count({"menu_answered", "option=1"}) == 13);
  CHECK(f.sim_log_count({"menu_answered", "option=3"}) == 0);
  CHECK(f.sim_log_count({"enter_ignored"}) == 0);

  // Nothing left behind: no session, no master, no worker.
  CHECK(f.sessions().empty());
  CHECK(RunFixture::wait_for([&] { return !master_alive(f.paths()); }, std::chrono::seconds(10)));
  for (int w = 0; w < 3; ++w) CHECK_FALSE(worker_alive(f.paths(), w));
  // The person's checkout is untouched but for the merged files, and the run's
  // own files are excluded (in .git/info/exclude) but for the visible history.
  CHECK(test::git(f.repo(), {"status", "--porcelain"}) == "?? .kiro/specs/app/.completed_tasks.json\n");
  CHECK(test::read_text(f.repo() / ".git/info/exclude").find("/.kiro/specs/*/logs/") != std::string::npos);
}

TEST_CASE("a crashing task fails, its dependents are blocked, independent work completes") {
  RunFixture f(R"(- [ ] 1. First
- [ ] 1.1 Will crash
- [ ] 1.2 Needs the crash
- [ ] 2. Second
- [ ] 2.1 Independent
- [ ] 2.2 Also independent
)",
               R"({"default": {"duration": 0.5}, "tasks": {"1.1": {"crash": true, "duration": 1}}})");
  REQUIRE(f.start(2).exit_code == 0);
  auto watched = f.watch();
  CHECK(watched.exit_code == 3);
  RunState s = f.state();
  CHECK(s.find("1.1")->status == TaskStatus::failed);
  CHECK(s.find("1.1")->message.find("exited") != std::string::npos);
  CHECK(s.find("1.2")->status == TaskStatus::blocked);
  CHECK(s.find("2.1")->status == TaskStatus::completed);
  CHECK(s.find("2.2")->status == TaskStatus::completed);
  auto status = f.kp({"status", "app"});
  CHECK(status.exit_code == 3);
  CHECK(f.sessions().empty());
  // The failed task's worktree and anything the agent wrote stay.
  CHECK(std::filesystem::exists(s.find("1.1")->worktree));
}
