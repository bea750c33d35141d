// A spec's tmux sessions, found by their owner (the @kiro-parallel option that
// kiro-parallel sets on each session it creates) and by the exact names in the
// spec's state, never by a name prefix: `app-task-...` is not spec `app-task-x`'s,
// and a person's own sessions are never anyone's.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "common/run_state.hpp"
#include "common/tmux_client.hpp"

namespace kp {

// The name a task's session has: the one state recorded, else the default.
std::string task_session_name(const std::string& spec, const TaskState& task);

// True when `session` is the task's: its name is the task's session name and
// its owner is the task's mark (or it has no owner: made before the option).
bool is_task_session(const SessionInfo& session, const std::filesystem::path& repo_root, const std::string& spec,
                     const TaskState& task);

// The names among `all` that belong to the spec: owned by it (its mark), or
// unowned with the exact session name of one of `state`'s tasks (may be null).
std::vector<std::string> spec_sessions(const std::vector<SessionInfo>& all, const std::filesystem::path& repo_root,
                                       const std::string& spec, const RunState* state);

}  // namespace kp
