// notify.command: the argv and environment it gets (hostile titles stay one
// argument each, nothing reaches a shell), the settings, and which changes of
// a run tell a person.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/notify.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

TaskState task(const std::string& id, TaskStatus status, const std::string& phase = "") {
  TaskState t;
  t.id = id;
  t.title = "Task " + id;
  t.status = status;
  t.phase = phase;
  return t;
}

RunState two_tasks() {
  RunState s;
  s.spec = "demo";
  s.tasks = {task("1.1", TaskStatus::running, "agent busy"), task("1.2", TaskStatus::pending)};
  return s;
}

}  // namespace

TEST_CASE("notify argv: the command, then spec, task, kind and one line of message") {
  NotifyEvent e{"demo", "1.1", NotifyKind::needs_person, "1.1 needs choice: $(rm -rf ~); `id` 'q' \"x\"\nsecond line\033[31m"};
  auto argv = notify_argv({"notify-send", "-u", "critical"}, e);
  REQUIRE(argv.size() == 7);
  CHECK(argv[0] == "notify-send");
  CHECK(argv[3] == "demo");
  CHECK(argv[4] == "1.1");
  CHECK(argv[5] == "needs_person");
  CHECK(argv[6] == "1.1 needs choice: $(rm -rf ~); `id` 'q' \"x\"");  // as it is, one argument, first line only
  NotifyEvent ctl{"demo", "2", NotifyKind::failed, "a\tb\033[31mc"};
  CHECK(notify_argv({"x"}, ctl)[4] == "a b [31mc");  // control characters are spaces
  auto env = notify_env(e);
  REQUIRE(env.size() == 4);
  CHECK(env[0] == std::pair<std::string, std::string>{"KIRO_PARALLEL_SPEC", "demo"});
  CHECK(env[2].second == "needs_person");
  CHECK(env[3].second == argv[6]);
}

TEST_CASE("notify settings: an argv list and the bell") {
  using json = nlohmann::json;
  NotifySettings none = parse_notify_settings(json::object(), "p.json");
  CHECK(none.command.empty());
  CHECK(none.bell);
  NotifySettings s = parse_notify_settings(json::parse(R"({"notify": {"command": ["ntfy", "pub"], "bell": false}})"), "p.json");
  CHECK(s.command == std::vector<std::string>{"ntfy", "pub"});
  CHECK_FALSE(s.bell);
  CHECK_THROWS_AS(parse_notify_settings(json::parse(R"({"notify": {"command": "ntfy pub $X"}})"), "p.json"), UsageError);
  CHECK_THROWS_AS(parse_notify_settings(json::parse(R"({"notify": {"command": []}})"), "p.json"), UsageError);
  CHECK_THROWS_AS(parse_notify_settings(json::parse(R"({"notify": {"bell": "yes"}})"), "p.json"), UsageError);
}

TEST_CASE("notify tracker: once per needs-a-person event, failures, never the first look") {
  NotifyTracker tracker;
  RunState s = two_tasks();
  s.tasks[1].status = TaskStatus::failed;  // already failed when first seen: an earlier master told
  CHECK(tracker.observe(s).empty());
  s.tasks[0].phase = "answering a prompt";  // kiro-parallel answers it itself: nothing
  CHECK(tracker.observe(s).empty());
  s.tasks[0].phase = "needs choice: Delete build/? (cursor on No)";
  auto events = tracker.observe(s);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == NotifyKind::needs_person);
  CHECK(events[0].task == "1.1");
  CHECK(events[0].spec == "demo");
  CHECK(tracker.observe(s).empty());  // still waiting: not again
  s.tasks[0].phase = "agent busy";
  CHECK(tracker.observe(s).empty());
  s.tasks[0].status = TaskStatus::failed;
  s.tasks[0].message = "the agent exited with status 1\nlog tail";
  events = tracker.observe(s);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == NotifyKind::failed);
  CHECK(events[0].message == "1.1 failed: the agent exited with status 1");
}

TEST_CASE("notify: the run's end says what became of the tasks") {
  RunState s = two_tasks();
  s.tasks[0].status = TaskStatus::completed;
  s.tasks[1].status = TaskStatus::failed;
  NotifyEvent e = run_ended_event(s);
  CHECK(e.kind == NotifyKind::run_ended);
  CHECK(e.task.empty());
  CHECK(e.message == "run of demo ended: 1 of 2 completed, 1 failed");
}

TEST_CASE("notify: the command runs without a shell and gets its arguments whole") {
  test::TempDir dir;
  auto out = dir.path() / "args";
  auto log = dir.path() / "notify.log";
  // python3 prints its arguments one per line: a shell would have expanded $(...).
  NotifyEvent e{"demo", "1.1", NotifyKind::needs_person, "$(touch pwned) `touch pwned2`"};
  ChildProcess child = start_notify(
      {"python3", "-c", "import sys, os; open(sys.argv[1], 'w').write('\\n'.join(sys.argv[2:] + [os.environ['KIRO_PARALLEL_KIND']]))",
       out.string()},
      e, log);
  CHECK(child.wait() == 0);
  CHECK(test::read_text(out) == "demo\n1.1\nneeds_person\n$(touch pwned) `touch pwned2`\nneeds_person");
  CHECK_FALSE(std::filesystem::exists(dir.path() / "pwned"));
  CHECK_FALSE(std::filesystem::exists("pwned"));
}
