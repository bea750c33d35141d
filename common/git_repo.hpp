// Repository-level questions: identity, branches, ancestry, who has a branch
// checked out. Paths are the root of a working tree (or a .git folder); the
// repository is not searched for in parent folders.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/git_handle.hpp"

namespace kp::git {

struct Identity {
  std::string name, email;
};

// The person's identity for commits: GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL (then
// GIT_COMMITTER_*) from the environment, else user.name/user.email from git
// config. RuntimeError saying how to set it when there is none.
Identity require_identity(const std::filesystem::path& repo);

// Author and committer signatures (now) for commits in `repo`, following the
// same rules as git: GIT_AUTHOR_* for the author, GIT_COMMITTER_* for the
// committer, git config for what the environment does not say.
struct Signatures {
  SignaturePtr author, committer;
};
Signatures require_signatures(git_repository* repo);

// Short name of the branch checked out at `repo_root`; RuntimeError if HEAD is
// detached or the branch has no commit yet.
std::string current_branch(const std::filesystem::path& repo_root);

bool branch_exists(const std::filesystem::path& repo, const std::string& branch);
// Hex oid of the branch tip; RuntimeError when the branch does not exist.
std::string branch_tip(const std::filesystem::path& repo, const std::string& branch);

// True when the tip of `branch` is an ancestor of (or equal to) the tip of
// `target`. A missing branch counts as merged (it holds nothing); a missing
// target is a RuntimeError.
bool is_merged(const std::filesystem::path& repo, const std::string& branch, const std::string& target);
bool is_merged(git_repository* repo, const std::string& branch, const std::string& target);

// Adds kiro-parallel's runtime files (state, locks, pid files, logs under
// .kiro/specs/*/) to the repository's own .git/info/exclude, once, so that
// `git status` stays quiet and `git add -A` cannot commit them. The tracked
// .gitignore is never touched; .completed_tasks.json stays visible.
void exclude_runtime_files(const std::filesystem::path& repo_root);

// The commit a local branch points at; RuntimeError when it does not exist.
git_oid resolve_branch(git_repository* repo, const std::string& branch);

// Working trees (main first, then linked worktrees) whose HEAD is the branch
// `branch` (short name). Their roots, normalised, without trailing slash.
std::vector<std::filesystem::path> worktrees_with_branch(git_repository* repo, const std::string& branch);

// Names (in .git/worktrees) and paths of the linked worktrees.
struct LinkedWorktree {
  std::string name;
  std::filesystem::path path;
  bool valid = false;  // its folder and metadata still exist
  bool locked = false;
};
std::vector<LinkedWorktree> linked_worktrees(git_repository* repo);

// Uncommitted state of a working tree: tracked files changed in the index or
// the working tree (staged, modified, deleted, conflicted), untracked files
// (not ignored), and, when asked, ignored files. With `only_paths`, only those
// exact paths are looked at.
struct TreeChanges {
  std::vector<std::string> changed, untracked, ignored;
  bool empty() const { return changed.empty() && untracked.empty() && ignored.empty(); }
};
TreeChanges working_tree_changes(git_repository* repo, const std::vector<std::string>* only_paths = nullptr,
                                 bool include_ignored = false);

// "refs/heads/<branch>" after checking that it is a valid branch name.
std::string branch_ref_name(const std::string& branch);

// UTC time stamp for names: 20261122T031500Z.
std::string utc_stamp();

// Same path, compared after weakly_canonical (symlinks, "..", trailing "/").
bool same_path(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace kp::git
