// The watch frame and the rules of the read-only views, on hand-made states.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "common/run_state.hpp"
// master/ is not a library the unit tests link; this unit is pure, so its
// source is compiled into the test binary directly.
#include "master/run_display.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

constexpr double kNow = 1'800'000'000;

TaskState task(const std::string& id, TaskStatus status, const std::string& title = "") {
  TaskState t;
  t.id = id;
  t.title = title.empty() ? "Task " + id : title;
  t.status = status;
  return t;
}

// Seven tasks: one in each status that matters, a needs-choice phase, a
// conflict whose message holds the commands that resolve it.
RunState sample_state() {
  RunState s;
  s.spec = "demo";
  s.config.max_parallel = 2;
  s.config.tmux_socket = "kp-test";
  s.tasks.push_back(task("1.1", TaskStatus::completed));
  s.tasks.back().duration = 125;
  TaskState busy = task("1.2", TaskStatus::running, "Write the parser");
  busy.worker = 0;
  busy.started_epoch = kNow - 125;
  busy.phase = "agent busy";
  s.tasks.push_back(busy);
  TaskState choice = task("1.3", TaskStatus::running);
  choice.worker = 1;
  choice.session = "demo-task-1-3";
  choice.started_epoch = kNow - 10;
  choice.phase = "needs choice: Delete all files? (y/N)";
  s.tasks.push_back(choice);
  TaskState conflict = task("2.1", TaskStatus::conflict);
  conflict.message = "merge conflict in src/a.cpp\ngit -C ../worktrees/demo/task-2.1 merge main";
  s.tasks.push_back(conflict);
  TaskState failed = task("2.2", TaskStatus::failed);
  failed.message = "the agent exited with status 1";
  s.tasks.push_back(failed);
  TaskState blocked = task("3.1", TaskStatus::blocked);
  blocked.deps = {"2.2"};
  blocked.message = "depends on failed task 2.2";
  s.tasks.push_back(blocked);
  TaskState pending = task("3.2", TaskStatus::pending);
  pending.deps = {"1.2"};
  s.tasks.push_back(pending);
  return s;
}

std::vector<Completion> sample_completions(int n) {
  std::vector<Completion> out;
  for (int i = 1; i <= n; ++i) out.push_back({"c" + std::to_string(i), "Done " + std::to_string(i), 60.0 * i, ""});
  return out;
}

DisplayFacts running_master() {
  DisplayFacts f;
  f.master_running = true;
  f.master_pid = 4242;
  f.now = kNow;
  return f;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

int columns(const std::string& s) {
  int n = 0;
  for (char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const std::string* line_with(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& l : lines) {
    if (contains(l, part)) return &l;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("format_duration: seconds, minutes, hours; unknown is '-'") {
  CHECK(format_duration(0.5) == "0.5s");
  CHECK(format_duration(42) == "42s");
  CHECK(format_duration(125) == "2m05s");
  CHECK(format_duration(7440) == "2h04m");
  CHECK(format_duration(-1) == "-");
}

TEST_CASE("fit_width counts code points and marks the cut") {
  CHECK(fit_width("abcdef", 10) == "abcdef");
  CHECK(fit_width("abcdef", 4) == "abc…");
  CHECK(fit_width("▶▶▶▶▶▶", 3) == "▶▶…");
  CHECK(fit_width("abcdef", 0) == "abcdef");
}

TEST_CASE("a frame shows master, progress, running phases, loud choices, reasons, completions, counts") {
  RunState s = sample_state();
  std::string frame = render_run(s, sample_completions(7), running_master(), TermStyle(false), 0, 0);
  auto lines = lines_of(frame);
  CHECK(frame.find('\033') == std::string::npos);
  REQUIRE(lines.size() >= 3);
  CHECK(contains(lines[0], "demo"));
  CHECK(contains(lines[0], "master pid 4242"));
  CHECK(contains(lines[1], "1/7 completed"));

  const std::string* busy = line_with(lines, "1.2");
  REQUIRE(busy);
  CHECK(contains(*busy, "2m05s"));
  CHECK(contains(*busy, "agent busy"));
  CHECK(contains(*busy, "w0"));

  const std::string* choice = line_with(lines, "NEEDS YOUR CHOICE");
  REQUIRE(choice);
  CHECK(contains(*choice, "1.3"));
  CHECK(contains(*choice, "Delete all files? (y/N)"));
  CHECK(line_with(lines, "attach: tmux -L kp-test attach -t demo-task-1-3"));

  const std::string* conflict = line_with(lines, "2.1");
  REQUIRE(conflict);
  CHECK(contains(*conflict, "conflict"));
  CHECK(contains(*conflict, "merge conflict in src/a.cpp"));
  CHECK_FALSE(contains(frame, "git -C"));  // one-line reasons only
  CHECK(line_with(lines, "the agent exited with status 1"));
  CHECK(line_with(lines, "depends on failed task 2.2"));

  // The last 5 completions, newest first.
  CHECK_FALSE(line_with(lines, "c1 "));
  CHECK_FALSE(line_with(lines, "c2 "));
  const std::string* newest = line_with(lines, "c7");
  const std::string* oldest_shown = line_with(lines, "c3");
  REQUIRE(newest);
  REQUIRE(oldest_shown);
  CHECK(newest < oldest_shown);
  CHECK(contains(*newest, "7m00s"));

  CHECK(contains(lines.back(), "pending 1  running 2  completed 1  failed 1  stopped 0  blocked 1  conflict 1"));
}

TEST_CASE("a needs-choice task is bold red on a terminal; no colour otherwise") {
  RunState s = sample_state();
  std::string colour = render_run(s, {}, running_master(), TermStyle(true), 0, 0);
  auto lines = lines_of(colour);
  const std::string* choice = line_with(lines, "NEEDS YOUR CHOICE");
  REQUIRE(choice);
  CHECK_MESSAGE(choice->rfind("\033[1;31m", 0) == 0, *choice);
}

TEST_CASE("the frame fits the terminal: at most height lines, width columns, '… N more'") {
  RunState s = sample_state();
  for (int i = 0; i < 30; ++i) {
    TaskState t = task("9." + std::to_string(i + 1), TaskStatus::running, std::string(100, 'x'));
    t.phase = "agent busy";
    s.tasks.push_back(t);
  }
  std::string frame = render_run(s, sample_completions(3), running_master(), TermStyle(false), 40, 12);
  auto lines = lines_of(frame);
  CHECK(lines.size() == 12);
  for (const auto& l : lines) CHECK_MESSAGE(columns(l) <= 40, l);
  CHECK(contains(lines[lines.size() - 2], "more"));
  CHECK(contains(lines.back(), "pending"));
  // Loud lines come first, so a cut never hides a needs-choice task.
  CHECK(line_with(lines, "NEEDS YOUR"));
}

TEST_CASE("a frame says when the master is not running") {
  DisplayFacts facts;
  facts.now = kNow;
  std::string frame = render_run(sample_state(), {}, facts, TermStyle(false), 0, 0);
  CHECK(contains(lines_of(frame)[0], "master not running"));
}

TEST_CASE("run_outcome: done, stuck, moving") {
  RunState s;
  s.spec = "demo";
  s.tasks = {task("1", TaskStatus::completed), task("2", TaskStatus::completed)};
  DisplayFacts master = running_master();
  DisplayFacts nobody;
  CHECK(run_outcome(s, master) == RunOutcome::all_done);
  CHECK(run_outcome(s, nobody) == RunOutcome::all_done);

  s.tasks[1].status = TaskStatus::failed;
  CHECK(run_outcome(s, master) == RunOutcome::stuck);
  s.tasks[1].status = TaskStatus::stopped;
  CHECK(run_outcome(s, master) == RunOutcome::stuck);

  s.tasks[1].status = TaskStatus::pending;
  CHECK(run_outcome(s, master) == RunOutcome::moving);
  CHECK(run_outcome(s, nobody) == RunOutcome::stuck);  // nobody left to start it
  DisplayFacts worker_only;
  worker_only.workers.push_back({0, 99, true, "2", 0});
  CHECK(run_outcome(s, worker_only) == RunOutcome::moving);

  // Pending beyond --wave is not work: done.
  s.config.max_wave = 0;
  s.tasks[1].wave = 1;
  CHECK(run_outcome(s, master) == RunOutcome::all_done);
}

TEST_CASE("status_says_failed: a failure counts only once nothing else can run") {
  RunState s;
  s.tasks = {task("1", TaskStatus::failed), task("2", TaskStatus::pending)};
  CHECK_FALSE(status_says_failed(s));  // 2 can still run
  s.tasks[1].deps = {"1"};
  CHECK(status_says_failed(s));
  s.tasks = {task("1", TaskStatus::stopped), task("2", TaskStatus::completed)};
  CHECK_FALSE(status_says_failed(s));
  s.tasks[1].status = TaskStatus::conflict;
  CHECK(status_says_failed(s));
}

TEST_CASE("attach command: private socket or default server; exact target in argv") {
  RunConfig config;
  CHECK(attach_command_text(config, "demo-task-1") == "tmux attach -t demo-task-1");
  CHECK(attach_command_argv(config, "demo-task-1") == std::vector<std::string>{"tmux", "attach", "-t", "=demo-task-1"});
  config.tmux_socket = "kp";
  CHECK(attach_command_text(config, "demo-task-1") == "tmux -L kp attach -t demo-task-1");
  CHECK(attach_command_argv(config, "demo-task-1") ==
        std::vector<std::string>{"tmux", "-L", "kp", "attach", "-t", "=demo-task-1"});
  RunState s;
  s.spec = "demo";
  CHECK(task_session(s, task("1.2", TaskStatus::pending)) == "demo-task-1-2");
}

TEST_CASE("run_change_key moves with statuses and phases, not with the clock") {
  RunState s = sample_state();
  DisplayFacts facts = running_master();
  std::string key = run_change_key(s, facts);
  facts.now += 30;
  CHECK(run_change_key(s, facts) == key);
  s.tasks[1].phase = "committing";
  CHECK(run_change_key(s, facts) != key);
}

TEST_CASE("read_run_view: with nobody alive, the state is read again after that was seen") {
  // The master writes the last completion and exits a moment later; a view that
  // paired the older state with "nobody alive" would call a finished run stuck.
  test::TempDir dir;
  SpecPaths paths = SpecPaths::at(dir.path(), "demo");  // no lock held: nobody alive
  int reads = 0;
  RunView view = read_run_view(paths, [&](const SpecPaths&) {
    RunState s;
    s.spec = "demo";
    s.tasks = {task("1", reads++ == 0 ? TaskStatus::running : TaskStatus::completed)};
    return s;
  });
  CHECK(reads == 2);
  CHECK(view.state.tasks[0].status == TaskStatus::completed);
  CHECK(run_outcome(view.state, view.facts) == RunOutcome::all_done);
}
