// tasks.md edited during a run: what was added and removed, and the clear
// state the master makes of it.
#include <doctest/doctest.h>

#include "common/plan_drift.hpp"

using namespace kp;

namespace {

RunState run_of(std::initializer_list<std::pair<const char*, TaskStatus>> tasks) {
  RunState s;
  s.spec = "app";
  for (const auto& [id, status] : tasks) {
    TaskState t;
    t.id = id;
    t.status = status;
    s.tasks.push_back(t);
  }
  return s;
}

}  // namespace

TEST_CASE("an added leaf is named; ticked, optional and enclosing tasks are not") {
  const TaskFile file = parse_tasks_md(
      "- [ ] 1. Major\n- [ ] 1.1 Old\n- [ ] 1.2 New\n- [x] 1.3 Done by hand\n- [ ]* 1.4 Optional\n", "tasks.md");
  const RunState s = run_of({{"1.1", TaskStatus::running}});
  const PlanDrift d = plan_drift(file, s);
  CHECK(d.added == std::vector<std::string>{"1.2"});
  CHECK(d.removed.empty());
  CHECK(plan_drift_note(d, s) ==
        "tasks.md changed during the run: 1.2 added (not in this run: `kiro-parallel run app` after it adds it)");
}

TEST_CASE("a removed task that has not started is stopped with why; a running one is left to finish") {
  const TaskFile file = parse_tasks_md("- [ ] 1. Major\n- [ ] 1.1 Kept\n", "tasks.md");
  RunState s = run_of({{"1.1", TaskStatus::completed}, {"1.2", TaskStatus::pending}, {"1.3", TaskStatus::running}});
  const PlanDrift d = plan_drift(file, s);
  CHECK(d.removed == std::vector<std::string>{"1.2", "1.3"});
  apply_plan_drift(s, d);
  CHECK(s.find("1.2")->status == TaskStatus::stopped);
  CHECK(s.find("1.2")->message.find("removed from tasks.md during the run") != std::string::npos);
  CHECK(s.find("1.3")->status == TaskStatus::running);
  CHECK(s.plan_changes ==
        "tasks.md changed during the run: 1.2 removed (not run); 1.3 removed while running (left to finish)");
  REQUIRE(s.journal.size() == 1);
  CHECK(s.journal[0].event == "stopped");
}

TEST_CASE("a file that matches the run again clears the note") {
  const TaskFile file = parse_tasks_md("- [ ] 1. Major\n- [ ] 1.1 Only\n", "tasks.md");
  RunState s = run_of({{"1.1", TaskStatus::pending}});
  s.plan_changes = "tasks.md changed during the run: 1.2 added";
  const PlanDrift d = plan_drift(file, s);
  CHECK(d.empty());
  apply_plan_drift(s, d);
  CHECK(s.plan_changes.empty());
}
