// A large tasks.md is read as two parts on two threads (parse_tasks_md). The
// result must be the one a reading in order gives: these files are large
// enough to be split, and put at the split what would change the second part.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/tasks_md.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

// `majors` majors of 4 sub-tasks, ~1.2 MB at 6,000 majors; `middle` goes between two majors halfway.
std::string big_file(int majors, const std::string& middle) {
  std::string text = "# Implementation Plan\n\n";
  for (int m = 1; m <= majors; ++m) {
    if (m == majors / 2) text += middle;
    text += "- [ ] " + std::to_string(m) + ". Major task " + std::to_string(m) + " with a **bold** word\n";
    for (int s = 1; s <= 4; ++s) {
      std::string id = std::to_string(m) + "." + std::to_string(s);
      text += "- [" + std::string(s == 2 ? "x" : " ") + "] " + id + (s == 3 ? " (P)" : "") + " Sub-task " + id + "\n";
      text += "  - Write the code and its tests\n  - _Requirements: " + std::to_string(s) + ".1-" + std::to_string(s) + ".3_\n";
    }
  }
  return text;
}

// `count` lines that read as numbered tasks, "<head><k>00. <what>".
std::string task_like_lines(const std::string& head, int count, const std::string& what) {
  std::string out;
  for (int k = 0; k < count; ++k) out += "- [ ] " + head + std::to_string(k) + "00. " + what + "\n";
  return out;
}

int line_of(const std::string& text, const std::string& needle) {
  auto at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

}  // namespace

TEST_CASE("a large tasks.md read as two parts: tasks, lines, parents and lists as in order") {
  const std::string text = big_file(6000, "");
  REQUIRE(text.size() > (1u << 20));
  auto f = parse_tasks_md(text, "tasks.md");
  REQUIRE(f.tasks.size() == 30000);
  for (int m : {1, 2999, 3000, 3001, 4500, 6000}) {
    const Task& major = f.tasks[size_t(f.find(std::to_string(m)))];
    CHECK(major.line == line_of(text, "- [ ] " + std::to_string(m) + ". Major"));
    CHECK(major.title == "Major task " + std::to_string(m) + " with a bold word");
    REQUIRE(major.children.size() == 4);
    const Task& sub = f.tasks[size_t(major.children[2])];
    CHECK(sub.id == std::to_string(m) + ".3");
    CHECK(sub.parallel);
    CHECK(f.tasks[size_t(sub.parent)].id == major.id);
    CHECK(sub.line == line_of(text, "] " + std::to_string(m) + ".3 (P)"));
    CHECK(test::strings(sub.requirements) == std::vector<std::string>{"3.1", "3.2", "3.3"});
    CHECK(sub.description == "Write the code and its tests");
  }
  CHECK(f.warnings.empty());
}

TEST_CASE("a large tasks.md with a code fence open across its middle: nothing in the fence is a task") {
  const std::string fence = "```text\n" + task_like_lines("9", 2000, "not a task, inside the fence") + "```\n";
  const std::string text = big_file(6000, fence);
  auto f = parse_tasks_md(text, "tasks.md");
  CHECK(f.tasks.size() == 30000);
  CHECK(f.find("9000") < 0);
  CHECK(f.tasks[size_t(f.find("3001"))].line == line_of(text, "- [ ] 3001. Major"));
}

TEST_CASE("a large tasks.md with Implementation Notes across its middle: the notes are no tasks") {
  const std::string notes =
      "## Implementation Notes\n" + task_like_lines("8", 2000, "a note that looks like a task") + "## Tasks again\n";
  const std::string text = big_file(6000, notes);
  auto f = parse_tasks_md(text, "tasks.md");
  CHECK(f.tasks.size() == 30000);
  CHECK(f.find("8000") < 0);
  CHECK(f.implementation_notes.size() == 2000);
}

TEST_CASE("a large tasks.md whose graph heading comes before its middle and the JSON block after it") {
  // The block is read as the dependency graph because of the heading above it.
  std::string text = big_file(6000, "");
  const std::string marker = "- [ ] 2000. Major";  // well before the middle: the second part starts under it
  text.insert(text.find(marker), "## Task Dependency Graph\n\n");
  text += "```\n{\"waves\": [{\"wave\": 1, \"tasks\": [\"1.1\"]}]\n```\n";
  std::string broken = text;
  broken.replace(broken.rfind("{\"waves\""), 9, "{\"waves\" ");  // not JSON: the graph section warns
  auto f = parse_tasks_md(broken, "tasks.md");
  REQUIRE(f.warnings.size() == 1);
  CHECK(f.warnings[0].message.find("dependency graph block is not readable") != std::string::npos);
  CHECK(f.warnings[0].line == line_of(broken, "```\n{\"waves\" "));
}
