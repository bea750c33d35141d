#include "common/git_merge.hpp"

#include <chrono>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/file_lock.hpp"
#include "common/git_checkbox.hpp"
#include "common/git_repo.hpp"

namespace kp::git {

namespace fs = std::filesystem;

namespace {

using IndexConflictIterPtr =
    std::unique_ptr<git_index_conflict_iterator, GitDeleter<git_index_conflict_iterator, &Library::index_conflict_iterator_free>>;

bool descends_from(git_repository* repo, const git_oid& commit, const git_oid& ancestor) {
  if (lib().oid_equal(&commit, &ancestor)) return true;
  return check(lib().graph_descendant_of(repo, &commit, &ancestor), "cannot compare commits") == 1;
}

std::string blob_text(git_repository* repo, const git_oid& id) {
  git_blob* raw = nullptr;
  check(lib().blob_lookup(&raw, repo, &id), "cannot read a blob");
  BlobPtr blob(raw);
  return std::string(static_cast<const char*>(lib().blob_rawcontent(blob.get())),
                     static_cast<size_t>(lib().blob_rawsize(blob.get())));
}

bool is_tasks_md(const char* path) {
  std::string p = path ? path : "";
  return p == "tasks.md" || (p.size() > 9 && p.compare(p.size() - 9, 9, "/tasks.md") == 0);
}

struct ConflictScan {
  std::vector<std::string> unresolved;  // paths still in conflict
  bool checkbox_union = false;
};

// Resolves conflicts of tasks.md files that lie only in checkbox marks (the
// union of the ticks) directly in the in-memory merge index; lists the rest.
ConflictScan resolve_checkbox_conflicts(git_repository* repo, git_index* index) {
  struct Entry {
    std::optional<git_index_entry> base, ours, theirs;
    std::string path;
  };
  std::vector<Entry> conflicts;
  {
    git_index_conflict_iterator* raw = nullptr;
    check(lib().index_conflict_iterator_new(&raw, index), "cannot list merge conflicts");
    IndexConflictIterPtr it(raw);
    const git_index_entry *a = nullptr, *o = nullptr, *t = nullptr;
    while (lib().index_conflict_next(&a, &o, &t, it.get()) == 0) {
      Entry e;
      if (a) e.base = *a;
      if (o) e.ours = *o;
      if (t) e.theirs = *t;
      e.path = o ? o->path : t ? t->path : a->path;
      conflicts.push_back(std::move(e));
    }
  }
  ConflictScan scan;
  for (Entry& e : conflicts) {
    std::optional<std::string> merged;
    if (is_tasks_md(e.path.c_str()) && e.ours && e.theirs) {
      std::optional<std::string> base;
      if (e.base) base = blob_text(repo, e.base->id);
      merged = merge_checkbox_union(base, blob_text(repo, e.ours->id), blob_text(repo, e.theirs->id));
    }
    if (!merged) {
      scan.unresolved.push_back(e.path);
      continue;
    }
    git_index_entry entry = *e.ours;  // copy: the path pointer below outlives the index change
    entry.path = e.path.c_str();
    check(lib().blob_create_from_buffer(&entry.id, repo, merged->data(), merged->size()),
          "cannot write the merged tasks.md");
    entry.file_size = static_cast<uint32_t>(merged->size());
    entry.flags &= ~GIT_INDEX_ENTRY_STAGEMASK;
    check(lib().index_conflict_remove(index, e.path.c_str()), "cannot resolve the tasks.md conflict");
    check(lib().index_add(index, &entry), "cannot resolve the tasks.md conflict");
    scan.checkbox_union = true;
  }
  return scan;
}

// Paths whose content differs between two commits' trees.
std::vector<std::string> touched_paths(git_repository* repo, const git_oid& from, const git_oid& to) {
  CommitPtr a = lookup_commit(repo, from), b = lookup_commit(repo, to);
  TreePtr ta = commit_tree(a.get()), tb = commit_tree(b.get());
  git_diff* raw = nullptr;
  check(lib().diff_tree_to_tree(&raw, repo, ta.get(), tb.get(), nullptr), "cannot compare trees");
  DiffPtr diff(raw);
  std::vector<std::string> paths;
  const size_t n = lib().diff_num_deltas(diff.get());
  for (size_t i = 0; i < n; ++i) {
    const git_diff_delta* d = lib().diff_get_delta(diff.get(), i);
    if (d->old_file.path) paths.push_back(d->old_file.path);
    if (d->new_file.path && (!d->old_file.path || std::string(d->old_file.path) != d->new_file.path))
      paths.push_back(d->new_file.path);
  }
  return paths;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < 20; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > 20) out += fmt::format(" and {} more", items.size() - 20);
  return out;
}

// Why a working tree with the target checked out cannot take the merge now:
// empty when it can.
struct HoldReason {
  std::vector<std::string> paths;
  std::string message;
};
std::optional<HoldReason> hold_reason(const fs::path& tree_root, const std::vector<std::string>& touched,
                                      const std::string& target) {
  RepoPtr wt = open_repo(tree_root);
  if (lib().repository_state(wt.get()) != GIT_REPOSITORY_STATE_NONE)
    return HoldReason{{}, fmt::format("a merge, rebase or similar is in progress in {}, where {} is checked out",
                                      tree_root.string(), target)};
  fs::path index_lock = fs::path(lib().repository_path(wt.get())) / "index.lock";
  if (fs::exists(index_lock))
    return HoldReason{{}, fmt::format("{} exists (a git command is running in {}?)", index_lock.string(),
                                      tree_root.string())};
  TreeChanges changes = working_tree_changes(wt.get(), &touched, true);
  if (changes.empty()) return std::nullopt;
  HoldReason r;
  r.paths = changes.changed;
  r.paths.insert(r.paths.end(), changes.untracked.begin(), changes.untracked.end());
  r.paths.insert(r.paths.end(), changes.ignored.begin(), changes.ignored.end());
  r.message = fmt::format("{} is checked out in {} with uncommitted changes in files the merge touches: {}; "
                          "commit or stash them and the merge is retried",
                          target, tree_root.string(), join(r.paths));
  return r;
}

// Brings the touched paths of a working tree whose HEAD is the target from
// `old_tip` to `new_tip`: files and index together, never forced.
void update_checked_out_tree(const fs::path& tree_root, const git_oid& old_tip, const git_oid& new_tip,
                             const std::vector<std::string>& touched) {
  RepoPtr wt = open_repo(tree_root);
  CommitPtr old_commit = lookup_commit(wt.get(), old_tip), new_commit = lookup_commit(wt.get(), new_tip);
  TreePtr old_tree = commit_tree(old_commit.get());
  git_checkout_options opts;
  check(lib().checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION), "checkout");
  opts.checkout_strategy = GIT_CHECKOUT_SAFE | GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH |
                           GIT_CHECKOUT_DONT_OVERWRITE_IGNORED;
  opts.baseline = old_tree.get();  // what the files are expected to hold now
  std::vector<char*> paths;
  for (const std::string& p : touched) paths.push_back(const_cast<char*>(p.c_str()));
  opts.paths.strings = paths.data();
  opts.paths.count = paths.size();
  check(lib().checkout_tree(wt.get(), reinterpret_cast<const git_object*>(new_commit.get()), &opts),
        fmt::format("cannot update {}", tree_root.string()));
}

// Moves refs/heads/<target> from `expected` to `next`. 0 on success,
// GIT_EMODIFIED when it moved meanwhile, GIT_ELOCKED when its .lock exists.
int compare_and_swap(git_repository* repo, const std::string& ref_name, const git_oid& next, const git_oid& expected,
                     const std::string& log_message) {
  git_reference* raw = nullptr;
  int rc = lib().reference_create_matching(&raw, repo, ref_name.c_str(), &next, 1, &expected, log_message.c_str());
  RefPtr owner(raw);
  if (rc == GIT_EMODIFIED || rc == GIT_ELOCKED) return rc;
  if (rc < 0) {
    fs::path lock = common_dir(repo) / (ref_name + ".lock");
    if (fs::exists(lock)) return GIT_ELOCKED;
    throw_git_error(fmt::format("cannot update {}", ref_name));
  }
  return 0;
}

}  // namespace

std::string merge_outcome_name(MergeOutcome outcome) {
  switch (outcome) {
    case MergeOutcome::up_to_date: return "up_to_date";
    case MergeOutcome::fast_forward: return "fast_forward";
    case MergeOutcome::merged: return "merged";
    case MergeOutcome::conflict: return "conflict";
    case MergeOutcome::held: return "held";
  }
  return "unknown";
}

MergeResult merge_into_target(const fs::path& repo_root, const std::string& branch, const std::string& target_branch,
                              const std::string& merge_message) {
  RepoPtr repo = open_repo(repo_root);
  const std::string target_ref = branch_ref_name(target_branch);
  branch_ref_name(branch);
  FileLock merge_lock = FileLock::acquire(common_dir(repo.get()) / "kiro-parallel-merge.lock");

  // Bounded back-off on a stale refs/heads/<target>.lock: about 5 s in total.
  const std::chrono::milliseconds backoff[] = {std::chrono::milliseconds(50),   std::chrono::milliseconds(100),
                                               std::chrono::milliseconds(200),  std::chrono::milliseconds(400),
                                               std::chrono::milliseconds(800),  std::chrono::milliseconds(1500),
                                               std::chrono::milliseconds(1950)};
  size_t lock_waits = 0;
  constexpr int kMaxAttempts = 50;  // concurrent moves by the person, not by us: we hold the merge lock
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    MergeResult result;
    const git_oid target_tip = resolve_branch(repo.get(), target_branch);
    const git_oid branch_tip = resolve_branch(repo.get(), branch);
    if (descends_from(repo.get(), target_tip, branch_tip)) {
      result.outcome = MergeOutcome::up_to_date;
      result.target_commit = oid_hex(target_tip);
      result.message = fmt::format("{} is already merged into {}", branch, target_branch);
      return result;
    }
    git_oid new_tip;
    if (descends_from(repo.get(), branch_tip, target_tip)) {
      new_tip = branch_tip;
      result.outcome = MergeOutcome::fast_forward;
    } else {
      CommitPtr ours = lookup_commit(repo.get(), target_tip), theirs = lookup_commit(repo.get(), branch_tip);
      git_merge_options opts;
      check(lib().merge_options_init(&opts, GIT_MERGE_OPTIONS_VERSION), "merge");
      git_index* raw_index = nullptr;
      check(lib().merge_commits(&raw_index, repo.get(), ours.get(), theirs.get(), &opts),
            fmt::format("cannot merge {} into {}", branch, target_branch));
      IndexPtr index(raw_index);
      if (lib().index_has_conflicts(index.get())) {
        ConflictScan scan = resolve_checkbox_conflicts(repo.get(), index.get());
        if (!scan.unresolved.empty()) {
          std::vector<fs::path> task_trees = worktrees_with_branch(repo.get(), branch);
          std::string where = task_trees.empty() ? std::string("a worktree of ") + branch
                                                 : task_trees.front().string();
          result.outcome = MergeOutcome::conflict;
          result.target_commit = oid_hex(target_tip);
          result.conflict_paths = scan.unresolved;
          result.message = fmt::format(
              "merging {} into {} conflicts in: {}. Nothing was changed. Resolve it in {}:\n"
              "  git merge {}\n  (fix the files, git add them)\n  git commit\nthen retry the task's merge",
              branch, target_branch, join(scan.unresolved), where, target_branch);
          return result;
        }
        result.checkbox_union = scan.checkbox_union;
      }
      git_oid tree_oid;
      check(lib().index_write_tree_to(&tree_oid, index.get(), repo.get()), "cannot write the merged tree");
      git_tree* raw_tree = nullptr;
      check(lib().tree_lookup(&raw_tree, repo.get(), &tree_oid), "cannot read the merged tree");
      TreePtr tree(raw_tree);
      Signatures sigs = require_signatures(repo.get());
      const git_commit* parents[2] = {ours.get(), theirs.get()};
      check(lib().commit_create(&new_tip, repo.get(), nullptr, sigs.author.get(), sigs.committer.get(), nullptr,
                              merge_message.c_str(), tree.get(), 2, parents),
            "cannot create the merge commit");
      result.outcome = MergeOutcome::merged;
    }

    // Working trees where the target is checked out must take the change safely.
    const std::vector<fs::path> holders = worktrees_with_branch(repo.get(), target_branch);
    const std::vector<std::string> touched =
        holders.empty() ? std::vector<std::string>{} : touched_paths(repo.get(), target_tip, new_tip);
    for (const fs::path& tree_root : holders) {
      if (auto hold = hold_reason(tree_root, touched, target_branch)) {
        result.outcome = MergeOutcome::held;
        result.target_commit = oid_hex(target_tip);
        result.held_paths = hold->paths;
        result.message = fmt::format("merge of {} held: {}", branch, hold->message);
        return result;
      }
    }

    const std::string log_message = fmt::format("kiro-parallel: merge {} ({})", branch,
                                                 merge_outcome_name(result.outcome));
    int rc = compare_and_swap(repo.get(), target_ref, new_tip, target_tip, log_message);
    if (rc == GIT_EMODIFIED) continue;  // the person moved the target: recompute
    if (rc == GIT_ELOCKED) {
      fs::path lock = common_dir(repo.get()) / (target_ref + ".lock");
      if (lock_waits == std::size(backoff)) {
        result.outcome = MergeOutcome::held;
        result.target_commit = oid_hex(target_tip);
        result.message = fmt::format(
            "merge of {} held: {} exists and stayed for ~5 s; if no git command is running, "
            "remove that file by hand, then retry",
            branch, lock.string());
        return result;
      }
      std::this_thread::sleep_for(backoff[lock_waits++]);
      continue;
    }

    for (size_t i = 0; i < holders.size(); ++i) {
      try {
        update_checked_out_tree(holders[i], target_tip, new_tip, touched);
        result.main_tree_updated = true;
      } catch (const RuntimeError& e) {
        // The tree changed under us between the check and the update: put the
        // branch back so HEAD, index and files stay together, and hold.
        int back = compare_and_swap(repo.get(), target_ref, target_tip, new_tip,
                                    fmt::format("kiro-parallel: undo merge of {}", branch));
        result.outcome = MergeOutcome::held;
        result.target_commit = oid_hex(back == 0 ? target_tip : new_tip);
        result.message = fmt::format("merge of {} held: updating {} failed ({}){}", branch, holders[i].string(),
                                     e.what(), back == 0 ? "" : "; the branch could not be put back");
        return result;
      }
    }
    result.target_commit = oid_hex(new_tip);
    result.message = fmt::format("{} {} into {}{}", result.outcome == MergeOutcome::fast_forward
                                                        ? "fast-forwarded" : "merged",
                                 branch, target_branch, result.checkbox_union ? " (tasks.md checkbox union)" : "");
    return result;
  }
  MergeResult result;
  result.outcome = MergeOutcome::held;
  result.target_commit = oid_hex(resolve_branch(repo.get(), target_branch));
  result.message = fmt::format("merge of {} held: {} kept moving during the merge; retry later", branch,
                               target_branch);
  return result;
}

}  // namespace kp::git
