// Where a spec's files live, and the names derived from spec and task ids.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace kp {

// Throws UsageError unless `spec` is a plain folder name: not empty, no '/',
// no "..", no leading '-' or '.', no control characters.
void validate_spec_name(std::string_view spec);

struct SpecPaths {
  std::string spec;
  std::filesystem::path repo_root;     // the main working tree
  std::filesystem::path spec_dir;      // <repo>/.kiro/specs/<spec>
  std::filesystem::path tasks_md;
  std::filesystem::path spec_json;
  std::filesystem::path config_kiro;
  std::filesystem::path settings_json;  // <repo>/.kiro/settings/parallel.json
  std::filesystem::path state_json;     // .parallel_state.json
  std::filesystem::path completed_json; // .completed_tasks.json
  std::filesystem::path task_lock;      // .task_lock: guards every state file of the spec
  std::filesystem::path master_pid;     // .master.pid (information only)
  std::filesystem::path master_lock;    // .master.lock: held by the live master
  std::filesystem::path logs_dir;

  std::filesystem::path worker_pid(int worker_id) const;
  std::filesystem::path worker_task(int worker_id) const;
  std::filesystem::path worker_lock(int worker_id) const;
  std::filesystem::path worker_log(int worker_id) const;
  std::filesystem::path master_log() const;
  std::filesystem::path task_latest_log(std::string_view task_id) const;
  // logs/task-<id>.signals.jsonl: the agent's own signals (hooks) for the task.
  std::filesystem::path task_signals(std::string_view task_id) const;

  // Resolves the repository root (`dir`, or the enclosing git work tree's
  // top when `dir` has no .kiro/specs/<spec>) and checks that the spec folder
  // exists. Throws UsageError naming the folder otherwise.
  static SpecPaths resolve(const std::filesystem::path& dir, std::string_view spec);
  // Same paths without checking that anything exists.
  static SpecPaths at(const std::filesystem::path& repo_root, std::string_view spec);
};

// tmux session of a task: "<spec>-task-<id>" with '.' and ':' written as '-'.
std::string session_name(std::string_view spec, std::string_view task_id);
// Git branch of a task: "task-<spec>-<id>".
std::string branch_name(std::string_view spec, std::string_view task_id);
// Default worktree folder of a task: <repo>/../worktrees/<spec>/task-<id>.
std::filesystem::path default_worktree_path(const std::filesystem::path& repo_root,
                                            std::string_view spec, std::string_view task_id);

}  // namespace kp
