// The interactive watch's frame: row order, selection, scrolling, footer.
#include <doctest/doctest.h>

#include <sstream>

#include "master/watch_view.hpp"

using namespace kp;

namespace {

RunState sample() {
  RunState s;
  s.spec = "app";
  auto add = [&](const std::string& id, TaskStatus st, const std::string& phase = {}) {
    TaskState t;
    t.id = id;
    t.title = "Task " + id;
    t.status = st;
    t.phase = phase;
    s.tasks.push_back(t);
  };
  add("1.1", TaskStatus::completed);
  add("1.2", TaskStatus::running, "agent busy");
  add("2.1", TaskStatus::pending);
  add("2.2", TaskStatus::running, "needs choice: refused by git_push: Bash git push");
  add("3.1", TaskStatus::failed);
  s.tasks[4].message = "the agent's turn ended in an error\nmore";
  return s;
}

int lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("watch view: a task waiting on a person first, then running, failed, pending, completed") {
  RunState s = sample();
  CHECK(watch_row_order(s) == std::vector<std::string>{"2.2", "1.2", "3.1", "2.1", "1.1"});
  CHECK(move_selection(s, "", 0) == "2.2");
  CHECK(move_selection(s, "2.2", 1) == "1.2");
  CHECK(move_selection(s, "2.2", -1) == "2.2");  // clamped
  CHECK(move_selection(s, "3.1", 10) == "1.1");
  CHECK(move_selection(RunState{}, "x", 1).empty());
  CHECK(watch_row_text(s.tasks[4], 0).find("failed · the agent's turn ended in an error") != std::string::npos);
  CHECK(watch_row_text(s.tasks[3], 0).rfind("!! 2.2", 0) == 0);
}

TEST_CASE("watch view: the frame fits the terminal, shows the selection, the message and every key") {
  RunState s = sample();
  std::vector<Completion> completions;
  DisplayFacts facts;
  TermStyle plain(false);
  std::string frame = render_watch_frame({&s, &completions, &facts, "3.1", "stopped task 9", ""}, plain, 100, 24);
  CHECK(lines(frame) <= 24);
  CHECK(frame.find("> ✗  3.1") != std::string::npos);
  CHECK(frame.find("  ▶  1.2") != std::string::npos);
  CHECK(frame.find("stopped task 9") != std::string::npos);
  CHECK(frame.find(kWatchKeys) != std::string::npos);
  // Seven rows of room for three tasks: the list scrolls to keep the selection.
  for (int i = 0; i < 20; ++i) {
    TaskState t;
    t.id = "9." + std::to_string(i + 1);
    s.tasks.push_back(t);
  }
  std::string small = render_watch_frame({&s, &completions, &facts, "9.20", "", ""}, plain, 100, 10);
  CHECK(lines(small) == 10);
  CHECK(small.find("> ·  9.20") != std::string::npos);
  CHECK(small.find("2.2") == std::string::npos);  // scrolled away
}

TEST_CASE("watch view: the log view shows the last lines that fit and the way back") {
  std::string log;
  for (int i = 1; i <= 50; ++i) log += "line " + std::to_string(i) + "\n";
  TermStyle plain(false);
  std::string view = render_log_view("1.2", "/x/task-1.2_latest.log", &log, plain, 80, 12);
  CHECK(lines(view) == 12);
  CHECK(view.find("log of task 1.2") != std::string::npos);
  CHECK(view.find("line 50") != std::string::npos);
  CHECK(view.find("line 40\n") == std::string::npos);
  CHECK(view.find("q back") != std::string::npos);
  CHECK(render_log_view("1.2", "/x", nullptr, plain, 80, 12).find("no log yet") != std::string::npos);
}
