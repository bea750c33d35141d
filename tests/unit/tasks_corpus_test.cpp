// Real tasks.md files from public repositories (../shared/tasks-samples). The
// expected numbers were counted by reading each file by hand.
#include <doctest/doctest.h>

#include <filesystem>

#include "common/planner.hpp"
#include "common/tasks_md.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

struct Expected {
  const char* file;
  size_t tasks, parents, runnable;
};

// SpaceWeirdos: majors 1-7; 2.5 appears twice (both counted); 38 sub-tasks.
// settings-page (Kiro): majors 1-9, 5 and 9 are checkpoints without sub-tasks.
// kythira: 7 majors, 5.2 is a parent of 5.2.1, wrapped titles.
// todo-app (Japanese, cc-sdd): 5 majors, 17 sub-tasks, _Depends:_ and (P).
// youtube (CRLF): majors 1-12 (12 has no sub-tasks; 10.2/10.3 come after 12).
const Expected kExpected[] = {
    {"RockyBoyRC__SpaceWeirdos__1-ui-design-system.md", 45, 7, 38},
    {"ankitmordhwaj__fullstack-app-kiro__settings-page.md", 22, 7, 15},
    {"crawlins__kythira__coap-transport-libnyoci.md", 35, 8, 27},
    {"gubikonchu__task-lens-by-cc-sdd__todo-app.md", 22, 5, 17},
    {"unikarei__PoC0106_CC-SDD_YoutubeTranscript__youtube-transcription.md", 46, 11, 35},
};

std::filesystem::path samples() { return test::shared_dir() / "tasks-samples"; }

}  // namespace

TEST_CASE("corpus: task, parent and runnable counts of real files") {
  if (!std::filesystem::is_directory(samples())) {
    MESSAGE("skipped: " << samples().string() << " is absent (the corpus lives in ../shared)");
    return;
  }
  for (const auto& e : kExpected) {
    CAPTURE(e.file);
    auto file = load_tasks_md(samples() / e.file);
    size_t parents = 0;
    for (const auto& t : file.tasks) parents += t.is_leaf() ? 0 : 1;
    CHECK(file.tasks.size() == e.tasks);
    CHECK(parents == e.parents);
    auto plan = make_plan(file, {});
    CHECK(plan.leaves.size() == e.runnable);
    CHECK(plan.cycle.empty());
    for (const auto& t : file.tasks) {
      CAPTURE(t.id);
      CHECK_FALSE(t.title.empty());
      CHECK(t.title.rfind(". ", 0) != 0);
      CHECK(t.title.find("(P)") == std::string::npos);
      CHECK(t.title.find("**") == std::string::npos);
    }
  }
}

TEST_CASE("corpus: details of individual files") {
  if (!std::filesystem::is_directory(samples())) {
    MESSAGE("skipped: " << samples().string() << " is absent");
    return;
  }
  SUBCASE("SpaceWeirdos: the duplicate 2.5 and optional stars") {
    auto f = load_tasks_md(samples() / "RockyBoyRC__SpaceWeirdos__1-ui-design-system.md");
    REQUIRE(f.duplicates.size() == 1);
    CHECK(f.duplicates[0].id == "2.5");
    CHECK(f.duplicates[0].first_line == 57);
    CHECK(f.duplicates[0].second_line == 64);
    CHECK(f.tasks[f.find("2.3")].optional);
    CHECK(f.tasks[f.find("2.10")].title == "Create breakpoint tokens");
    CHECK(f.tasks[f.find("2.2")].requirements.size() == 7);  // 1.1-1.7
  }
  SUBCASE("settings-page: Kiro waves after ## Notes") {
    auto f = load_tasks_md(samples() / "ankitmordhwaj__fullstack-app-kiro__settings-page.md");
    REQUIRE(f.waves.size() == 5);
    CHECK(f.waves[4].tasks == std::vector<std::string>{"7.3", "8.1"});
    CHECK(f.tasks[f.find("1.1")].parent == f.find("1"));
    auto plan = make_plan(f, {});
    CHECK(plan.warnings.empty());
  }
  SUBCASE("kythira: wrapped titles, [~], a third level") {
    auto f = load_tasks_md(samples() / "crawlins__kythira__coap-transport-libnyoci.md");
    CHECK(f.tasks[f.find("2.2")].title.find("definition to the root CMakeLists.txt, mirroring the LIBCOAP_FOUND block") !=
          std::string::npos);
    CHECK(f.tasks[f.find("5")].mark == TaskMark::in_progress);
    CHECK(f.tasks[f.find("5.2.1")].parent == f.find("5.2"));
  }
  SUBCASE("todo-app: (P) and _Depends:_") {
    auto f = load_tasks_md(samples() / "gubikonchu__task-lens-by-cc-sdd__todo-app.md");
    CHECK(f.tasks[f.find("2.3")].parallel);
    CHECK(test::strings(f.tasks[f.find("2.3")].depends) == std::vector<std::string>{"1.4", "1.5"});
    CHECK(test::strings(f.tasks[f.find("4.1")].depends) == std::vector<std::string>{"2.2", "2.3", "3.4"});
    CHECK(f.tasks[f.find("3.1")].annotations.size() == 1);
  }
  SUBCASE("dag-orchestrator: named ids, bold labels, layers; every task states its dependencies") {
    // Read by hand: 27 tasks in 11 layers (FOUNDATION 3, ANALYSIS 3, PLANNING 2, AGENT 3,
    // COORDINATION 2, RECOVERY 2, OPTIMIZATION 2, INTEGRATION 3, ADVANCED 2, TESTING 2,
    // PRODUCTION 3); the longest dependency chain runs through 23 tasks; only the three
    // foundations, RECOVERY-2 with OPTIMIZATION-1, and PRODUCTION-1 with -2 can run together.
    auto f = load_tasks_md(samples() / "seed__dag-orchestrator__implementation-plan.md");
    CHECK(f.tasks.size() == 27);
    CHECK(f.warnings.empty());
    CHECK(test::strings(f.tasks[f.find("ANALYSIS-2")].depends) == std::vector<std::string>{"FOUNDATION-1", "ANALYSIS-1"});
    CHECK(f.tasks[f.find("FOUNDATION-1")].group == "Foundation");
    CHECK(f.tasks[f.find("FOUNDATION-1")].title == "Core Data Models and Interfaces");
    CHECK(f.tasks[f.find("PRODUCTION-3")].group.empty());
    auto plan = make_plan(f, {});
    CHECK(plan.order == TaskOrder::declared);
    CHECK(plan.warnings.empty());
    REQUIRE(plan.waves.size() == 23);
    CHECK(test::strings(plan.waves[0]) == std::vector<std::string>{"FOUNDATION-1", "FOUNDATION-2", "FOUNDATION-3"});
    CHECK(test::strings(plan.waves[1]) == std::vector<std::string>{"ANALYSIS-1"});
    CHECK(test::strings(plan.waves[12]) == std::vector<std::string>{"RECOVERY-2", "OPTIMIZATION-1"});
    CHECK(test::strings(plan.waves[21]) == std::vector<std::string>{"PRODUCTION-1", "PRODUCTION-2"});
    CHECK(test::strings(plan.waves[22]) == std::vector<std::string>{"PRODUCTION-3"});
    CHECK(plan.max_parallelism == 3);
    CHECK(plan.critical_path.size() == 23);
    CHECK(plan.critical_path.front() == "FOUNDATION-1");
    CHECK(plan.critical_path.back() == "PRODUCTION-3");
  }
  SUBCASE("youtube: CRLF, out-of-order ids, trailing (P), optional major") {
    auto f = load_tasks_md(samples() / "unikarei__PoC0106_CC-SDD_YoutubeTranscript__youtube-transcription.md");
    CHECK(f.tasks[f.find("1")].parallel);
    CHECK(f.tasks[f.find("10")].optional);
    CHECK(f.tasks[f.find("10.3")].parent == f.find("10"));
    CHECK(f.tasks[f.find("12")].is_leaf());
    CHECK(f.tasks[f.find("1.1")].title.find('\r') == std::string::npos);
  }
}
