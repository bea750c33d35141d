#include "common/git_worktree.hpp"

#include <cstdint>
#include <fstream>
#include <functional>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/file_lock.hpp"
#include "common/subprocess.hpp"

namespace kp::git {

namespace fs = std::filesystem;

namespace {

std::optional<LinkedWorktree> worktree_at(git_repository* repo, const fs::path& path) {
  for (LinkedWorktree& lw : linked_worktrees(repo))
    if (same_path(lw.path, path)) return lw;
  return std::nullopt;
}

WorktreePtr lookup_worktree(git_repository* repo, const std::string& name) {
  git_worktree* raw = nullptr;
  check(lib().worktree_lookup(&raw, repo, name.c_str()), fmt::format("cannot read worktree {}", name));
  return WorktreePtr(raw);
}

RepoPtr open_worktree_repo(git_repository* repo, const std::string& name) {
  WorktreePtr wt = lookup_worktree(repo, name);
  git_repository* raw = nullptr;
  check(lib().repository_open_from_worktree(&raw, wt.get()), fmt::format("cannot open worktree {}", name));
  return RepoPtr(raw);
}

// Removes the metadata of a worktree whose folder is gone (never a valid or
// locked one: git_worktree_prune refuses those without flags).
void prune_missing_worktree(git_repository* repo, const std::string& name) {
  WorktreePtr wt = lookup_worktree(repo, name);
  git_worktree_prune_options opts;
  check(lib().worktree_prune_options_init(&opts, GIT_WORKTREE_PRUNE_OPTIONS_VERSION), "worktree prune");
  if (lib().worktree_is_prunable(wt.get(), &opts) > 0)
    check(lib().worktree_prune(wt.get(), &opts), fmt::format("cannot prune worktree {}", name));
  lib().error_clear();
}

fs::path aside_path(const fs::path& path, const std::string& stamp) {
  fs::path base = path.lexically_normal();
  if (!base.has_filename()) base = base.parent_path();
  for (int n = 1;; ++n) {
    fs::path candidate = base;
    candidate += ".old-" + stamp + (n > 1 ? fmt::format("-{}", n) : "");
    if (!fs::exists(fs::symlink_status(candidate))) return candidate;
  }
}

std::string aside_branch(git_repository* repo, const std::string& branch, const std::string& stamp) {
  for (int n = 1;; ++n) {
    std::string candidate = branch + "-old-" + stamp + (n > 1 ? fmt::format("-{}", n) : "");
    if (!find_ref(repo, "refs/heads/" + candidate)) return candidate;
  }
}

// libgit2 1.5 cannot move a worktree (no git_worktree_move): the git binary
// does it, keeping .git/worktrees/<name>/gitdir consistent.
void move_worktree(const fs::path& repo_root, const fs::path& from, const fs::path& to) {
  RunResult r = run_program({"git", "-C", repo_root.string(), "worktree", "move", from.string(), to.string()});
  if (!r.ok())
    throw RuntimeError(fmt::format("cannot move worktree {} aside to {}: {}", from.string(), to.string(), r.err));
}

// Moves whatever is at `path` to a dated name beside it: a registered worktree
// with `git worktree move`, anything else with rename (then the metadata of a
// broken worktree registered there is pruned, as its folder is gone).
fs::path move_aside(git_repository* repo, const fs::path& repo_root, const fs::path& path, const std::string& stamp) {
  fs::path aside = aside_path(path, stamp);
  auto lw = worktree_at(repo, path);
  if (lw && lw->valid) {
    move_worktree(repo_root, path, aside);
    return aside;
  }
  fs::rename(path, aside);
  if (lw && !lw->locked) prune_missing_worktree(repo, lw->name);
  return aside;
}

std::string unique_admin_name(git_repository* repo, const fs::path& path) {
  std::string base = path.filename().string();
  if (base.empty()) base = "worktree";
  fs::path admin = common_dir(repo) / "worktrees";
  for (int n = 1;; ++n) {
    std::string candidate = n > 1 ? fmt::format("{}-{}", base, n) : base;
    if (!fs::exists(admin / candidate)) return candidate;
  }
}

// While a worktree is being made, a file in the repository's git folder names
// it: a worker killed during the checkout leaves a registered worktree with
// part of the files, which would read as "uncommitted work" (every missing
// file a deletion) and be reused, committed and merged. One file per path
// (FNV-1a of the path: stable across builds); removed once the checkout is whole.
fs::path creation_marker(const fs::path& common, const fs::path& path) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : path.lexically_normal().string()) h = (h ^ c) * 1099511628211ULL;
  return common / "kiro-parallel-unfinished-worktrees" / fmt::format("{:016x}", h);
}

void add_worktree(git_repository* repo, const fs::path& path, const std::string& branch) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  RefPtr ref = lookup_ref(repo, branch_ref_name(branch));
  git_worktree_add_options opts;
  check(lib().worktree_add_options_init(&opts, GIT_WORKTREE_ADD_OPTIONS_VERSION), "worktree add");
  opts.ref = ref.get();
  opts.checkout_options.checkout_strategy = GIT_CHECKOUT_SAFE;
  std::string name = unique_admin_name(repo, path);
  const fs::path marker = creation_marker(common_dir(repo), path);
  fs::create_directories(marker.parent_path());
  write_file_atomic(marker, path.string() + "\n" + name + "\n");
  git_worktree* raw = nullptr;
  check(lib().worktree_add(&raw, repo, name.c_str(), path.c_str(), &opts),
        fmt::format("cannot create worktree {} on branch {}", path.string(), branch));
  WorktreePtr wt(raw);
  fs::remove(marker);
}

bool contains_path(const std::vector<fs::path>& paths, const fs::path& p) {
  for (const auto& x : paths)
    if (same_path(x, p)) return true;
  return false;
}

// Stages everything in `wt_repo`'s working tree into its index (what `git add
// -A` does) and writes the tree; the index is saved.
git_oid stage_all(git_repository* wt_repo) {
  git_index* raw = nullptr;
  check(lib().repository_index(&raw, wt_repo), "cannot read the index");
  IndexPtr index(raw);
  check(lib().index_read(index.get(), 0), "cannot read the index");
  check(lib().index_add_all(index.get(), nullptr, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr), "cannot stage new files");
  check(lib().index_update_all(index.get(), nullptr, nullptr, nullptr), "cannot stage changes");
  check(lib().index_write(index.get()), "cannot write the index");
  git_oid tree;
  check(lib().index_write_tree(&tree, index.get()), "cannot write the tree");
  return tree;
}

std::optional<git_oid> head_commit(git_repository* repo) {
  git_reference* raw = nullptr;
  int rc = lib().repository_head(&raw, repo);
  if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND) return std::nullopt;
  check(rc, "cannot read HEAD");
  RefPtr head(raw);
  return *lib().reference_target(head.get());
}

// Commits `tree` with `parent` (if any); moves `update_ref` when given.
git_oid create_commit(git_repository* repo, const char* update_ref, const git_oid& tree_oid,
                      const std::optional<git_oid>& parent, const std::string& message) {
  Signatures sigs = require_signatures(repo);
  git_tree* tree_raw = nullptr;
  check(lib().tree_lookup(&tree_raw, repo, &tree_oid), "cannot read the tree");
  TreePtr tree(tree_raw);
  CommitPtr parent_commit;
  const git_commit* parents[1] = {nullptr};
  if (parent) {
    parent_commit = lookup_commit(repo, *parent);
    parents[0] = parent_commit.get();
  }
  git_oid out;
  check(lib().commit_create(&out, repo, update_ref, sigs.author.get(), sigs.committer.get(), nullptr,
                          message.c_str(), tree.get(), parent ? 1 : 0, parents),
        "cannot create the commit");
  return out;
}

std::string join(const std::vector<std::string>& items, size_t limit = 20) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < limit; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > limit) out += fmt::format(" and {} more", items.size() - limit);
  return out;
}

}  // namespace

// libgit2 is not safe against a concurrent worktree add in the same
// repository (a racing mkdir of .git/worktrees, a half-made worktree read as
// holding a branch): workers create and remove worktrees one at a time.
static FileLock lock_worktrees(git_repository* repo) {
  return FileLock::acquire(common_dir(repo) / "kiro-parallel-worktree.lock");
}

// The folder goes aside, never deleted. Its registration is removed, whole or
// not: it describes a checkout no agent ever worked in, and kept it would
// hold the branch (one with unmerged commits could then not be checked out
// again: those commits are in the branch, not in this folder).
static void set_aside_unfinished(git_repository* repo, const fs::path& path, const fs::path& marker,
                                 const std::string& stamp,
                                 const std::function<void(const std::string&)>& add_note) {
  std::string admin_name;
  {
    std::ifstream in(marker);
    std::string recorded_path;
    std::getline(in, recorded_path);
    std::getline(in, admin_name);
  }
  if (auto lw = worktree_at(repo, path)) admin_name = lw->name;
  if (fs::exists(fs::symlink_status(path))) {
    const fs::path aside = aside_path(path, stamp);
    fs::rename(path, aside);
    add_note(fmt::format("moved aside {}, whose making was cut short, to {}", path.string(), aside.string()));
  }
  const fs::path admin = common_dir(repo) / "worktrees" / admin_name;
  if (!admin_name.empty() && admin_name.find('/') == std::string::npos && fs::exists(admin)) fs::remove_all(admin);
  fs::remove(marker);
}

PreparedWorktree prepare_task_worktree(const fs::path& repo_root, const fs::path& worktree_path,
                                       const std::string& branch, const std::string& target_branch) {
  RepoPtr repo = open_repo(repo_root);
  FileLock worktree_lock = lock_worktrees(repo.get());
  const fs::path path = fs::absolute(worktree_path).lexically_normal();
  const std::string stamp = utc_stamp();
  const git_oid target_tip = resolve_branch(repo.get(), target_branch);
  PreparedWorktree out{path, branch, false, ""};
  auto add_note = [&](const std::string& s) { out.note += (out.note.empty() ? "" : "; ") + s; };

  // A worktree whose making was cut short holds no one's work (its agent
  // starts only once it is whole): kept aside, made again below.
  if (const fs::path marker = creation_marker(common_dir(repo.get()), path); fs::exists(marker)) {
    set_aside_unfinished(repo.get(), path, marker, stamp, add_note);
  }
  // Metadata of a worktree whose folder was deleted by hand: nothing to lose.
  if (auto lw = worktree_at(repo.get(), path); lw && !lw->valid && !lw->locked && !fs::exists(path))
    prune_missing_worktree(repo.get(), lw->name);

  if (find_ref(repo.get(), branch_ref_name(branch))) {
    const git_oid tip = resolve_branch(repo.get(), branch);
    const std::vector<fs::path> holders = worktrees_with_branch(repo.get(), branch);
    const bool held_here = contains_path(holders, path);
    bool uncommitted = false;
    if (held_here) {
      auto lw = worktree_at(repo.get(), path);
      if (lw) uncommitted = !working_tree_changes(open_worktree_repo(repo.get(), lw->name).get()).empty();
    }
    const bool unmerged = !is_merged(repo.get(), branch, target_branch);
    if (unmerged || uncommitted || (held_here && lib().oid_equal(&tip, &target_tip))) {
      out.reused = true;
      if (held_here) {
        add_note(unmerged || uncommitted ? fmt::format("reusing worktree {} with unmerged work", path.string())
                                         : fmt::format("reusing worktree {} (already at {})", path.string(),
                                                       target_branch));
        return out;
      }
      if (!holders.empty())
        throw RuntimeError(fmt::format("branch {} holds unmerged work and is checked out at {}; "
                                       "finish or move that worktree first",
                                       branch, holders.front().string()));
      if (fs::exists(fs::symlink_status(path)))
        add_note(fmt::format("moved aside {} to {}", path.string(),
                             move_aside(repo.get(), repo_root, path, stamp).string()));
      add_worktree(repo.get(), path, branch);
      add_note(fmt::format("reusing branch {} with unmerged commits", branch));
      return out;
    }
    // No work of value on the old branch: keep it under a dated name.
    if (held_here) {
      fs::path aside = aside_path(path, stamp);
      move_worktree(repo_root, path, aside);
      add_note(fmt::format("moved aside old worktree to {}", aside.string()));
    }
    RefPtr ref = lookup_ref(repo.get(), branch_ref_name(branch));
    std::string new_name = aside_branch(repo.get(), branch, stamp);
    git_reference* moved = nullptr;
    check(lib().branch_move(&moved, ref.get(), new_name.c_str(), 0), fmt::format("cannot rename branch {}", branch));
    RefPtr moved_owner(moved);
    add_note(fmt::format("renamed old branch {} to {}", branch, new_name));
  }

  if (fs::exists(fs::symlink_status(path)))
    add_note(fmt::format("moved aside {} to {}", path.string(),
                         move_aside(repo.get(), repo_root, path, stamp).string()));
  CommitPtr start = lookup_commit(repo.get(), target_tip);
  git_reference* created = nullptr;
  check(lib().branch_create(&created, repo.get(), branch.c_str(), start.get(), 0),
        fmt::format("cannot create branch {}", branch));
  RefPtr created_owner(created);
  add_worktree(repo.get(), path, branch);
  return out;
}

std::optional<std::string> commit_all(const fs::path& worktree, const std::string& message) {
  RepoPtr repo = open_repo(worktree);
  if (lib().repository_state(repo.get()) != GIT_REPOSITORY_STATE_NONE)
    throw RuntimeError(fmt::format("a merge, rebase or similar is in progress in {}; finish it first",
                                   worktree.string()));
  require_signatures(repo.get());  // fail before touching the index
  git_oid tree = stage_all(repo.get());
  std::optional<git_oid> parent = head_commit(repo.get());
  if (parent) {
    CommitPtr head = lookup_commit(repo.get(), *parent);
    if (lib().oid_equal(lib().commit_tree_id(head.get()), &tree)) return std::nullopt;
  }
  return oid_hex(create_commit(repo.get(), "HEAD", tree, parent, message));
}

bool worktree_unfinished(const fs::path& repo_root, const fs::path& worktree_path) {
  RepoPtr repo = open_repo(repo_root);
  return fs::exists(creation_marker(common_dir(repo.get()), fs::absolute(worktree_path).lexically_normal()));
}

WorktreeStatus worktree_status(const fs::path& repo_root, const fs::path& worktree_path, const std::string& branch,
                               const std::string& target_branch) {
  RepoPtr repo = open_repo(repo_root);
  WorktreeStatus st;
  st.merged = is_merged(repo.get(), branch, target_branch);
  auto lw = worktree_at(repo.get(), fs::absolute(worktree_path));
  if (!lw || !lw->valid) return st;
  st.exists = true;
  TreeChanges changes = working_tree_changes(open_worktree_repo(repo.get(), lw->name).get());
  st.dirty = !changes.changed.empty();
  st.untracked = !changes.untracked.empty();
  st.changed_paths = changes.changed;
  st.changed_paths.insert(st.changed_paths.end(), changes.untracked.begin(), changes.untracked.end());
  return st;
}

RemoveResult remove_task_worktree(const fs::path& repo_root, const fs::path& worktree_path,
                                  const std::string& branch, const std::string& target_branch, bool force) {
  RepoPtr repo = open_repo(repo_root);
  FileLock worktree_lock = lock_worktrees(repo.get());
  const fs::path path = fs::absolute(worktree_path).lexically_normal();
  RemoveResult result;
  auto lw = worktree_at(repo.get(), path);
  if (lw && lw->locked) {
    result.reason = fmt::format("worktree {} is locked (git worktree unlock {} to allow it)", path.string(),
                                path.string());
    return result;
  }
  if (lw && !lw->valid && fs::exists(path)) {
    result.reason = fmt::format("{} is not a valid worktree any more; inspect it by hand", path.string());
    return result;
  }
  if (!lw && fs::exists(path)) {
    result.reason = fmt::format("{} is not a worktree of this repository; left alone", path.string());
    return result;
  }
  const bool has_tree = lw && lw->valid;
  const bool branch_present = find_ref(repo.get(), branch_ref_name(branch)) != nullptr;
  const bool merged = is_merged(repo.get(), branch, target_branch);
  RepoPtr wt_repo = has_tree ? open_worktree_repo(repo.get(), lw->name) : nullptr;
  TreeChanges changes = has_tree ? working_tree_changes(wt_repo.get()) : TreeChanges{};
  const bool has_work = !merged || !changes.changed.empty() || !changes.untracked.empty();

  if (has_work && !force) {
    std::vector<std::string> parts;
    if (!merged)
      parts.push_back(fmt::format("branch {} has commits not merged into {} (tip {})", branch, target_branch,
                                  oid_hex(resolve_branch(repo.get(), branch)).substr(0, 12)));
    if (!changes.changed.empty()) parts.push_back("uncommitted changes: " + join(changes.changed));
    if (!changes.untracked.empty()) parts.push_back("untracked files: " + join(changes.untracked));
    result.reason = fmt::format("{} kept: {}", path.string(), join(parts, parts.size()));
    return result;
  }

  bool archived = false;
  if (has_work) {
    // Keep every byte reachable: the tip, and a commit of the uncommitted state.
    std::optional<git_oid> tip;
    if (has_tree) tip = head_commit(wt_repo.get());
    else if (branch_present) tip = resolve_branch(repo.get(), branch);
    std::optional<git_oid> keep = tip;
    if (has_tree && (!changes.changed.empty() || !changes.untracked.empty())) {
      git_oid tree = stage_all(wt_repo.get());
      keep = create_commit(wt_repo.get(), nullptr, tree, tip,
                           fmt::format("kiro-parallel: uncommitted work of {} archived by clean --force", branch));
    }
    if (keep) {
      std::string ref_name = fmt::format("refs/kiro-parallel/archive/{}/{}", branch, utc_stamp());
      for (int n = 2; find_ref(repo.get(), ref_name); ++n)
        ref_name = fmt::format("refs/kiro-parallel/archive/{}/{}-{}", branch, utc_stamp(), n);
      git_reference* raw = nullptr;
      check(lib().reference_create(&raw, repo.get(), ref_name.c_str(), &*keep, 0, "kiro-parallel: archive"),
            fmt::format("cannot create {}", ref_name));
      RefPtr owner(raw);
      result.archive_ref = ref_name;
      // The branch tip too, when the worktree's HEAD was elsewhere.
      if (branch_present) {
        git_oid branch_oid = resolve_branch(repo.get(), branch);
        if (!lib().oid_equal(&branch_oid, &*keep) &&
            check(lib().graph_descendant_of(repo.get(), &*keep, &branch_oid), "cannot compare commits") != 1) {
          git_reference* raw2 = nullptr;
          check(lib().reference_create(&raw2, repo.get(), (ref_name + "-branch").c_str(), &branch_oid, 0,
                                     "kiro-parallel: archive"),
                "cannot archive the branch tip");
          RefPtr owner2(raw2);
        }
      }
    }
    archived = true;
  }

  if (lw) {
    wt_repo.reset();
    if (has_tree) fs::remove_all(path);
    prune_missing_worktree(repo.get(), lw->name);
  }
  if (branch_present && (merged || archived)) {
    std::vector<fs::path> holders = worktrees_with_branch(repo.get(), branch);
    if (!holders.empty()) {
      result.reason = fmt::format("branch {} kept: checked out at {}", branch, holders.front().string());
      return result;
    }
    RefPtr ref = lookup_ref(repo.get(), branch_ref_name(branch));
    check(lib().branch_delete(ref.get()), fmt::format("cannot delete branch {}", branch));
  }
  result.removed = true;
  return result;
}

}  // namespace kp::git
