// How a worker treats the agent's prompts, on the newer Claude Code screens:
// every safe prompt answered once, a swallowed Enter sent again, a menu whose
// cursor sits on a rejecting option left to a person, a person attached never
// typed over.
#include <doctest/doctest.h>

#include "common/run_state.hpp"
#include "common/subprocess.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;

namespace {

const char* kOneTask = R"(- [ ] 1. Only
- [ ] 1.1 The task
)";

}  // namespace

TEST_CASE("new-style screens: prompts answered once each, a swallowed Enter sent again") {
  RunFixture f(kOneTask, R"({"style": "new", "default": {"duration": 1.5, "prompts": 3, "swallow_enter": true}})");
  REQUIRE(f.start(1).exit_code == 0);
  CHECK(f.watched_ok());
  CHECK(f.state().find("1.1")->status == TaskStatus::completed);
  CHECK(f.sim_log_count({"trust_answered", "option=1"}) == 1);
  CHECK(f.sim_log_count({"enter_swallowed"}) == 1);
  CHECK(f.sim_log_count({"prompt_received", "1.1"}) == 1);
  CHECK(f.sim_log_count({"menu_answered", "option=1"}) == 3);
  // No Enter that arrived where none was wanted (a double Enter on one menu, or on the busy screen).
  CHECK(f.sim_log_count({"enter_ignored"}) == 0);
  CHECK(f.sim_log_count({"enter_empty"}) == 0);
}

TEST_CASE("a menu whose cursor is on a rejecting option waits for a person") {
  RunFixture f(kOneTask, R"({"style": "new", "default": {"duration": 1, "danger_menu": true}})");
  REQUIRE(f.start(1).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "needs choice"); }));
  // It stays waiting: no Enter was pressed on it.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(f.task_phase_contains("1.1", "needs choice"));
  CHECK(f.sim_log_count({"rejected"}) == 0);
  CHECK(f.sim_log_count({"menu_answered", "option=3"}) == 0);
  auto status = f.kp({"status", "app"});
  CHECK(status.out.find("needs choice") != std::string::npos);
  // The person picks "1. Yes"; the task then finishes on its own.
  f.tmux().tmux({"send-keys", "-t", "=app-task-1-1:", "1"});
  CHECK(f.watched_ok());
  CHECK(f.state().find("1.1")->status == TaskStatus::completed);
  std::string worker_log = test::read_text(f.paths().worker_log(0));
  CHECK(worker_log.find("needs a person's choice") != std::string::npos);
}

TEST_CASE("no Enter is sent while a person is attached to the session") {
  RunFixture f(kOneTask, R"({"default": {"duration": 1, "startup": 4}})");
  REQUIRE(f.start(1).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] {
    auto names = f.sessions();
    return std::find(names.begin(), names.end(), "app-task-1-1") != names.end();
  }));
  // A person attaches (a real tmux client on a pseudo-terminal) before the trust dialog shows.
  SpawnOptions options;
  ChildProcess person = spawn_program(
      {"env", "TERM=xterm", "python3", "-c", "import pty, sys; pty.spawn(sys.argv[1:])", "tmux", "-L",
       f.tmux().socket(), "attach-session", "-t", "=app-task-1-1"},
      options);
  REQUIRE(RunFixture::wait_for([&] { return f.sim_log_count({"trust_shown"}) == 1; }));
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "attached"); }, std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(f.sim_log_count({"trust_answered"}) == 0);
  // The person leaves; the worker answers the dialog and the task completes.
  person.terminate_group(std::chrono::seconds(2));
  CHECK(f.watched_ok());
  CHECK(f.sim_log_count({"trust_answered", "option=1"}) == 1);
}
