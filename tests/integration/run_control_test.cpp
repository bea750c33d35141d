// stop, stop-all, recover and clean on a real run: what they stop, what they
// keep, and that no run leaves work behind that a person would lose.
#include <signal.h>

#include <algorithm>
#include <map>
#include <random>
#include <thread>

#include <doctest/doctest.h>

#include "common/agent_processes.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/subprocess.hpp"
#include "master/master_launch.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;
using kp::test::kTwoMajors;
namespace fs = std::filesystem;

namespace {

// Six tasks in three pairs, each agent working 0.8 s: kills land in every phase.
const char* kSixTasks = R"(- [ ] 1. One
- [ ] 1.1 A
- [ ] 1.2 B
- [ ] 2. Two
- [ ] 2.1 C
- [ ] 2.2 D
- [ ] 3. Three
- [ ] 3.1 E
- [ ] 3.2 F
)";
const char* kKillablePlan = R"({"default": {"duration": 0.8, "prompts": 1}})";

}  // namespace

TEST_CASE("stop stops one task and its worker; its worktree stays; the rest goes on") {
  RunFixture f(kTwoMajors, R"({"default": {"duration": 0.5}, "tasks": {"1.1": {"hang": true}}})");
  REQUIRE(f.start(2).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "busy"); }));
  auto stopped = f.kp({"stop", "app", "1.1"});
  CHECK_MESSAGE(stopped.exit_code == 0, stopped.err);
  RunState s = f.state();
  CHECK(s.find("1.1")->status == TaskStatus::stopped);
  CHECK(std::filesystem::exists(s.find("1.1")->worktree));
  CHECK(RunFixture::wait_for([&] {
    auto names = f.sessions();
    return std::find(names.begin(), names.end(), "app-task-1-1") == names.end();
  }));
  auto watched = f.watch();
  CHECK(watched.exit_code == 3);  // 2.1 completed, 1.1 stopped: nothing left can move
  CHECK(f.state().find("2.1")->status == TaskStatus::completed);
  // retry makes it pending again and a new master finishes it... once it no longer hangs.
  test::write_text(f.repo().parent_path() / "plan.json", R"({"default": {"duration": 0.5}})");
  auto retried = f.kp({"retry", "app", "1.1"});
  CHECK_MESSAGE(retried.exit_code == 0, retried.err);
  CHECK(f.watched_ok());
  CHECK(f.state().find("1.1")->status == TaskStatus::completed);
  CHECK(f.state().find("1.1")->attempts == 2);
}

TEST_CASE("stop-all stops master, workers and sessions; a later run carries on in the same worktrees") {
  RunFixture f(kTwoMajors, R"({"default": {"hang": true}})");
  REQUIRE(f.start(2).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "busy") && f.task_phase_contains("2.1", "busy"); }));
  // Something the agent wrote and did not commit yet.
  RunState before = f.state();
  test::write_text(std::filesystem::path(before.find("1.1")->worktree) / "half-done.txt", "work in progress\n");
  auto stopped = f.kp({"stop-all", "app"});
  CHECK_MESSAGE(stopped.exit_code == 0, stopped.err);
  CHECK_FALSE(master_alive(f.paths()));
  for (int w = 0; w < 2; ++w) CHECK_FALSE(worker_alive(f.paths(), w));
  CHECK(f.sessions().empty());
  RunState s = f.state();
  CHECK(s.find("1.1")->status == TaskStatus::stopped);
  CHECK(s.find("2.1")->status == TaskStatus::stopped);
  CHECK(test::read_text(std::filesystem::path(s.find("1.1")->worktree) / "half-done.txt") == "work in progress\n");

  test::write_text(f.repo().parent_path() / "plan.json", R"({"default": {"duration": 0.5}})");
  REQUIRE(f.start(2).exit_code == 0);
  CHECK(f.watched_ok());
  // The half-done file was committed with the task, not lost.
  CHECK(test::git(f.repo(), {"show", "main:half-done.txt"}) == "work in progress\n");
}

TEST_CASE("recover adopts the session of a killed worker and finishes the task once") {
  RunFixture f(kTwoMajors, R"({"default": {"duration": 0.5}, "tasks": {"1.1": {"duration": 6}}})");
  REQUIRE(f.start(1).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "busy"); }));
  // Kill the master first (so it cannot respawn), then the worker, both with SIGKILL.
  int master = read_pid_file(f.paths().master_pid);
  int worker = read_pid_file(f.paths().worker_pid(0));
  REQUIRE(master > 0);
  REQUIRE(worker > 0);
  ::kill(master, SIGKILL);
  ::kill(worker, SIGKILL);
  REQUIRE(RunFixture::wait_for([&] { return !master_alive(f.paths()) && !worker_alive(f.paths(), 0); }));
  auto names = f.sessions();
  REQUIRE(std::find(names.begin(), names.end(), "app-task-1-1") != names.end());  // the agent works on

  auto recovered = f.kp({"recover", "app"});
  CHECK_MESSAGE(recovered.exit_code == 0, recovered.err);
  CHECK(recovered.out.find("1.1") != std::string::npos);
  CHECK(f.watched_ok());
  RunState s = f.state();
  CHECK(s.find("1.1")->status == TaskStatus::completed);
  CHECK(s.find("2.1")->status == TaskStatus::completed);
  // Adopted, not started again: the agent got its prompt once and finished once.
  CHECK(f.sim_log_count({"prompt_received", "1.1"}) == 1);
  CHECK(f.sim_log_count({"done", "task=1.1"}) == 1);
  int completions = 0;
  for (const auto& c : read_completions(f.paths().completed_json)) completions += c.task_id == "1.1";
  CHECK(completions == 1);
  CHECK(f.sessions().empty());
}

TEST_CASE("clean removes merged worktrees, and refuses unmerged or dirty work without --force") {
  RunFixture f(kTwoMajors, R"({"default": {"duration": 0.3}})");
  REQUIRE(f.start(2).exit_code == 0);
  REQUIRE(f.watched_ok());
  RunState s = f.state();
  std::filesystem::path wt1 = s.find("1.1")->worktree;
  std::filesystem::path wt2 = s.find("2.1")->worktree;
  REQUIRE(std::filesystem::exists(wt1));
  test::write_text(wt2 / "notes.txt", "a person's notes, never committed\n");

  auto refused = f.kp({"clean", "app"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("2.1") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(wt1));  // merged and clean: removed
  CHECK(std::filesystem::exists(wt2 / "notes.txt"));
  CHECK(std::filesystem::exists(f.paths().state_json));  // kept while work is kept

  auto forced = f.kp({"clean", "app", "--force"});
  CHECK_MESSAGE(forced.exit_code == 0, forced.err);
  CHECK_FALSE(std::filesystem::exists(wt2));
  CHECK_FALSE(std::filesystem::exists(f.paths().state_json));
  CHECK(std::filesystem::exists(f.paths().completed_json));  // history stays
  // The notes survive under an archive ref.
  std::string refs = test::git(f.repo(), {"for-each-ref", "--format=%(refname)", "refs/kiro-parallel/archive/"});
  REQUIRE_FALSE(refs.empty());
  std::string ref = refs.substr(0, refs.find('\n'));
  CHECK(test::git(f.repo(), {"show", ref + ":notes.txt"}) == "a person's notes, never committed\n");
  CHECK(test::git(f.repo(), {"worktree", "list", "--porcelain"}).find("worktrees/app") == std::string::npos);
  CHECK(test::git_result(f.repo(), {"fsck", "--no-progress"}).exit_code == 0);
}

TEST_CASE("workers killed at arbitrary moments lose no task and run none to completion twice") {
  RunFixture f(kSixTasks, kKillablePlan);
  REQUIRE(f.start(2).exit_code == 0);
  // SIGKILL a live worker every 0.45 s, six times: deaths land while agents
  // start, work, commit and merge. The master respawns; the next worker resumes.
  int kills = 0;
  for (int round = 0; round < 60 && kills < 6; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(450));
    int id = round % 2;
    if (!worker_alive(f.paths(), id)) continue;
    int pid = read_pid_file(f.paths().worker_pid(id));
    if (pid > 0 && ::kill(pid, SIGKILL) == 0) ++kills;
  }
  CHECK(kills >= 4);
  CHECK(f.watched_ok());
  RunState s = f.state();
  std::string subjects = test::git(f.repo(), {"log", "main", "--format=%s"});
  std::map<std::string, int> completions;
  for (const auto& c : read_completions(f.paths().completed_json)) ++completions[c.task_id];
  for (const auto& t : s.tasks) {
    CHECK_MESSAGE(t.status == TaskStatus::completed, t.id << ": " << t.message);
    CHECK_MESSAGE(completions[t.id] == 1, t.id);
    // The agent finished each task once: a resumed task adopts its session.
    CHECK_MESSAGE(f.sim_log_count({"done", "task=" + t.id + " "}) == 1, t.id);
    size_t commits = 0;
    for (size_t at = subjects.find("app: task " + t.id + " "); at != std::string::npos;
         at = subjects.find("app: task " + t.id + " ", at + 1)) {
      ++commits;
    }
    CHECK_MESSAGE(commits == 1, t.id);
  }
  CHECK(f.sessions().empty());
  CHECK(test::git_result(f.repo(), {"fsck", "--no-progress"}).exit_code == 0);
}

namespace {

// What a finished run must not leave: a worker, an agent, a tmux server or
// client of the test's socket, a stale worker pid or task file.
std::string leftovers(const RunFixture& f) {
  std::string out;
  for (int w = 0; w < 8; ++w) {
    if (worker_alive(f.paths(), w)) out += "worker " + std::to_string(w) + " alive; ";
  }
  if (master_alive(f.paths())) out += "master alive; ";
  for (const auto& t : f.state().tasks) {
    if (!processes_with_mark(task_mark(f.paths().repo_root, "app", t.id)).empty()) out += "agent of " + t.id + "; ";
  }
  if (f.tmux().tmux({"list-sessions"}).exit_code == 0) out += "tmux server answers; ";
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    std::string cmdline = test::read_text(it->path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.rfind("tmux", 0) == 0 && cmdline.find(" " + f.tmux().socket() + " ") != std::string::npos) {
      out += "tmux process " + it->path().filename().string() + ": " + cmdline + "; ";
    }
  }
  for (const auto& entry : fs::directory_iterator(f.paths().spec_dir, ec)) {
    std::string name = entry.path().filename().string();
    bool stale = name.rfind(".worker-", 0) == 0 && (name.ends_with(".pid") || name.ends_with(".task"));
    if (stale) out += "stale " + name + "; ";
  }
  return out;
}

}  // namespace

TEST_CASE("chaos: master and workers SIGKILLed many times, recover between; every task completed exactly once") {
  RunFixture f(kSixTasks, kKillablePlan);
  REQUIRE(f.start(2).exit_code == 0);
  // Every 0.4-0.9 s a SIGKILL: every third time the master (and then a worker
  // too, every other time), otherwise a worker. A dead master is brought back
  // by `recover`, as a person would.
  std::mt19937 random(std::random_device{}());
  int master_kills = 0, worker_kills = 0;
  for (int round = 0; round < 40 && master_kills + worker_kills < 10; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400 + random() % 500));
    auto s = read_run_state(f.paths().state_json);
    if (!s || !work_remaining(*s)) break;
    const bool master_round = round % 3 == 2;
    if (master_round && master_alive(f.paths())) {
      int pid = read_pid_file(f.paths().master_pid);
      if (pid > 0 && ::kill(pid, SIGKILL) == 0) ++master_kills;
    }
    if (!master_round || round % 2 == 0) {
      int id = static_cast<int>(random() % 2);
      int pid = worker_alive(f.paths(), id) ? read_pid_file(f.paths().worker_pid(id)) : 0;
      if (pid > 0 && ::kill(pid, SIGKILL) == 0) ++worker_kills;
    }
    if (master_round) {
      REQUIRE(RunFixture::wait_for([&] { return !master_alive(f.paths()); }, std::chrono::seconds(10)));
      auto recovered = f.kp({"recover", "app"});
      CHECK_MESSAGE(recovered.exit_code == 0, recovered.out << recovered.err);
    }
  }
  MESSAGE("killed the master " << master_kills << " times and a worker " << worker_kills << " times");
  CHECK(master_kills >= 2);
  CHECK(worker_kills >= 3);
  if (!master_alive(f.paths())) f.kp({"recover", "app"});
  REQUIRE(f.watched_ok());
  // Checked the moment watch exits 0.
  RunState s = f.state();
  std::string subjects = test::git(f.repo(), {"log", "main", "--format=%s"});
  std::map<std::string, int> completions;
  for (const auto& c : read_completions(f.paths().completed_json)) ++completions[c.task_id];
  for (const auto& t : s.tasks) {
    CHECK_MESSAGE(t.status == TaskStatus::completed, t.id << ": " << t.message);
    CHECK_MESSAGE(completions[t.id] == 1, t.id);
    size_t commits = 0;
    for (size_t at = subjects.find("app: task " + t.id + " "); at != std::string::npos;
         at = subjects.find("app: task " + t.id + " ", at + 1)) {
      ++commits;
    }
    CHECK_MESSAGE(commits == 1, t.id);
  }
  CHECK(test::git_result(f.repo(), {"fsck", "--no-progress"}).exit_code == 0);
  // Nothing is left once the master has wound down.
  std::string left;
  bool clean = RunFixture::wait_for([&] { return (left = leftovers(f)).empty(); }, std::chrono::seconds(20));
  CHECK_MESSAGE(clean, left << "\n" << f.explain());
}
