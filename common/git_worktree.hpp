// Task worktrees: create or reuse one per task, commit the task's work, tell
// its state, and remove it only when nothing of value would be lost.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/git_checkbox.hpp"  // tick_task_checkbox
#include "common/git_repo.hpp"

namespace kp::git {

struct PreparedWorktree {
  std::filesystem::path path;
  std::string branch;
  bool reused = false;
  std::string note;  // e.g. "moved aside old worktree to ..."
};

// Makes `worktree_path` a worktree on `branch`. A new branch starts at the
// CURRENT tip of `target_branch`. An existing branch (and its worktree) that
// holds unmerged work (commits not in the target, or uncommitted/untracked
// changes in its worktree) is reused; one without is moved aside under a dated
// name (branch "<branch>-old-<UTC stamp>", folder "<path>.old-<UTC stamp>"),
// never deleted. Anything else in the way at `worktree_path` is moved aside too,
// and so is a worktree whose making was cut short (see worktree_unfinished).
// Parent folders are created.
PreparedWorktree prepare_task_worktree(const std::filesystem::path& repo_root,
                                       const std::filesystem::path& worktree_path, const std::string& branch,
                                       const std::string& target_branch);

// Whether the making of the worktree at `worktree_path` was cut short (a
// worker died during its checkout): then it holds part of the files and no
// one's work, and prepare_task_worktree moves it aside and makes it again.
bool worktree_unfinished(const std::filesystem::path& repo_root, const std::filesystem::path& worktree_path);

// Stages every change (new, modified, deleted files; .gitignore respected) and
// commits it on the worktree's HEAD branch with the person's identity. The
// new commit's hex oid, or nullopt when there was nothing to commit.
std::optional<std::string> commit_all(const std::filesystem::path& worktree, const std::string& message);

struct WorktreeStatus {
  bool exists = false;     // a registered worktree lives at the path
  bool dirty = false;      // tracked files changed (staged or not)
  bool untracked = false;  // untracked, not ignored files
  bool merged = false;     // branch tip is in the target (or the branch is gone)
  std::vector<std::string> changed_paths;  // changed, then untracked paths
};
WorktreeStatus worktree_status(const std::filesystem::path& repo_root, const std::filesystem::path& worktree_path,
                               const std::string& branch, const std::string& target_branch);

struct RemoveResult {
  bool removed = false;     // the worktree (if any) and the branch are gone
  std::string reason;       // why not, listing the work that would be lost
  std::string archive_ref;  // refs/kiro-parallel/archive/<branch>/<stamp> when forced
};
// Removes the worktree and its branch when the branch is merged and the tree
// has no uncommitted or untracked changes. Otherwise refuses with a reason,
// unless `force`: then the branch tip, plus a commit of the uncommitted state
// on top of it, is kept under refs/kiro-parallel/archive/<branch>/<UTC stamp>
// first. The worktree metadata is pruned; a locked worktree is never removed.
RemoveResult remove_task_worktree(const std::filesystem::path& repo_root, const std::filesystem::path& worktree_path,
                                  const std::string& branch, const std::string& target_branch, bool force);

}  // namespace kp::git
