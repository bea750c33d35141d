#include "common/plan_drift.hpp"

#include <fmt/format.h>

#include "common/task_lifecycle.hpp"

namespace kp {

PlanDrift plan_drift(const TaskFile& file, const RunState& state) {
  PlanDrift drift;
  for (const auto& t : file.tasks) {
    if (t.is_leaf() && !t.done() && !t.optional && !state.find(t.id)) drift.added.emplace_back(t.id);
  }
  for (const auto& t : state.tasks) {
    if (file.find(t.id) < 0) drift.removed.push_back(t.id);
  }
  return drift;
}

namespace {

std::string id_list(const std::vector<std::string>& ids) {
  std::string out;
  constexpr size_t kShown = 8;
  for (size_t i = 0; i < ids.size() && i < kShown; ++i) out += (i ? ", " : "") + ids[i];
  if (ids.size() > kShown) out += fmt::format(" and {} more", ids.size() - kShown);
  return out;
}

bool not_started(const TaskState& t) { return t.status == TaskStatus::pending || t.status == TaskStatus::blocked; }

}  // namespace

std::string plan_drift_note(const PlanDrift& drift, const RunState& state) {
  if (drift.empty()) return "";
  std::vector<std::string> parts;
  if (!drift.added.empty()) {
    parts.push_back(fmt::format("{} added (not in this run: `kiro-parallel run {}` after it adds {})", id_list(drift.added),
                                state.spec, drift.added.size() == 1 ? "it" : "them"));
  }
  std::vector<std::string> unstarted, running, ended;
  for (const auto& id : drift.removed) {
    const TaskState* t = state.find(id);
    if (!t || not_started(*t) || t->status == TaskStatus::stopped) unstarted.push_back(id);
    else if (t->status == TaskStatus::running) running.push_back(id);
    else ended.push_back(id);
  }
  if (!unstarted.empty()) parts.push_back(fmt::format("{} removed (not run)", id_list(unstarted)));
  if (!running.empty()) parts.push_back(fmt::format("{} removed while running (left to finish)", id_list(running)));
  if (!ended.empty()) parts.push_back(fmt::format("{} removed after it ended", id_list(ended)));
  std::string note = "tasks.md changed during the run: ";
  for (size_t i = 0; i < parts.size(); ++i) note += (i ? "; " : "") + parts[i];
  return note;
}

void apply_plan_drift(RunState& state, const PlanDrift& drift) {
  for (const auto& id : drift.removed) {
    const TaskState* t = state.find(id);
    if (t && not_started(*t)) stop(state, id, "removed from tasks.md during the run; not run (a new `run` plans without it)");
  }
  record_plan_changes(state, plan_drift_note(drift, state));
}

}  // namespace kp
