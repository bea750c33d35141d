// The agent's processes, found by the mark kiro-parallel puts in the agent's
// environment (KIRO_PARALLEL_TASK=<spec>/<task>), which every child inherits:
// killing the session's process tree is not enough, since an agent's daemon
// or a `setsid` child leaves the tree and would go on working in the worktree.
// A process is never chosen by its working folder alone: that could be a
// person's shell or editor.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace kp {

inline constexpr const char* kTaskMarkEnv = "KIRO_PARALLEL_TASK";
// "<repo>#<spec>/<task>": the repository too, since two repositories may
// hold specs of the same name.
std::string spec_mark(const std::filesystem::path& repo_root, const std::string& spec);  // "<repo>#<spec>/"
std::string task_mark(const std::filesystem::path& repo_root, const std::string& spec, const std::string& task_id);

// Processes (other than this one) whose environment holds KIRO_PARALLEL_TASK=mark.
std::vector<pid_t> processes_with_mark(const std::string& mark);
// Processes (other than this one) whose cwd is `folder` or inside it.
std::vector<pid_t> processes_working_in(const std::filesystem::path& folder);

// SIGTERM to each, a grace period, then SIGKILL to the survivors. Returns how
// many were still running when the grace period ended.
int stop_processes(const std::vector<pid_t>& pids, std::chrono::milliseconds grace = std::chrono::seconds(2));

// Stops every process with the task's mark; returns how many there were.
int stop_task_processes(const std::string& mark, std::chrono::milliseconds grace = std::chrono::seconds(2));
// Stops every process marked with any task of the spec (one scan of /proc).
int stop_spec_processes(const std::filesystem::path& repo_root, const std::string& spec,
                        std::chrono::milliseconds grace = std::chrono::seconds(2));

}  // namespace kp
