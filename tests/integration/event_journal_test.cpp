// The event journal end to end: `events -f --json`, started before a run of
// the simulated agent, sees each task's transitions live, in order, and ends
// by itself once the master has exited.
#include <doctest/doctest.h>

#include <map>
#include <vector>

#include "common/event_journal.hpp"
#include "common/subprocess.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;

namespace {

const char* kThreeTasks = R"(# Implementation Plan

- [ ] 1. Work
- [ ] 1.1 First
- [ ] 1.2 Second
  - _Depends: 1.1_
- [ ] 1.3 (P) Third
)";

std::vector<JournalEvent> events_in(const std::filesystem::path& path) {
  std::vector<JournalEvent> out;
  std::string text = test::read_text(path);
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    auto e = parse_journal_line(std::string_view(text).substr(start, nl - start));
    CHECK_MESSAGE(e.has_value(), "not a journal line: " << text.substr(start, nl - start));
    if (e) out.push_back(*e);
    start = nl + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("events -f --json started before a run sees every transition of the run live") {
  RunFixture f(kThreeTasks, R"({"default": {"duration": 0.3, "prompts": 1, "wait_for": "GATE"}})");
  const auto out = f.repo().parent_path() / "events.out";
  SpawnOptions options;
  options.stdout_path = out;
  ChildProcess follower =
      spawn_program({test::kp_binary().string(), "events", "-C", f.repo().string(), "app", "-f", "--json"}, options);
  auto started = f.start(2);
  REQUIRE_MESSAGE(started.exit_code == 0, started.out << started.err);
  // Live: the agents wait for the gate, and the follower already shows their prompts.
  CHECK(RunFixture::wait_for([&] { return test::read_text(out).find("\"prompt_delivered\"") != std::string::npos; }));
  CHECK(follower.running());
  f.open_gate();
  CHECK(f.watched_ok());
  std::optional<int> code;
  RunFixture::wait_for([&] { return (code = follower.poll()).has_value(); }, std::chrono::seconds(30));
  REQUIRE_MESSAGE(code.has_value(), "events -f did not end after the master exited");
  CHECK(*code == 0);

  std::map<std::string, std::vector<std::string>> by_task;
  for (const auto& e : events_in(out)) {
    CHECK(e.ts.size() == 24);
    if (e.event != "phase") by_task[e.task].push_back(e.event);
  }
  // The journal file holds the same transitions as the follower printed;
  // its state records (what rebuilds the snapshot) are not shown.
  std::string transitions;
  size_t state_records = 0;
  for (const auto& e : events_in(journal_path(f.paths()))) {
    if (is_transition(e)) transitions += journal_line(e) + "\n";
    else ++state_records;
  }
  CHECK(test::read_text(out) == transitions);
  CHECK(state_records >= 1);  // the run_state record of the run's start
  for (const std::string id : {"1.1", "1.2", "1.3"}) {
    const auto& seen = by_task[id];
    CAPTURE(id);
    REQUIRE(seen.size() >= 4);
    CHECK(seen.front() == "claimed");
    CHECK(seen.back() == "completed");
    CHECK(std::count(seen.begin(), seen.end(), "completed") == 1);
    auto at = [&](const char* name) { return std::find(seen.begin(), seen.end(), name) - seen.begin(); };
    CHECK(at("claimed") < at("started"));
    CHECK(at("started") < at("prompt_delivered"));
    CHECK(at("prompt_delivered") < at("completed"));
  }
  CHECK(read_completions(f.paths().completed_json).size() == 3);
}
