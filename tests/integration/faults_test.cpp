// Faults a run must survive: each ends in a clear state with a message, never
// a hang, never lost work (a task counts as completed only with its work on
// the target branch).
#include <algorithm>
#include <map>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "common/run_state.hpp"
#include "master/master_launch.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;
using kp::test::kTwoMajors;
namespace fs = std::filesystem;

namespace {

// Agents work until the test opens the gate.
const char* kGated = R"({"default": {"duration": 0.3, "wait_for": "GATE"}})";

constexpr auto kNoHang = std::chrono::seconds(90);

RunResult watch_within(const RunFixture& f) { return f.kp({"watch", "app", "--interval", "0.2"}, kNoHang); }

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Every completed task has its work on main and exactly one completion and commit.
void check_completed_have_work(const RunFixture& f) {
  std::string subjects = test::git(f.repo(), {"log", "main", "--format=%s"});
  std::map<std::string, int> completions;
  for (const auto& c : read_completions(f.paths().completed_json)) ++completions[c.task_id];
  for (const auto& t : f.state().tasks) {
    if (t.status != TaskStatus::completed) {
      CHECK_MESSAGE(completions[t.id] == 0, t.id);
      continue;
    }
    CHECK_MESSAGE(completions[t.id] == 1, t.id);
    CHECK_MESSAGE(count_of(subjects, "app: task " + t.id + " ") == 1, t.id);
    CHECK_MESSAGE(test::git_result(f.repo(), {"cat-file", "-e", "main:sim-output/task-" + t.id + ".txt"}).exit_code == 0,
                  t.id << " completed without its work on main");
  }
}

void check_all_completed(const RunFixture& f) {
  for (const auto& t : f.state().tasks) CHECK_MESSAGE(t.status == TaskStatus::completed, t.id << ": " << t.message);
  check_completed_have_work(f);
  CHECK(test::git_result(f.repo(), {"fsck", "--no-progress"}).exit_code == 0);
}

// `git status` in the main checkout, but for the completion history (kept, by design not ignored).
std::string person_visible_status(const RunFixture& f) {
  std::string status = test::git(f.repo(), {"status", "--porcelain"});
  const std::string history = "?? .kiro/specs/app/.completed_tasks.json\n";
  if (auto at = status.find(history); at != std::string::npos) status.erase(at, history.size());
  return status;
}

void wait_both_busy(const RunFixture& f) {
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "busy") && f.task_phase_contains("2.1", "busy"); }));
}

// Not done: `recover`, then `retry` of each task left failed or stopped.
void finish_by_hand(const RunFixture& f) {
  auto recovered = f.kp({"recover", "app"}, kNoHang);
  CHECK_MESSAGE(recovered.exit_code == 0, recovered.err);
  auto w = watch_within(f);
  if (w.exit_code == 0) return;
  for (const auto& t : f.state().tasks) {
    if (t.status == TaskStatus::completed) continue;
    MESSAGE("retry " << t.id << " (" << to_string(t.status) << ": " << t.message << ")");
    auto retried = f.kp({"retry", "app", t.id}, kNoHang);
    CHECK_MESSAGE(retried.exit_code == 0, retried.out << retried.err);
  }
  CHECK(f.watched_ok());
}

}  // namespace

TEST_CASE("faults: the tmux server killed mid-run; nothing counts as done without its work; recover finishes") {
  RunFixture f(kTwoMajors, kGated);
  REQUIRE(f.start(2).exit_code == 0);
  wait_both_busy(f);
  REQUIRE(f.tmux().tmux({"kill-server"}).exit_code == 0);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  check_completed_have_work(f);
  f.open_gate();
  auto w = watch_within(f);
  CHECK_FALSE(w.timed_out);
  MESSAGE("after kill-server, watch exited " << w.exit_code << "\n" << f.explain());
  check_completed_have_work(f);
  if (w.exit_code != 0) finish_by_hand(f);
  check_all_completed(f);
}

TEST_CASE("faults: a person commits on the target branch during the run; both histories are kept") {
  RunFixture f(kTwoMajors, kGated);
  REQUIRE(f.start(2).exit_code == 0);
  wait_both_busy(f);
  test::write_text(f.repo() / "person.txt", "a person's commit\n");
  test::git(f.repo(), {"add", "person.txt"});
  test::git(f.repo(), {"commit", "-q", "-m", "a person's commit on main"});
  const std::string person = test::rev(f.repo(), "HEAD");
  f.open_gate();
  auto w = watch_within(f);
  CHECK_MESSAGE(w.exit_code == 0, w.out << w.err << f.explain());
  check_all_completed(f);
  CHECK(test::git_result(f.repo(), {"merge-base", "--is-ancestor", person, "main"}).exit_code == 0);
  CHECK(test::read_text(f.repo() / "person.txt") == "a person's commit\n");
  std::string status = person_visible_status(f);
  CHECK_MESSAGE(status.empty(), status);
}

TEST_CASE("faults: a task's branch deleted by hand ends in a clear state; its work is not lost") {
  RunFixture f(kTwoMajors, kGated);
  REQUIRE(f.start(2).exit_code == 0);
  wait_both_busy(f);
  const std::string branch = f.state().find("1.1")->branch;
  REQUIRE_FALSE(branch.empty());
  // `git branch -D` refuses a branch checked out in a worktree; a person can still do this.
  test::git(f.repo(), {"update-ref", "-d", "refs/heads/" + branch});
  f.open_gate();
  auto w = watch_within(f);
  CHECK_FALSE(w.timed_out);
  MESSAGE("watch exited " << w.exit_code << "\n" << f.explain());
  check_completed_have_work(f);
  const RunState after = f.state();
  const TaskState* t = after.find("1.1");
  if (t->status != TaskStatus::completed) {
    CHECK_FALSE(t->message.empty());
    // The agent's work is still in the worktree.
    CHECK(fs::exists(fs::path(t->worktree) / "sim-output/task-1.1.txt"));
  }
  CHECK(f.state().find("2.1")->status == TaskStatus::completed);
}

TEST_CASE("faults: a task's worktree removed by hand ends in a clear state, no hang") {
  RunFixture f(kTwoMajors, kGated);
  REQUIRE(f.start(2).exit_code == 0);
  wait_both_busy(f);
  const std::string worktree = f.state().find("1.1")->worktree;
  test::git(f.repo(), {"worktree", "remove", "--force", worktree});
  REQUIRE_FALSE(fs::exists(worktree));
  f.open_gate();
  auto w = watch_within(f);
  CHECK_FALSE(w.timed_out);
  MESSAGE("watch exited " << w.exit_code << "\n" << f.explain());
  check_completed_have_work(f);
  const RunState after = f.state();
  const TaskState* t = after.find("1.1");
  CHECK(t->status == TaskStatus::failed);
  CHECK_MESSAGE(t->message.find("its worktree " + worktree + " was removed during the run") != std::string::npos,
                t->message);
  CHECK(f.state().find("2.1")->status == TaskStatus::completed);
  if (w.exit_code != 0) finish_by_hand(f);
  check_all_completed(f);
}

TEST_CASE("faults: a .git/index.lock left behind holds the merge with a message; removed, the run finishes") {
  RunFixture f(kTwoMajors, kGated);
  REQUIRE(f.start(2).exit_code == 0);
  wait_both_busy(f);
  const fs::path lock = f.repo() / ".git/index.lock";
  test::write_text(lock, "");
  f.open_gate();
  bool said = RunFixture::wait_for(
      [&] {
        for (const auto& t : f.state().tasks) {
          if (t.message.find("index.lock") != std::string::npos || t.phase.find("index.lock") != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      std::chrono::seconds(40));
  CHECK_MESSAGE(said, f.explain());
  check_completed_have_work(f);
  fs::remove(lock);
  auto w = watch_within(f);
  CHECK_MESSAGE(w.exit_code == 0, w.out << w.err << f.explain());
  if (w.exit_code != 0) finish_by_hand(f);
  check_all_completed(f);
}

// Three majors of one task each: the plan the tasks.md edit tests change under a run.
constexpr const char* kThreeMajors = R"(- [ ] 1. First
- [ ] 1.1 The first task
- [ ] 2. Second
- [ ] 2.1 The second task
- [ ] 3. Third
- [ ] 3.1 The third task
)";

TEST_CASE("faults: tasks.md edited during the run (a task added, a task removed) ends in a clear state") {
  RunFixture f(kThreeMajors, kGated);
  REQUIRE(f.start(1).exit_code == 0);
  std::string running;
  REQUIRE(RunFixture::wait_for([&] {
    for (const char* id : {"1.1", "2.1", "3.1"}) {
      if (f.task_phase_contains(id, "busy")) running = id;
    }
    return !running.empty();
  }));
  // A person removes a task that has not started, adds 4.1, and commits it.
  std::string removed, kept, text;
  for (const char* id : {"1.1", "2.1", "3.1"}) {
    if (id == running) continue;
    if (removed.empty()) {
      removed = id;
      continue;
    }
    kept = id;
  }
  for (const char* id : {"1.1", "2.1", "3.1"}) {
    if (id == removed) continue;
    text += fmt::format("- [ ] {}. Major\n- [ ] {} Task {}\n", id[0], id, id);
  }
  text += "- [ ] 4. Fourth\n- [ ] 4.1 An added task\n";
  test::write_text(f.paths().tasks_md, text);
  test::git(f.repo(), {"commit", "-q", "-am", "tasks.md: " + removed + " out, 4.1 in"});
  // The master notices the edit while the first task still works: the added
  // task is named, the removed one is not run.
  CHECK(RunFixture::wait_for([&] { return f.state().plan_changes.find("4.1 added") != std::string::npos; }));
  f.open_gate();
  auto w = watch_within(f);
  CHECK_FALSE(w.timed_out);
  MESSAGE("running " << running << ", removed " << removed << "; watch exited " << w.exit_code << "\n" << w.out << w.err
                     << f.explain());
  check_completed_have_work(f);
  CHECK(f.state().find(running)->status == TaskStatus::completed);
  CHECK(f.state().find(kept)->status == TaskStatus::completed);
  // The person's edit survives the merges (the ticks are unioned in).
  std::string tasks = test::read_text(f.paths().tasks_md);
  CHECK(tasks.find("4.1 An added task") != std::string::npos);
  CHECK(tasks.find("- [x] " + running) != std::string::npos);
  // The removed task was not run, and says why; status says what changed.
  const RunState after = f.state();
  const TaskState* r = after.find(removed);
  REQUIRE(r);
  CHECK(r->status == TaskStatus::stopped);
  CHECK(r->message.find("removed from tasks.md during the run") != std::string::npos);
  CHECK(r->attempts == 0);
  CHECK(after.plan_changes.find(removed + " removed (not run)") != std::string::npos);
  auto shown = f.kp({"status", "app"}, kNoHang);
  CHECK_MESSAGE(shown.out.find("tasks.md changed during the run: 4.1 added") != std::string::npos, shown.out);
  std::string status = person_visible_status(f);
  CHECK_MESSAGE(status.empty(), status);
  // A new run picks up the added task.
  REQUIRE(f.start(1).exit_code == 0);
  CHECK(f.watched_ok());
  REQUIRE(f.state().find("4.1") != nullptr);
  CHECK(f.state().find("4.1")->status == TaskStatus::completed);
  MESSAGE("the removed task " << removed << " after the second run: "
                              << (f.state().find(removed) ? std::string(to_string(f.state().find(removed)->status)) : "gone"));
}

TEST_CASE("faults: tasks.md caught half-written (empty for a moment, as a checkout leaves it) stops nothing") {
  RunFixture f(kThreeMajors, kGated);
  REQUIRE(f.start(1).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] {
    return f.task_phase_contains("1.1", "busy") || f.task_phase_contains("2.1", "busy") || f.task_phase_contains("3.1", "busy");
  }));
  // Ten times empty for 0.1 s: the master, reading every 0.3 s, would catch
  // the empty file about one time in three if it compared whatever it read.
  const std::string text = test::read_text(f.paths().tasks_md);
  for (int k = 0; k < 10; ++k) {
    test::write_text(f.paths().tasks_md, "");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    test::write_text(f.paths().tasks_md, text);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  f.open_gate();
  auto w = watch_within(f);
  CHECK_FALSE(w.timed_out);
  const RunState after = f.state();
  MESSAGE("watch exited " << w.exit_code << "\n" << w.out << w.err << f.explain());
  CHECK_MESSAGE(after.plan_changes.empty(), after.plan_changes);
  for (const char* id : {"1.1", "2.1", "3.1"}) {
    REQUIRE(after.find(id) != nullptr);
    CHECK_MESSAGE(after.find(id)->status == TaskStatus::completed, id << ": " << after.find(id)->message);
  }
}

TEST_CASE("faults: a torn or hand-broken .parallel_state.json: every command names the file, exit 1 or 2") {
  RunFixture f(kTwoMajors, R"({"default": {"duration": 0.2}})");
  REQUIRE(f.start(2).exit_code == 0);
  REQUIRE(f.watched_ok());
  const std::vector<std::string> broken = {
      R"({"version": 1, "spec": "app", "tasks": [{"id": "1.1", "sta)",  // torn mid-write
      R"({"version": 1, "spec": "app", "tasks": "not a list"})",         // edited by hand
      R"({"version": 1, "spec": "app", "tasks": [{"id": 11, "status": "running"}]})",
      "",
  };
  for (const auto& text : broken) {
    test::write_text(f.paths().state_json, text);
    const std::vector<std::vector<std::string>> commands = {
        {"status", "app"},           {"status", "app", "--json"}, {"watch", "app", "--interval", "0.2"},
        {"run", "app", "--no-watch", "--agent-cmd", f.agent_cmd()},  {"recover", "app"}, {"stop-all", "app"},
        {"clean", "app"},            {"retry", "app", "1.1"},     {"stop", "app", "1.1"},
    };
    for (const auto& c : commands) {
      auto r = f.kp(c, kNoHang);
      const std::string what = c[0] + " on " + text;
      CHECK_MESSAGE((r.exit_code == 1 || r.exit_code == 2), what << ": exit " << r.exit_code << "\n" << r.out << r.err);
      CHECK_MESSAGE(r.err.find(".parallel_state.json") != std::string::npos, what << ": " << r.err);
      CHECK_MESSAGE(test::read_text(f.paths().state_json) == text, what << " changed the file");
    }
  }
  CHECK_FALSE(master_alive(f.paths()));
  // The journal rebuilds it; the broken file is kept beside it.
  auto rebuilt = f.kp({"recover", "app", "--rebuild-state", "--no-start"}, kNoHang);
  CHECK_MESSAGE(rebuilt.exit_code == 0, rebuilt.out << rebuilt.err);
  CHECK(rebuilt.out.find("rebuilt ") != std::string::npos);
  CHECK(f.state().find("1.1")->status == TaskStatus::completed);
  CHECK(f.state().find("2.1")->status == TaskStatus::completed);
  int kept = 0;
  for (const auto& e : fs::directory_iterator(f.paths().spec_dir)) {
    kept += e.path().filename().string().rfind(".parallel_state.json.broken-", 0) == 0;
  }
  CHECK(kept == 1);
}
