#include "common/person_answer.hpp"

#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/task_lifecycle.hpp"
#include "common/task_phase.hpp"

namespace kp {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

std::filesystem::path person_answer_path(const SpecPaths& paths, std::string_view task) {
  return paths.logs_dir / fmt::format("task-{}.answer", task);
}

bool phase_is_approval_question(std::string_view phase) {
  if (phase_of_text(phase) != Phase::needs_choice) return false;
  const std::string detail = phase_detail_of_text(phase);
  return starts_with(detail, "refused by ") || starts_with(detail, "not approved by ");
}

std::string format_person_answer(const PersonAnswer& a) {
  nlohmann::json j = {{"answer", a.approve ? "approve" : "refuse"},
                      {"task", a.task},
                      {"attempt", a.attempt},
                      {"phase", a.phase},
                      {"phase_since", a.phase_since},
                      {"by", a.by}};
  return j.dump() + "\n";
}

std::optional<PersonAnswer> parse_person_answer(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    PersonAnswer a;
    const std::string verdict = j.at("answer").get<std::string>();
    if (verdict != "approve" && verdict != "refuse") return std::nullopt;
    a.approve = verdict == "approve";
    a.task = j.at("task").get<std::string>();
    a.attempt = j.at("attempt").get<int>();
    a.phase = j.at("phase").get<std::string>();
    a.phase_since = j.at("phase_since").get<double>();
    a.by = j.value("by", std::string());
    return a;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

bool answer_matches(const PersonAnswer& answer, const TaskState& task) {
  return task.status == TaskStatus::running && answer.task == task.id && answer.attempt == task.attempts &&
         answer.phase == task.phase && answer.phase_since == task.phase_since &&
         phase_is_approval_question(task.phase);
}

std::string request_person_answer(const SpecPaths& paths, const TaskState& seen, bool approve, const std::string& by) {
  PersonAnswer answer{approve, seen.id, seen.attempts, seen.phase, seen.phase_since, by};
  StateLock lock(paths);
  auto state = read_run_state(paths.state_json);
  const TaskState* now = state ? state->find(seen.id) : nullptr;
  if (!now) return fmt::format("task {} is not in the run state", seen.id);
  if (!phase_is_approval_question(now->phase)) {
    return now->status == TaskStatus::running && phase_of_text(now->phase) == Phase::needs_choice
               ? fmt::format("task {} asks a question that is not an approval: attach to answer it", seen.id)
               : fmt::format("task {} waits on no approval now", seen.id);
  }
  if (!answer_matches(answer, *now)) return fmt::format("task {} waits on another prompt now; look again", seen.id);
  write_file_atomic(person_answer_path(paths, seen.id), format_person_answer(answer));
  note_person_answer(*state, seen.id, true,
                     fmt::format("{} by a person ({}): {}", approve ? "approve once" : "refuse", by,
                                 phase_detail_of_text(now->phase)));
  commit_run_state(paths, *state);
  return "";
}

std::optional<PersonAnswer> take_person_answer(const SpecPaths& paths, std::string_view task) {
  const auto path = person_answer_path(paths, task);
  auto text = read_file(path);
  if (!text) return std::nullopt;
  std::error_code ec;
  std::filesystem::remove(path, ec);
  return parse_person_answer(*text);
}

}  // namespace kp
