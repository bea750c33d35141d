#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "common/file_lock.hpp"

#include "common/run_state.hpp"
#include "common/task_lifecycle.hpp"
#include "test_support.hpp"
#include "worker/task_claim.hpp"

using namespace kp;

namespace {

RunState state_with(std::vector<TaskState> tasks) {
  RunState s;
  s.spec = "app";
  s.tasks = std::move(tasks);
  return s;
}

TaskState task(std::string id, TaskStatus status, int worker = -1, std::string phase = {}) {
  TaskState t;
  t.id = std::move(id);
  t.status = status;
  t.worker = worker;
  t.phase = std::move(phase);
  return t;
}

// Another process holding these workers' locks, as live workers would; it
// is killed when the holder goes.
class WorkerLocksHeld {
 public:
  WorkerLocksHeld(const SpecPaths& paths, std::vector<int> workers) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<FileLock> locks;
      for (int w : workers) locks.push_back(FileLock::acquire(paths.worker_lock(w)));
      char c = 'x';
      (void)!::write(ready[1], &c, 1);
      ::pause();
      _exit(0);
    }
    char c;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::close(ready[0]);
    ::close(ready[1]);
  }
  ~WorkerLocksHeld() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  WorkerLocksHeld(const WorkerLocksHeld&) = delete;
  WorkerLocksHeld& operator=(const WorkerLocksHeld&) = delete;

 private:
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("phases past the agent are recognised, also through a resume") {
  CHECK(phase_past_agent("committing"));
  CHECK(phase_past_agent("merging"));
  CHECK(phase_past_agent("merge held"));
  CHECK(phase_past_agent("resuming (was: merging)"));
  CHECK(phase_past_agent("resuming (was: resuming (was: committing))"));
  CHECK_FALSE(phase_past_agent("agent busy"));
  CHECK_FALSE(phase_past_agent("resuming (was: agent busy)"));
  CHECK_FALSE(phase_past_agent(""));
}

TEST_CASE("a dead worker's task is resumed first, with the phase it had reached") {
  test::TempDir dir;
  auto paths = SpecPaths::at(dir.path(), "app");
  std::filesystem::create_directories(paths.spec_dir);
  // Worker 7 holds no lock: it is dead. Task 2 is ready but must wait its turn.
  RunState s = state_with({task("1", TaskStatus::running, 7, "merging"), task("2", TaskStatus::pending)});
  write_run_state(paths.state_json, s);
  ClaimResult r = claim_task(paths, 0);
  REQUIRE(r.claim);
  CHECK(r.claim->resumed);
  CHECK(r.claim->task.id == "1");
  CHECK(r.claim->task.phase == "merging");
  CHECK(r.claim->task.attempts == 0);  // a resume is not a new attempt
  // Workers 0 and 1 are alive from now on: another process holds their locks, as they would.
  WorkerLocksHeld alive(paths, {0, 1});
  auto after = read_run_state(paths.state_json);
  CHECK(after->find("1")->worker == 0);
  CHECK(after->find("1")->phase == "resuming (was: merging)");
  CHECK(phase_past_agent(after->find("1")->phase));
  // The next worker takes the ready task, a new attempt.
  ClaimResult next = claim_task(paths, 1);
  REQUIRE(next.claim);
  CHECK_FALSE(next.claim->resumed);
  CHECK(next.claim->task.id == "2");
  CHECK(next.claim->task.attempts == 1);
  // Nothing left: wait while tasks run.
  ClaimResult none = claim_task(paths, 2);
  CHECK_FALSE(none.claim);
  CHECK(none.why == NoClaim::wait);
}

TEST_CASE("resume only (monitor): a dead worker's task is taken, a ready one never; then the worker is finished") {
  test::TempDir dir;
  auto paths = SpecPaths::at(dir.path(), "app");
  std::filesystem::create_directories(paths.spec_dir);
  RunState s = state_with({task("1", TaskStatus::running, 7, "agent busy"), task("2", TaskStatus::pending)});
  write_run_state(paths.state_json, s);
  ClaimResult r = claim_task(paths, 0, /*resume_only=*/true);
  REQUIRE(r.claim);
  CHECK(r.claim->resumed);
  CHECK(r.claim->task.id == "1");
  // Worker 0 lives (another process holds its lock): its claim is not an
  // orphan for worker 1, and task 2 stays pending.
  WorkerLocksHeld alive(paths, {0});
  ClaimResult none = claim_task(paths, 1, true);
  CHECK_FALSE(none.claim);
  CHECK(none.why == NoClaim::finished);
  CHECK(read_run_state(paths.state_json)->find("2")->status == TaskStatus::pending);
}
