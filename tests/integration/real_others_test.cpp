// The real codex (0.171), gemini-cli (0.61) and qwen-code (0.24), installed by
// scripts/install-agents.sh, driven by `kiro-parallel run` against the scripted
// model server: a normal run completes its tasks on the agent's own tick, an
// API error on every turn completes none and says which, and neither stop-all
// nor the end of a task leaves an agent process behind (an idle gemini ignores
// the SIGHUP of tmux: only the KIRO_PARALLEL_TASK mark finds it). These agents
// get the generic prompt (no cc-sdd files); at most two run at once.
#include <doctest/doctest.h>

#include <thread>

#include "common/agent_processes.hpp"
#include "common/agent_profile.hpp"
#include "real_agent_fixture.hpp"

using namespace kp;
using namespace kp::test;

namespace {

const char* const kTwoTasks = kTwoParallelTasks;

const char* const kOneTask = "# Implementation Plan\n\n- [ ] 1.1 Write hello.txt\n";

// The generic prompt: "Implement task 1.1 of the spec in .kiro/specs/app/ ...".
const char* const kGenericTaskPattern = R"(Implement task ([0-9][0-9.]*[0-9]|[0-9]) of the spec)";
const char* const kScriptedError = "scripted bad request";

nlohmann::json script_with(nlohmann::json body) {
  body["task_pattern"] = kGenericTaskPattern;
  return body;
}

nlohmann::json working_script() {
  auto steps = [](const std::string& task, const std::string& file) {
    return nlohmann::json::array({{{"write", {{"path", file}, {"content", task + " was here\n"}}}},
                                  {{"tick", {{"spec", "app"}, {"task", task}}}},
                                  {{"text", "Task " + task + " is implemented."}}});
  };
  return script_with({{"tasks", {{"1.1", steps("1.1", "hello.txt")}, {"1.2", steps("1.2", "bye.txt")}}}});
}

std::optional<std::filesystem::path> cli_or_skip(const std::string& agent) {
  auto cli = installed_cli(agent);
  if (!cli) MESSAGE("skipped: the real " << agent << " is not installed (scripts/install-agents.sh; npm needed)");
  return cli;
}

void pre_trust(const RealAgentRun& run, const std::string& agent, const nlohmann::json& env);

// The built-in profile's command (--no-daemon, --approval-mode default, ...)
// with the installed binary in place of the program name, and its prompt.
void use_profile_command(RealAgentRun& run, const std::string& agent, const std::filesystem::path& binary) {
  const AgentProfile* profile = builtin_profile(agent);
  REQUIRE(profile != nullptr);
  std::vector<std::string> command = profile->command;
  command.front() = binary.string();
  run.settings()["agent"]["command"] = command;
  // Past the preflight that asks for cc-sdd's files: the profile's generic prompt.
  run.settings()["agent"]["prompt"] = profile->prompt_template;
  // A failure must not wait long: a turn that never ends, a prompt never taken.
  run.settings()["task_timeout_minutes"] = 2;
  run.settings()["prompt_delivery_seconds"] = 30;
  // One more attempt for a turn that never ends: under CI's load qwen once
  // sat for 2 minutes after an approved menu (the Enter apparently not
  // taken). A permanent error (the 400 below) is never retried.
  run.settings()["retries"] = 1;
  run.write_settings();
  pre_trust(run, agent, run.settings()["agent"]["env"]);
}

// The folder trusted before the start, as a person who ran the agent there
// once would have it: codex's trust dialog, answered while the machine is
// loaded, made codex 0.171 exit ("timed out discarding buffered terminal
// input"), and gemini restarts itself (~5 s) after its dialog. Not part of
// agent_home.py's --trust: the worktrees sit beside the repository.
void pre_trust(const RealAgentRun& run, const std::string& agent, const nlohmann::json& env) {
  const std::filesystem::path home = env.at("HOME").get<std::string>();
  if (agent == "codex") {  // a linked worktree's trust is its main repository's
    const std::filesystem::path config = home / ".codex" / "config.toml";
    write_text(config, read_text(config) + "\n[projects." + nlohmann::json(run.repo().string()).dump() +
                           "]\ntrust_level = \"trusted\"\n");
  } else if (agent == "gemini") {  // TRUST_FOLDER covers every folder under it
    nlohmann::json folders = {{run.repo().parent_path().string(), "TRUST_FOLDER"}};
    write_text(home / ".gemini" / "trustedFolders.json", folders.dump(2));
  }
}

int completed(const RunState& s) {
  int n = 0;
  for (const auto& t : s.tasks) n += t.status == TaskStatus::completed ? 1 : 0;
  return n;
}

// No process of the agent left: none with a task's mark, none working in a worktree.
void check_no_agent_left(const RealAgentRun& run, const std::vector<std::string>& tasks) {
  for (const auto& id : tasks) {
    CAPTURE(id);
    CHECK(processes_with_mark(task_mark(run.repo(), "app", id)).empty());
    const TaskState* t = run.state().find(id);
    REQUIRE(t != nullptr);
    if (!t->worktree.empty()) CHECK(processes_working_in(t->worktree).empty());
  }
}

void normal_run_completes_on_the_agents_tick(const std::string& agent) {
  auto cli = cli_or_skip(agent);
  if (!cli) return;
  RealAgentRun run(agent, *cli, kTwoTasks, working_script(), /*install_cc_sdd=*/false);
  use_profile_command(run, agent, *cli);
  RunResult r = run.run_to_end(2);
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err << run.explain());
  RunState s = run.state();
  CHECK_MESSAGE(completed(s) == 2, run.explain());
  for (const auto& t : s.tasks) {
    CAPTURE(t.id);
    CHECK_MESSAGE(t.evidence.find("checkbox") != std::string::npos, t.evidence);  // the agent's own tick
    // qwen's Stop hook (through its system settings) ended the turn.
    if (agent == "qwen") CHECK_MESSAGE(t.evidence.find("signal") != std::string::npos, t.evidence);
  }
  if (agent == "qwen") {
    // Its follow-up suggestions are off: no side request ("[SUGGESTION MODE: ...") reached the model.
    CHECK(run.server().side_requests() == 0);
  }
  CHECK(test::git(run.repo(), {"show", "HEAD:hello.txt"}) == "1.1 was here\n");
  CHECK(test::git(run.repo(), {"show", "HEAD:bye.txt"}) == "1.2 was here\n");
  const std::string tasks_on_main = test::git(run.repo(), {"show", "HEAD:.kiro/specs/app/tasks.md"});
  CHECK(tasks_on_main.find("- [x] 1.1") != std::string::npos);
  CHECK(tasks_on_main.find("- [x] 1.2") != std::string::npos);
  check_no_agent_left(run, {"1.1", "1.2"});  // the end of a task stops the (idle) agent
}

void api_error_completes_nothing(const std::string& agent) {
  auto cli = cli_or_skip(agent);
  if (!cli) return;
  // 400: gemini retries 429 and 5xx for minutes whatever its settings say.
  nlohmann::json script = script_with(
      {{"default", nlohmann::json::array({{{"error", {{"status", 400}, {"message", kScriptedError}}}}})}});
  RealAgentRun run(agent, *cli, kOneTask, script, /*install_cc_sdd=*/false);
  use_profile_command(run, agent, *cli);
  RunResult r = run.run_to_end(1);
  CHECK_MESSAGE(r.exit_code == 3, r.out << r.err << run.explain());
  RunState s = run.state();
  CHECK(completed(s) == 0);
  const TaskState* t = s.find("1.1");
  REQUIRE(t != nullptr);
  CHECK(t->status == TaskStatus::failed);
  CHECK_MESSAGE(t->message.find(kScriptedError) != std::string::npos, t->message << "\n" << run.explain());
  CHECK(run.server().main_requests() >= 1);  // the prompt did reach the model
  CHECK(run.kp({"status", "app"}).out.find(kScriptedError) != std::string::npos);
  CHECK(test::git(run.repo(), {"log", "--oneline"}).find("Merge task") == std::string::npos);
  check_no_agent_left(run, {"1.1"});  // gemini sits idle after the error: stopped by its mark
}

// The task's turn holds the agent: gemini and qwen ask a person (an idle
// agent at a question), codex (no question tool) waits on a slow model.
nlohmann::json holding_script(const std::string& agent) {
  if (agent == "codex") {
    return script_with({{"default", nlohmann::json::array({{{"text", "Slow answer."}, {"sleep", 90}}})}});
  }
  return script_with({{"default", nlohmann::json::array({{{"ask", "Which greeting should hello.txt hold?"}}})}});
}

void stop_all_leaves_no_agent(const std::string& agent) {
  auto cli = cli_or_skip(agent);
  if (!cli) return;
  RealAgentRun run(agent, *cli, kOneTask, holding_script(agent), /*install_cc_sdd=*/false);
  use_profile_command(run, agent, *cli);
  REQUIRE(run.kp({"run", "app", "--no-watch", "--max-parallel", "1"}).ok());
  const std::string mark = task_mark(run.repo(), "app", "1.1");
  std::filesystem::path worktree;
  auto held = [&] {  // the model answered (or is answering) and the agent still runs
    auto s = read_run_state(run.paths().state_json);
    if (!s || !s->find("1.1") || s->find("1.1")->status != TaskStatus::running) return false;
    worktree = s->find("1.1")->worktree;
    return run.server().main_requests() >= 1 && !processes_with_mark(mark).empty() &&
           !processes_working_in(worktree).empty();
  };
  bool holding = false;
  for (int i = 0; i < 600 && !holding; ++i) {
    holding = held();
    if (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_MESSAGE(holding, run.explain());
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the question drawn, the agent idle at it
  REQUIRE_MESSAGE(!processes_with_mark(mark).empty(), run.explain());
  RunResult stopped = run.kp({"stop-all", "app"});
  CHECK_MESSAGE(stopped.ok(), stopped.out << stopped.err);
  CHECK(processes_with_mark(mark).empty());
  CHECK(processes_working_in(worktree).empty());
  CHECK(run.state().find("1.1")->status != TaskStatus::completed);
}

}  // namespace

TEST_CASE("real codex: a normal run completes every task on its own tick, its work on the target branch") {
  normal_run_completes_on_the_agents_tick("codex");
}
TEST_CASE("real codex: an API error on every turn completes no task and says which error") {
  api_error_completes_nothing("codex");
}
TEST_CASE("real codex: stop-all leaves no agent process behind") { stop_all_leaves_no_agent("codex"); }

TEST_CASE("real gemini: a normal run completes every task on its own tick, its work on the target branch") {
  normal_run_completes_on_the_agents_tick("gemini");
}
TEST_CASE("real gemini: an API error on every turn completes no task and says which error") {
  api_error_completes_nothing("gemini");
}
TEST_CASE("real gemini: stop-all leaves no agent process behind, though gemini ignores SIGHUP") {
  stop_all_leaves_no_agent("gemini");
}

TEST_CASE("real qwen: a normal run completes every task on its own tick, its work on the target branch") {
  normal_run_completes_on_the_agents_tick("qwen");
}
TEST_CASE("real qwen: an API error on every turn completes no task and says which error") {
  api_error_completes_nothing("qwen");
}
TEST_CASE("real qwen: stop-all leaves no agent process behind") { stop_all_leaves_no_agent("qwen"); }
