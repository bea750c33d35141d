// .parallel_state.json as a snapshot of the event journal: transitions are
// journaled with the task's state, the snapshot is rewritten at a bounded
// rate, a read applies the journal's tail, and a broken snapshot is rebuilt
// from the journal alone.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/task_lifecycle.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

struct SnapshotSpec {
  test::TempDir dir;
  SpecPaths paths = SpecPaths::at(dir.path(), "spec");

  SnapshotSpec() {
    std::filesystem::create_directories(paths.spec_dir);
    RunState s;
    s.spec = "spec";
    for (const char* id : {"1.1", "1.2", "1.3"}) {
      TaskState t;
      t.id = id;
      t.title = std::string("task ") + id;
      s.tasks.push_back(t);
    }
    s.tasks[0].status = TaskStatus::running;
    s.tasks[0].worker = 0;
    StateLock lock(paths);
    commit_run_state(paths, s);  // a state made in memory: journaled and written whole
  }
  std::string snapshot() const { return test::read_text(paths.state_json); }
  std::string journal() const { return test::read_text(journal_path(paths)); }
};

}  // namespace

TEST_CASE("a transition is journaled with the task's state; the snapshot waits; a read sees it") {
  SnapshotSpec spec;
  CHECK(spec.journal().find("\"event\":\"run_state\"") != std::string::npos);
  const std::string snapshot = spec.snapshot();
  update_run_state(spec.paths, [](RunState& s) { set_phase(s, "1.1", Phase::agent_busy); });
  CHECK(spec.snapshot() == snapshot);  // within the second: not rewritten
  auto state = read_run_state(spec.paths.state_json);
  REQUIRE(state);
  CHECK(state->find("1.1")->phase_kind == Phase::agent_busy);
  const std::string journal = spec.journal();
  const std::string last = journal.substr(journal.rfind('\n', journal.size() - 2) + 1);
  CHECK(last.find("\"task\":\"1.1\"") != std::string::npos);
  CHECK(last.find("\"state\":{") != std::string::npos);
  CHECK(last.find("\"phase_kind\":\"agent_busy\"") != std::string::npos);
}

TEST_CASE("a change without a transition gets a state record that `events` does not show") {
  SnapshotSpec spec;
  update_run_state(spec.paths, [](RunState& s) { s.find("1.1")->tokens_output = 42; });
  CHECK(read_run_state(spec.paths.state_json)->find("1.1")->tokens_output == 42);
  CHECK(spec.journal().find("\"event\":\"state\"") != std::string::npos);
  std::uintmax_t offset = 0;
  auto events = read_journal_from(journal_path(spec.paths), offset);
  CHECK(std::none_of(events.begin(), events.end(), [](const JournalEvent& e) { return !is_transition(e); }));
}

TEST_CASE("the snapshot is rewritten at once when nothing is left to run, or the run's settings change") {
  SnapshotSpec spec;
  const std::string before = spec.snapshot();
  update_run_state(spec.paths, [](RunState& s) { s.config.retries = 2; });
  CHECK(spec.snapshot() != before);
  const std::string settings_written = spec.snapshot();
  update_run_state(spec.paths, [](RunState& s) {
    for (auto& t : s.tasks) t.status = TaskStatus::completed;
  });
  CHECK(spec.snapshot() != settings_written);
  CHECK(spec.snapshot().find("\"status\":\"running\"") == std::string::npos);
}

TEST_CASE("a torn last journal line is not applied; the whole lines before it are") {
  SnapshotSpec spec;
  update_run_state(spec.paths, [](RunState& s) { set_phase(s, "1.1", Phase::agent_busy); });
  {
    std::ofstream out(journal_path(spec.paths), std::ios::app);
    out << R"({"ts":"x","event":"state","task":"1.2","state":{"id":"1.2","status":"fail)";
  }
  auto state = read_run_state(spec.paths.state_json);
  REQUIRE(state);
  CHECK(state->find("1.1")->phase_kind == Phase::agent_busy);
  CHECK(state->find("1.2")->status == TaskStatus::pending);
}

TEST_CASE("a broken snapshot names itself and the rebuild; the journal alone rebuilds it") {
  SnapshotSpec spec;
  update_run_state(spec.paths, [](RunState& s) { set_phase(s, "1.1", Phase::agent_busy); });
  update_run_state(spec.paths, [](RunState& s) { s.find("1.2")->status = TaskStatus::stopped; });
  const RunState live = *read_run_state(spec.paths.state_json);
  test::write_text(spec.paths.state_json, R"({"version": 1, "tasks": [{"id": "1.1", "sta)");
  try {
    read_run_state(spec.paths.state_json);
    FAIL("a torn snapshot was read");
  } catch (const RuntimeError& e) {
    CHECK(std::string(e.what()).find(".parallel_state.json") != std::string::npos);
    CHECK(std::string(e.what()).find("recover spec --rebuild-state") != std::string::npos);
  }
  auto rebuilt = rebuild_run_state_from_journal(spec.paths);
  REQUIRE(rebuilt);
  CHECK(rebuilt->tasks == live.tasks);
  CHECK(rebuilt->spec == "spec");
}

TEST_CASE("a snapshot written directly supersedes the journal before it") {
  SnapshotSpec spec;
  update_run_state(spec.paths, [](RunState& s) { set_phase(s, "1.1", Phase::agent_busy); });
  RunState fresh = *read_run_state(spec.paths.state_json);
  fresh.find("1.1")->phase_kind = Phase::none;
  fresh.find("1.1")->phase.clear();
  write_run_state(spec.paths.state_json, fresh);
  CHECK(read_run_state(spec.paths.state_json)->find("1.1")->phase_kind == Phase::none);
}

TEST_CASE("a state without a journal offset (an older version's) is written whole on its next change") {
  test::TempDir dir;
  SpecPaths paths = SpecPaths::at(dir.path(), "spec");
  std::filesystem::create_directories(paths.spec_dir);
  test::write_text(paths.state_json,
                   R"({"version": 1, "spec": "spec", "tasks": [{"id": "1.1", "status": "running", "phase": "agent busy"}]})");
  update_run_state(paths, [](RunState& s) { set_phase(s, "1.1", Phase::agent_working); });
  update_run_state(paths, [](RunState& s) { set_phase(s, "1.1", Phase::agent_busy); });
  CHECK(read_run_state(paths.state_json)->find("1.1")->phase_kind == Phase::agent_busy);
  CHECK(test::read_text(paths.state_json).find("\"journal_offset\"") != std::string::npos);
  std::uintmax_t offset = 0;
  CHECK(read_journal_from(journal_path(paths), offset).size() == 2);
}

TEST_CASE("a journal removed under the snapshot: the next change writes the state whole over the new one") {
  SnapshotSpec spec;
  update_run_state(spec.paths, [](RunState& s) { set_phase(s, "1.1", Phase::agent_busy); });
  std::filesystem::remove(journal_path(spec.paths));
  test::write_text(spec.paths.state_json, spec.snapshot());  // another process's view: not this one's cache
  update_run_state(spec.paths, [](RunState& s) { s.find("1.2")->status = TaskStatus::stopped; });
  auto state = read_run_state(spec.paths.state_json);
  CHECK(state->find("1.2")->status == TaskStatus::stopped);
  auto rebuilt = rebuild_run_state_from_journal(spec.paths);
  REQUIRE(rebuilt);
  CHECK(rebuilt->find("1.2")->status == TaskStatus::stopped);
}
