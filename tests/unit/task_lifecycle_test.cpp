#include <doctest/doctest.h>

#include "common/run_state.hpp"
#include "common/task_lifecycle.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

RunState two_tasks(int retries) {
  RunState s;
  s.spec = "demo";
  s.config.retries = retries;
  TaskState a;
  a.id = "1";
  a.status = TaskStatus::running;
  a.attempts = 1;
  a.worker = 0;
  a.phase = "committing";
  a.prompt_sent = true;
  a.started_epoch = now_epoch() - 10;
  TaskState b;
  b.id = "2";
  b.deps = {"1"};
  s.tasks = {a, b};
  return s;
}

}  // namespace

TEST_CASE("a failed attempt honours retries and never keeps its phase") {
  RunState s = two_tasks(1);
  CHECK(fail_attempt(s, "1", "cannot commit", true));
  CHECK(s.tasks[0].status == TaskStatus::pending);
  CHECK(s.tasks[0].phase.empty());
  CHECK(s.tasks[0].worker == -1);
  CHECK_FALSE(s.tasks[0].prompt_sent);
  CHECK(s.tasks[1].status == TaskStatus::pending);
  s.tasks[0].status = TaskStatus::running;
  s.tasks[0].attempts = 2;  // the retry used up
  CHECK_FALSE(fail_attempt(s, "1", "cannot commit", true));
  CHECK(s.tasks[0].status == TaskStatus::failed);
  CHECK(s.tasks[0].message == "cannot commit");
  CHECK(s.tasks[1].status == TaskStatus::blocked);
}

TEST_CASE("a failure without retry fails at once even with retries left") {
  RunState s = two_tasks(3);
  CHECK_FALSE(fail_attempt(s, "1", "bad settings", false));
  CHECK(s.tasks[0].status == TaskStatus::failed);
}

TEST_CASE("a merge error fails the task with the error instead of holding it") {
  RunState s = two_tasks(3);
  s.tasks[0].phase = "merge held";
  s.tasks[0].branch = "kiro/demo/task-1";
  fail_merge(s, "1", "reference 'refs/heads/kiro/demo/task-1' not found");
  CHECK(s.tasks[0].status == TaskStatus::failed);
  CHECK(s.tasks[0].phase.empty());
  CHECK(s.tasks[0].message.find("not found") != std::string::npos);
  CHECK(s.tasks[1].status == TaskStatus::blocked);
}

TEST_CASE("a completion is recorded once per attempt") {
  test::TempDir dir;
  RunState s = two_tasks(0);
  const auto history = dir / "completed.json";
  CHECK(complete_once(s, "1", history, now_epoch(), ""));
  CHECK(s.tasks[0].status == TaskStatus::completed);
  CHECK(s.tasks[0].duration);
  // A resumer (or `retry`) completing the same attempt again records nothing.
  CHECK_FALSE(complete_once(s, "1", history, now_epoch(), "merged by retry"));
  CHECK(read_completions(history).size() == 1);
  // A later attempt is a new completion.
  s.tasks[0].started_epoch = now_epoch() + 5;
  CHECK(complete_once(s, "1", history, now_epoch() + 6, ""));
  CHECK(read_completions(history).size() == 2);
}

TEST_CASE("the same worker error again and again fails the task; a different one starts the count again") {
  RunState s = two_tasks(5);
  CHECK_FALSE(note_worker_error(s, "1", "settings.json: line 3: bad"));
  CHECK_FALSE(note_worker_error(s, "1", "other"));
  CHECK_FALSE(note_worker_error(s, "1", "settings.json: line 3: bad"));
  CHECK_FALSE(note_worker_error(s, "1", "settings.json: line 3: bad"));
  CHECK(s.tasks[0].status == TaskStatus::running);
  CHECK(note_worker_error(s, "1", "settings.json: line 3: bad"));
  CHECK(s.tasks[0].status == TaskStatus::failed);
  CHECK(s.tasks[0].message.find("settings.json: line 3: bad") != std::string::npos);
  CHECK(s.tasks[0].worker_errors == 0);
  CHECK(s.tasks[1].status == TaskStatus::blocked);
}

TEST_CASE("why the master gave up survives the state file") {
  test::TempDir dir;
  RunState s = two_tasks(0);
  record_master_gave_up(s, "every worker slot died 9 times in a row");
  write_run_state(dir / "state.json", s);
  auto back = read_run_state(dir / "state.json");
  REQUIRE(back);
  CHECK(back->master_gave_up == "every worker slot died 9 times in a row");
}
