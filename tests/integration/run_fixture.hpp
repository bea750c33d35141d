// A repository with a spec, a private tmux server and the simulated agent:
// what every end-to-end run test starts from.
#pragma once
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "common/run_state.hpp"
#include "common/spec_paths.hpp"
#include "test_support.hpp"

namespace kp::test {

// Two major tasks of one sub-task each: the smallest spec with two sessions.
inline const char* const kTwoMajors = R"(- [ ] 1. First
- [ ] 1.1 The first task
- [ ] 2. Second
- [ ] 2.1 The second task
)";

inline bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

class RunFixture {
 public:
  // `cc_sdd_commands`: install cc-sdd's older command file, so that `run`
  // detects `/kiro:spec-impl` (the prompt the simulated agent and these tests
  // expect); false leaves the repository without any cc-sdd files.
  RunFixture(const std::string& tasks_md, const std::string& sim_plan,
             const std::vector<std::pair<std::string, std::string>>& extra_files = {}, bool cc_sdd_commands = true)
      : repo_(dir_ / "repo"), paths_(SpecPaths::at(dir_ / "repo", "app")) {
    std::vector<std::pair<std::string, std::string>> files = extra_files;
    if (cc_sdd_commands) files.emplace_back(".claude/commands/kiro/spec-impl.md", "---\ndescription: cc-sdd spec-impl\n---\n");
    files.emplace_back(".kiro/specs/app/tasks.md", tasks_md);
    files.emplace_back("README.md", "app\n");
    init_repo(repo_, files);
    std::string plan = sim_plan;
    for (size_t at = plan.find("\"GATE\""); at != std::string::npos; at = plan.find("\"GATE\"", at)) {
      plan.replace(at, 6, "\"" + gate().string() + "\"");
      at += gate().string().size() + 2;
    }
    write_text(dir_ / "plan.json", plan);
  }

  ~RunFixture() {
    // Never leave a master or its workers behind, whatever the test did.
    if (master_alive(paths_)) kp({"stop-all", "app"});
  }

  const std::filesystem::path& repo() const { return repo_; }
  const SpecPaths& paths() const { return paths_; }
  const TmuxServer& tmux() const { return tmux_; }
  std::filesystem::path sim_log() const { return dir_ / "sim.log"; }
  std::string agent_cmd() const {
    return "python3 " + (source_dir() / "scripts" / "sim-agent").string() + " --plan " + (dir_ / "plan.json").string();
  }

  // The simulated agent run as `claude` (a symlink of that name): kiro-parallel
  // then gives it Claude Code's hooks (--settings), which it runs as Claude would.
  std::string claude_agent_cmd() const {
    std::filesystem::create_directories(dir_ / "bin");
    std::error_code ec;
    std::filesystem::create_symlink(source_dir() / "scripts" / "sim-agent", dir_ / "bin" / "claude", ec);
    return (dir_ / "bin" / "claude").string() + " --plan " + (dir_ / "plan.json").string();
  }

  // kiro-parallel with -C repo, on the private tmux server, the simulated agent
  // logging (and writing its hook-path transcripts inside the test's folder).
  RunResult kp(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::minutes(3)) const {
    args.insert(args.begin() + 1, {"-C", repo_.string()});  // after the subcommand name
    return run_kp(args, {},
                  {{"KIRO_PARALLEL_TMUX_SOCKET", tmux_.socket()},
                   {"KP_SIM_LOG", sim_log().string()},
                   {"KP_SIM_TRANSCRIPT_DIR", (dir_ / "transcripts").string()}},
                  timeout);
  }

  // The run tests were written for order majors (the default before `auto`):
  // they ask for it unless `extra` names an order.
  RunResult start(int max_parallel, std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"run", "app", "--no-watch", "--max-parallel", std::to_string(max_parallel),
                                  "--agent-cmd", agent_cmd()};
    if (std::find(extra.begin(), extra.end(), "--order") == extra.end()) {
      args.insert(args.end(), {"--order", "majors"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return kp(args);
  }

  // A plan may say "wait_for": "GATE": agents then finish only once the test
  // calls open_gate() (the constructor puts the real path in the plan).
  std::filesystem::path gate() const { return dir_ / "gate"; }
  void open_gate() const { write_text(gate(), ""); }

  RunResult watch() const { return kp({"watch", "app", "--interval", "0.2"}); }

  // Watches the run to its end; true when every task completed. When not, the
  // test's output says why: each task's status and message, and the logs' tails.
  bool watched_ok() const {
    RunResult r = watch();
    if (r.exit_code == 0) return true;
    MESSAGE("watch exited " << r.exit_code << "\n" << r.out << r.err << explain());
    return false;
  }

  std::string explain() const {
    std::string out;
    if (auto s = read_run_state(paths_.state_json)) {
      for (const auto& t : s->tasks) {
        out += "task " + t.id + ": " + std::string(to_string(t.status)) + " [" + t.phase + "] " + t.message + "\n";
      }
    }
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(paths_.logs_dir, ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("master", 0) != 0 && name.rfind("worker", 0) != 0) continue;
      std::string text = read_text(entry.path());
      if (text.size() > 4000) text = "..." + text.substr(text.size() - 4000);
      out += "--- " + name + "\n" + text;
    }
    return out;
  }

  RunState state() const {
    auto s = read_run_state(paths_.state_json);
    REQUIRE(s.has_value());
    return *s;
  }

  // Polls `done` every 100 ms; false after `timeout`.
  static bool wait_for(const std::function<bool()>& done, std::chrono::seconds timeout = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  bool task_phase_contains(const std::string& id, const std::string& text) const {
    auto s = read_run_state(paths_.state_json);
    const TaskState* t = s ? s->find(id) : nullptr;
    return t && t->status == TaskStatus::running && t->phase.find(text) != std::string::npos;
  }

  std::vector<std::string> sessions() const {
    RunResult r = tmux_.tmux({"list-sessions", "-F", "#{session_name}"});
    std::vector<std::string> out;
    std::string line;
    for (char c : r.out) {
      if (c == '\n') {
        if (!line.empty()) out.push_back(line);
        line.clear();
      } else {
        line += c;
      }
    }
    return out;
  }

  // Lines of the simulated agent's log that contain every one of `words`.
  int sim_log_count(const std::vector<std::string>& words) const {
    std::string text = read_text(sim_log());
    int n = 0;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      // Words are matched after the line's time stamp: "12:00:03.142" holds "3.1".
      std::string line = text.substr(start, end - start);
      if (size_t space = line.find(' '); space != std::string::npos) line.erase(0, space + 1);
      bool all = true;
      for (const auto& w : words) all = all && line.find(w) != std::string::npos;
      if (all && !line.empty()) ++n;
      start = end + 1;
    }
    return n;
  }

 private:
  TempDir dir_;
  TmuxServer tmux_;
  std::filesystem::path repo_;
  SpecPaths paths_;
};

}  // namespace kp::test
