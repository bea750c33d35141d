// The placement on this machine: tmux on the run's socket, git in the
// repository's own worktrees.
#include <filesystem>

#include "common/agent_processes.hpp"
#include "common/git_checkbox.hpp"
#include "common/git_worktree.hpp"
#include "common/task_evidence.hpp"
#include "common/tmux_client.hpp"
#include "worker/placement.hpp"

namespace kp {

namespace fs = std::filesystem;

namespace {

class LocalSessionPlace final : public SessionPlace {
 public:
  explicit LocalSessionPlace(const TmuxClient& tmux) : tmux_(tmux) {}

  bool has_session(const std::string& name) const override { return tmux_.has_session(name); }

  void create_session(const std::string& name, const fs::path& cwd, const std::vector<std::string>& argv,
                      const std::vector<std::pair<std::string, std::string>>& env) const override {
    tmux_.new_session(name, cwd, argv, env);
  }

  std::unique_ptr<ScreenSource> open_screen(const std::string& name,
                                            std::function<void(const std::string&)> log) const override {
    return tmux_screen_source(tmux_, name, std::move(log));
  }

  std::optional<pid_t> agent_pid(const std::string& name) const override { return tmux_.pane_pid(name); }

  int end_session(const std::string& name, const std::string& task_mark) const override {
    tmux_.kill_session(name);
    return stop_task_processes(task_mark);
  }

 private:
  const TmuxClient& tmux_;
};

class LocalWorkPlace final : public WorkPlace {
 public:
  explicit LocalWorkPlace(fs::path repo_root) : repo_root_(std::move(repo_root)) {}

  // Its .git file, not only the folder: an agent writing by absolute path
  // can make the folder again after a person removed the worktree.
  bool worktree_exists(const fs::path& worktree) const override {
    return fs::exists(worktree / ".git") && !git::worktree_unfinished(repo_root_, worktree);
  }

  std::string prepare_worktree(const fs::path& worktree, const std::string& branch,
                               const std::string& target_branch) const override {
    return git::prepare_task_worktree(repo_root_, worktree, branch, target_branch).note;
  }

  bool task_ticked(const fs::path& worktree, const std::string& tasks_rel, const std::string& task_id) const override {
    return task_ticked_in(worktree / tasks_rel, task_id);
  }

  bool has_work(const fs::path& worktree, const std::string& branch, const std::string& target_branch,
                const std::string& tasks_rel) const override {
    return worktree_has_work(repo_root_, worktree, branch, target_branch, tasks_rel);
  }

  bool tick_parent(const fs::path& worktree, const std::string& tasks_rel, const std::string& task_id) const override {
    const fs::path tasks_md = worktree / tasks_rel;
    return fs::exists(tasks_md) && git::tick_task_checkbox(tasks_md, task_id);
  }

  std::optional<std::string> commit_all(const fs::path& worktree, const std::string& message) const override {
    return git::commit_all(worktree, message);
  }

  git::MergeResult merge_into_target(const std::string& branch, const std::string& target_branch,
                                     const std::string& message) const override {
    return git::merge_into_target(repo_root_, branch, target_branch, message);
  }

 private:
  fs::path repo_root_;
};

}  // namespace

std::unique_ptr<SessionPlace> local_session_place(const TmuxClient& tmux) {
  return std::make_unique<LocalSessionPlace>(tmux);
}

std::unique_ptr<WorkPlace> local_work_place(const fs::path& repo_root) {
  return std::make_unique<LocalWorkPlace>(repo_root);
}

}  // namespace kp
