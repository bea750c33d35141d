// The prompt a real run sends follows what cc-sdd installed in the repository,
// and `run` refuses, before it writes anything, what cannot work.
#include <doctest/doctest.h>

#include "common/run_state.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;

namespace {

const char* kTwoTasks = "# Implementation Plan\n\n- [ ] 1. Setup\n- [ ] 1.1 First task\n- [ ] 1.2 Second task\n";
const char* kQuick = R"({"default": {"duration": 0.3}})";
const char* kSkill = "---\nname: kiro-impl\nargument-hint: <feature-name> [task-numbers]\n---\n";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("cc-sdd 3 skills installed: the agent receives /kiro-impl <spec> <task>") {
  RunFixture f(kTwoTasks, kQuick,
               {{".claude/skills/kiro-impl/SKILL.md", kSkill},
                {".kiro/specs/app/spec.json",
                 R"({"feature_name": "app", "approvals": {"tasks": {"generated": true, "approved": false}}})"}},
               false);
  auto dry = f.kp({"run", "app", "--dry-run", "--agent-cmd", f.agent_cmd()});
  REQUIRE_MESSAGE(dry.exit_code == 0, dry.out << dry.err);
  CHECK(contains(dry.out, "prompt: /kiro-impl {spec} {task}  (from cc-sdd skill .claude/skills/kiro-impl/SKILL.md)"));
  CHECK(contains(dry.out, "task 1.1 gets: /kiro-impl app 1.1"));
  CHECK_FALSE(std::filesystem::exists(f.paths().state_json));

  auto started = f.start(2);
  REQUIRE_MESSAGE(started.exit_code == 0, started.out << started.err);
  CHECK(contains(started.err, "not approved"));  // a warning: the run goes on
  CHECK(f.watched_ok());
  CHECK(f.sim_log_count({"prompt_received", "text=/kiro-impl app 1.1"}) >= 1);
  CHECK(f.sim_log_count({"prompt_received", "text=/kiro-impl app 1.2"}) >= 1);
  CHECK(f.sim_log_count({"prompt_received", "/kiro:spec-impl"}) == 0);
  CHECK(f.sim_log_count({"task_started", "task=1.2"}) >= 1);
  CHECK(f.state().config.prompt_template == "/kiro-impl {spec} {task}");
  auto status = f.kp({"status", "app"});
  CHECK(contains(status.out, "prompt: /kiro-impl {spec} {task}  (from cc-sdd skill"));
}

TEST_CASE("the older cc-sdd commands installed: the agent still receives /kiro:spec-impl") {
  RunFixture f(kTwoTasks, kQuick);  // the fixture installs .claude/commands/kiro/spec-impl.md
  auto started = f.start(1);
  REQUIRE_MESSAGE(started.exit_code == 0, started.out << started.err);
  CHECK(f.watched_ok());
  CHECK(f.sim_log_count({"prompt_received", "text=/kiro:spec-impl app 1.1"}) >= 1);
  CHECK(f.sim_log_count({"prompt_received", "/kiro-impl "}) == 0);
}

TEST_CASE("nothing installed: run exits 2, names what to install, writes no state, starts nothing") {
  RunFixture f(kTwoTasks, kQuick, {}, false);
  auto r = f.start(1);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "npx cc-sdd@latest --claude-skills"));
  CHECK(contains(r.err, "{\"agent\": {\"prompt\""));  // or set a prompt of one's own
  CHECK_FALSE(std::filesystem::exists(f.paths().state_json));
  CHECK_FALSE(master_alive(f.paths()));
  CHECK(f.sessions().empty());
  // A prompt of one's own is enough.
  test::write_text(f.repo() / ".kiro/settings/parallel.json", R"({"agent": {"prompt": "/kiro:spec-impl {spec} {task}"}})");
  auto dry = f.kp({"run", "app", "--dry-run", "--agent-cmd", f.agent_cmd()});
  CHECK_MESSAGE(dry.exit_code == 0, dry.err);
  CHECK(contains(dry.out, "(from the prompt set in the settings)"));
}

TEST_CASE("the agent's program is not on PATH: run exits 2 with the reason, no state") {
  RunFixture f(kTwoTasks, kQuick);
  auto r = f.kp({"run", "app", "--no-watch", "--agent-cmd", "kp-no-such-agent-program --flag"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "'kp-no-such-agent-program' is not on PATH"));
  CHECK_FALSE(std::filesystem::exists(f.paths().state_json));
  auto path = f.kp({"run", "app", "--no-watch", "--agent-cmd", "/nonexistent/agent"});
  CHECK(path.exit_code == 2);
  CHECK(contains(path.err, "is not an executable file"));
}

TEST_CASE("a skill installed but not committed: run warns that the task worktrees will not have it") {
  RunFixture f(kTwoTasks, kQuick, {}, false);
  test::write_text(f.repo() / ".claude/skills/kiro-impl/SKILL.md", kSkill);  // not committed
  auto dry = f.kp({"run", "app", "--dry-run", "--agent-cmd", f.agent_cmd()});
  CHECK_MESSAGE(dry.exit_code == 0, dry.err);
  CHECK(contains(dry.err, ".claude/skills/kiro-impl/SKILL.md is not committed on main"));
  CHECK(contains(dry.out, "task 1.1 gets: /kiro-impl app 1.1"));
}
