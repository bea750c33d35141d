// The simulated agent (scripts/sim-agent) driven through a private tmux server.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "common/subprocess.hpp"
#include "common/tmux_client.hpp"
#include "integration/tmux_wait.hpp"
#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const char* kTasksMd =
    "# Implementation plan\n"
    "\n"
    "- [ ] 1. Parent task\n"
    "  - [ ] 1.1 First sub-task\n"
    "  * [ ] 1.10 Tenth sub-task\n"
    "- [ ] 2 Second task\n";

// One sim-agent in its own working folder, tmux session and log.
struct SimAgent {
  test::TmuxServer server;
  test::TempDir dir;
  TmuxClient tmux{server.socket()};
  std::string session = "demo-task-1-1";
  fs::path log = dir / "sim.log";

  explicit SimAgent(const std::string& plan_json, const std::vector<std::string>& extra_args = {}) {
    test::write_text(dir / ".kiro/specs/demo/tasks.md", kTasksMd);
    test::write_text(dir / "plan.json", plan_json);
    std::vector<std::string> argv{(test::source_dir() / "scripts/sim-agent").string(), "--plan",
                                  (dir / "plan.json").string()};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    tmux.new_session(session, dir.path(), argv, {{"KP_SIM_LOG", log.string()}});
  }

  std::string log_text() const { return test::read_text(log); }
  int count(const std::string& needle) const {
    std::string text = log_text();
    int n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  }
  bool wait_log(const std::string& needle) const {
    return test::wait_until([&] { return count(needle) > 0; });
  }
  std::string tasks_md() const { return test::read_text(dir / ".kiro/specs/demo/tasks.md"); }
  void type_and_submit(const std::string& text) {
    tmux.send_literal(session, text);
    REQUIRE(test::wait_for_text(tmux, session, text));
    tmux.send_enter(session);
  }
};

bool has_line_with(const std::string& screen, const std::string& a, const std::string& b) {
  std::istringstream in(screen);
  for (std::string line; std::getline(in, line);) {
    if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("sim-agent --help documents the plan keys and the log") {
  auto r = run_program({(test::source_dir() / "scripts/sim-agent").string(), "--help"});
  CHECK(r.exit_code == 0);
  for (const char* key : {"duration", "prompts", "crash", "hang", "append", "no_tick", "danger_menu",
                          "swallow_enter", "unsent", "lose_prompt", "error", "wait_for", "trust", "style",
                          "KP_SIM_PLAN", "KP_SIM_LOG"}) {
    CHECK_MESSAGE(r.out.find(key) != std::string::npos, key);
  }
  CHECK(run_program({(test::source_dir() / "scripts/sim-agent").string(), "--bogus"}).exit_code == 2);
}

TEST_CASE("classic: trust dialog, prompt, busy, one menu, done; every prompt answered once") {
  SimAgent agent(R"({"default": {"duration": 3, "prompts": 1}})");
  auto trust = test::wait_for_text(agent.tmux, agent.session, "Do you trust the files in this folder?");
  REQUIRE(trust);
  CHECK(trust.screen.find(agent.dir.path().string()) != std::string::npos);
  CHECK(trust.screen.find("❯ 1. Yes, proceed") != std::string::npos);
  CHECK(trust.screen.find("Enter to confirm · Esc to exit") != std::string::npos);
  agent.tmux.send_enter(agent.session);

  auto idle = test::wait_for_text(agent.tmux, agent.session, "? for shortcuts");
  REQUIRE(idle);
  CHECK(idle.screen.find("│ > ") != std::string::npos);
  CHECK(idle.screen.find("╭─") != std::string::npos);

  agent.type_and_submit("/kiro:spec-impl demo 1.1");
  auto busy = test::wait_for_screen(agent.tmux, agent.session, [](const std::string& s) {
    return has_line_with(s, "Working…", "esc to interrupt");
  });
  CHECK(busy);

  auto menu = test::wait_for_text(agent.tmux, agent.session, "Do you want to proceed?");
  REQUIRE(menu);
  CHECK(menu.screen.find("❯ 1. Yes") != std::string::npos);
  CHECK(menu.screen.find("3. No, and tell Claude what to do differently (esc)") != std::string::npos);
  agent.tmux.send_enter(agent.session);

  auto done = test::wait_for_text(agent.tmux, agent.session, "⏺ Done. Implemented task 1.1");
  REQUIRE(done);
  CHECK(test::wait_for_text(agent.tmux, agent.session, "? for shortcuts"));
  CHECK(test::read_text(agent.dir / "sim-output/task-1.1.txt").find("1.1") != std::string::npos);
  std::string tasks = agent.tasks_md();
  CHECK(tasks.find("  - [x] 1.1 First sub-task") != std::string::npos);
  CHECK(tasks.find("  * [ ] 1.10 Tenth") != std::string::npos);  // 1.1 is not a prefix match
  CHECK(tasks.find("- [ ] 1. Parent") != std::string::npos);

  REQUIRE(agent.wait_log(" done task=1.1"));
  CHECK(agent.count(" started ") == 1);
  CHECK(agent.count(" trust_answered option=1") == 1);
  CHECK(agent.count(" prompt_received text=/kiro:spec-impl demo 1.1") == 1);
  CHECK(agent.count(" menu_shown task=1.1 n=1") == 1);
  CHECK(agent.count(" menu_answered task=1.1 n=1 option=1") == 1);
  CHECK(agent.count(" enter_") == 0);  // no Enter went where it should not
  CHECK(agent.count(" done task=1.1") == 1);
}

TEST_CASE("new style: rules around the prompt, esc to interrupt in the footer; /exit quits") {
  SimAgent agent(R"({"trust": false, "default": {"duration": 2}})", {"--style", "new"});
  auto idle = test::wait_for_text(agent.tmux, agent.session, "? for shortcuts");
  REQUIRE(idle);
  CHECK(idle.screen.find("Do you trust") == std::string::npos);
  CHECK(idle.screen.find("\n❯ ") != std::string::npos);
  CHECK(idle.screen.find("────────") != std::string::npos);
  CHECK(idle.screen.find("╭") == std::string::npos);

  agent.type_and_submit("/kiro:spec-impl demo 2");
  auto busy = test::wait_for_text(agent.tmux, agent.session, "Working…");
  REQUIRE(busy);
  CHECK_FALSE(has_line_with(busy.screen, "Working…", "esc to interrupt"));
  CHECK(has_line_with(busy.screen, "manual mode on", "esc to interrupt"));
  REQUIRE(test::wait_for_text(agent.tmux, agent.session, "⏺ Done. Implemented task 2"));
  CHECK(agent.tasks_md().find("- [x] 2 Second task") != std::string::npos);

  agent.type_and_submit("/exit");
  REQUIRE(test::wait_until([&] { return agent.tmux.pane_exit_status(agent.session).has_value(); }));
  CHECK(agent.tmux.pane_dead(agent.session));
  CHECK(agent.tmux.pane_exit_status(agent.session) == 0);
}

TEST_CASE("crash exits with status 3 midway") {
  SimAgent agent(R"({"trust": false, "default": {"duration": 0.6, "crash": true}})");
  REQUIRE(test::wait_for_text(agent.tmux, agent.session, "? for shortcuts"));
  agent.type_and_submit("/kiro:spec-impl demo 1.1");
  REQUIRE(test::wait_until([&] { return agent.tmux.pane_exit_status(agent.session).has_value(); }));
  CHECK(agent.tmux.pane_dead(agent.session));
  CHECK(agent.tmux.pane_exit_status(agent.session) == 3);
  CHECK(agent.count(" crash task=1.1") == 1);
  CHECK(agent.count(" done ") == 0);
  CHECK_FALSE(fs::exists(agent.dir / "sim-output/task-1.1.txt"));
  CHECK(agent.tasks_md() == kTasksMd);
}

TEST_CASE("danger_menu: the cursor starts on No, Enter rejects and the task never finishes") {
  SimAgent agent(R"({"trust": false, "default": {"duration": 0.6, "danger_menu": true}})");
  REQUIRE(test::wait_for_text(agent.tmux, agent.session, "? for shortcuts"));
  agent.type_and_submit("/kiro:spec-impl demo 1.1");
  auto menu = test::wait_for_text(agent.tmux, agent.session, "❯ 3. No");
  REQUIRE(menu);
  CHECK(menu.screen.find("Do you want to proceed?") != std::string::npos);
  CHECK(menu.screen.find("❯ 1. Yes") == std::string::npos);
  agent.tmux.send_enter(agent.session);
  REQUIRE(test::wait_for_text(agent.tmux, agent.session, "Rejected."));
  REQUIRE(agent.wait_log(" idle"));
  CHECK(agent.count(" menu_answered task=1.1 n=1 option=3") == 1);
  CHECK(agent.count(" rejected task=1.1") == 1);
  // Back at the prompt with no work left: the spinner is gone for good.
  CHECK(test::wait_for_text(agent.tmux, agent.session, "? for shortcuts"));
  CHECK(agent.tmux.capture(agent.session).find("Working…") == std::string::npos);
  CHECK(agent.count(" done ") == 0);
  CHECK_FALSE(fs::exists(agent.dir / "sim-output/task-1.1.txt"));
  CHECK(agent.tasks_md() == kTasksMd);
}

TEST_CASE("swallow_enter keeps the text after the first Enter; append and no_tick") {
  SimAgent agent(R"({"trust": false,
                     "default": {"duration": 0.3, "swallow_enter": true,
                                 "append": "shared.txt", "no_tick": true}})");
  test::write_text(agent.dir / "shared.txt", "original first line\nsecond line\n");
  REQUIRE(test::wait_for_text(agent.tmux, agent.session, "? for shortcuts"));
  agent.type_and_submit("/kiro:spec-impl demo 1.1");
  REQUIRE(agent.wait_log(" enter_swallowed"));
  auto screen = agent.tmux.capture(agent.session);
  CHECK(has_line_with(screen, "│ > ", "/kiro:spec-impl demo 1.1"));
  CHECK(agent.count(" prompt_received") == 0);

  agent.tmux.send_enter(agent.session);
  REQUIRE(agent.wait_log(" done task=1.1"));
  CHECK(agent.count(" enter_swallowed") == 1);
  CHECK(agent.count(" prompt_received") == 1);
  CHECK(test::read_text(agent.dir / "shared.txt") == "1.1 was here\nsecond line\n");
  CHECK(agent.tasks_md() == kTasksMd);

  // Anything other than a task prompt gets a short answer.
  agent.type_and_submit("hello there");
  CHECK(test::wait_for_text(agent.tmux, agent.session, "I only run /kiro:spec-impl"));
}

TEST_CASE("hang keeps the spinner going; SIGTERM through kill_session ends it cleanly") {
  SimAgent agent(R"({"trust": false, "default": {"duration": 0.2, "hang": true}})");
  REQUIRE(test::wait_for_text(agent.tmux, agent.session, "? for shortcuts"));
  agent.type_and_submit("/kiro:spec-impl demo 1.1");
  REQUIRE(test::wait_for_text(agent.tmux, agent.session, "Working… (1s"));
  CHECK(agent.count(" done ") == 0);
  agent.tmux.kill_session(agent.session);
  CHECK(agent.wait_log(" signal name=SIGTERM"));
  CHECK(agent.count(" exit status=143") == 1);
}

TEST_CASE("wait_for holds the finish until the file exists, then the task is done once") {
  test::TempDir gate_dir;
  fs::path gate = gate_dir / "go";
  SimAgent agent(R"({"trust": false, "default": {"duration": 0.2, "wait_for": ")" + gate.string() + R"("}})");
  REQUIRE(test::wait_for_text(agent.tmux, agent.session, "? for shortcuts"));
  agent.type_and_submit("/kiro:spec-impl demo 1.1");
  REQUIRE(test::wait_for_text(agent.tmux, agent.session, "Working… (1s"));
  CHECK(agent.count(" done ") == 0);  // past its duration, still held
  test::write_text(gate, "");
  REQUIRE(agent.wait_log(" done task=1.1"));
  CHECK(agent.count(" done ") == 1);
}
