// Failure ends: the target branch deleted by hand during the run makes every
// worker that takes the task up fail the same way (judging its work needs the
// branch). Before, each worker died and was respawned until the master gave
// up, the task "running" for ever; now the third time fails the task with the
// error, and watch ends (exit 3).
#include <doctest/doctest.h>

#include "common/run_state.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;

TEST_CASE("a target branch deleted during the run fails the task with the error, not a crash loop") {
  RunFixture f("# Implementation Plan\n\n- [ ] 1. Work\n- [ ] 1.1 Only\n",
               R"({"default": {"duration": 0.3, "prompts": 1, "wait_for": "GATE"}})");
  auto started = f.start(1);
  REQUIRE_MESSAGE(started.exit_code == 0, started.out << started.err);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "agent"); }));
  test::git(f.repo(), {"update-ref", "-d", "refs/heads/main"});
  f.open_gate();
  RunResult watched = f.watch();
  CHECK_MESSAGE(watched.exit_code == 3, watched.out << watched.err << f.explain());
  const RunState state = f.state();
  const TaskState* t = state.find("1.1");
  REQUIRE(t);
  CHECK(t->status == TaskStatus::failed);
  CHECK_MESSAGE(t->message.find("3 times in a row") != std::string::npos, t->message);
  CHECK_MESSAGE(t->message.find("main does not exist") != std::string::npos, t->message);
  CHECK(t->phase.empty());
  const std::string journal = test::read_text(journal_path(f.paths()));
  CHECK_MESSAGE(journal.find("\"event\":\"failed\"") != std::string::npos, journal);
  CHECK(journal.find("\"event\":\"completed\"") == std::string::npos);
}
