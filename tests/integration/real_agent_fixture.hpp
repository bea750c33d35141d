// Real agent CLIs (installed by scripts/install-agents.sh into .agents-cli/)
// against the scripted model server of tests/agents/, in throw-away HOMEs and
// repositories, on a private tmux server. A CLI that is not installed makes
// its test report itself skipped, with the reason.
#pragma once
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "common/run_state.hpp"
#include "common/spec_paths.hpp"
#include "common/subprocess.hpp"
#include "test_support.hpp"

namespace kp::test {

// Two parallel sub-tasks that each real-agent test runs (hello.txt, bye.txt).
inline constexpr const char* kTwoParallelTasks =
    "# Implementation Plan\n\n"
    "- [ ] 1. Greetings\n"
    "- [ ] 1.1 Write hello.txt (P)\n"
    "  - Create hello.txt\n"
    "  - _Boundary: hello_\n"
    "- [ ] 1.2 Write bye.txt (P)\n"
    "  - Create bye.txt\n"
    "  - _Boundary: bye_\n";

// .agents-cli/<name>/node_modules/.bin/<name> (or under $KP_AGENTS_DIR), if installed.
inline std::optional<std::filesystem::path> installed_cli(const std::string& name) {
  const char* dir = std::getenv("KP_AGENTS_DIR");
  std::filesystem::path root = dir && *dir ? std::filesystem::path(dir) : source_dir() / ".agents-cli";
  std::filesystem::path bin = root / name / "node_modules" / ".bin" / name;
  if (std::filesystem::exists(bin)) return bin;
  return std::nullopt;
}

// tests/agents/model_server.py on a free loopback port, stopped at the end.
class ModelServer {
 public:
  ModelServer(const std::filesystem::path& dir, const nlohmann::json& script) : dir_(dir) {
    write_script(script);
    child_ = spawn_program({"python3", (source_dir() / "tests" / "agents" / "model_server.py").string(), "--port-file",
                            (dir_ / "port").string(), "--log", log().string(), "--script", (dir_ / "script.json").string(),
                            "--max-seconds", "900"},
                           SpawnOptions{.stdout_path = dir_ / "server.out"});
    for (int i = 0; i < 100 && port_.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (std::filesystem::exists(dir_ / "port")) port_ = read_text(dir_ / "port");
      while (!port_.empty() && (port_.back() == '\n' || port_.back() == ' ')) port_.pop_back();
    }
    REQUIRE_MESSAGE(!port_.empty(), "the scripted model server did not start: " << read_text(dir_ / "server.out"));
  }
  ~ModelServer() { child_.terminate_group(std::chrono::seconds(2)); }
  ModelServer(const ModelServer&) = delete;
  ModelServer& operator=(const ModelServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + port_; }
  std::filesystem::path log() const { return dir_ / "requests.jsonl"; }
  void write_script(const nlohmann::json& script) const { write_text(dir_ / "script.json", script.dump(2)); }
  // Requests that served a step of the main conversation / side requests
  // (titles, qwen's follow-up suggestions, next-speaker checks).
  int main_requests() const { return count_requests(false); }
  int side_requests() const { return count_requests(true); }

 private:
  int count_requests(bool side) const {
    int n = 0;
    std::istringstream in(std::filesystem::exists(log()) ? read_text(log()) : std::string());
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("method") && j.value("side", false) == side) ++n;
    }
    return n;
  }

  std::filesystem::path dir_;
  ChildProcess child_;
  std::string port_;
};

// A repository with spec "app", a throw-away HOME for the agent and
// kiro-parallel's settings pointing the agent at the model server.
class RealAgentRun {
 public:
  RealAgentRun(const std::string& agent, const std::filesystem::path& binary, const std::string& tasks_md,
               const nlohmann::json& script, bool install_cc_sdd)
      : server_(dir_.path(), script), repo_(dir_ / "repo"), paths_(SpecPaths::at(dir_ / "repo", "app")) {
    init_repo(repo_, {{".kiro/specs/app/tasks.md", tasks_md}, {"README.md", "app\n"}});
    if (install_cc_sdd) {
      auto cc_sdd = installed_cli("cc-sdd");
      REQUIRE_MESSAGE(cc_sdd.has_value(), "cc-sdd is not installed (scripts/install-agents.sh)");
      RunResult r = run_program({cc_sdd->string(), "--yes", "--lang", "en"}, RunOptions{.cwd = repo_});
      REQUIRE_MESSAGE(r.ok(), "cc-sdd failed: " << r.out << r.err);
    }
    nlohmann::json env = agent_env(agent);
    env["CLAUDE_CODE_MAX_RETRIES"] = "1";  // an API error ends the turn in seconds, not minutes
    // gemini-cli runs non-interactively (and quits) when CI is set, as it is in
    // CI's environment and so in the tmux server's.
    env["CI"] = "false";
    settings_ = {{"agent", {{"profile", agent}, {"command", {binary.string()}}, {"env", env}}},
                 {"task_timeout_minutes", 4}};
    write_settings();
    git(repo_, {"add", "-A"});
    git(repo_, {"commit", "-q", "-m", "cc-sdd and settings"});
  }
  ~RealAgentRun() {
    if (master_alive(paths_)) kp({"stop-all", "app"});
  }

  nlohmann::json& settings() { return settings_; }
  void write_settings() const { write_text(repo_ / ".kiro" / "settings" / "parallel.json", settings_.dump(2)); }
  const std::filesystem::path& repo() const { return repo_; }
  const SpecPaths& paths() const { return paths_; }
  ModelServer& server() { return server_; }
  const TmuxServer& tmux() const { return tmux_; }

  RunResult kp(std::vector<std::string> args) const {
    args.insert(args.begin() + 1, {"-C", repo_.string()});
    return run_kp(args, {}, {{"KIRO_PARALLEL_TMUX_SOCKET", tmux_.socket()}}, std::chrono::minutes(8));
  }
  RunResult run_to_end(int max_parallel) const {
    RunResult started = kp({"run", "app", "--no-watch", "--max-parallel", std::to_string(max_parallel)});
    if (!started.ok()) return started;
    return kp({"watch", "app", "--interval", "0.5"});
  }
  RunState state() const {
    auto s = read_run_state(paths_.state_json);
    REQUIRE(s.has_value());
    return *s;
  }
  // No doctest assertion in here: it runs inside a failing CHECK_MESSAGE,
  // under the reporter's lock, where another assertion would deadlock.
  std::string explain() const {
    std::string out;
    auto s = read_run_state(paths_.state_json);
    if (!s) out += "(no state.json)\n";
    for (const auto& t : s ? s->tasks : std::vector<TaskState>{}) {
      out += "task " + t.id + ": " + std::string(to_string(t.status)) + " [" + t.phase + "] " + t.message + "\n";
    }
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(paths_.logs_dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("worker", 0) != 0) continue;
      std::string text = read_text(entry.path());
      if (text.size() > 3000) text = "..." + text.substr(text.size() - 3000);
      out += "--- " + name + "\n" + text;
    }
    return out;
  }

 private:
  nlohmann::json agent_env(const std::string& agent) const {
    RunResult r = run_program({"python3", (source_dir() / "tests" / "agents" / "agent_home.py").string(), agent,
                               "--home", (dir_ / "home").string(), "--base-url", server_.url(), "--trust",
                               repo_.string()});
    REQUIRE_MESSAGE(r.ok(), "agent_home.py failed: " << r.out << r.err);
    nlohmann::json env = nlohmann::json::object();
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      auto eq = line.find('=');
      if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return env;
  }

  TempDir dir_;
  TmuxServer tmux_;
  ModelServer server_;
  std::filesystem::path repo_;
  SpecPaths paths_;
  nlohmann::json settings_;
};

}  // namespace kp::test
