#include <fstream>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "common/event_journal.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/task_lifecycle.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

void append_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::app | std::ios::binary) << text;
}

RunState two_tasks(int retries) {
  RunState s;
  s.spec = "demo";
  s.config.retries = retries;
  TaskState a;
  a.id = "1";
  a.status = TaskStatus::running;
  a.attempts = 1;
  a.worker = 0;
  a.phase = "committing";
  a.prompt_sent = true;
  a.started_epoch = now_epoch() - 10;
  TaskState b;
  b.id = "2";
  b.deps = {"1"};
  s.tasks = {a, b};
  return s;
}

}  // namespace

TEST_CASE("a failed attempt honours retries and never keeps its phase") {
  RunState s = two_tasks(1);
  CHECK(fail_attempt(s, "1", "cannot commit", true));
  CHECK(s.tasks[0].status == TaskStatus::pending);
  CHECK(s.tasks[0].phase.empty());
  CHECK(s.tasks[0].worker == -1);
  CHECK_FALSE(s.tasks[0].prompt_sent);
  CHECK(s.tasks[1].status == TaskStatus::pending);
  s.tasks[0].status = TaskStatus::running;
  s.tasks[0].attempts = 2;  // the retry used up
  CHECK_FALSE(fail_attempt(s, "1", "cannot commit", true));
  CHECK(s.tasks[0].status == TaskStatus::failed);
  CHECK(s.tasks[0].message == "cannot commit");
  CHECK(s.tasks[1].status == TaskStatus::blocked);
}

TEST_CASE("a failure without retry fails at once even with retries left") {
  RunState s = two_tasks(3);
  CHECK_FALSE(fail_attempt(s, "1", "bad settings", false));
  CHECK(s.tasks[0].status == TaskStatus::failed);
}

TEST_CASE("a merge error fails the task with the error instead of holding it") {
  RunState s = two_tasks(3);
  s.tasks[0].phase = "merge held";
  s.tasks[0].branch = "kiro/demo/task-1";
  fail_merge(s, "1", "reference 'refs/heads/kiro/demo/task-1' not found");
  CHECK(s.tasks[0].status == TaskStatus::failed);
  CHECK(s.tasks[0].phase.empty());
  CHECK(s.tasks[0].message.find("not found") != std::string::npos);
  CHECK(s.tasks[1].status == TaskStatus::blocked);
}

TEST_CASE("a completion is recorded once per attempt") {
  test::TempDir dir;
  RunState s = two_tasks(0);
  const auto history = dir / "completed.json";
  CHECK(complete_once(s, "1", history, now_epoch(), ""));
  CHECK(s.tasks[0].status == TaskStatus::completed);
  CHECK(s.tasks[0].duration);
  // A resumer (or `retry`) completing the same attempt again records nothing.
  CHECK_FALSE(complete_once(s, "1", history, now_epoch(), "merged by retry"));
  CHECK(read_completions(history).size() == 1);
  // A later attempt is a new completion.
  s.tasks[0].started_epoch = now_epoch() + 5;
  CHECK(complete_once(s, "1", history, now_epoch() + 6, ""));
  CHECK(read_completions(history).size() == 2);
}

TEST_CASE("a committed task (run --no-merge) holds back its dependents; its merge records the work's duration once") {
  test::TempDir dir;
  RunState s = two_tasks(0);
  const auto history = dir / "completed.json";
  const double committed_at = now_epoch();
  commit_unmerged(s, "1", committed_at);
  CHECK(s.tasks[0].status == TaskStatus::committed);
  CHECK(s.tasks[0].worker == -1);
  CHECK(s.tasks[0].phase.empty());
  REQUIRE(s.tasks[0].duration);
  const double work = *s.tasks[0].duration;
  CHECK(work >= 10);
  REQUIRE(s.journal.size() == 1);
  CHECK(s.journal[0].event == "committed");
  CHECK(s.journal[0].worker == 0);
  CHECK(read_completions(history).empty());
  // Its dependent is not ready and nothing else can move: the run ends.
  CHECK(pick_ready_task(s) == -1);
  CHECK_FALSE(work_remaining(s));
  CHECK(count_statuses(s).committed == 1);
  CHECK(propagate_blocked(s) == 0);  // waiting for a merge blocks nothing
  // Merged an hour later: the completion counts the work, not the wait.
  CHECK(complete_once(s, "1", history, committed_at + 3600, ""));
  CHECK(s.tasks[0].status == TaskStatus::completed);
  CHECK(*s.tasks[0].duration == doctest::Approx(work));
  CHECK(read_completions(history).size() == 1);
  CHECK(read_completions(history)[0].duration == doctest::Approx(work));
  CHECK(pick_ready_task(s) == 1);
}

TEST_CASE("a new run's plan keeps a committed task committed") {
  TaskState before;
  before.id = "1";
  before.status = TaskStatus::committed;
  before.message = "committed on task-demo-1, not merged";
  TaskState t;
  t.id = "1";
  start_from_plan(t, &before, /*ticked=*/false, /*blocked_in_md=*/false, "");
  CHECK(t.status == TaskStatus::committed);
  CHECK(t.message == before.message);
}

TEST_CASE("the same worker error again and again fails the task; a different one starts the count again") {
  RunState s = two_tasks(5);
  CHECK_FALSE(note_worker_error(s, "1", "settings.json: line 3: bad"));
  CHECK_FALSE(note_worker_error(s, "1", "other"));
  CHECK_FALSE(note_worker_error(s, "1", "settings.json: line 3: bad"));
  CHECK_FALSE(note_worker_error(s, "1", "settings.json: line 3: bad"));
  CHECK(s.tasks[0].status == TaskStatus::running);
  CHECK(note_worker_error(s, "1", "settings.json: line 3: bad"));
  CHECK(s.tasks[0].status == TaskStatus::failed);
  CHECK(s.tasks[0].message.find("settings.json: line 3: bad") != std::string::npos);
  CHECK(s.tasks[0].worker_errors == 0);
  CHECK(s.tasks[1].status == TaskStatus::blocked);
}

TEST_CASE("why the master gave up survives the state file") {
  test::TempDir dir;
  RunState s = two_tasks(0);
  record_master_gave_up(s, "every worker slot died 9 times in a row");
  write_run_state(dir / "state.json", s);
  auto back = read_run_state(dir / "state.json");
  REQUIRE(back);
  CHECK(back->master_gave_up == "every worker slot died 9 times in a row");
}

TEST_CASE("phase texts read back as their kind and detail") {
  for (auto [text, kind, detail] : std::vector<std::tuple<std::string, Phase, std::string>>{
           {"", Phase::none, ""},
           {"agent busy", Phase::agent_busy, ""},
           {"needs choice: refuse by deny_rm: Bash rm -rf /", Phase::needs_choice, "refuse by deny_rm: Bash rm -rf /"},
           {"waiting: a person is attached", Phase::waiting, "a person is attached"},
           {"possibly stuck: screen unchanged for 901 s", Phase::possibly_stuck, "screen unchanged for 901 s"},
           {"retrying in 5 s after: overloaded", Phase::retrying, "in 5 s after: overloaded"},
           {"resuming (was: merge held)", Phase::resuming, "merge held"},
           {"merge held", Phase::merge_held, ""},
           {"adopted by recover", Phase::adopted, ""},
           {"needs choicex", Phase::other, "needs choicex"},
       }) {
    CAPTURE(text);
    CHECK(phase_of_text(text) == kind);
    CHECK(phase_detail_of_text(text) == detail);
    CHECK(phase_text(kind, detail) == text);
    CHECK(phase_from_key(phase_key(kind)) == kind);
  }
  CHECK(phase_past_agent("committing"));
  CHECK(phase_past_agent("resuming (was: resuming (was: merging))"));
  CHECK_FALSE(phase_past_agent("resuming (was: agent busy)"));
  CHECK_FALSE(phase_past_agent("merged?"));
}

TEST_CASE("each transition journals one event with the task's attempt and worker") {
  test::TempDir dir;
  RunState s = two_tasks(0);
  s.tasks[0].status = TaskStatus::pending;
  s.tasks[0].attempts = 0;
  s.tasks[0].worker = -1;
  claim(s, "1", 2, "demo-task-1", "kiro/demo/task-1", "/wt/1");
  set_phase_text(s, "1", "prompt sent");
  deliver_prompt(s, "1");
  deliver_prompt(s, "1");  // already delivered: no second event
  set_phase_text(s, "1", "needs choice: ask by default: Bash curl");
  set_phase_text(s, "1", "needs choice: ask by default: Bash curl");  // no change: no event
  set_phase_text(s, "1", "answered a prompt");
  record_evidence(s, "1", "signal + checkbox");
  complete_once(s, "1", dir / "completed.json", now_epoch(), "");
  std::vector<std::string> names;
  for (const auto& e : s.journal) names.push_back(e.event);
  CHECK(names == std::vector<std::string>{"claimed", "phase", "prompt_delivered", "needs_choice", "approved", "completed"});
  CHECK(s.journal.front().worker == 2);
  CHECK(s.journal.front().attempt == 1);
  CHECK(s.journal[3].detail == "ask by default: Bash curl");
  CHECK(s.journal.back().evidence == "signal + checkbox");
  CHECK(s.journal.back().worker == 2);
  CHECK(s.journal.back().phase.empty());
  CHECK(s.tasks[0].phase_kind == Phase::none);
}

TEST_CASE("a failure journals its error and the tasks it blocks") {
  RunState s = two_tasks(0);
  fail_attempt(s, "1", "the agent's turn ended in an error: 400", true);
  REQUIRE(s.journal.size() == 2);
  CHECK(s.journal[0].event == "failed");
  CHECK(s.journal[0].error == "the agent's turn ended in an error: 400");
  CHECK(s.journal[0].worker == 0);
  CHECK(s.journal[1].event == "blocked");
  CHECK(s.journal[1].task == "2");
  reset_for_retry(s, "1");
  CHECK(s.tasks[0].status == TaskStatus::pending);
  CHECK(s.tasks[1].status == TaskStatus::pending);
  CHECK(s.journal[2].event == "retried");
  CHECK(s.journal[3].event == "unblocked");
}

TEST_CASE("stop, conflict, held merge and a dead claim each journal once") {
  RunState s = two_tasks(0);
  hold_merge(s, "1", "uncommitted changes in src/a.c");
  hold_merge(s, "1", "uncommitted changes in src/a.c");
  CHECK(s.tasks[0].phase == "merge held");
  CHECK(s.tasks[0].message == "uncommitted changes in src/a.c");
  mark_conflict(s, "1", "merge conflict in src/a.c");
  CHECK(s.tasks[0].status == TaskStatus::conflict);
  RunState r = two_tasks(0);
  release_dead_claim(r, "1", "its worker and its session are gone");
  CHECK(r.tasks[0].status == TaskStatus::pending);
  stop(r, "1", "stopped by `kiro-parallel stop`");
  CHECK(r.tasks[0].status == TaskStatus::stopped);
  std::vector<std::string> names;
  for (const auto& e : s.journal) names.push_back(e.event);
  for (const auto& e : r.journal) names.push_back(e.event);
  CHECK(names == std::vector<std::string>{"merge_held", "conflict", "released", "stopped", "blocked"});
}

TEST_CASE("the journal file: whole lines appended, a torn last line left for later") {
  test::TempDir dir;
  SpecPaths paths;
  paths.logs_dir = dir.path();
  RunState s = two_tasks(0);
  fail_attempt(s, "1", "boom \"quoted\"\nsecond line", false);
  append_journal(journal_path(paths), s.journal);
  append_text(journal_path(paths), "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"event\":\"clai");
  std::uintmax_t offset = 0;
  auto events = read_journal_from(journal_path(paths), offset);
  REQUIRE(events.size() == 2);
  CHECK(events[0].error == "boom \"quoted\"\nsecond line");
  CHECK(events[0].ts.size() == 24);  // 2026-12-01T13:45:00.123Z
  CHECK(events[1].event == "blocked");
  auto again = read_journal_from(journal_path(paths), offset);
  CHECK(again.empty());
  append_text(journal_path(paths), "med\",\"task\":\"3\"}\n");
  again = read_journal_from(journal_path(paths), offset);
  REQUIRE(again.size() == 1);
  CHECK(again[0].event == "claimed");
  CHECK(again[0].worker == -1);
}

TEST_CASE("the completion history is appended in place in its one format, and a torn append is repaired") {
  test::TempDir dir;
  const auto path = dir / "completed.json";
  std::vector<Completion> all = {{"1.1", "First \"one\"", 1.5, "2026-01-01T00:00:01Z"},
                                 {"1.2", "日本語", 2, "2026-01-01T00:00:02Z"},
                                 {"2.1", "Third", 3.25, "2026-01-01T00:00:03Z"}};
  for (const auto& c : all) append_completion(path, c);
  // Byte for byte what writing the whole array gives.
  nlohmann::json whole = nlohmann::json::array();
  for (const auto& c : all) {
    whole.push_back({{"task_id", c.task_id}, {"title", c.title}, {"duration", c.duration}, {"completed_at", c.completed_at}});
  }
  CHECK(test::read_text(path) == whole.dump(2) + "\n");
  // A crash in the middle of the next append.
  std::string text = test::read_text(path);
  test::write_text(path, text.substr(0, text.size() - 3) + ",\n  {\n    \"completed_at\": \"2026-01");
  auto back = read_completions(path);
  REQUIRE(back.size() == 3);
  CHECK(back[2].task_id == "2.1");
  append_completion(path, {"2.2", "Fourth", 4, "2026-01-01T00:00:04Z"});
  CHECK(read_completions(path).size() == 4);
  whole.push_back({{"task_id", "2.2"}, {"title", "Fourth"}, {"duration", 4.0}, {"completed_at", "2026-01-01T00:00:04Z"}});
  CHECK(test::read_text(path) == whole.dump(2) + "\n");
}

TEST_CASE("a phase whose detail counts up journals once") {
  RunState s = two_tasks(0);
  set_phase_text(s, "1", "possibly stuck: screen unchanged for 900 s");
  const double since = s.tasks[0].phase_since;
  set_phase_text(s, "1", "possibly stuck: screen unchanged for 901 s");
  CHECK(s.tasks[0].phase == "possibly stuck: screen unchanged for 901 s");
  CHECK(s.tasks[0].phase_since == since);
  CHECK(s.journal.size() == 1);
  set_phase_text(s, "1", "agent busy");
  CHECK(s.journal.size() == 2);
}
