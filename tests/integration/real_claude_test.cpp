// The real Claude Code (2.1.332, installed by scripts/install-agents.sh)
// against the scripted model server: a task is completed only on evidence,
// every failure says why, and stopping leaves no agent process behind.
// Claude needs ~300 MB and a fraction of a core: two at a time at most.
#include <doctest/doctest.h>

#include <thread>

#include "common/agent_processes.hpp"
#include "real_agent_fixture.hpp"

using namespace kp;
using namespace kp::test;

namespace {

const char* const kTasks = kTwoParallelTasks;

nlohmann::json working_script() {
  auto steps = [](const std::string& task, const std::string& file) {
    return nlohmann::json::array({{{"write", {{"path", file}, {"content", task + " was here\n"}}}},
                                  {{"tick", {{"spec", "app"}, {"task", task}}}},
                                  {{"text", "Task " + task + " is implemented."}}});
  };
  return {{"tasks", {{"1.1", steps("1.1", "hello.txt")}, {"1.2", steps("1.2", "bye.txt")}}}};
}

std::optional<std::filesystem::path> claude_or_skip() {
  auto claude = installed_cli("claude");
  if (!claude) MESSAGE("skipped: the real claude is not installed (scripts/install-agents.sh; npm needed)");
  return claude;
}

int completed(const RunState& s) {
  int n = 0;
  for (const auto& t : s.tasks) n += t.status == TaskStatus::completed ? 1 : 0;
  return n;
}

// The whole run (two workers) ends with every task failed, `text` in each
// message, and nothing completed.
void check_all_failed(const RealAgentRun& run, const std::string& text) {
  RunResult r = run.run_to_end(2);
  CHECK(r.exit_code == 3);
  RunState s = run.state();
  CHECK(completed(s) == 0);
  for (const auto& t : s.tasks) {
    CAPTURE(t.id);
    CHECK(t.status == TaskStatus::failed);
    CHECK_MESSAGE(t.message.find(text) != std::string::npos, t.message << "\n" << run.explain());
  }
}

}  // namespace

TEST_CASE("real claude: a normal run completes every task on evidence, with its work on the target branch") {
  auto claude = claude_or_skip();
  if (!claude) return;
  RealAgentRun run("claude", *claude, kTasks, working_script(), /*install_cc_sdd=*/true);
  RunResult r = run.run_to_end(2);
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err << run.explain());
  RunState s = run.state();
  CHECK(completed(s) == 2);
  for (const auto& t : s.tasks) {
    CAPTURE(t.id);
    CHECK(t.evidence == "signal + checkbox + work");  // Stop hook, its own tick, its files
    CHECK(t.tokens_output > 0);                // from the transcript
  }
  CHECK(test::git(run.repo(), {"show", "HEAD:hello.txt"}) == "1.1 was here\n");
  CHECK(test::git(run.repo(), {"show", "HEAD:bye.txt"}) == "1.2 was here\n");
  const std::string tasks_on_main = test::git(run.repo(), {"show", "HEAD:.kiro/specs/app/tasks.md"});
  CHECK(tasks_on_main.find("- [x] 1.1") != std::string::npos);
  CHECK(tasks_on_main.find("- [x] 1.2") != std::string::npos);
}

TEST_CASE("real claude: without cc-sdd's command the tasks fail with 'Unknown command', none completes") {
  auto claude = claude_or_skip();
  if (!claude) return;
  RealAgentRun run("claude", *claude, kTasks, working_script(), /*install_cc_sdd=*/false);
  // Past the preflight (which refuses a repository without the command): the
  // prompt names the skill anyway, as a stale agent.prompt would.
  run.settings()["agent"]["prompt"] = "/kiro-impl {spec} {task}";
  run.write_settings();
  check_all_failed(run, "Unknown command");
  CHECK(run.server().main_requests() == 0);  // nothing reached the model
  CHECK(test::git(run.repo(), {"log", "--oneline"}).find("Merge task") == std::string::npos);
}

TEST_CASE("real claude: an API error on every turn completes no task and says which error") {
  auto claude = claude_or_skip();
  if (!claude) return;
  nlohmann::json script = {{"default", nlohmann::json::array({{{"error", {{"status", 400}, {"message", "scripted invalid request"}}}}})}};
  RealAgentRun run("claude", *claude, kTasks, script, /*install_cc_sdd=*/true);
  check_all_failed(run, "API Error: 400");
  // The status a person reads says it too.
  RunResult status = run.kp({"status", "app"});
  CHECK(status.out.find("API Error: 400") != std::string::npos);
}

TEST_CASE("real claude: an agent that never starts completes no task and says why") {
  auto claude = claude_or_skip();
  if (!claude) return;
  RealAgentRun run("claude", *claude, kTasks, working_script(), /*install_cc_sdd=*/true);
  // A HOME that never finished onboarding: claude tries Anthropic's own hosts and exits.
  run.settings()["agent"]["env"]["HOME"] = (run.repo().parent_path() / "empty-home").string();
  std::filesystem::create_directories(run.repo().parent_path() / "empty-home");
  run.write_settings();
  check_all_failed(run, "exited");  // the pane's process ended before any prompt
}

TEST_CASE("real claude: stop-all leaves no agent process working in a task's worktree") {
  auto claude = claude_or_skip();
  if (!claude) return;
  nlohmann::json slow = {{"default", nlohmann::json::array({{{"bash", "sleep 120 && touch late.txt"}, {"say", "Waiting."}}})}};
  RealAgentRun run("claude", *claude, kTasks, slow, /*install_cc_sdd=*/true);
  REQUIRE(run.kp({"run", "app", "--no-watch", "--max-parallel", "2"}).ok());
  std::vector<std::filesystem::path> worktrees;
  auto busy = [&] {
    auto s = read_run_state(run.paths().state_json);
    if (!s) return false;
    worktrees.clear();
    int n = 0;
    for (const auto& t : s->tasks) {
      worktrees.emplace_back(t.worktree);
      n += !processes_working_in(t.worktree).empty() && t.phase == "agent busy" ? 1 : 0;
    }
    return n == 2;
  };
  bool both = false;
  for (int i = 0; i < 1200 && !both; ++i) {
    both = busy();
    if (!both) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_MESSAGE(both, run.explain());
  RunResult stopped = run.kp({"stop-all", "app"});
  CHECK(stopped.ok());
  for (const auto& w : worktrees) {
    CAPTURE(w);
    CHECK(processes_working_in(w).empty());  // claude, its shell and the sleep are gone
  }
  CHECK(processes_with_mark(task_mark(run.repo(), "app", "1.1")).empty());
}

namespace {

nlohmann::json push_script() {
  return {{"tasks",
           {{"1.1", nlohmann::json::array({{{"write", {{"path", "ok.txt"}, {"content", "fine\n"}}}},
                                          {{"bash", "touch tested.txt"}},
                                          {{"bash", "git push --force origin main; touch pushed.txt"}},
                                          {{"tick", {{"spec", "app"}, {"task", "1.1"}}}},
                                          {{"text", "Done, without the push."}}})}}}};
}


}  // namespace

TEST_CASE("real claude: a denied command waits for a person; ordinary edits and commands need none") {
  auto claude = claude_or_skip();
  if (!claude) return;
  RealAgentRun run("claude", *claude, "# Implementation Plan\n\n- [ ] 1.1 Only task\n", push_script(), true);
  REQUIRE(run.kp({"run", "app", "--no-watch", "--max-parallel", "1"}).ok());
  auto waiting = [&] {
    auto s = read_run_state(run.paths().state_json);
    return s && s->find("1.1") && s->find("1.1")->phase.find("needs choice") != std::string::npos;
  };
  bool asked = false;
  for (int i = 0; i < 900 && !asked; ++i) {
    asked = waiting();
    if (!asked) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_MESSAGE(asked, run.explain());
  const std::filesystem::path worktree = run.state().find("1.1")->worktree;
  CHECK(std::filesystem::exists(worktree / "ok.txt"));       // a write inside the worktree: approved
  CHECK(std::filesystem::exists(worktree / "tested.txt"));   // an ordinary command: approved
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK_FALSE(std::filesystem::exists(worktree / "pushed.txt"));  // the push never ran
  CHECK(run.state().find("1.1")->phase.find("git") != std::string::npos);  // status names the command's rule
  CHECK(run.kp({"status", "app"}).out.find("needs choice") != std::string::npos);
  CHECK(run.kp({"stop-all", "app"}).ok());
}

TEST_CASE("real claude: with approve.on_refuse = reject the agent is told no and goes on") {
  auto claude = claude_or_skip();
  if (!claude) return;
  RealAgentRun run("claude", *claude, "# Implementation Plan\n\n- [ ] 1.1 Only task\n", push_script(), true);
  run.settings()["approve"] = {{"on_refuse", "reject"}};
  run.write_settings();
  RunResult r = run.run_to_end(1);
  CHECK_MESSAGE(r.exit_code == 0, r.out << run.explain());
  CHECK(test::git(run.repo(), {"show", "HEAD:ok.txt"}) == "fine\n");
  CHECK(test::git(run.repo(), {"ls-tree", "--name-only", "HEAD"}).find("pushed.txt") == std::string::npos);
  // The model received the refusal and its reason as the tool's result.
  const std::string log = test::read_text(run.server().log());
  CHECK(log.find("kiro-parallel approval policy") != std::string::npos);
  // The decision is in the task's signal channel.
  CHECK(test::read_text(run.paths().task_signals("1.1")).find("\"decision\":\"deny\"") != std::string::npos);
}
