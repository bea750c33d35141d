#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "common/run_state.hpp"
#include "common/settings.hpp"
#include "common/error.hpp"
#include "test_support.hpp"

using namespace kp;

TEST_CASE("run state round-trips through its JSON file") {
  test::TempDir dir;
  RunState s;
  s.spec = "demo";
  s.config.agent_command = {"claude", "--flag"};
  s.config.agent_env = {{"A", "b"}};
  s.config.max_starting = 7;
  TaskState t;
  t.id = "1.10";
  t.title = "Write \"quoted\" 日本語";
  t.status = TaskStatus::conflict;
  t.deps = {"1.9"};
  t.duration = 12.5;
  t.worker = 2;
  s.tasks.push_back(t);
  write_run_state(dir / "state.json", s);
  auto back = read_run_state(dir / "state.json");
  REQUIRE(back);
  CHECK(back->spec == "demo");
  CHECK(back->config.agent_command == std::vector<std::string>{"claude", "--flag"});
  CHECK(back->config.agent_env.size() == 1);
  CHECK(back->config.max_starting == 7);
  REQUIRE(back->tasks.size() == 1);
  CHECK(back->tasks[0].title == t.title);
  CHECK(back->tasks[0].status == TaskStatus::conflict);
  CHECK(back->tasks[0].duration == doctest::Approx(12.5));
  CHECK(back->tasks[0].worker == 2);
  CHECK_FALSE(read_run_state(dir / "missing.json"));
  test::write_text(dir / "bad.json", "{not json");
  CHECK_THROWS_AS(read_run_state(dir / "bad.json"), RuntimeError);
}

TEST_CASE("completions appended by racing processes are all kept") {
  test::TempDir dir;
  auto paths = SpecPaths::at(dir.path(), "spec");
  std::filesystem::create_directories(paths.spec_dir);
  constexpr int kProcesses = 8, kEach = 10;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = ::fork();
    if (pid == 0) {
      for (int i = 0; i < kEach; ++i) {
        StateLock lock(paths);
        append_completion(paths.completed_json, {std::to_string(p) + "." + std::to_string(i), "t", 1.0 + i, "x"});
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto all = read_completions(paths.completed_json);
  CHECK(all.size() == kProcesses * kEach);
}

TEST_CASE("the median of the whole history weighs each task") {
  std::vector<Completion> h;
  for (int i = 0; i < 60; ++i) h.push_back({"1.1", "", i < 55 ? 10.0 : 1000.0, ""});
  h.push_back({"2", "", 3, ""});
  h.push_back({"2", "", 5, ""});
  auto m = median_durations(h);
  CHECK(m["1.1"] == doctest::Approx(10));
  CHECK(m["2"] == doctest::Approx(4));
}

TEST_CASE("settings: defaults, values, and errors that name file and key") {
  auto s = parse_settings(R"({"max_parallel": 5, "order": "strict", "agent": {"env": {"X": "1"}}})", "p.json");
  CHECK(s.max_parallel == 5);
  CHECK(s.order == "strict");
  CHECK(s.agent_env.size() == 1);
  CHECK(s.poll_interval_ms == 250);
  try {
    parse_settings(R"({"max_parallel": "many"})", "p.json");
    FAIL("expected an error");
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()).find("p.json: \"max_parallel\"") != std::string::npos);
  }
  CHECK_THROWS_AS(parse_settings("[1", "p.json"), UsageError);
  CHECK(s.max_starting == 0);  // auto: 2 per core, decided by run
  CHECK(parse_settings(R"({"max_starting": "auto"})", "p.json").max_starting == 0);
  CHECK(parse_settings(R"({"max_starting": 6})", "p.json").max_starting == 6);
  for (const char* bad : {R"({"max_starting": 0})", R"({"max_starting": "many"})", R"({"max_starting": 1.5})"}) {
    CAPTURE(bad);
    try {
      parse_settings(bad, "p.json");
      FAIL("expected an error");
    } catch (const UsageError& e) {
      CHECK(std::string(e.what()).find("p.json: \"max_starting\" must be \"auto\" or a whole number") != std::string::npos);
    }
  }
  CHECK(render_template("{spec}: task {task} {title}", "s", "1.2", "T") == "s: task 1.2 T");
}
