// A person's answer to one pending approval prompt (watch's y / n), handed to
// the worker that watches the agent: logs/task-<id>.answer, written whole by
// watch under the state lock and taken (read and removed) by the worker. It
// names the prompt it answers by the task's attempt, phase text and the time
// that phase began, so it can never approve any prompt but the one the person
// saw: the worker drops an answer whose prompt is no longer the one pending.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/run_state.hpp"
#include "common/spec_paths.hpp"

namespace kp {

struct PersonAnswer {
  bool approve = false;   // true: approve once (Enter); false: refuse (Esc, "No")
  std::string task;
  int attempt = 0;
  std::string phase;      // the task's phase text the person answered
  double phase_since = 0; // when that phase began (the state's phase_since)
  std::string by;         // who answered: "watch"
};

std::filesystem::path person_answer_path(const SpecPaths& paths, std::string_view task);

// A phase the approval policy left for a person: "needs choice: refused by
// RULE: WHAT" or "needs choice: not approved by RULE: WHAT". Other choices (a
// question, a menu whose cursor is on "No") are not approvals: y / n do not apply.
bool phase_is_approval_question(std::string_view phase);

// One line of JSON and back; nullopt for anything else.
std::string format_person_answer(const PersonAnswer& answer);
std::optional<PersonAnswer> parse_person_answer(std::string_view text);

// True when `answer` answers the prompt `task` is waiting on now.
bool answer_matches(const PersonAnswer& answer, const TaskState& task);

// Under the state lock: checks that the task still waits on exactly the
// prompt the person saw (`seen` from the state they were shown), writes the
// answer file and journals answer_requested. Returns "" on success, else why
// not (nothing written).
std::string request_person_answer(const SpecPaths& paths, const TaskState& seen, bool approve, const std::string& by);

// The worker's side: the answer waiting for `task`, removed from disk (taken
// once), or nullopt.
std::optional<PersonAnswer> take_person_answer(const SpecPaths& paths, std::string_view task);

}  // namespace kp
