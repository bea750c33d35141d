// A large tasks.md is read as two parts on two threads (parse_tasks_md). The
// result must be the one a reading in order gives: these files are large
// enough to be split, and put at the split what would change the second part.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/error.hpp"
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

TEST_CASE("a large tasks.md split at a sub-task: its parent, read in the first part, is the task one level up") {
  // big_file writes every task at the margin: the second part may start at a
  // sub-task. Padding in the title moves the split until it does.
  std::string text;
  for (int pad = 0;; pad += 11) {
    REQUIRE(pad < 2000);
    text = "# Implementation Plan " + std::string(size_t(pad), 'x') + "\n" + big_file(6000, "").substr(23);
    const size_t cut = text.find("\n- [", text.size() / 2) + 1;
    const std::string line = text.substr(cut, text.find('\n', cut) - cut);
    if (line.find(". Major") == std::string::npos) break;  // "- [ ] 3000.2 Sub-task 3000.2"
  }
  auto f = parse_tasks_md(text, "tasks.md");
  REQUIRE(f.tasks.size() == 30000);
  int majors = 0;
  for (const Task& t : f.tasks) {
    if (t.key.depth() == 1) {
      CHECK(t.parent == -1);
      CHECK(t.children.size() == 4);
      ++majors;
      continue;
    }
    REQUIRE(t.parent >= 0);
    CHECK(f.tasks[size_t(t.parent)].id == t.id.substr(0, t.id.find('.')));
  }
  CHECK(majors == 6000);
}

TEST_CASE("a large tasks.md repeating in its second part an id of its first: warned once, parents as read in order") {
  std::string text = big_file(6000, "");
  text += "- [ ] 10.2 The same id again\n- [ ] 10.2.1 Under the repeated id\n";
  auto f = parse_tasks_md(text, "tasks.md");
  REQUIRE(f.duplicates.size() == 1);
  CHECK(f.duplicates[0].id == "10.2");
  CHECK(f.duplicates[0].second_line == line_of(text, "- [ ] 10.2 The same"));
  REQUIRE(f.warnings.size() == 1);
  CHECK(f.warnings[0].message.find("duplicate task id 10.2") != std::string::npos);
  // The parent is the first task of the prefix id, wherever it is.
  const Task& again = f.tasks[f.tasks.size() - 2];
  REQUIRE(again.parent >= 0);
  CHECK(f.tasks[size_t(again.parent)].id == "10");
  const Task& under = f.tasks.back();
  REQUIRE(under.parent >= 0);
  CHECK(f.tasks[size_t(under.parent)].line == line_of(text, "] 10.2 Sub-task"));
}

TEST_CASE("load_tasks_md: a large file is binary when its second part is, whichever thread reads it") {
  test::TempDir dir;
  const std::string text = big_file(6000, "");
  std::string nul = text;
  nul[nul.size() - 10] = '\0';
  test::write_text(dir / "nul.md", nul);
  CHECK_THROWS_WITH_AS(load_tasks_md(dir / "nul.md"), doctest::Contains("not a text file"), UsageError);
  CHECK_THROWS_WITH_AS(load_tasks_md(dir / "nul.md", TasksMdAccess::map_large), doctest::Contains("not a text file"), UsageError);
  // Control bytes over a tenth of the file, all in its last quarter.
  std::string controls = text;
  for (size_t i = controls.size() * 3 / 4; i < controls.size(); i += 2) controls[i] = '\x01';
  test::write_text(dir / "controls.md", controls);
  CHECK_THROWS_WITH_AS(load_tasks_md(dir / "controls.md"), doctest::Contains("not a text file"), UsageError);
  // A few stray bytes on each side stay text.
  std::string stray = text;
  stray[100] = '\x01';
  stray[stray.size() - 100] = '\x01';
  test::write_text(dir / "stray.md", stray);
  CHECK(load_tasks_md(dir / "stray.md").tasks.size() == 30000);
}

TEST_CASE("load_tasks_md: a large file mapped, not read, gives the tasks a read gives") {
  test::TempDir dir;
  const std::string text = big_file(6000, "");
  test::write_text(dir / "tasks.md", text);
  const TaskFile read = load_tasks_md(dir / "tasks.md");
  const TaskFile mapped = load_tasks_md(dir / "tasks.md", TasksMdAccess::map_large);
  REQUIRE(mapped.text->mapped);  // large: mapped
  CHECK_FALSE(read.text->mapped);
  CHECK(mapped.text->source == text);
  REQUIRE(mapped.tasks.size() == read.tasks.size());
  for (size_t i = 0; i < read.tasks.size(); ++i) {
    const Task& a = read.tasks[i];
    const Task& b = mapped.tasks[i];
    CHECK(a.id == b.id);
    CHECK(a.title == b.title);
    CHECK(a.line == b.line);
    CHECK(a.parent == b.parent);
    CHECK(std::equal(a.requirements.begin(), a.requirements.end(), b.requirements.begin(), b.requirements.end()));
  }
  // A small file is read even when a large one would be mapped.
  test::write_text(dir / "small.md", "- [ ] 1. One\n- [ ] 2. Two\n");
  const TaskFile small = load_tasks_md(dir / "small.md", TasksMdAccess::map_large);
  CHECK_FALSE(small.text->mapped);
  CHECK(small.tasks.size() == 2);
  CHECK_THROWS_WITH_AS(load_tasks_md(dir / "missing.md", TasksMdAccess::map_large), doctest::Contains("no such file"), UsageError);
}

TEST_CASE("load_tasks_md: a large file's binary check, made beside its task count, counts every bad byte") {
  // Invalid, truncated and valid multi-byte UTF-8 at every offset of a
  // sixteen-byte step, some crossing into the next step; the fewest pieces
  // that make the file binary by looks_binary (one pass, the reference) make
  // load_tasks_md refuse it, and one piece fewer does not.
  test::TempDir dir;
  const std::string text = big_file(6000, "");
  const std::vector<std::string> pieces{"\xFF", "\xC3\xA9", "\xE2\x80\x94", "\xF0\x9F\x98\x80", "\xE2\x80", "\x01"};
  auto with_pieces = [&](size_t count) {
    std::string mixed = text;
    for (size_t k = 0, i = 7; k < count && i + 4 < mixed.size(); ++k, i += 5) mixed.replace(i, pieces[k % pieces.size()].size(), pieces[k % pieces.size()]);
    return mixed;
  };
  size_t low = 0, high = text.size() / 5;  // looks_binary(with_pieces(high)): a third of the pieces are bad
  REQUIRE(looks_binary(with_pieces(high)));
  REQUIRE_FALSE(looks_binary(with_pieces(low)));
  while (high - low > 1) {
    const size_t mid = (low + high) / 2;
    (looks_binary(with_pieces(mid)) ? high : low) = mid;
  }
  test::write_text(dir / "binary.md", with_pieces(high));
  test::write_text(dir / "text.md", with_pieces(low));
  CHECK_THROWS_WITH_AS(load_tasks_md(dir / "binary.md"), doctest::Contains("not a text file"), UsageError);
  CHECK_NOTHROW(load_tasks_md(dir / "text.md"));
}

TEST_CASE("a large tasks.md with a sub-task far below its parent in the second part: its parent is found") {
  std::string text = big_file(6000, "");
  text += "- [ ] 7.9 Written long after task 7\n";
  auto f = parse_tasks_md(text, "tasks.md");
  const Task& late = f.tasks.back();
  REQUIRE(late.id == "7.9");
  REQUIRE(late.parent >= 0);
  CHECK(f.tasks[size_t(late.parent)].id == "7");
  CHECK(f.tasks[size_t(late.parent)].children.size() == 5);
  CHECK(f.warnings.empty());
}

TEST_CASE("a large tasks.md with a heading task dropped in its middle: parents are taken again after the drop") {
  // "## 9999. ..." is a task only if numbered sub-tasks follow it: none do,
  // so it goes, and every task after it moves up one place.
  const std::string text = big_file(6000, "## 9999. A heading with no sub-tasks\n\n");
  auto f = parse_tasks_md(text, "tasks.md");
  REQUIRE(f.tasks.size() == 30000);
  CHECK(f.find("9999") < 0);
  for (const Task& t : f.tasks) {
    if (t.key.depth() == 1) {
      CHECK(t.children.size() == 4);
      continue;
    }
    REQUIRE(t.parent >= 0);
    CHECK(f.tasks[size_t(t.parent)].id == t.id.substr(0, t.id.find('.')));
  }
}

TEST_CASE("TaskList: two lists in one block's room join by moving the second down; a list that outgrows its room moves out") {
  auto task = [](int line, int parent) {
    Task t;
    t.line = line;
    t.parent = parent;
    return t;
  };
  TaskList block;
  block.reserve(10);
  TaskList first = TaskList::in_room(block.data(), 4);
  TaskList second = TaskList::in_room(block.data() + 4, 6);
  first.push_back(task(1, -1));
  first.push_back(task(2, 0));  // 2 of the first's 4 places used: a gap of 2 before the second
  second.push_back(task(3, -1));
  second.push_back(task(4, 0));  // parent: the second's own first task
  CHECK_FALSE(first.owns());
  block.assume_filled(first.size());
  block.append_shifted(second.data(), second.size(), 2);
  REQUIRE(block.size() == 4);
  CHECK(block.data() == first.data());  // nothing moved out of the block
  CHECK(block[2].line == 3);
  CHECK(block[2].parent == -1);
  CHECK(block[3].line == 4);
  CHECK(block[3].parent == 2);  // shifted by the first's count
  // Past its room a list takes a block of its own, its tasks copied.
  TaskList small = TaskList::in_room(block.data() + 8, 2);
  for (int i = 0; i < 3; ++i) small.push_back(task(10 + i, -1));
  CHECK(small.owns());
  CHECK(small.size() == 3);
  CHECK(small[2].line == 12);
  // Appending tasks from outside the block copies them, growing it when needed.
  TaskList copy = block;
  copy.append_shifted(small.data(), small.size(), 0);
  CHECK(copy.size() == 7);
  CHECK(copy[6].line == 12);
  CHECK(block.size() == 4);
}
