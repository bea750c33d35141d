#include <doctest/doctest.h>

#include <string>

#include "common/planner.hpp"
#include "common/tasks_md.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

using Ids = std::vector<std::string>;

Plan plan_of(const std::string& text, TaskOrder order = TaskOrder::majors, bool skip_optional = false,
             std::map<std::string, double> durations = {}) {
  static TaskFile file;  // the plan refers to tasks by index only; keep the file for the test's life
  file = parse_tasks_md(text, "tasks.md");
  PlanOptions o;
  o.order = order;
  o.skip_optional = skip_optional;
  o.durations = std::move(durations);
  return make_plan(file, o);
}

const PlannedTask& leaf(const Plan& p, const std::string& id) {
  int i = p.find_leaf(id);
  REQUIRE_MESSAGE(i >= 0, "no leaf " << id);
  return p.leaves[i];
}

}  // namespace

TEST_CASE("task order names") {
  CHECK(parse_task_order("majors") == TaskOrder::majors);
  CHECK(parse_task_order("strict") == TaskOrder::strict);
  CHECK(parse_task_order("auto") == TaskOrder::automatic);
  CHECK(to_string(TaskOrder::automatic) == "auto");
  CHECK_FALSE(parse_task_order("random"));
  CHECK(to_string(TaskOrder::strict) == "strict");
}

TEST_CASE("majors order: majors independent, sub-tasks in sequence unless (P)") {
  auto p = plan_of("- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 1.2 b\n- [ ] 1.3 (P) c\n- [ ] 1.4 d\n- [ ] 2. B\n- [ ] 2.1 e\n- [ ] 3. Leaf major\n");
  CHECK(leaf(p, "1.1").deps.empty());
  CHECK(test::strings(leaf(p, "1.2").deps) == Ids{"1.1"});
  CHECK(leaf(p, "1.3").deps.empty());
  CHECK(test::strings(leaf(p, "1.4").deps) == Ids{"1.2", "1.3"});  // the run (1.3) and the task before it
  CHECK(leaf(p, "2.1").deps.empty());
  CHECK(leaf(p, "3").deps.empty());
  CHECK(p.leaves.size() == 6);  // parents never run
  CHECK(test::string_lists(p.waves) == std::vector<Ids>{{"1.1", "1.3", "2.1", "3"}, {"1.2"}, {"1.4"}});
  CHECK(p.max_parallelism == 4);
  CHECK(p.avg_parallelism == doctest::Approx(2.0));
}

TEST_CASE("majors order: after a run of (P) sub-tasks the next one waits for the whole run") {
  auto p = plan_of("- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 2. B\n- [ ] 2.1 (P) a\n- [ ] 2.2 (P) b\n- [ ] 2.3 (P) c\n- [ ] 2.4 d\n"
                   "- [ ] 2.5 e\n");
  CHECK(leaf(p, "2.1").deps.empty());
  CHECK(leaf(p, "2.2").deps.empty());
  CHECK(leaf(p, "2.3").deps.empty());
  CHECK(test::strings(leaf(p, "2.4").deps) == Ids{"2.1", "2.2", "2.3"});  // not only 2.3
  CHECK(test::strings(leaf(p, "2.5").deps) == Ids{"2.4"});
  CHECK(test::string_lists(p.waves) == std::vector<Ids>{{"1.1", "2.1", "2.2", "2.3"}, {"2.4"}, {"2.5"}});
}

TEST_CASE("majors order: explicit dependencies replace the implicit one and cross majors") {
  auto p = plan_of("- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 1.2 b\n- [ ] 1.3 c\n  - _Depends: 2.1_\n- [ ] 2. B\n- [ ] 2.1 d\n");
  CHECK(test::strings(leaf(p, "1.3").deps) == Ids{"2.1"});
  CHECK(leaf(p, "1.3").wave == 1);
}

TEST_CASE("strict order: (P) runs with the run before it; the next task waits for the whole run") {
  auto p = plan_of("- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 1.2 (P) b\n- [ ] 1.3 (P) c\n- [ ] 1.4 d\n- [ ] 2. B\n- [ ] 2.1 e\n",
                   TaskOrder::strict);
  CHECK(leaf(p, "1.1").deps.empty());
  CHECK(leaf(p, "1.2").deps.empty());
  CHECK(leaf(p, "1.3").deps.empty());
  CHECK(test::strings(leaf(p, "1.4").deps) == Ids{"1.1", "1.2", "1.3"});
  CHECK(test::strings(leaf(p, "2.1").deps) == Ids{"1.1", "1.2", "1.3", "1.4"});  // major 2 waits for major 1
  CHECK(p.waves.size() == 3);
}

TEST_CASE("strict order between majors: a (P) major runs with the one before it") {
  auto p = plan_of("- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 2. (P) B\n- [ ] 2.1 b\n- [ ] 3. C\n- [ ] 3.1 c\n- [ ] 3.2 d\n",
                   TaskOrder::strict);
  CHECK(leaf(p, "2.1").deps.empty());
  CHECK(test::strings(leaf(p, "3.1").deps) == Ids{"1.1", "2.1"});
  CHECK(test::strings(leaf(p, "3.2").deps) == Ids{"3.1"});  // inherits through 3.1
  CHECK(test::string_lists(p.waves) == std::vector<Ids>{{"1.1", "2.1"}, {"3.1"}, {"3.2"}});
}

TEST_CASE("explicit dependencies are added in strict order too") {
  auto p = plan_of("- [ ] 1. A\n- [ ] 2. B\n- [ ] 3. C\n  - _Depends: 1_\n", TaskOrder::strict);
  CHECK(test::strings(leaf(p, "3").deps) == Ids{"1", "2"});
}

TEST_CASE("a dependency on a parent is a dependency on all its leaves") {
  auto p = plan_of("- [ ] 1. A\n- [ ] 1.1 (P) a\n- [ ] 1.2 (P) b\n- [ ] 1.3 (P) c\n- [ ] 2. B\n  - _Depends: 1_\n- [ ] 2.1 d\n- [ ] 2.2 (P) e\n");
  CHECK(test::strings(leaf(p, "2.1").deps) == Ids{"1.1", "1.2", "1.3"});
  CHECK(test::strings(leaf(p, "2.2").deps) == Ids{"1.1", "1.2", "1.3"});  // a parent's dependencies reach every sub-task
}

TEST_CASE("completed tasks are pruned; parents are complete when their leaves are") {
  auto p = plan_of("- [ ] 1. A\n- [x] 1.1 a\n- [x] 1.2 b\n- [ ] 2. B\n- [ ] 2.1 c\n  - _Depends: 1_\n- [x] 2.2 d\n- [ ] 2.3 e\n");
  CHECK(leaf(p, "1.1").completed);
  CHECK(leaf(p, "1.1").wave == -1);
  CHECK(leaf(p, "2.1").deps.empty());
  CHECK(test::strings(leaf(p, "2.3").deps) == Ids{"2.1"});  // seen through the completed 2.2
  CHECK(test::string_lists(p.waves) == std::vector<Ids>{{"2.1"}, {"2.3"}});
}

TEST_CASE("unknown dependencies are warnings naming the line") {
  auto p = plan_of("- [ ] 1. A\n  - _Depends: 9.9_\n");
  REQUIRE(p.warnings.size() == 1);
  CHECK(p.warnings[0].line == 2);
  CHECK(p.warnings[0].message.find("unknown task 9.9") != std::string::npos);
  CHECK(leaf(p, "1").wave == 0);
}

TEST_CASE("cycles are found and printed") {
  SUBCASE("two tasks") {
    auto p = plan_of("- [ ] 2. B\n- [ ] 2.1 x\n  - _Depends: 3.4_\n- [ ] 3. C\n- [ ] 3.4 y\n  - _Depends: 2.1_\n");
    CHECK(format_cycle(p.cycle) == "2.1 -> 3.4 -> 2.1");
  }
  SUBCASE("a task on itself") {
    auto p = plan_of("- [ ] 1. A\n  - _Depends: 1_\n");
    CHECK(format_cycle(p.cycle) == "1 -> 1");
  }
  SUBCASE("a sub-task on its own parent") {
    auto p = plan_of("- [ ] 1. A\n- [ ] 1.1 a\n  - _Depends: 1_\n");
    CHECK(format_cycle(p.cycle) == "1.1 -> 1 -> 1.1");
  }
  SUBCASE("no cycle") {
    CHECK(plan_of("- [ ] 1. A\n- [ ] 2. B\n  - _Depends: 1_\n").cycle.empty());
  }
}

TEST_CASE("optional tasks run unless skipped; skipping does not hold back what follows") {
  std::string text = "- [ ] 1. A\n- [ ] 1.1 a\n- [ ]* 1.2 optional\n- [ ] 1.3 b\n- [ ]* 2. Optional major\n- [ ] 2.1 c\n";
  auto run = plan_of(text);
  CHECK(leaf(run, "1.2").optional);
  CHECK(leaf(run, "1.2").wave == 1);
  CHECK(leaf(run, "2.1").optional);  // inherits the parent's star
  auto skip = plan_of(text, TaskOrder::majors, true);
  CHECK(leaf(skip, "1.2").skipped);
  CHECK(leaf(skip, "1.2").wave == -1);
  CHECK(test::strings(leaf(skip, "1.3").deps) == Ids{"1.1"});
  CHECK(leaf(skip, "2.1").skipped);
  CHECK(test::string_lists(skip.waves) == std::vector<Ids>{{"1.1"}, {"1.3"}});
}

TEST_CASE("_Blocked:_ tasks and everything that depends on them are blocked") {
  auto p = plan_of("- [ ] 1. A\n- [ ] 1.1 a\n  - _Blocked: waiting for keys_\n- [ ] 1.2 b\n- [ ] 2. B\n  - _Blocked: vendor_\n"
                   "- [ ] 2.1 c\n- [ ] 3. C\n  - _Depends: 1.2_\n- [ ] 4. D\n");
  CHECK(leaf(p, "1.1").blocked);
  CHECK(leaf(p, "1.1").blocked_reason == "waiting for keys");
  CHECK(leaf(p, "1.2").blocked);
  CHECK(leaf(p, "1.2").blocked_reason == "waits for blocked task 1.1");
  CHECK(leaf(p, "2.1").blocked);
  CHECK(leaf(p, "2.1").blocked_reason.find("vendor") != std::string::npos);
  CHECK(leaf(p, "3").blocked);
  CHECK_FALSE(leaf(p, "4").blocked);
  CHECK(test::string_lists(p.waves) == std::vector<Ids>{{"4"}});
}

TEST_CASE("critical path by task count and by recorded durations") {
  std::string text = "- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 1.2 b\n- [ ] 1.3 c\n- [ ] 2. B\n- [ ] 2.1 long\n";
  auto by_count = plan_of(text);
  CHECK(test::strings(by_count.critical_path) == Ids{"1.1", "1.2", "1.3"});
  CHECK(by_count.critical_length == 3);
  CHECK_FALSE(by_count.weighted);
  CHECK(leaf(by_count, "1.1").priority == 3);
  CHECK(leaf(by_count, "1.3").priority == 1);
  auto weighted = plan_of(text, TaskOrder::majors, false, {{"2.1", 100}, {"1.1", 10}});
  CHECK(weighted.weighted);
  CHECK(test::strings(weighted.critical_path) == Ids{"2.1"});
  CHECK(weighted.critical_length == 100);
  CHECK(leaf(weighted, "1.1").priority == 12);
}

TEST_CASE("Kiro waves order the tasks they name") {
  auto p = plan_of("- [ ] 1. A\n  - [ ] 1.1 a\n  - [ ] 1.2 b\n- [ ] 2. B\n  - [ ] 2.1 c\n"
                   "## Task Dependency Graph\n```json\n{\"waves\":[{\"id\":0,\"tasks\":[\"1.1\",\"1.2\"]},{\"id\":1,\"tasks\":[\"2.1\",\"7.7\"]}]}\n```\n");
  CHECK(leaf(p, "1.2").deps.empty());  // same wave as 1.1: no implicit sequence
  CHECK(test::strings(leaf(p, "2.1").deps) == Ids{"1.1", "1.2"});
  REQUIRE(p.warnings.size() == 1);
  CHECK(p.warnings[0].line == 7);
  CHECK(p.warnings[0].message.find("7.7") != std::string::npos);
}

TEST_CASE("duplicate ids are exposed with both lines") {
  auto p = plan_of("- [ ] 2. B\n- [ ] 2.5 x\n- [ ] 2.5 y\n");
  REQUIRE(p.duplicate_ids.size() == 1);
  CHECK(p.duplicate_ids[0].first.line == 2);
  CHECK(p.duplicate_ids[0].second.line == 3);
}

TEST_CASE("a 10,000-deep dependency chain (no recursion)") {
  std::string text;
  for (int i = 1; i <= 10000; ++i) {
    text += "- [ ] " + std::to_string(i) + ". T\n";
    if (i > 1) text += "  - _Depends: " + std::to_string(i - 1) + "_\n";
  }
  auto p = plan_of(text);
  CHECK(p.cycle.empty());
  CHECK(p.waves.size() == 10000);
  CHECK(p.critical_path.size() == 10000);
  CHECK(leaf(p, "1").priority == 10000);
  CHECK(p.max_parallelism == 1);
}

TEST_CASE("a 10,000-long cycle is found without recursion") {
  std::string text;
  for (int i = 1; i <= 10000; ++i) {
    text += "- [ ] " + std::to_string(i) + ". T\n  - _Depends: " + std::to_string(i == 1 ? 10000 : i - 1) + "_\n";
  }
  auto p = plan_of(text);
  CHECK(p.cycle.size() == 10001);
  CHECK(p.cycle.front() == p.cycle.back());
}

TEST_CASE("an empty file plans to nothing") {
  auto p = plan_of("");
  CHECK(p.leaves.empty());
  CHECK(p.waves.empty());
  CHECK(p.critical_path.empty());
}

TEST_CASE("order auto: strict when the file has (P)") {
  auto p = plan_of("- [ ] 1. Setup\n- [ ] 1.1 a\n- [ ] 2. Core\n- [ ] 2.1 (P) b\n- [ ] 2.2 (P) c\n- [ ] 3. E2E\n- [ ] 3.1 d\n",
                   TaskOrder::automatic);
  CHECK(p.order == TaskOrder::strict);
  CHECK(p.order_reason.find("(P)") != std::string::npos);
  CHECK(test::strings(leaf(p, "3.1").deps) == Ids{"2.1", "2.2"});  // integration waits for the core, not in wave 1
  CHECK(test::string_lists(p.waves) == std::vector<Ids>{{"1.1"}, {"2.1", "2.2"}, {"3.1"}});
  CHECK(p.warnings.empty());
}

TEST_CASE("order auto: strict for cc-sdd 3 annotations, majors with a warning when nothing says where parallelism is") {
  auto s = plan_of("- [ ] 1. A\n- [ ] 1.1 a\n  - _Boundary: Store_\n- [ ] 2. B\n- [ ] 2.1 b\n", TaskOrder::automatic);
  CHECK(s.order == TaskOrder::strict);
  CHECK(s.order_reason.find("_Boundary:_") != std::string::npos);
  auto m = plan_of("- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 2. B\n- [ ] 2.1 b\n", TaskOrder::automatic);
  CHECK(m.order == TaskOrder::majors);
  REQUIRE(m.warnings.size() == 1);
  CHECK(m.warnings[0].message.find("no (P) markers") != std::string::npos);
  CHECK(m.waves.size() == 1);
  // Asked for explicitly: no warning, the reason says so.
  auto asked = plan_of("- [ ] 1. A\n- [ ] 1.1 a\n", TaskOrder::majors);
  CHECK(asked.warnings.empty());
  CHECK(asked.order_reason == "as asked");
}

TEST_CASE("order auto: every task states its dependencies -> no implicit order") {
  auto p = plan_of("- [ ] **A-1: one**\n  - **Dependencies:** None\n- [ ] **A-2: two**\n  - **Dependencies:** None\n"
                   "- [ ] **B-1: three**\n  - **Dependencies:** A-1\n",
                   TaskOrder::automatic);
  CHECK(p.order == TaskOrder::declared);
  CHECK(test::string_lists(p.waves) == std::vector<Ids>{{"A-1", "A-2"}, {"B-1"}});
  // One task without the label: the file's order counts again (no (P): majors).
  auto q = plan_of("- [ ] **A-1: one**\n  - **Dependencies:** None\n- [ ] **A-2: two**\n", TaskOrder::automatic);
  CHECK(q.order == TaskOrder::majors);
  // strict asked for: a chain, plus the written dependencies.
  auto r = plan_of("- [ ] **A-1: one**\n  - **Dependencies:** None\n- [ ] **A-2: two**\n  - **Dependencies:** None\n",
                   TaskOrder::strict);
  CHECK(test::strings(leaf(r, "A-2").deps) == Ids{"A-1"});
}

TEST_CASE("estimated durations weigh the critical path when there is no history") {
  auto p = plan_of("- [ ] **A-1: short**\n  - **Dependencies:** None\n  - **Estimated Duration:** 10 min\n"
                   "- [ ] **A-2: long**\n  - **Dependencies:** None\n  - **Estimated Duration:** 2 hours\n"
                   "- [ ] **B-1: end**\n  - **Dependencies:** A-1, A-2\n",
                   TaskOrder::automatic);
  CHECK(p.weighted);
  CHECK(test::strings(p.critical_path) == Ids{"A-2", "B-1"});
  CHECK(p.critical_length == doctest::Approx(7201));
  CHECK(leaf(p, "A-2").priority > leaf(p, "A-1").priority);
  // History wins over the estimate.
  auto h = plan_of("- [ ] **A-1: short**\n  - **Dependencies:** None\n  - **Estimated Duration:** 10 min\n",
                   TaskOrder::automatic, false, {{"A-1", 42}});
  CHECK(h.critical_length == doctest::Approx(42));
}

TEST_CASE("two tasks that may run together on the same boundary are warned about") {
  auto p = plan_of("- [ ] 1. Core\n- [ ] 1.1 (P) a\n  - _Boundary: Tags_\n- [ ] 1.2 (P) b\n  - _Boundary: Search_\n"
                   "- [ ] 1.3 (P) c\n  - _Boundary: Tags, Import_\n- [ ] 1.4 d\n  - _Boundary: Tags_\n",
                   TaskOrder::automatic);
  REQUIRE(p.boundary_overlaps.size() == 1);  // 1.4 waits for 1.1 and 1.3: no overlap
  CHECK(p.boundary_overlaps[0].boundary == "Tags");
  CHECK(p.boundary_overlaps[0].first == "1.1");
  CHECK(p.boundary_overlaps[0].second == "1.3");
  bool warned = false;
  for (const auto& w : p.warnings) warned = warned || (w.line == 6 && w.message.find("boundary Tags") != std::string::npos);
  CHECK(warned);
}

TEST_CASE("fixture in the DAG orchestrator's format") {
  static TaskFile file;
  file = load_tasks_md(test::source_dir() / "tests" / "fixtures" / "tasks" / "dag-orchestrator-plan.md");
  REQUIRE(file.tasks.size() == 6);
  Plan p = make_plan(file, {});
  CHECK(p.order == TaskOrder::declared);
  CHECK(test::string_lists(p.waves) == std::vector<Ids>{{"CORE-1", "CORE-2"}, {"STEP-1", "STEP-2", "STEP-10"}, {"PUBLISH-1"}});
  CHECK(test::strings(p.critical_path) == Ids{"CORE-2", "STEP-2", "PUBLISH-1"});  // by the estimates
  CHECK(file.tasks[file.find("STEP-1")].group == "Steps");
  CHECK(file.tasks[file.find("PUBLISH-1")].group.empty());
  CHECK(file.warnings.empty());
  CHECK(p.warnings.empty());
}
