// Exact session ownership: a spec's sessions are found by the @kiro-parallel
// option kiro-parallel sets and by the exact names in its state, never by a
// name prefix (spec `app` once killed the sessions of spec `app-task-x`).
#include <algorithm>

#include <doctest/doctest.h>

#include "common/agent_processes.hpp"
#include "master/master_launch.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;
using kp::test::has;

namespace {

const char* kOneTask = R"(- [ ] 1. First
- [ ] 1.1 The first task
)";

}  // namespace

TEST_CASE("stop-all app leaves spec app-task-x and a person's own sessions alone") {
  RunFixture f(kOneTask, R"({"default": {"hang": true}})", {{".kiro/specs/app-task-x/tasks.md", kOneTask}});
  REQUIRE(f.start(1).exit_code == 0);
  auto other = f.kp({"run", "app-task-x", "--no-watch", "--max-parallel", "1", "--agent-cmd", f.agent_cmd()});
  REQUIRE_MESSAGE(other.exit_code == 0, other.err);
  // A person's session whose name begins like the spec's own.
  REQUIRE(f.tmux().tmux({"new-session", "-d", "-s", "app-task-notes", "sleep", "1000"}).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] {
    auto names = f.sessions();
    return has(names, "app-task-1-1") && has(names, "app-task-x-task-1-1");
  }));
  // The option carries the task's mark.
  auto owner = f.tmux().tmux({"show-options", "-v", "-t", "=app-task-1-1:", "@kiro-parallel"});
  CHECK(owner.out == task_mark(f.paths().repo_root, "app", "1.1") + "\n");

  auto stopped = f.kp({"stop-all", "app"});
  CHECK_MESSAGE(stopped.exit_code == 0, stopped.err);
  CHECK(stopped.out.find("1 session,") != std::string::npos);
  auto names = f.sessions();
  CHECK_FALSE(has(names, "app-task-1-1"));
  CHECK(has(names, "app-task-x-task-1-1"));
  CHECK(has(names, "app-task-notes"));
  SpecPaths x = SpecPaths::at(f.repo(), "app-task-x");
  CHECK(master_alive(x));
  CHECK(read_run_state(x.state_json)->find("1.1")->status == TaskStatus::running);

  // recover of app sees neither the other spec's session nor the person's.
  auto recovered = f.kp({"recover", "app", "--no-start"});
  CHECK_MESSAGE(recovered.exit_code == 0, recovered.err);
  CHECK(recovered.out.find("app-task-x") == std::string::npos);
  CHECK(recovered.out.find("app-task-notes") == std::string::npos);

  auto cleaned = f.kp({"clean", "app", "--force"});
  CHECK_MESSAGE(cleaned.exit_code == 0, cleaned.err);
  names = f.sessions();
  CHECK(has(names, "app-task-x-task-1-1"));
  CHECK(has(names, "app-task-notes"));

  CHECK(f.kp({"stop-all", "app-task-x"}).exit_code == 0);
  names = f.sessions();
  CHECK_FALSE(has(names, "app-task-x-task-1-1"));
  CHECK(has(names, "app-task-notes"));
}
