// The hook path end to end: the simulated agent run as `claude` gets Claude
// Code's hooks from kiro-parallel (--settings) and runs them as Claude does;
// its tool calls are answered by PreToolUse (no menu drawn), and the task is
// completed on its Stop signal and transcript, not on the screen alone.
#include <doctest/doctest.h>

#include "common/run_state.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;

TEST_CASE("stop hook: a task run by sim-agent as claude completes on its Stop signal") {
  RunFixture f("- [ ] 1. First\n- [ ] 2. Second\n", R"({"default": {"duration": 1.0, "prompts": 2}})");
  auto r = f.kp({"run", "app", "--no-watch", "--max-parallel", "2", "--order", "majors", "--agent-cmd",
                 f.claude_agent_cmd()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  REQUIRE(f.watched_ok());
  for (const auto& t : f.state().tasks) CHECK(t.status == TaskStatus::completed);
  for (const std::string id : {"1", "2"}) {
    CAPTURE(id);
    // The worker ended the turn on the signal; its channel holds the agent's hooks.
    const std::string worker_logs = test::read_text(f.paths().worker_log(0)) + test::read_text(f.paths().worker_log(1));
    CHECK(worker_logs.find("task " + id + ": monitor ended: turn ended the agent's Stop signal") != std::string::npos);
    CHECK(worker_logs.find("task " + id + ": turn ended (the agent's Stop signal") != std::string::npos);
    const std::string channel = test::read_text(f.paths().task_signals(id));
    CHECK(channel.find("\"hook_event_name\":\"SessionStart\"") != std::string::npos);
    CHECK(channel.find("\"hook_event_name\":\"UserPromptSubmit\"") != std::string::npos);
    CHECK(channel.find("\"hook_event_name\":\"Stop\"") != std::string::npos);
    CHECK(channel.find("\"decision\":\"allow\"") != std::string::npos);
  }
  // Both tools of each task were allowed by the PreToolUse hook: no menu was drawn.
  CHECK(f.sim_log_count({"menu_allowed_by_hook"}) == 4);
  CHECK(f.sim_log_count({"menu_shown"}) == 0);
  CHECK(f.sim_log_count({"hook", "event=Stop", "rc=0"}) == 2);
  CHECK(test::read_text(f.paths().logs_dir / "events.jsonl").find("\"completed\"") != std::string::npos);
}

TEST_CASE("stop hook: a tool the policy refuses shows Claude's menu and waits for a person") {
  // git push --force is refused by the default policy: PreToolUse says ask,
  // so the agent draws its menu; nobody answers and the task stays waiting.
  RunFixture f("- [ ] 1. First\n",
               R"({"default": {"duration": 1.0, "menus": [{"kind": "bash", "command": "git push --force origin main"}]}})");
  auto r = f.kp({"run", "app", "--no-watch", "--max-parallel", "1", "--agent-cmd", f.claude_agent_cmd()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  CHECK(RunFixture::wait_for([&] { return f.task_phase_contains("1", "needs choice"); }));
  CHECK(f.sim_log_count({"menu_shown", "planned_bash"}) == 1);
  CHECK(f.sim_log_count({"hook", "event=Notification"}) == 1);
  CHECK(f.sim_log_count({"menu_allowed_by_hook"}) == 0);
  f.kp({"stop-all", "app"});
}
