// How the run summary and the ETA read in status and watch.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/run_summary.hpp"
#include "master/run_display.hpp"

using namespace kp;

TEST_CASE("summary lines: figures, the path as it ran, unknown cost said so") {
  RunSummary s;
  s.wall_s = 725;
  s.work_s = 1870;
  s.speedup = 1870.0 / 725;
  s.workers = 3;
  s.efficiency = s.speedup / 3;
  s.saved_s = 1145;
  s.critical_path = {"1.1", "1.2"};
  s.critical_s = 700;
  s.tokens = 12345;
  s.retries = 1;
  auto lines = summary_lines(s);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "wall 12m05s · work 31m10s · speedup 2.58x (86% of 3 workers) · saved 19m05s");
  CHECK(lines[1] == "critical path as it ran: 1.1 -> 1.2 (11m40s)");
  CHECK(lines[2] == "tokens 12345 · cost unknown (no \"prices\" in the settings) · retries 1 · failures 0");
  s.cost = 1.234;
  s.critical_path.clear();
  lines = summary_lines(s);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].find("cost $1.23") != std::string::npos);
}

TEST_CASE("ETA: shown while the master runs, from the recorded medians") {
  RunState state;
  state.config.max_parallel = 1;
  TaskState a;
  a.id = "1";
  a.status = TaskStatus::pending;
  state.tasks = {a};
  std::vector<Completion> history{{"1", "One", 90, ""}, {"1", "One", 110, ""}};
  DisplayFacts facts;
  facts.master_running = true;
  facts.now = 1'800'000'000;
  CHECK(eta_text(state, history, facts) == " · ETA ~1m40s");
  facts.master_running = false;
  CHECK(eta_text(state, history, facts).empty());
  facts.master_running = true;
  state.tasks[0].status = TaskStatus::completed;
  CHECK(eta_text(state, history, facts).empty());
}
