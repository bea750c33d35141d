#include <doctest/doctest.h>

#include <string>

#include "common/error.hpp"
#include "common/tasks_md.hpp"
#include "common/tasks_md_lines.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

TaskFile parse(const std::string& text) { return parse_tasks_md(text, "tasks.md"); }

const Task& task(const TaskFile& f, const std::string& id) {
  int i = f.find(id);
  REQUIRE_MESSAGE(i >= 0, "no task " << id);
  return f.tasks[i];
}

bool has_warning(const TaskFile& f, int line, const std::string& part) {
  for (const auto& w : f.warnings) {
    if (w.line == line && w.message.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("majors with a trailing dot, sub-tasks at column 0 (cc-sdd)") {
  auto f = parse("# Plan\n\n- [ ] 1. Set up\n- [ ] 1.1 Create folders\n- [x] 1.2 Write config\n- [ ] 2. Build\n- [ ] 2.1 Compile\n");
  REQUIRE(f.tasks.size() == 5);
  CHECK(task(f, "1").major);
  CHECK(task(f, "1").title == "Set up");
  CHECK(task(f, "1").children.size() == 2);
  CHECK(task(f, "1.1").parent == f.find("1"));
  CHECK(task(f, "1.2").mark == TaskMark::done);
  CHECK(task(f, "1.2").line == 5);
  CHECK(task(f, "2.1").parent == f.find("2"));
  CHECK(f.warnings.empty());
}

TEST_CASE("bullets -, * and +, indentation and tabs (Kiro nesting)") {
  auto f = parse("* [ ] 1. One\n  + [ ] 1.1 Sub\n\t- [ ] 1.2 Tabbed\n\t  - detail under 1.2\n- [ ] 2. Two\n");
  REQUIRE(f.tasks.size() == 4);
  CHECK(task(f, "1.1").parent == f.find("1"));
  CHECK(task(f, "1.2").parent == f.find("1"));
  CHECK(task(f, "1.2").description == "detail under 1.2");
  CHECK(task(f, "2").major);
}

TEST_CASE("checkbox marks") {
  auto f = parse("- [ ] 1 a\n- [x] 2 b\n- [X] 3 c\n- [-] 4 d\n- [~] 5 e\n");
  CHECK(task(f, "1").mark == TaskMark::pending);
  CHECK(task(f, "2").mark == TaskMark::done);
  CHECK(task(f, "3").mark == TaskMark::done);
  CHECK(task(f, "4").mark == TaskMark::in_progress);
  CHECK(task(f, "5").mark == TaskMark::in_progress);
  CHECK_FALSE(task(f, "4").done());
}

TEST_CASE("ids of any depth; the parent is the nearest existing prefix") {
  auto f = parse("- [ ] 5. Five\n- [ ] 5.2 Two\n- [ ] 5.2.1 Deep\n- [ ] 5.3.1 Orphan under five\n- [ ] 0. Zero\n");
  CHECK(task(f, "5.2.1").parent == f.find("5.2"));
  CHECK(task(f, "5.3.1").parent == f.find("5"));
  CHECK_FALSE(task(f, "5.2").is_leaf());
  CHECK(task(f, "0").major);
  CHECK(task(f, "0").is_leaf());
}

TEST_CASE("1.1 is not 1.10 and 1.10 sorts after 1.9") {
  auto f = parse("- [ ] 1. A\n- [ ] 1.1 one\n- [ ] 1.9 nine\n- [ ] 1.10 ten\n");
  CHECK(f.find("1.10") != f.find("1.1"));
  CHECK(task(f, "1.10").title == "ten");
  CHECK(task(f, "1.1").title == "one");
}

TEST_CASE("a major-level decimal with a trailing dot is a major, not a sub-task") {
  auto f = parse("- [ ] 8. Eight\n- [ ] 8.1 Sub\n- [ ] 8.5. Inserted major\n- [ ] 9. Nine\n");
  CHECK(task(f, "8.5").major);
  CHECK(task(f, "8.5").parent == -1);
  CHECK(task(f, "8.5").title == "Inserted major");
  CHECK(task(f, "8.1").parent == f.find("8"));
}

TEST_CASE("when every dotted id has a trailing dot, the dot is only style") {
  auto f = parse("- [ ] 1. A\n- [ ] 1.1. one\n- [ ] 1.2. two\n");
  CHECK(task(f, "1.1").parent == f.find("1"));
  CHECK(task(f, "1.2").parent == f.find("1"));
}

TEST_CASE("optional star in both places") {
  auto f = parse("- [ ] 2. Tests\n- [ ]* 2.3 Property test\n- [ ] 7.9* Late star\n- [x]* 2.4 Done optional\n");
  CHECK(task(f, "2.3").optional);
  CHECK(task(f, "2.3").title == "Property test");
  CHECK(task(f, "7.9").optional);
  CHECK(task(f, "7.9").title == "Late star");
  CHECK(task(f, "2.4").optional);
  CHECK_FALSE(task(f, "2").optional);
}

TEST_CASE("(P) after the number or at the end is not part of the title") {
  auto f = parse("- [ ] 2.1 (P) Leading\n- [ ] 2.2 Trailing (P)\n- [ ] 2.3 Not (P) inside\n- [ ] 2.4 Plain\n");
  CHECK(task(f, "2.1").parallel);
  CHECK(task(f, "2.1").title == "Leading");
  CHECK(task(f, "2.2").parallel);
  CHECK(task(f, "2.2").title == "Trailing");
  CHECK_FALSE(task(f, "2.3").parallel);
  CHECK_FALSE(task(f, "2.4").parallel);
}

TEST_CASE("markdown in titles is stripped for display; text, non-ASCII and quotes stay") {
  auto f = parse("- [ ] 1. **Bold** and *em* with `code_x` and [a link](http://x)\n"
                 "- [ ] 2. Keep snake_case and \"quotes\" — 日本語のタイトル\n");
  CHECK(task(f, "1").title == "Bold and em with code_x and a link");
  CHECK(task(f, "2").title == "Keep snake_case and \"quotes\" — 日本語のタイトル");
}

TEST_CASE("a bold task number") {
  auto f = parse("- [ ] **1.** Bold major\n- [ ] **1.1** Bold sub\n");
  CHECK(task(f, "1").title == "Bold major");
  CHECK(task(f, "1.1").parent == f.find("1"));
}

TEST_CASE("titles never start with '. '") {
  auto f = parse("- [ ] 1. . Odd\n- [ ] 2: Colon style\n- [ ] Task 3: Word style\n");
  CHECK(task(f, "1").title == "Odd");
  CHECK(task(f, "2").title == "Colon style");
  CHECK(task(f, "3").title == "Word style");
}

TEST_CASE("a wrapped title continues on the next more-indented non-bullet line") {
  auto f = parse("- [ ] 1. Major\n  - [ ] 1.1 Add the probe\n        definition to the root (P)\n    - detail bullet\n      wrapped detail\n");
  CHECK(task(f, "1.1").title == "Add the probe definition to the root");
  CHECK(task(f, "1.1").parallel);
  CHECK(task(f, "1.1").description == "detail bullet\nwrapped detail");
}

TEST_CASE("majors written as headings") {
  auto f = parse("## 1. Foundation\n\n- [ ] 1.1 Init\n- [x] 1.2 Lint\n\n## Task 2: Store\n- [ ] 2.1 Save\n\n## 3. Heading without sub-tasks\n\n## Notes\n");
  REQUIRE(f.tasks.size() == 5);
  CHECK(task(f, "1").from_heading);
  CHECK(task(f, "1").title == "Foundation");
  CHECK(task(f, "1").children.size() == 2);
  CHECK(task(f, "2").title == "Store");
  CHECK(task(f, "2.1").parent == f.find("2"));
  CHECK(f.find("3") == -1);
}

TEST_CASE("a heading major and a checkbox major with the same id are one task") {
  auto f = parse("## 1. Setup\n- [ ] 1. Setup\n- [ ] 1.1 Init\n");
  CHECK(f.tasks.size() == 2);
  CHECK(f.duplicates.empty());
}

TEST_CASE("unnumbered checkboxes under a task are its checklist, not tasks") {
  auto f = parse("- [ ] 1. One\n  - [x] write tests\n  - [ ] update docs\n- [ ] stray checkbox\n");
  REQUIRE(f.tasks.size() == 1);
  REQUIRE(task(f, "1").checklist.size() == 2);
  CHECK(task(f, "1").checklist[0].done);
  CHECK(task(f, "1").checklist[1].text == "update docs");
  CHECK(has_warning(f, 4, "without a task number"));
}

TEST_CASE("CRLF line endings and a BOM") {
  auto f = parse("\xEF\xBB\xBF- [ ] 1. One\r\n- [ ] 1.1 Sub (P)\r\n  - _Requirements: 1.1_\r\n");
  REQUIRE(f.tasks.size() == 2);
  CHECK(task(f, "1").title == "One");
  CHECK(task(f, "1.1").parallel);
  CHECK(test::strings(task(f, "1.1").requirements) == std::vector<std::string>{"1.1"});
}

TEST_CASE("checkboxes inside code fences are examples") {
  auto f = parse("- [ ] 1. Real\n```markdown\n- [ ] 2. Example\n```\n~~~\n- [ ] 3. Example\n~~~\n- [ ] 4. Real too\n");
  CHECK(f.tasks.size() == 2);
  CHECK(f.find("2") == -1);
  CHECK(f.find("4") >= 0);
}

TEST_CASE("an unclosed fence is reported with its line") {
  auto f = parse("- [ ] 1. Real\n```\n- [ ] 2. Swallowed\n");
  CHECK(f.tasks.size() == 1);
  CHECK(has_warning(f, 2, "never closed"));
}

TEST_CASE("tasks after ## Notes are tasks; notes bullets are not descriptions") {
  auto f = parse("- [ ] 1. One\n## Notes\n- a note\n- [ ] 2. Late task\n");
  CHECK(f.tasks.size() == 2);
  CHECK(task(f, "1").description.empty());
}

TEST_CASE("requirements: lists, ranges with hyphen and en dash, free text, a bare number, a localized label") {
  auto f = parse("- [ ] 1. A\n  - _Requirements: 1.1, 2.3_\n"
                 "- [ ] 2. B\n  - _Requirements: 1.1-1.3, 3.1–3.2_\n"
                 "- [ ] 3. C\n  - _Requirements: All_\n"
                 "- [ ] 4. D\n  - _Requirements: 6_\n"
                 "- [ ] 5. E\n  - _要件: 1.1_\n");
  CHECK(test::strings(task(f, "1").requirements) == std::vector<std::string>{"1.1", "2.3"});
  CHECK(test::strings(task(f, "2").requirements) == std::vector<std::string>{"1.1", "1.2", "1.3", "3.1", "3.2"});
  CHECK(test::strings(task(f, "3").requirements) == std::vector<std::string>{"All"});
  CHECK(test::strings(task(f, "4").requirements) == std::vector<std::string>{"6"});
  CHECK(test::strings(task(f, "5").requirements) == std::vector<std::string>{"1.1"});
  CHECK(task(f, "1").description.empty());
}

TEST_CASE("requirements: ranges read as text agree with the TaskId rule") {
  auto f = parse("- [ ] 1. A\n  - _Requirements: 2-4, 1.01-1.3, 01.2-01.3, 5.1-6, 7.3-7.1, 0.9-0.10_\n"
                 "- [ ] 2. B\n  - _Requirements: 1.2.1-1.2.2, 1.02-1.2, 8.1-8.600_\n");
  CHECK(test::strings(task(f, "1").requirements) == std::vector<std::string>{"2", "3", "4", "1.1", "1.2", "1.3", "1.2", "1.3",
                                                               "5.1-6", "7.3-7.1", "0.9", "0.10"});
  CHECK(test::strings(task(f, "2").requirements) == std::vector<std::string>{"1.2.1", "1.2.2", "1.2", "8.1-8.600"});
}

TEST_CASE("dependencies: _Depends:_, _Depends on:_ with explanations, prose, ranges") {
  auto f = parse("- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 1.2 b\n- [ ] 2. B\n- [ ] 2.1 c\n- [ ] 2.3 spike\n- [ ] 3. C\n"
                 "- [ ] 4. D\n  - _Depends: 1.2, 2.3_\n"
                 "- [ ] 5. E\n  - _Depends on: 2.3 (the spike, see 1.1)_\n"
                 "- [ ] 6. F\n  - Depends on task 3\n"
                 "- [ ] 7. G\n  - This depends on tasks 1–3 and is long.\n"
                 "- [ ] 8. H\n  - _Depends: none_\n");
  CHECK(test::strings(task(f, "4").depends) == std::vector<std::string>{"1.2", "2.3"});
  CHECK(f.depends_line(task(f, "4"), 0) == 9);
  CHECK(f.depends_line(task(f, "4"), 1) == 9);
  CHECK(f.depends_line(task(f, "5"), 0) == 11);
  // Each entry's task, resolved as find() resolves its id.
  for (const Task& t : f.tasks) {
    for (size_t k = 0; k < t.depends.size(); ++k) CHECK(f.depends_task(t, k) == f.find(t.depends[k]));
  }
  CHECK(f.depends_task(task(f, "4"), 1) == f.find("2.3"));
  CHECK(test::strings(task(f, "5").depends) == std::vector<std::string>{"2.3"});
  CHECK(test::strings(task(f, "6").depends) == std::vector<std::string>{"3"});
  CHECK(test::strings(task(f, "7").depends) == std::vector<std::string>{"1", "2", "3"});
  CHECK(task(f, "8").depends.empty());
  CHECK(f.warnings.empty());
}

TEST_CASE("an unreadable dependency is a warning naming the line") {
  auto f = parse("- [ ] 1. A\n- [ ] 2. B\n  - _Depends: the auth work_\n");
  CHECK(task(f, "2").depends.empty());
  CHECK(has_warning(f, 3, "cannot read dependency 'the auth work'"));
}

TEST_CASE("_Blocked:_ and other _Label:_ annotations are kept, not description") {
  auto f = parse("- [ ] 1. A\n  - _Boundary: AuthService_\n  - _Contracts: login(), logout()_\n  - _Blocked: waiting for API keys_\n"
                 "  - _Completed: 2025-01-01_ _Owner: me_\n  - **Note:** bold label\n  - Real description\n");
  const Task& t = task(f, "1");
  REQUIRE(t.blocked_reason);
  CHECK(*t.blocked_reason == "waiting for API keys");
  REQUIRE(t.annotations.size() == 5);
  CHECK(t.annotations[0] == Annotation{"Boundary", "AuthService"});
  CHECK(t.annotations[1].second == "login(), logout()");
  CHECK(t.annotations[2].first == "Completed");
  CHECK(t.annotations[3] == Annotation{"Owner", "me"});
  CHECK(t.annotations[4] == Annotation{"Note", "bold label"});
  CHECK(t.description == "Real description");
}

TEST_CASE("Kiro's Task Dependency Graph waves and variants") {
  std::string tasks = "- [ ] 1. A\n  - [ ] 1.1 a\n  - [ ] 1.2 b\n- [ ] 2. B\n  - [ ] 2.1 c\n  - [ ] 2.10 d\n";
  SUBCASE("the Kiro shape") {
    auto f = parse(tasks + "## Task Dependency Graph\n```json\n{\"waves\": [{\"id\": 0, \"tasks\": [\"1.1\", \"2.1\"]}, {\"id\": 1, \"tasks\": [\"1.2\"]}]}\n```\n");
    REQUIRE(f.waves.size() == 2);
    CHECK(f.waves[0].tasks == std::vector<std::string>{"1.1", "2.1"});
    CHECK(f.waves[1].number == 1);
    CHECK(f.waves[1].line == 8);
  }
  SUBCASE("\"wave\" keys out of order, integer ids, extra fields, numbers kept as written") {
    auto f = parse(tasks + "## Task Dependency Graph\n```json\n{\"waves\": [{\"wave\": 1, \"tasks\": [2.10], \"note\": \"x\"}, {\"wave\": 0, \"tasks\": [1.1, \"Task 2.1\"]}]}\n```\n");
    REQUIRE(f.waves.size() == 2);
    CHECK(f.waves[0].tasks == std::vector<std::string>{"1.1", "2.1"});
    CHECK(f.waves[1].tasks == std::vector<std::string>{"2.10"});
  }
  SUBCASE("a leading graph section and a bare array of task lists") {
    auto f = parse("## Task Dependency Graph\n```\n[[\"1.1\"], [\"1.2\", \"2.1\"]]\n```\n" + tasks);
    REQUIRE(f.waves.size() == 2);
    CHECK(f.waves[1].tasks.size() == 2);
  }
  SUBCASE("broken JSON in the graph section is a warning") {
    auto f = parse(tasks + "## Task Dependency Graph\n```json\n{\"waves\": [\n```\n");
    CHECK(f.waves.empty());
    CHECK(has_warning(f, 8, "not readable"));
  }
  SUBCASE("other JSON examples are ignored") {
    auto f = parse(tasks + "## Config\n```json\n{\"a\": 1}\n```\n");
    CHECK(f.waves.empty());
    CHECK(f.warnings.empty());
  }
}

TEST_CASE("a sub-task's parent is the first task of its prefix id, also after a repeated id") {
  auto f = parse("- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 1. A again\n- [ ] 1.2 b\n- [ ] 2. B\n- [ ] 1.3 c\n- [ ] 2.1 d\n");
  REQUIRE(f.tasks.size() == 7);
  CHECK(f.tasks[1].parent == 0);
  CHECK(f.tasks[3].parent == 0);  // not the repeated "1" on the line before it
  CHECK(f.tasks[5].parent == 0);  // the latest major is 2: looked up
  CHECK(f.tasks[6].parent == 4);
  CHECK(test::ints(f.tasks[0].children) == std::vector<int>{1, 3, 5});
}

TEST_CASE("duplicate ids are reported with both lines") {
  auto f = parse("- [ ] 2. Two\n- [x] 2.5 first\n- [ ] 2.5 second\n");
  REQUIRE(f.duplicates.size() == 1);
  CHECK(f.duplicates[0].id == "2.5");
  CHECK(f.duplicates[0].first_line == 2);
  CHECK(f.duplicates[0].second_line == 3);
  CHECK(f.tasks.size() == 3);
  CHECK(has_warning(f, 3, "also on line 2"));
}

TEST_CASE("edge cases: empty file, prose only, numbers that are not ids") {
  auto empty = parse("");
  CHECK(empty.tasks.empty());
  CHECK(has_warning(empty, 1, "no numbered tasks"));
  auto prose = parse("# Title\n\nSome text 1. not a task\n- a bullet\n");
  CHECK(prose.tasks.empty());
  auto words = parse("- [ ] 1.5x faster builds\n- [ ] 2024-01 meeting\n## 2024 roadmap\n");
  CHECK(words.tasks.empty());
  CHECK(words.warnings.size() == 3);  // two unnumbered checkboxes + no tasks
}

TEST_CASE("line helpers") {
  using namespace kp::tasks_md;
  CHECK(shape_line("\t- x").indent == 4);
  CHECK(shape_line("  \t- x").indent == 4);
  CHECK(shape_line("     - x").indent == 5);
  CHECK(strip_markdown("a __b__ c_d ~~e~~") == "a b c_d e");
  CHECK(drop_parentheses("2.3 (the spike (see 4.1)) and 5") == "2.3  and 5");
  auto list = parse_id_list("1.1 - 1.3; tasks 4 and 5, free words");
  REQUIRE(list.size() == 4);
  CHECK(list[0].first == "1.1");
  CHECK(list[0].last == "1.3");
  CHECK(list[1].first == "4");
  CHECK(list[2].first == "5");
  CHECK_FALSE(list[3].is_id);
  CHECK_FALSE(prose_dependency("Nothing here"));
  CHECK(*prose_dependency("Depends on 2.1. Then more 3.4") == "2.1");
}

TEST_CASE("load_tasks_md: missing, folder, binary garbage are UsageErrors naming the file") {
  test::TempDir dir;
  CHECK_THROWS_WITH_AS(load_tasks_md(dir / "nope.md"), doctest::Contains("nope.md: no such file"), UsageError);
  CHECK_THROWS_WITH_AS(load_tasks_md(dir.path()), doctest::Contains("is a folder"), UsageError);
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919 + 13) % 256);
  test::write_text(dir / "bin.md", garbage);
  CHECK_THROWS_WITH_AS(load_tasks_md(dir / "bin.md"), doctest::Contains("not a text file"), UsageError);
  test::write_text(dir / "latin1.md", std::string("- [ ] 1. Caf\xe9 one accented byte in a long enough line of text to stay text\n"));
  CHECK(load_tasks_md(dir / "latin1.md").tasks.size() == 1);
  test::write_text(dir / "empty.md", "");
  CHECK(load_tasks_md(dir / "empty.md").tasks.empty());
}

TEST_CASE("a 5 MB file parses") {
  std::string text;
  int majors = 0;
  while (text.size() < 5u * 1024 * 1024) {
    ++majors;
    text += "- [ ] " + std::to_string(majors) + ". Major " + std::to_string(majors) + "\n";
    for (int s = 1; s <= 10; ++s) {
      text += "- [ ] " + std::to_string(majors) + "." + std::to_string(s) + " Sub-task with a **title** (P)\n"
              "  - Description line with some words in it\n  - _Requirements: 1.1-1.3_\n";
    }
  }
  auto f = parse(text);
  CHECK(f.tasks.size() == static_cast<size_t>(majors) * 11);
  CHECK(f.tasks.back().parallel);
  CHECK(f.warnings.empty());
}

TEST_CASE("named ids: FOUNDATION-1 in or out of bold, the colon inside or outside") {
  auto f = parse("- [ ] **CORE-1: Models**\n- [x] **CORE-2**: Adapter\n- [ ] STEP-10: Sign\n- [ ] **STEP-2:** Notes\n"
                 "- [ ] api-v2-3: lower case\n");
  REQUIRE(f.tasks.size() == 5);
  CHECK(task(f, "CORE-1").title == "Models");
  CHECK(task(f, "CORE-2").title == "Adapter");
  CHECK(task(f, "CORE-2").done());
  CHECK(task(f, "STEP-10").title == "Sign");
  CHECK(task(f, "STEP-2").title == "Notes");
  CHECK(task(f, "api-v2-3").major);
  CHECK(task(f, "STEP-10").parent == -1);
  // Ordered by prefix in order of first appearance, then N: CORE before STEP, 2 before 10.
  CHECK(task(f, "CORE-2").key < task(f, "STEP-2").key);
  CHECK(task(f, "STEP-2").key < task(f, "STEP-10").key);
  // A checklist item without "-N:" stays a checklist item; "CORE-1 done" has no colon.
  auto g = parse("- [ ] 1. Task\n  - [ ] CORE-1 done\n  - [ ] write docs\n");
  CHECK(g.tasks.size() == 1);
  CHECK(g.tasks[0].checklist.size() == 2);
}

TEST_CASE("bold labels: **Dependencies:** (None too), **Parallel Group:**, **Estimated Duration:**") {
  auto f = parse("- [ ] **A-1: One**\n  - **Dependencies:** None\n  - **Parallel Group:** Base\n"
                 "  - **Estimated Duration:** 30 min\n"
                 "- [ ] **A-2: Two**\n  - **Dependencies:** A-1, B-1\n  - **Parallel Group:** None (sequential)\n"
                 "  - Plain description\n"
                 "- [ ] **B-1: Three**\n  - **Dependencies:** A-1\n  - **Estimated Duration:** 1-3 hours\n");
  CHECK(task(f, "A-1").declares_depends);
  CHECK(task(f, "A-1").depends.empty());
  CHECK(task(f, "A-1").group == "Base");
  CHECK(task(f, "A-1").estimate_seconds == doctest::Approx(1800));
  CHECK(test::strings(task(f, "A-2").depends) == std::vector<std::string>{"A-1", "B-1"});
  CHECK(task(f, "A-2").group.empty());  // "None (...)" is no group
  CHECK(task(f, "A-2").description == "Plain description");
  CHECK(task(f, "B-1").estimate_seconds == doctest::Approx(7200));
  CHECK(f.warnings.empty());
}

TEST_CASE("durations as people write them") {
  CHECK(parse_duration_seconds("45s") == doctest::Approx(45));
  CHECK(parse_duration_seconds("2h") == doctest::Approx(7200));
  CHECK(parse_duration_seconds("1.5 days") == doctest::Approx(1.5 * 86400));
  CHECK(parse_duration_seconds("~20 minutes (estimate)") == doctest::Approx(1200));
  CHECK_FALSE(parse_duration_seconds("a while"));
  CHECK_FALSE(parse_duration_seconds("3 sprints"));
}

TEST_CASE("cc-sdd 3: _Boundary:_, _Contracts:_, _Blocked:_ and ## Implementation Notes") {
  auto f = parse("- [ ] 1. Core\n- [ ] 1.1 (P) Tags\n  - Tags survive a reload\n  - _Boundary: TagService, Store_\n"
                 "  - _Contracts: Tag API_\n- [ ] 1.2 Search _Blocked: no index yet_\n"
                 "- [ ] 1.3 Import\n_Blocked: export format unknown_\n\n"
                 "## Implementation Notes\n- 1.1: the store needs a schema bump\n- [ ] 9.9 not a task\n"
                 "  indented note\n\n## Later\n- [ ] 2. After the notes\n");
  CHECK(test::strings(task(f, "1.1").boundary) == std::vector<std::string>{"TagService", "Store"});
  CHECK(task(f, "1.1").contracts == "Tag API");
  CHECK(task(f, "1.1").description == "Tags survive a reload");
  CHECK(task(f, "1.2").title == "Search");
  CHECK(task(f, "1.2").blocked_reason == std::string("no index yet"));
  CHECK(task(f, "1.3").blocked_reason == std::string("export format unknown"));
  CHECK(task(f, "1.3").description.empty());
  CHECK(f.find("9.9") < 0);
  CHECK(test::strings(f.implementation_notes) ==
        std::vector<std::string>{"1.1: the store needs a schema bump", "[ ] 9.9 not a task", "indented note"});
  CHECK(f.find("2") >= 0);  // a heading of the same level ends the notes
}

TEST_CASE("fixture written to cc-sdd 3.0.2's rules") {
  auto f = load_tasks_md(test::source_dir() / "tests" / "fixtures" / "tasks" / "cc-sdd3-bookmarks.md");
  CHECK(f.tasks.size() == 11);
  CHECK(task(f, "2.1").parallel);
  CHECK(test::strings(task(f, "2.3").depends) == std::vector<std::string>{"1.2"});
  CHECK(task(f, "2.5").optional);
  CHECK(task(f, "2.2").contracts == "SearchIndex query API");
  CHECK(task(f, "3.1").blocked_reason.has_value());
  CHECK(f.implementation_notes.size() == 2);
  CHECK(f.warnings.empty());
}

TEST_CASE("a dependency range names the tasks in it in file order, found without a pass over the file") {
  auto f = kp::parse_tasks_md("- [ ] 1. A\n- [ ] 1.3 C\n- [ ] 1.1 A\n- [ ] 1.2 B\n- [ ] 1.4 D\n"
                              "- [ ] 2. B\n- [ ] 2.1 E\n  - _Depends: 1.1-1.3, 1.2-1.4_\n",
                              "tasks.md");
  int e = f.find("2.1");
  REQUIRE(e >= 0);
  CHECK(test::strings(f.tasks[e].depends) == std::vector<std::string>{"1.3", "1.1", "1.2", "1.3", "1.2", "1.4"});
}

TEST_CASE("looks_binary: plain words skipped whole, control and invalid bytes counted wherever they fall") {
  const std::string text(1000, 'a');
  CHECK_FALSE(looks_binary(text));
  std::string many = text, few = text, invalid = text;
  for (size_t i = 3; i < many.size(); i += 7) many[i] = '\x01';  // one byte in 7: over a tenth
  for (size_t i = 5; i < few.size(); i += 13) few[i] = '\x02';   // one in 13: still text
  for (size_t i = 1; i < invalid.size(); i += 5) invalid[i] = '\xff';
  CHECK(looks_binary(many));
  CHECK_FALSE(looks_binary(few));
  CHECK(looks_binary(invalid));
  CHECK_FALSE(looks_binary("caf\xc3\xa9 au lait, " + text));
}

TEST_CASE("has_markdown finds a mark or a double space at every position of a title") {
  const std::string plain = "Sub task one two three four five six seven eight nine";  // single spaces only
  CHECK_FALSE(tasks_md::has_markdown(plain));
  for (size_t at = 0; at < plain.size(); ++at) {
    for (char mark : std::string("\\`*_~[\t")) {
      std::string title = plain;
      title[at] = mark;
      CHECK_MESSAGE(tasks_md::has_markdown(title), "mark " << int(mark) << " at " << at);
    }
    if (at + 1 < plain.size()) {
      std::string title = plain;
      title[at] = title[at + 1] = ' ';
      CHECK_MESSAGE(tasks_md::has_markdown(title), "double space at " << at);
    }
  }
}

TEST_CASE("looks_binary: a tenth of bad bytes anywhere makes binary; text controls and UTF-8 never do") {
  const std::string plain(40, 'a');
  CHECK_FALSE(looks_binary(plain));
  for (size_t at = 0; at + 5 <= plain.size(); ++at) {
    std::string controls = plain, text_controls = plain, invalid = plain, utf8 = plain;
    for (size_t k = 0; k < 5; ++k) {
      controls[at + k] = '\x01';
      text_controls[at + k] = "\t\n\r\f\x1b"[k];
      invalid[at + k] = '\xFF';
    }
    utf8.replace(at, 4, "\xC3\xA9\xC3\xA9");  // "éé"
    CHECK_MESSAGE(looks_binary(controls), "controls at " << at);
    CHECK_MESSAGE(looks_binary(invalid), "invalid UTF-8 at " << at);
    CHECK_FALSE_MESSAGE(looks_binary(text_controls), "text controls at " << at);
    CHECK_FALSE_MESSAGE(looks_binary(utf8), "UTF-8 at " << at);
  }
}

TEST_CASE("the marks order auto reads are counted as the tasks are linked") {
  TaskFile f = parse_tasks_md("- [ ] 1. Parent\n"
                              "  - _Depends: None_\n"
                              "- [ ] 1.1 (P) Leaf\n"
                              "  - _Depends: None_\n"
                              "- [ ] 1.2 (P) Leaf\n"
                              "- [ ] 2. Leaf major\n"
                              "  - **Dependencies:** 1\n",
                              "tasks.md");
  REQUIRE(f.tasks.size() == 4);
  CHECK(f.marks.parallel == 2);
  CHECK(f.marks.leaves == 3);
  CHECK(f.marks.declaring_leaves == 2);  // 1.1 and 2; the parent's label is not a leaf's
}

TEST_CASE("dependencies: the task each entry names, unknown ids and reversed ranges included") {
  auto f = parse("- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 1.2 b\n- [ ] 1.3 c\n"
                 "- [ ] 2. B\n  - _Depends: 01.2, 9.9, 1.3-1.1, 1.1-1.2_\n");
  const Task& b = task(f, "2");
  REQUIRE(b.depends.size() >= 4);
  for (size_t k = 0; k < b.depends.size(); ++k) {
    CAPTURE(b.depends[k]);
    CHECK(f.depends_task(b, k) == f.find(b.depends[k]));
  }
  CHECK(f.depends_task(b, 0) == f.find("1.2"));  // written 01.2
  CHECK(f.depends_task(b, 1) == -1);             // no task 9.9
}

TEST_CASE("dependency ranges: a repeated id at an end, an end written 01.1, a file out of key order") {
  auto f = parse("- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 1.2 b\n- [ ] 1.2 b again\n- [ ] 1.3 c\n"
                 "- [ ] 2. B\n- [ ] 2.2 y\n- [ ] 2.1 x\n  - _Depends: 1.2-1.3, 01.1-1.2, 2.2-2.2_\n");
  const Task& x = task(f, "2.1");
  CHECK(test::strings(x.depends) == std::vector<std::string>{"1.2", "1.3", "1.1", "1.2", "2.2"});
  for (size_t k = 0; k < x.depends.size(); ++k) {
    CAPTURE(x.depends[k]);
    CHECK(f.depends_task(x, k) == f.find(x.depends[k]));  // the first 1.2, not the one after it
  }
}

TEST_CASE("dependency ranges written again by the next tasks: the same tasks, a changed end read anew") {
  auto f = parse("- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 1.2 b\n- [ ] 1.3 c\n- [ ] 2. B\n"
                 "- [ ] 2.1 x\n  - _Depends: 1.1-1.2_\n- [ ] 2.2 y\n  - _Depends: 1.1-1.3_\n"
                 "- [ ] 2.3 z\n  - _Depends: 1.1-1.3, 1.1-1.3_\n- [ ] 2.4 w\n  - _Depends: 1.2-1.3_\n");
  CHECK(test::strings(task(f, "2.1").depends) == std::vector<std::string>{"1.1", "1.2"});
  CHECK(test::strings(task(f, "2.2").depends) == std::vector<std::string>{"1.1", "1.2", "1.3"});
  CHECK(test::strings(task(f, "2.3").depends) == std::vector<std::string>{"1.1", "1.2", "1.3", "1.1", "1.2", "1.3"});
  CHECK(test::strings(task(f, "2.4").depends) == std::vector<std::string>{"1.2", "1.3"});
  const Task& z = task(f, "2.3");
  for (size_t k = 0; k < z.depends.size(); ++k) CHECK(f.depends_task(z, k) == f.find(z.depends[k]));
}
