// Merging a task branch into the target branch: serialized across processes,
// in memory, compare-and-swap on the branch, and a checked-out target updated
// only where the person has no uncommitted change.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace kp::git {

enum class MergeOutcome { up_to_date, fast_forward, merged, conflict, held };

struct MergeResult {
  MergeOutcome outcome = MergeOutcome::up_to_date;
  std::string target_commit;  // the target's tip afterwards (hex)
  std::vector<std::string> conflict_paths;
  std::vector<std::string> held_paths;  // uncommitted paths that hold the merge back
  std::string message;                  // what happened / what the person can do
  bool main_tree_updated = false;       // a working tree with the target checked out was updated
  bool checkbox_union = false;          // a tasks.md checkbox conflict was resolved
};

// Merges `branch` into `target_branch` under the merge lock
// (<common git dir>/kiro-parallel-merge.lock) held for the whole operation.
// Fast-forward when possible, otherwise a two-parent merge commit made in
// memory with `merge_message`. The branch moves only by compare-and-swap
// (recomputed on a concurrent move). A stale refs/heads/<target>.lock is
// retried with bounded back-off (~5 s), then reported as `held` naming the
// lock file, which is never deleted. A working tree with the target checked
// out is updated (files, index, HEAD together) on the touched paths only when
// none of them has an uncommitted or untracked change; otherwise `held` with
// those paths and nothing changed. `conflict` changes nothing at all.
// A merge cut short (SIGKILL) after the branch moved but before such a tree
// had the change is finished first by the next call, file by file, never over
// a file the person changed since (then RuntimeError names the files).
MergeResult merge_into_target(const std::filesystem::path& repo_root, const std::string& branch,
                              const std::string& target_branch, const std::string& merge_message);

std::string merge_outcome_name(MergeOutcome outcome);

}  // namespace kp::git
