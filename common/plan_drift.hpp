// tasks.md edited while a run goes: which leaf tasks the file now has that
// the run does not (added), and which of the run's tasks it no longer lists
// (removed). The master turns that into a clear state: a removed task that
// has not started is stopped with why, and the run carries a note that
// `status` and `watch` show.
#pragma once
#include <string>
#include <vector>

#include "common/run_state.hpp"
#include "common/tasks_md.hpp"

namespace kp {

struct PlanDrift {
  std::vector<std::string> added;    // leaf tasks of the file, not ticked, not optional, not in the run
  std::vector<std::string> removed;  // tasks of the run the file no longer lists
  bool empty() const { return added.empty() && removed.empty(); }
};

PlanDrift plan_drift(const TaskFile& file, const RunState& state);

// "tasks.md changed during the run: 4.1 added (`kiro-parallel run app` after
// this run adds it); 2.1 removed (not run)"; empty when nothing changed.
std::string plan_drift_note(const PlanDrift& drift, const RunState& state);

// Stops every removed task that has not started, and records the note.
void apply_plan_drift(RunState& state, const PlanDrift& drift);

}  // namespace kp
