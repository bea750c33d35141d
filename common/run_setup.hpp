// The state a run starts from: every leaf task of the plan, merged with what
// an earlier run of the same spec recorded (completed work stays completed, a
// running task stays claimed so it is resumed, a conflict waits for `retry`;
// failed and stopped tasks get another try).
#pragma once
#include <optional>
#include <string>

#include "common/planner.hpp"
#include "common/run_state.hpp"
#include "common/tasks_md.hpp"

namespace kp {

RunState build_run_state(const std::string& spec, const TaskFile& file, const Plan& plan, const RunConfig& config,
                         const std::optional<RunState>& previous);

}  // namespace kp
