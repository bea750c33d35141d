// Done means done, with the simulated agent: a turn that ends in an error, a
// prompt that is never sent or is lost, and an agent that did not tick its
// task end as failed with the reason, never as completed; kiro-parallel never
// ticks a box or commits tasks.md to stand in for the agent.
#include <doctest/doctest.h>

#include "common/run_state.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;

namespace {

const char* kTwoTasks = R"(- [ ] 1. First
- [ ] 2. Second
)";

// Every task of the run ended failed, with `text` in its message; nothing merged.
void check_all_failed(const RunFixture& f, const std::string& text) {
  auto watch = f.watch();
  CHECK(watch.exit_code == 3);
  for (const auto& t : f.state().tasks) {
    CAPTURE(t.id);
    CHECK(t.status == TaskStatus::failed);
    CHECK_MESSAGE(t.message.find(text) != std::string::npos, t.message);
  }
  CHECK(test::git(f.repo(), {"log", "--oneline"}).find("Merge task") == std::string::npos);
  const bool recorded = std::filesystem::exists(f.paths().completed_json) &&
                        test::read_text(f.paths().completed_json).find("\"task_id\"") != std::string::npos;
  CHECK_FALSE(recorded);  // no completion recorded
}

}  // namespace

TEST_CASE("an API error at the end of the turn fails the task with the agent's words") {
  RunFixture f(kTwoTasks, R"({"default": {"error": "API Error: 400 invalid request"}})");
  REQUIRE(f.start(2).exit_code == 0);
  check_all_failed(f, "API Error: 400");
  // status and status --json carry the reason too.
  CHECK(f.kp({"status", "app"}).out.find("API Error: 400") != std::string::npos);
  auto json = nlohmann::json::parse(f.kp({"status", "app", "--json"}).out);
  CHECK(json.dump().find("API Error: 400") != std::string::npos);
}

TEST_CASE("a transient error is retried within retries, then fails") {
  RunFixture f("- [ ] 1. Only\n", R"({"default": {"error": "API Error: 529 Overloaded"}})");
  test::write_text(f.repo() / ".kiro" / "settings" / "parallel.json", R"({"retries": 1})");
  REQUIRE(f.start(1).exit_code == 0);
  check_all_failed(f, "529");
  CHECK(f.sim_log_count({"error", "task=1 "}) == 2);  // the first attempt and its retry
  CHECK(f.state().tasks[0].attempts == 2);
}

// The time the agent has to show it took the prompt, short for these tests.
void quick_delivery(const RunFixture& f) {
  test::write_text(f.repo() / ".kiro" / "settings" / "parallel.json", R"({"prompt_delivery_seconds": 8})");
}

TEST_CASE("a prompt whose Enter never sends it is not delivered, and the task fails") {
  RunFixture f("- [ ] 1. Only\n", R"({"default": {"unsent": true}})");
  quick_delivery(f);
  REQUIRE(f.start(1).exit_code == 0);
  check_all_failed(f, "never showed it took the prompt");
  CHECK(f.sim_log_count({"enter_swallowed"}) >= 2);  // Enter was tried again
  CHECK(f.sim_log_count({"task_started"}) == 0);
}

TEST_CASE("a prompt lost once is typed again; one lost every time fails the task") {
  RunFixture once("- [ ] 1. Only\n", R"({"default": {"lose_prompt": 1}})");
  REQUIRE(once.start(1).exit_code == 0);
  CHECK(once.watched_ok());
  CHECK(once.sim_log_count({"prompt_lost"}) == 1);
  CHECK(once.sim_log_count({"done", "task=1"}) == 1);

  RunFixture always("- [ ] 1. Only\n", R"({"default": {"lose_prompt": true}})");
  quick_delivery(always);
  REQUIRE(always.start(1).exit_code == 0);
  check_all_failed(always, "never showed it took the prompt");
  CHECK(always.sim_log_count({"prompt_lost"}) == 2);
}

TEST_CASE("an agent back at its prompt without ticking its task fails: no tick is forged") {
  RunFixture f("- [ ] 1. Only\n", R"({"default": {"no_tick": true}})");
  REQUIRE(f.start(1).exit_code == 0);
  check_all_failed(f, "without evidence of completion (missing: checkbox");
  // Its words are in the message, and the box stays unticked everywhere.
  CHECK(f.state().tasks[0].message.find("Done. Implemented task 1") != std::string::npos);
  CHECK(test::git(f.repo(), {"show", "HEAD:.kiro/specs/app/tasks.md"}).find("- [x] 1") == std::string::npos);
}

TEST_CASE("completion.require = work accepts an agent that changed files without ticking") {
  RunFixture f("- [ ] 1. Only\n", R"({"default": {"no_tick": true}})");
  test::write_text(f.repo() / ".kiro" / "settings" / "parallel.json", R"({"completion": {"require": "work"}})");
  REQUIRE(f.start(1).exit_code == 0);
  CHECK(f.watched_ok());
  CHECK(f.state().tasks[0].evidence == "work");
}

TEST_CASE("approval policy in a run: edits and test commands pass without a person, a push waits for one") {
  RunFixture f("- [ ] 1. Edit and test\n- [ ] 2. Publish\n",
               R"({"style": "new", "tasks": {
                    "1": {"duration": 1, "menus": [{"kind": "write", "path": "src/app.txt"},
                                                   {"kind": "bash", "command": "make test"}]},
                    "2": {"duration": 1, "menus": [{"kind": "bash", "command": "git push --force origin main"}]}}})");
  REQUIRE(f.start(2).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("2", "needs choice"); }));
  REQUIRE(RunFixture::wait_for([&] {
    auto s = read_run_state(f.paths().state_json);
    return s && s->find("1") && s->find("1")->status == TaskStatus::completed;
  }));
  CHECK(f.sim_log_count({"ran", "make test"}) == 1);
  CHECK(f.sim_log_count({"ran", "git push"}) == 0);  // never approved
  const std::string phase = f.state().find("2")->phase;
  CHECK_MESSAGE(phase.find("git push --force origin main") != std::string::npos, phase);  // the command, shown
  auto json = nlohmann::json::parse(f.kp({"status", "app", "--json"}).out);
  CHECK(json["needs_choice"] == nlohmann::json::array({"2"}));
  const std::string worker_logs = test::read_text(f.paths().worker_log(0)) + test::read_text(f.paths().worker_log(1));
  CHECK(worker_logs.find("approved by rule") != std::string::npos);  // every decision is logged with its rule
  CHECK(f.kp({"stop-all", "app"}).ok());
}
