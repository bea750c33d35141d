// `kiro-parallel monitor`: the running tasks of a run whose master is gone are
// finished (prompts answered, committed, merged) and no new task is claimed.
#include <signal.h>

#include <future>
#include <string>

#include <doctest/doctest.h>

#include "common/event_journal.hpp"
#include "common/run_state.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;

namespace {

const char* kFourMajors = R"(- [ ] 1. One
- [ ] 1.1 A
- [ ] 2. Two
- [ ] 2.1 B
- [ ] 3. Three
- [ ] 3.1 C
- [ ] 4. Four
- [ ] 4.1 D
)";

int events_of(const RunFixture& f, const std::string& event, const std::string& task) {
  std::uintmax_t offset = 0;
  int n = 0;
  for (const auto& e : read_journal_from(journal_path(f.paths()), offset)) n += e.event == event && e.task == task;
  return n;
}

}  // namespace

TEST_CASE("monitor finishes the running tasks of a dead master's run without starting new ones") {
  // Every agent works until the gate opens and meets one safe prompt on the way.
  RunFixture f(kFourMajors, R"({"style": "new", "default": {"duration": 0.5, "prompts": 1, "wait_for": "GATE"}})");
  REQUIRE(f.start(2).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "busy") && f.task_phase_contains("2.1", "busy"); }));

  RunResult refused = f.kp({"monitor", "app", "--no-watch"});  // a live master supervises them already
  CHECK(refused.exit_code == 1);
  CHECK_MESSAGE(refused.err.find("supervises its tasks already") != std::string::npos, refused.err);

  // The master dies; one worker with it, the other lives on (it would claim more).
  int master = read_pid_file(f.paths().master_pid);
  int worker0 = read_pid_file(f.paths().worker_pid(0));
  REQUIRE(master > 0);
  REQUIRE(worker0 > 0);
  ::kill(master, SIGKILL);
  ::kill(-worker0, SIGKILL);
  REQUIRE(RunFixture::wait_for([&] { return !master_alive(f.paths()) && !worker_alive(f.paths(), 0); }));
  REQUIRE(worker_alive(f.paths(), 1));

  auto monitor = std::async(std::launch::async, [&] { return f.kp({"monitor", "app", "--interval", "0.2"}); });
  REQUIRE(RunFixture::wait_for([&] { return master_alive(f.paths()); }, std::chrono::seconds(30)));
  f.open_gate();
  RunResult r = monitor.get();
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err << f.explain());
  CHECK_MESSAGE(r.out.find("stopped worker 1 of an earlier master") != std::string::npos, r.out);
  CHECK_MESSAGE(r.out.find("monitor: nothing runs any more: 2 completed") != std::string::npos, r.out);
  CHECK(r.out.find("2 pending not started") != std::string::npos);

  RunState s = f.state();
  CHECK(s.find("1.1")->status == TaskStatus::completed);
  CHECK(s.find("2.1")->status == TaskStatus::completed);
  CHECK(s.find("3.1")->status == TaskStatus::pending);
  CHECK(s.find("4.1")->status == TaskStatus::pending);
  CHECK(events_of(f, "claimed", "3.1") == 0);  // never claimed, never started
  CHECK(events_of(f, "claimed", "4.1") == 0);
  CHECK(f.sim_log_count({"prompt_received", "3.1"}) == 0);
  // The running ones were resumed in their sessions, not started again: one prompt, one finish each.
  for (const char* id : {"1.1", "2.1"}) {
    CHECK(events_of(f, "resumed", id) >= 1);
    CHECK(f.sim_log_count({"prompt_received", id}) == 1);
    CHECK(f.sim_log_count({"done", std::string("task=") + id}) == 1);
  }
  for (const char* file : {"main:sim-output/task-1.1.txt", "main:sim-output/task-2.1.txt"}) {
    CHECK_MESSAGE(test::git_result(f.repo(), {"cat-file", "-e", file}).exit_code == 0, file);  // merged
  }
  CHECK(test::git_result(f.repo(), {"cat-file", "-e", "main:sim-output/task-3.1.txt"}).exit_code != 0);
  CHECK(!master_alive(f.paths()));

  RunResult idle = f.kp({"monitor", "app"});  // nothing runs now
  CHECK(idle.exit_code == 0);
  CHECK(idle.out.find("nothing to supervise") != std::string::npos);
}
