// Where a task runs: the agent's terminal (a tmux session) and the task's
// work (a git worktree and branch). The worker reaches tmux and git only
// through these two interfaces, so that placing sessions on other machines
// (a Kubernetes Job or a Slurm allocation running tmux, driven over
// `kubectl exec` / `srun --pty`, branches through a shared remote; see
// ../shared/DESIGN.md "Beyond one machine" and README "Design notes")
// replaces one implementation, not the worker. Today there is one: local.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/git_merge.hpp"
#include "worker/screen_source.hpp"

namespace kp {

class TmuxClient;

// The agent's terminal: create, look at and type into (ScreenSource), end.
class SessionPlace {
 public:
  virtual ~SessionPlace() = default;
  virtual bool has_session(const std::string& name) const = 0;
  // Starts `argv` in `cwd` with `env` in a detached session named `name`.
  virtual void create_session(const std::string& name, const std::filesystem::path& cwd,
                              const std::vector<std::string>& argv,
                              const std::vector<std::pair<std::string, std::string>>& env) const = 0;
  // Capture, send keys, wait for output: what agent_monitor needs.
  virtual std::unique_ptr<ScreenSource> open_screen(const std::string& name,
                                                    std::function<void(const std::string&)> log) const = 0;
  // The agent's process on this machine, for measuring its footprint;
  // nothing where it runs elsewhere.
  virtual std::optional<pid_t> agent_pid(const std::string& name) const = 0;
  // Ends the session's process tree and every process carrying `task_mark`
  // (a daemon that left the tree); how many of those it had to stop.
  virtual int end_session(const std::string& name, const std::string& task_mark) const = 0;
};

// The task's work: its worktree on its branch, the commit, the merge.
class WorkPlace {
 public:
  virtual ~WorkPlace() = default;
  // A worktree of the repository is there (not merely a folder of that name).
  virtual bool worktree_exists(const std::filesystem::path& worktree) const = 0;
  // A note for the log when a leftover folder or branch was moved aside.
  virtual std::string prepare_worktree(const std::filesystem::path& worktree, const std::string& branch,
                                       const std::string& target_branch) const = 0;
  // The evidence in the worktree: the task's own checkbox, and work on the branch.
  virtual bool task_ticked(const std::filesystem::path& worktree, const std::string& tasks_rel,
                           const std::string& task_id) const = 0;
  virtual bool has_work(const std::filesystem::path& worktree, const std::string& branch,
                        const std::string& target_branch, const std::string& tasks_rel) const = 0;
  // Ticks an enclosing task's checkbox in the worktree's tasks.md; false when already ticked or absent.
  virtual bool tick_parent(const std::filesystem::path& worktree, const std::string& tasks_rel,
                           const std::string& task_id) const = 0;
  // The new commit, or nothing when there was nothing to commit.
  virtual std::optional<std::string> commit_all(const std::filesystem::path& worktree,
                                                const std::string& message) const = 0;
  // Held merges are returned; a broken repository or a missing branch throws.
  virtual git::MergeResult merge_into_target(const std::string& branch, const std::string& target_branch,
                                             const std::string& message) const = 0;
};

struct Placement {
  const SessionPlace& sessions;
  const WorkPlace& work;
};

// This machine: tmux on the run's socket, git in the repository.
std::unique_ptr<SessionPlace> local_session_place(const TmuxClient& tmux);
std::unique_ptr<WorkPlace> local_work_place(const std::filesystem::path& repo_root);

}  // namespace kp
