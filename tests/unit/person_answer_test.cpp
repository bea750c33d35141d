// A person's answer (watch's y / n) names exactly one pending prompt.
#include <doctest/doctest.h>

#include "common/event_journal.hpp"
#include "common/person_answer.hpp"
#include "common/run_state.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

TaskState waiting(const std::string& phase) {
  TaskState t;
  t.id = "1.2";
  t.status = TaskStatus::running;
  t.attempts = 2;
  t.phase = phase;
  t.phase_since = 1700000000.125;
  return t;
}

const char* kRefused = "needs choice: refused by git_push: Bash git push origin main";

}  // namespace

TEST_CASE("person answer: only approval prompts take y / n") {
  CHECK(phase_is_approval_question(kRefused));
  CHECK(phase_is_approval_question("needs choice: not approved by outside_worktree: Bash ls /etc"));
  CHECK_FALSE(phase_is_approval_question("needs choice: ☐ Which database?"));
  CHECK_FALSE(phase_is_approval_question("agent busy"));
  CHECK_FALSE(phase_is_approval_question("answered a prompt: refused by x"));
}

TEST_CASE("person answer: the JSON line round-trips; it matches only the same attempt, phase text and phase start") {
  PersonAnswer a{true, "1.2", 2, kRefused, 1700000000.125, "watch"};
  auto back = parse_person_answer(format_person_answer(a));
  REQUIRE(back);
  CHECK(back->approve);
  CHECK(back->phase == kRefused);
  CHECK(answer_matches(*back, waiting(kRefused)));
  TaskState later = waiting(kRefused);
  later.phase_since += 1;  // the same words, a later prompt
  CHECK_FALSE(answer_matches(*back, later));
  TaskState retried = waiting(kRefused);
  retried.attempts = 3;
  CHECK_FALSE(answer_matches(*back, retried));
  CHECK_FALSE(answer_matches(*back, waiting("needs choice: refused by git_push: Bash git push --force")));
  CHECK_FALSE(parse_person_answer("{\"answer\": \"always\", \"task\": \"1\", \"attempt\": 1, \"phase\": \"\", \"phase_since\": 0}"));
  CHECK_FALSE(parse_person_answer("not json"));
}

TEST_CASE("person answer: requested under the lock for the prompt seen, journaled; refused for another, nothing written") {
  test::TempDir dir;
  auto paths = SpecPaths::at(dir.path(), "app");
  std::filesystem::create_directories(paths.logs_dir);
  RunState s;
  s.spec = "app";
  s.tasks.push_back(waiting(kRefused));
  write_run_state(paths.state_json, s);
  TaskState seen = read_run_state(paths.state_json)->tasks[0];

  TaskState stale = seen;
  stale.phase_since -= 5;
  CHECK(request_person_answer(paths, stale, true, "watch").find("another prompt") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(person_answer_path(paths, "1.2")));

  CHECK(request_person_answer(paths, seen, false, "watch").empty());
  auto taken = take_person_answer(paths, "1.2");
  REQUIRE(taken);
  CHECK_FALSE(taken->approve);
  CHECK_FALSE(take_person_answer(paths, "1.2"));  // taken once
  std::uintmax_t offset = 0;
  auto events = read_journal_from(journal_path(paths), offset);
  REQUIRE(events.size() == 1);
  CHECK(events[0].event == "answer_requested");
  CHECK(events[0].detail == "refuse by a person (watch): refused by git_push: Bash git push origin main");

  s.tasks[0].phase = "agent busy";
  write_run_state(paths.state_json, s);
  CHECK(request_person_answer(paths, seen, true, "watch").find("waits on no approval") != std::string::npos);
}
