// The supervisor's control path: `stop` and `stop-all` ask the live master
// (its control FIFO) so that the parent stops its children; with no live
// master they act directly.
#include <signal.h>

#include <algorithm>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "common/control_channel.hpp"
#include "common/subprocess.hpp"
#include "master/master_launch.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;
using kp::test::has;
using kp::test::kTwoMajors;

TEST_CASE("stop and stop-all go through a live master, which stops its own workers") {
  RunFixture f(kTwoMajors, R"({"default": {"hang": true}})");
  REQUIRE(f.start(2).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "busy") && f.task_phase_contains("2.1", "busy"); }));
  CHECK(std::filesystem::exists(master_control_path(f.paths())));
  const int worker = f.state().find("1.1")->worker;
  REQUIRE(worker >= 0);

  auto stopped = f.kp({"stop", "app", "1.1"});
  CHECK_MESSAGE(stopped.exit_code == 0, stopped.err);
  CHECK(master_alive(f.paths()));  // the master stopped one child and goes on
  CHECK_FALSE(worker_alive(f.paths(), worker));
  std::string log = test::read_text(f.paths().master_log());
  CHECK(log.find(fmt::format("stopping worker {} for task 1.1 (asked by stop)", worker)) != std::string::npos);
  CHECK(log.find("died unexpectedly") == std::string::npos);  // a stop asked for is not a crash
  CHECK(f.state().find("1.1")->status == TaskStatus::stopped);
  CHECK(f.state().find("2.1")->status == TaskStatus::running);
  CHECK_FALSE(has(f.sessions(), "app-task-1-1"));

  auto all = f.kp({"stop-all", "app"});
  CHECK_MESSAGE(all.exit_code == 0, all.err);
  CHECK_FALSE(master_alive(f.paths()));
  for (int w = 0; w < 2; ++w) CHECK_FALSE(worker_alive(f.paths(), w));
  log = test::read_text(f.paths().master_log());
  CHECK(log.find("stop-all asked") != std::string::npos);
  CHECK(f.sessions().empty());
  CHECK(f.state().find("2.1")->status == TaskStatus::stopped);
  CHECK_FALSE(std::filesystem::exists(master_control_path(f.paths())));
}

TEST_CASE("stop with the master SIGKILLed first acts directly") {
  RunFixture f(kTwoMajors, R"({"default": {"hang": true}})");
  REQUIRE(f.start(2).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "busy") && f.task_phase_contains("2.1", "busy"); }));
  const int worker = f.state().find("1.1")->worker;
  int master = read_pid_file(f.paths().master_pid);
  REQUIRE(master > 0);
  ::kill(master, SIGKILL);
  REQUIRE(RunFixture::wait_for([&] { return !master_alive(f.paths()); }));
  // Its FIFO and pid file stay behind; neither makes it look alive.
  CHECK(std::filesystem::exists(master_control_path(f.paths())));

  auto stopped = f.kp({"stop", "app", "1.1"});
  CHECK_MESSAGE(stopped.exit_code == 0, stopped.err);
  CHECK_FALSE(worker_alive(f.paths(), worker));
  CHECK(f.state().find("1.1")->status == TaskStatus::stopped);
  CHECK_FALSE(has(f.sessions(), "app-task-1-1"));

  auto all = f.kp({"stop-all", "app"});
  CHECK_MESSAGE(all.exit_code == 0, all.err);
  for (int w = 0; w < 2; ++w) CHECK_FALSE(worker_alive(f.paths(), w));
  CHECK(f.sessions().empty());
  CHECK(f.state().find("2.1")->status == TaskStatus::stopped);
}
