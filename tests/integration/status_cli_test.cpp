// status, watch, master-status, logs and attach on hand-written state files,
// through the real binary: what they print, the JSON keys, the exit codes.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "common/file_lock.hpp"
#include "common/run_state.hpp"
#include "common/spec_paths.hpp"
#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TaskState make_task(const std::string& id, TaskStatus status, const std::string& title) {
  TaskState t;
  t.id = id;
  t.title = title;
  t.status = status;
  return t;
}

// A repository folder with .kiro/specs/demo/ and, when written, its state.
struct ViewFixture {
  test::TempDir dir;
  fs::path repo = dir / "repo";
  SpecPaths paths;

  ViewFixture() {
    fs::create_directories(repo / ".kiro" / "specs" / "demo");
    test::write_text(repo / ".kiro" / "specs" / "demo" / "tasks.md", "- [ ] 1. Demo\n");
    paths = SpecPaths::at(repo, "demo");
  }

  RunResult kp(const std::vector<std::string>& args) const { return test::run_kp(args, repo); }

  // Completed, running with a needs-choice phase, running busy, conflict,
  // failed, blocked behind the failure: every kind of line status shows.
  RunState mixed_state() const {
    RunState s;
    s.spec = "demo";
    s.created_at = iso8601_utc(now_epoch());
    s.config.max_parallel = 2;
    s.config.tmux_socket = "kp-views-none";
    s.tasks.push_back(make_task("1.1", TaskStatus::completed, "Set up"));
    s.tasks.back().duration = 90;
    s.tasks.back().attempts = 1;
    s.tasks.back().session = "demo-task-1-1";
    s.tasks.back().branch = "task-demo-1.1";
    s.tasks.back().started_at = "2026-11-22T03:00:00Z";
    TaskState choice = make_task("1.2", TaskStatus::running, "Ask first");
    choice.worker = 0;
    choice.session = "demo-task-1-2";
    choice.branch = "task-demo-1.2";
    choice.started_at = iso8601_utc(now_epoch() - 30);
    choice.started_epoch = now_epoch() - 30;
    choice.attempts = 1;
    choice.phase = "needs choice: Delete everything? (y/N)";
    s.tasks.push_back(choice);
    TaskState conflict = make_task("2.1", TaskStatus::conflict, "Merge me");
    conflict.attempts = 1;
    conflict.message = "merge conflict in src/a.cpp\ncd ../worktrees/demo/task-2.1 && git merge main\nkiro-parallel retry demo 2.1";
    s.tasks.push_back(conflict);
    TaskState failed = make_task("2.2", TaskStatus::failed, "Break");
    failed.attempts = 2;
    failed.message = "the agent exited with status 1";
    s.tasks.push_back(failed);
    TaskState blocked = make_task("3.1", TaskStatus::blocked, "After the break");
    blocked.deps = {"2.2"};
    blocked.message = "depends on failed task 2.2";
    s.tasks.push_back(blocked);
    return s;
  }

  void write(RunState s) const { write_run_state(paths.state_json, s); }
};

}  // namespace

TEST_CASE("every view says exit 2 when the spec has no run state") {
  ViewFixture f;
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"status", "demo"},
                                                               {"status", "demo", "--json"},
                                                               {"watch", "demo", "--once"},
                                                               {"master-status", "demo"},
                                                               {"logs", "demo", "1.1"},
                                                               {"attach", "demo", "1.1"}}) {
    auto r = f.kp(cmd);
    CHECK_MESSAGE(r.exit_code == 2, cmd[0]);
    CHECK_MESSAGE(contains(r.err, "no run state for spec demo (start one with kiro-parallel run demo)"), r.err);
  }
  // A spec folder that does not exist at all is bad input too.
  CHECK(f.kp({"status", "nope"}).exit_code == 2);
}

TEST_CASE("status: a row per task, the loud needs-choice with its attach line, conflict commands, counts") {
  ViewFixture f;
  f.write(f.mixed_state());
  auto r = f.kp({"status", "demo"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);  // 1.2 still runs
  CHECK(r.out.find('\033') == std::string::npos);
  for (const char* part : {"1.1", "completed", "1m30s", "demo-task-1-1", "2026-11-22T03:00:00Z", "1.2", "running",
                           "needs choice: Delete everything? (y/N)",
                           "attach: tmux -L kp-views-none attach -t demo-task-1-2", "conflict",
                           "merge conflict in src/a.cpp", "cd ../worktrees/demo/task-2.1 && git merge main",
                           "kiro-parallel retry demo 2.1", "the agent exited with status 1", "blocked"}) {
    CHECK_MESSAGE(contains(r.out, part), part);
  }
  CHECK(contains(r.out, "5 tasks: 0 pending, 1 running, 1 completed, 1 failed, 0 stopped, 1 blocked, 1 conflict"));
  CHECK(contains(r.out, "master: not running"));
}

TEST_CASE("status exits 3 once failures leave nothing that can run") {
  ViewFixture f;
  RunState s = f.mixed_state();
  s.tasks[1].status = TaskStatus::completed;
  s.tasks[1].phase.clear();
  f.write(s);
  auto r = f.kp({"status", "demo"});
  CHECK(r.exit_code == 3);
  CHECK(f.kp({"status", "demo", "--json"}).exit_code == 3);
  CHECK(f.kp({"watch", "demo", "--once"}).exit_code == 3);
  auto watched = f.kp({"watch", "demo", "--interval", "0.1"});
  CHECK(watched.exit_code == 3);
  CHECK(contains(watched.out, "nothing more can run"));
}

TEST_CASE("status --json: stable keys, nulls for unknowns, live master and workers") {
  ViewFixture f;
  f.write(f.mixed_state());
  test::write_text(f.paths.worker_task(0), "1.2\n");
  test::write_text(f.paths.worker_pid(0), std::to_string(::getpid()) + "\n");
  test::write_text(f.paths.worker_pid(1), "999999\n");  // a dead worker: not listed

  auto dead = nlohmann::json::parse(f.kp({"status", "demo", "--json"}).out);
  CHECK(dead["master"]["running"] == false);
  CHECK(dead["master"]["pid"].is_null());
  CHECK(dead["workers"].empty());

  // This test process plays the live master and worker 0: it holds their locks.
  FileLock master_lock = FileLock::acquire(f.paths.master_lock);
  FileLock worker_lock = FileLock::acquire(f.paths.worker_lock(0));
  test::write_text(f.paths.master_pid, std::to_string(::getpid()) + "\n");
  auto r = f.kp({"status", "demo", "--json"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  auto j = nlohmann::ordered_json::parse(r.out);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"spec", "master", "plan_changes", "workers", "counts", "tasks", "needs_choice", "summary"});
  CHECK(j["spec"] == "demo");
  CHECK(j["master"]["running"] == true);
  CHECK(j["master"]["pid"] == ::getpid());
  REQUIRE(j["workers"].size() == 1);
  CHECK(j["workers"][0]["id"] == 0);
  CHECK(j["workers"][0]["pid"] == ::getpid());
  CHECK(j["workers"][0]["task"] == "1.2");
  CHECK(j["counts"] == nlohmann::ordered_json{{"pending", 0}, {"running", 1}, {"completed", 1}, {"failed", 1},
                                      {"stopped", 0}, {"blocked", 1}, {"conflict", 1}, {"committed", 0}});
  REQUIRE(j["tasks"].size() == 5);
  const auto& done = j["tasks"][0];
  for (const char* key : {"id", "title", "status", "worker", "session", "branch", "started_at", "duration", "attempts",
                          "phase", "message", "evidence", "tokens"}) {
    CHECK_MESSAGE(done.contains(key), key);
  }
  CHECK(done["id"] == "1.1");
  CHECK(done["status"] == "completed");
  CHECK(done["worker"].is_null());
  CHECK(done["duration"] == 90.0);
  CHECK(done["started_at"] == "2026-11-22T03:00:00Z");
  const auto& choice = j["tasks"][1];
  CHECK(choice["worker"] == 0);
  CHECK(choice["session"] == "demo-task-1-2");
  CHECK(choice["branch"] == "task-demo-1.2");
  CHECK(choice["duration"].is_null());
  CHECK(choice["elapsed"].get<double>() >= 30.0);
  CHECK(choice["attempts"] == 1);
  CHECK(choice["phase"] == "needs choice: Delete everything? (y/N)");
  const auto& blocked = j["tasks"][4];
  CHECK(blocked["started_at"].is_null());
  CHECK(blocked["session"].is_null());
  CHECK(blocked["message"] == "depends on failed task 2.2");
  CHECK(j["tasks"][2]["message"].get<std::string>().find("kiro-parallel retry demo 2.1") != std::string::npos);
  CHECK(j["needs_choice"] == nlohmann::ordered_json::array({"1.2"}));

  // master-status sees the same processes.
  auto m = f.kp({"master-status", "demo"});
  CHECK_MESSAGE(m.exit_code == 0, m.err);
  CHECK(contains(m.out, "master: running (pid " + std::to_string(::getpid()) + ")"));
  CHECK(contains(m.out, "worker 0   pid " + std::to_string(::getpid())));
  CHECK(contains(m.out, "alive"));
  CHECK(contains(m.out, "has task 1.2 for"));
  CHECK(contains(m.out, "worker 1   pid 999999"));
  CHECK(contains(m.out, "dead"));

  // With a live master and a running task, the run can move: --once says 0.
  auto once = f.kp({"watch", "demo", "--once"});
  CHECK(once.exit_code == 0);
  CHECK(contains(once.out, "master pid " + std::to_string(::getpid())));
  CHECK(contains(once.out, "NEEDS YOUR CHOICE: Delete everything? (y/N)"));
  CHECK(contains(once.out, "attach: tmux -L kp-views-none attach -t demo-task-1-2"));
}

TEST_CASE("watch --once: 0 when all is done, 3 when the master is gone and work remains") {
  ViewFixture f;
  RunState s;
  s.spec = "demo";
  s.tasks = {make_task("1.1", TaskStatus::completed, "A"), make_task("1.2", TaskStatus::completed, "B")};
  f.write(s);
  append_completion(f.paths.completed_json, {"1.1", "A", 12, "2026-11-22T03:00:00Z"});
  append_completion(f.paths.completed_json, {"1.2", "B", 75, "2026-11-22T03:01:00Z"});
  auto done = f.kp({"watch", "demo", "--once"});
  CHECK(done.exit_code == 0);
  CHECK(done.out.find('\033') == std::string::npos);
  CHECK(contains(done.out, "2/2 completed"));
  CHECK(contains(done.out, "1m15s"));
  auto looped = f.kp({"watch", "demo"});
  CHECK(looped.exit_code == 0);
  CHECK(contains(looped.out, "all tasks completed"));

  auto m = f.kp({"master-status", "demo"});
  CHECK(m.exit_code == 0);
  CHECK(contains(m.out, "master: not running"));
  CHECK(contains(m.out, "1.2"));
  CHECK(contains(m.out, "1m15s"));
  CHECK(m.out.find("1.2") < m.out.find("1.1  "));  // latest first

  s.tasks[1].status = TaskStatus::pending;
  f.write(s);
  CHECK(f.kp({"watch", "demo", "--once"}).exit_code == 3);
  auto stuck = f.kp({"watch", "demo", "--interval", "0.1"});
  CHECK(stuck.exit_code == 3);
  CHECK(contains(stuck.out, "master is not running"));
  CHECK(f.kp({"status", "demo"}).exit_code == 0);  // nothing failed
  CHECK(f.kp({"watch", "demo", "--interval", "0.01"}).exit_code == 2);
}

TEST_CASE("watch prints a new block when the run changes and ends when it is done") {
  ViewFixture f;
  RunState s;
  s.spec = "demo";
  TaskState running = make_task("1.1", TaskStatus::running, "A");
  running.phase = "agent busy";
  running.started_epoch = now_epoch();
  s.tasks = {running};
  f.write(s);
  // This test process plays the master: a thread holds its lock (a lock is
  // released by the thread that took it) until a moment after the task is done.
  std::promise<void> locked;
  std::future<void> lock_taken = locked.get_future();
  std::thread finisher([&] {
    FileLock master_lock = FileLock::acquire(f.paths.master_lock);
    locked.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    RunState done = s;
    done.tasks[0].status = TaskStatus::completed;
    done.tasks[0].phase.clear();
    done.tasks[0].duration = 1;
    write_run_state(f.paths.state_json, done);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  });
  lock_taken.wait();
  auto r = f.kp({"watch", "demo", "--interval", "0.1"});
  finisher.join();
  CHECK(r.exit_code == 0);
  auto busy = r.out.find("agent busy");
  auto complete = r.out.find("1/1 completed");
  CHECK(busy != std::string::npos);
  CHECK(complete != std::string::npos);
  CHECK(busy < complete);
  // It ended after the master did, and showed that last.
  CHECK(contains(r.out.substr(r.out.rfind("kiro-parallel demo")), "master not running"));
  // One block per change, not one per tick.
  size_t headers = 0;
  for (size_t at = r.out.find("kiro-parallel demo"); at != std::string::npos; at = r.out.find("kiro-parallel demo", at + 1)) {
    ++headers;
  }
  CHECK(headers == 2);
}

TEST_CASE("logs: unknown task 2, no log yet 1, the log's text, -f until the task stops running") {
  ViewFixture f;
  RunState s = f.mixed_state();
  f.write(s);
  auto unknown = f.kp({"logs", "demo", "9.9"});
  CHECK(unknown.exit_code == 2);
  CHECK(contains(unknown.err, "9.9"));
  auto missing = f.kp({"logs", "demo", "1.1"});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "no log yet"));
  test::write_text(f.paths.task_latest_log("1.1"), "screen of 1.1\n> done\n");
  auto present = f.kp({"logs", "demo", "1.1"});
  CHECK(present.exit_code == 0);
  CHECK(present.out == "screen of 1.1\n> done\n");
  // -f on a finished task prints once and returns.
  CHECK(f.kp({"logs", "demo", "1.1", "-f"}).out == "screen of 1.1\n> done\n");

  // -f on a running task: the log is replaced (by rename), then the task finishes.
  test::write_text(f.paths.task_latest_log("1.2"), "first screen\n");
  std::thread worker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    test::write_text(f.paths.task_latest_log("1.2").string() + ".tmp", "second screen\n");
    fs::rename(f.paths.task_latest_log("1.2").string() + ".tmp", f.paths.task_latest_log("1.2"));
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    RunState done = s;
    done.tasks[1].status = TaskStatus::completed;
    write_run_state(f.paths.state_json, done);
  });
  auto followed = f.kp({"logs", "demo", "1.2", "-f"});
  worker.join();
  CHECK(followed.exit_code == 0);
  auto first = followed.out.find("first screen");
  auto second = followed.out.find("second screen");
  CHECK(first != std::string::npos);
  CHECK(second != std::string::npos);
  CHECK(first < second);
}

TEST_CASE("attach: not a terminal prints the command and exits 1; unknown task 2") {
  ViewFixture f;
  f.write(f.mixed_state());
  auto r = f.kp({"attach", "demo", "1.2"});
  CHECK(r.exit_code == 1);
  CHECK(r.out == "tmux -L kp-views-none attach -t demo-task-1-2\n");
  CHECK(contains(r.err, "not a terminal"));
  CHECK(f.kp({"attach", "demo", "7"}).exit_code == 2);
  CHECK(f.kp({"attach", "demo"}).exit_code == 2);
}

TEST_CASE("every view has --help with its options and -C") {
  ViewFixture f;
  auto status = f.kp({"status", "--help"});
  CHECK(status.exit_code == 0);
  CHECK(contains(status.out, "  --json"));
  auto watch = f.kp({"watch", "--help"});
  CHECK(contains(watch.out, "  --interval S"));
  CHECK(contains(watch.out, "  --once"));
  CHECK(contains(f.kp({"logs", "--help"}).out, "  -f, --follow"));
  for (const char* cmd : {"status", "watch", "master-status", "logs", "attach"}) {
    auto r = f.kp({cmd, "--help"});
    CHECK_MESSAGE(r.exit_code == 0, cmd);
    CHECK_MESSAGE(contains(r.out, "  -C DIR"), cmd);
  }
  // -C from elsewhere finds the repository.
  f.write(f.mixed_state());
  CHECK(test::run_kp({"status", "demo", "-C", f.repo.string()}, f.dir.path()).exit_code == 0);
}
