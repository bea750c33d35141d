#include "common/git_merge.hpp"

#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
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

// The target's branch moves before the trees where it is checked out take the
// change: a worker killed in between leaves HEAD ahead of their index and
// files, and `git status` would show the merge undone (committing that would
// revert it). While the trees are brought along, a file in the git folder
// names the move; the next merge, or the resumed one, finishes it first.
fs::path tree_update_marker(git_repository* repo) { return common_dir(repo) / "kiro-parallel-tree-update"; }

// The entry at `path`, or none.
TreeEntryPtr entry_at(git_tree* tree, const std::string& path) {
  git_tree_entry* raw = nullptr;
  if (lib().tree_entry_bypath(&raw, tree, path.c_str()) != 0) {
    lib().error_clear();
    return nullptr;
  }
  return TreeEntryPtr(raw);
}

std::optional<git_oid> blob_at(git_tree* tree, const std::string& path) {
  TreeEntryPtr e = entry_at(tree, path);
  if (!e) return std::nullopt;
  return *lib().tree_entry_id(e.get());
}

bool executable_at(git_tree* tree, const std::string& path) {
  TreeEntryPtr e = entry_at(tree, path);
  return e && lib().tree_entry_filemode(e.get()) == GIT_FILEMODE_BLOB_EXECUTABLE;
}

std::string read_file_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A tree a merge left behind: each touched file is at the new content
// already, still at the old one (checked out now), cut short while libgit2
// wrote it (missing, or a part of the new content: written whole now), or
// changed by the person since (then nothing is done, and the error names
// those files). The index then takes every touched path as its file now is.
void finish_tree_at(const fs::path& tree_root, const git_oid& old_tip, const git_oid& new_tip,
                    const std::vector<std::string>& touched) {
  RepoPtr wt = open_repo(tree_root);
  CommitPtr old_commit = lookup_commit(wt.get(), old_tip), new_commit = lookup_commit(wt.get(), new_tip);
  TreePtr old_tree = commit_tree(old_commit.get()), new_tree = commit_tree(new_commit.get());
  auto same = [](const std::optional<git_oid>& a, const std::optional<git_oid>& b) {
    return a.has_value() == b.has_value() && (!a || lib().oid_equal(&*a, &*b));
  };
  std::vector<std::string> behind, changed;
  struct Rewrite {
    fs::path file;
    std::string text;  // the new content
    bool executable;
  };
  std::vector<Rewrite> cut_short;
  for (const std::string& p : touched) {
    const fs::path file = tree_root / p;
    std::optional<git_oid> now;
    const auto status = fs::symlink_status(file);
    if (fs::is_regular_file(status)) {
      git_oid id;
      check(lib().odb_hashfile(&id, file.c_str(), GIT_OBJECT_BLOB), fmt::format("cannot read {}", file.string()));
      now = id;
    } else if (fs::exists(status)) {
      changed.push_back(p);  // a folder or link where the merge has a file: not ours to judge
      continue;
    }
    const std::optional<git_oid> want = blob_at(new_tree.get(), p);
    if (same(now, want)) continue;
    if (same(now, blob_at(old_tree.get(), p))) {
      behind.push_back(p);
      continue;
    }
    if (want) {
      std::string text = blob_text(wt.get(), *want);
      std::string part = now ? read_file_text(file) : std::string();
      if (part.size() < text.size() && text.compare(0, part.size(), part) == 0) {
        cut_short.push_back({file, std::move(text), executable_at(new_tree.get(), p)});
        continue;
      }
    }
    changed.push_back(p);
  }
  if (!changed.empty()) throw RuntimeError(fmt::format("changed since: {}", join(changed)));
  if (!behind.empty()) update_checked_out_tree(tree_root, old_tip, new_tip, behind);
  for (const Rewrite& r : cut_short) {
    fs::create_directories(r.file.parent_path());
    write_file_atomic(r.file, r.text);
    if (r.executable)
      fs::permissions(r.file, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                      fs::perm_options::add);
  }
  git_index* raw = nullptr;
  check(lib().repository_index(&raw, wt.get()), "cannot read the index");
  IndexPtr index(raw);
  check(lib().index_read(index.get(), 1), "cannot read the index");
  for (const std::string& p : touched) {
    if (fs::exists(fs::symlink_status(tree_root / p)))
      check(lib().index_add_bypath(index.get(), p.c_str()), fmt::format("cannot stage {}", p));
    else
      check(lib().index_remove_bypath(index.get(), p.c_str()), fmt::format("cannot unstage {}", p));
  }
  check(lib().index_write(index.get()), "cannot write the index");
}

void finish_interrupted_tree_update(git_repository* repo) {
  const fs::path marker = tree_update_marker(repo);
  if (!fs::exists(marker)) return;
  std::string target_branch, old_hex, new_hex;
  {
    std::ifstream in(marker);
    std::getline(in, target_branch);
    std::getline(in, old_hex);
    std::getline(in, new_hex);
  }
  const bool readable = old_hex.size() == GIT_OID_HEXSZ && new_hex.size() == GIT_OID_HEXSZ;
  if (readable && find_ref(repo, branch_ref_name(target_branch))) {
    const git_oid old_tip = oid_from_hex(old_hex), new_tip = oid_from_hex(new_hex);
    const git_oid tip = resolve_branch(repo, target_branch);
    // Moved on by the person since: theirs to tell, not ours to redo.
    if (lib().oid_equal(&tip, &new_tip)) {
      const std::vector<std::string> touched = touched_paths(repo, old_tip, new_tip);
      for (const fs::path& tree_root : worktrees_with_branch(repo, target_branch)) {
        try {
          finish_tree_at(tree_root, old_tip, new_tip, touched);
        } catch (const RuntimeError& e) {
          throw RuntimeError(fmt::format(
              "{} has {} checked out at {}, but a merge cut short left its files at {}, and some were "
              "changed since ({}); nothing was overwritten. Put them back as they were at {} and the next "
              "merge finishes the update, or bring the tree to {} by hand and remove {}",
              tree_root.string(), target_branch, new_hex.substr(0, 12), old_hex.substr(0, 12), e.what(),
              old_hex.substr(0, 12), target_branch, marker.string()));
        }
      }
    }
  }
  fs::remove(marker);
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
  finish_interrupted_tree_update(repo.get());
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
    const fs::path marker = tree_update_marker(repo.get());
    if (!holders.empty())
      write_file_atomic(marker, fmt::format("{}\n{}\n{}\n", target_branch, oid_hex(target_tip), oid_hex(new_tip)));
    int rc = compare_and_swap(repo.get(), target_ref, new_tip, target_tip, log_message);
    if (rc != 0) fs::remove(marker);
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
        if (back == 0) fs::remove(marker);
        result.outcome = MergeOutcome::held;
        result.target_commit = oid_hex(back == 0 ? target_tip : new_tip);
        result.message = fmt::format("merge of {} held: updating {} failed ({}){}", branch, holders[i].string(),
                                     e.what(), back == 0 ? "" : "; the branch could not be put back");
        return result;
      }
    }
    fs::remove(marker);
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
