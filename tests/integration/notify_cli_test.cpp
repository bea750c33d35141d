// notify.command in a real run: called once when a task needs a person (a menu
// it will not answer), never for the prompts kiro-parallel answers itself, and
// once when the run ends.
#include <doctest/doctest.h>

#include <string>

#include "common/run_state.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;

namespace {

const char* kOneTask = R"(- [ ] 1. Only
- [ ] 1.1 The task
)";

int count_lines(const std::string& text, const std::string& part) {
  int n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("notify: once per needs-a-person event, not for auto-answered prompts, once at the end") {
  test::TempDir out;
  auto calls = out.path() / "calls";
  // Each call appends "spec|task|kind|$KIRO_PARALLEL_KIND" as one line.
  std::string settings = nlohmann::json{
      {"notify",
       {{"command",
         {"python3", "-c",
          "import os, sys; open(sys.argv[1], 'a').write('|'.join(sys.argv[2:5] + [os.environ['KIRO_PARALLEL_KIND']]) + '\\n')",
          calls.string()}}}}}.dump();
  RunFixture f(kOneTask, R"({"style": "new", "default": {"duration": 1.5, "prompts": 2, "danger_menu": true}})",
               {{".kiro/settings/parallel.json", settings}});
  REQUIRE(f.start(1).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "needs choice"); }));
  REQUIRE(RunFixture::wait_for([&] { return std::filesystem::exists(calls); }, std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // still waiting: no second call
  CHECK(test::read_text(calls) == "app|1.1|needs_person|needs_person\n");
  f.tmux().tmux({"send-keys", "-t", "=app-task-1-1:", "1"});  // the person says yes
  CHECK(f.watched_ok());
  CHECK(f.sim_log_count({"menu_answered", "option=1"}) >= 2);  // the two safe menus were answered by kiro-parallel
  REQUIRE_MESSAGE(RunFixture::wait_for([&] { return count_lines(test::read_text(calls), "|run_ended|run_ended") == 1; },
                                       std::chrono::seconds(10)),
                  test::read_text(calls) << f.explain() << test::read_text(f.paths().logs_dir / "notify.log"));
  std::string text = test::read_text(calls);
  CHECK(count_lines(text, "needs_person|needs_person") == 1);
  CHECK(count_lines(text, "app||run_ended|run_ended") == 1);
  CHECK(count_lines(text, "\n") == 2);
}
