#include <doctest/doctest.h>

#include "common/git_checkbox.hpp"
#include "common/tasks_md.hpp"
#include "test_support.hpp"

using namespace kp;
using kp::git::merge_checkbox_union;
using kp::git::tick_task_checkbox_text;

TEST_CASE("tick_task_checkbox_text ticks exactly the line of the task id") {
  const std::string text =
      "# Tasks\n"
      "- [ ] 1. Major\n"
      "  - [ ] 1.1 First\n"
      "  - [ ] 1.10 Tenth\n"
      "* [-] 2.1 In progress\n"
      "+ [~] 3 Partly\n"
      "- [ ]* 4.2 Optional star\n"
      "- [ ] 5.1* Star after id\n"
      "\t- [ ] 6.1 (P) Tabbed\n";
  auto one_one = tick_task_checkbox_text(text, "1.1");
  REQUIRE(one_one);
  CHECK(one_one->find("  - [x] 1.1 First\n") != std::string::npos);
  CHECK(one_one->find("  - [ ] 1.10 Tenth\n") != std::string::npos);  // 1.1 is not 1.10
  CHECK(tick_task_checkbox_text(text, "1")->find("- [x] 1. Major\n") != std::string::npos);
  CHECK(tick_task_checkbox_text(text, "2.1")->find("* [x] 2.1 In progress") != std::string::npos);
  CHECK(tick_task_checkbox_text(text, "3")->find("+ [x] 3 Partly") != std::string::npos);
  CHECK(tick_task_checkbox_text(text, "4.2")->find("- [x]* 4.2 Optional") != std::string::npos);
  CHECK(tick_task_checkbox_text(text, "5.1")->find("- [x] 5.1* Star") != std::string::npos);
  CHECK(tick_task_checkbox_text(text, "6.1")->find("\t- [x] 6.1 (P)") != std::string::npos);
  // Only one byte changes.
  CHECK(one_one->size() == text.size());
  CHECK_FALSE(tick_task_checkbox_text(text, "9.9"));
  CHECK_FALSE(tick_task_checkbox_text(text, "1.").has_value());
}

TEST_CASE("tick_task_checkbox_text keeps CRLF, skips fenced examples and already ticked boxes") {
  const std::string text = "```\r\n- [ ] 1.1 example\r\n```\r\n- [ ] 1.1 Real\r\n- [X] 1.2 Done\r\n";
  auto ticked = tick_task_checkbox_text(text, "1.1");
  REQUIRE(ticked);
  CHECK(*ticked == "```\r\n- [ ] 1.1 example\r\n```\r\n- [x] 1.1 Real\r\n- [X] 1.2 Done\r\n");
  CHECK_FALSE(tick_task_checkbox_text(text, "1.2"));
}

TEST_CASE("tick_task_checkbox rewrites the file only when it changes") {
  test::TempDir dir;
  auto path = dir / "tasks.md";
  test::write_text(path, "- [ ] 1. A\n- [x] 2. B\n");
  CHECK(git::tick_task_checkbox(path, "1"));
  CHECK(test::read_text(path) == "- [x] 1. A\n- [x] 2. B\n");
  CHECK_FALSE(git::tick_task_checkbox(path, "1"));
  CHECK_FALSE(git::tick_task_checkbox(path, "2"));
  CHECK_FALSE(git::tick_task_checkbox(dir / "missing.md", "1"));
}

TEST_CASE("merge_checkbox_union takes the union of ticks on adjacent lines") {
  const std::string base = "- [ ] 1. A\n- [ ] 2. B\n- [ ] 3. C\n";
  const std::string ours = "- [x] 1. A\n- [ ] 2. B\n- [ ] 3. C\n";
  const std::string theirs = "- [ ] 1. A\n- [x] 2. B\n- [ ] 3. C\n";
  auto merged = merge_checkbox_union(base, ours, theirs);
  REQUIRE(merged);
  CHECK(*merged == "- [x] 1. A\n- [x] 2. B\n- [ ] 3. C\n");
}

TEST_CASE("merge_checkbox_union: a tick wins over an in-progress mark; an untick on one side is kept") {
  const std::string base = "- [-] 1. A\n- [x] 2. B\n";
  CHECK(*merge_checkbox_union(base, "- [x] 1. A\n- [x] 2. B\n", "- [~] 1. A\n- [x] 2. B\n") ==
        "- [x] 1. A\n- [x] 2. B\n");
  // One side unticked 2 on purpose, the other did not touch it: the change wins (three-way).
  CHECK(*merge_checkbox_union(base, "- [-] 1. A\n- [ ] 2. B\n", "- [x] 1. A\n- [x] 2. B\n") ==
        "- [x] 1. A\n- [ ] 2. B\n");
}

TEST_CASE("merge_checkbox_union merges other clean edits and refuses real conflicts") {
  const std::string base = "# T\n- [ ] 1. A\n- [ ] 2. B\n";
  auto with_added_task = merge_checkbox_union(base, "# T\n- [x] 1. A\n- [ ] 2. B\n",
                                              "# T\n- [ ] 1. A\n- [x] 2. B\n- [ ] 3. New\n");
  REQUIRE(with_added_task);
  CHECK(*with_added_task == "# T\n- [x] 1. A\n- [x] 2. B\n- [ ] 3. New\n");
  // Both sides rename task 1 differently: not a checkbox conflict.
  CHECK_FALSE(merge_checkbox_union(base, "# T\n- [x] 1. Alpha\n- [ ] 2. B\n", "# T\n- [ ] 1. Aleph\n- [ ] 2. B\n"));
  // No common ancestor: both added the file.
  CHECK(*merge_checkbox_union(std::nullopt, "- [x] 1. A\n- [ ] 2. B\n", "- [ ] 1. A\n- [x] 2. B\n") ==
        "- [x] 1. A\n- [x] 2. B\n");
}

TEST_CASE("the ticker reads lines with the parser's grammar: ids, fences, notes agree") {
  // "01.02" parses as task 1.2: it is ticked for 1.2.
  const std::string padded = "- [ ] 1. A\n- [ ] 01.02 Padded\n";
  CHECK(parse_tasks_md(padded, "tasks.md").find("1.2") >= 0);
  auto ticked = tick_task_checkbox_text(padded, "1.2");
  REQUIRE(ticked);
  CHECK(ticked->find("- [x] 01.02 Padded") != std::string::npos);

  // A fence of four backticks holding a three-backtick line ends at the next four.
  const std::string fenced = "- [ ] 3. C\n````markdown\n```\n- [ ] 3.1 example\n````\n- [ ] 3.1 Real\n";
  TaskFile f = parse_tasks_md(fenced, "tasks.md");
  REQUIRE(f.find("3.1") >= 0);
  CHECK(f.tasks[static_cast<size_t>(f.find("3.1"))].line == 6);
  auto fenced_tick = tick_task_checkbox_text(fenced, "3.1");
  REQUIRE(fenced_tick);
  CHECK(fenced_tick->find("- [ ] 3.1 example") != std::string::npos);
  CHECK(fenced_tick->find("- [x] 3.1 Real") != std::string::npos);

  // cc-sdd's Implementation Notes are no tasks, for the ticker too; named ids tick.
  const std::string notes = "- [ ] **CORE-1: Models**\n\n## Implementation Notes\n- [ ] 9.9 a note\n";
  CHECK(parse_tasks_md(notes, "tasks.md").find("9.9") < 0);
  CHECK_FALSE(tick_task_checkbox_text(notes, "9.9"));
  auto named = tick_task_checkbox_text(notes, "CORE-1");
  REQUIRE(named);
  CHECK(named->find("- [x] **CORE-1: Models**") != std::string::npos);
}
