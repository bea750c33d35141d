#include "common/git_repo.hpp"

#include "common/atomic_file.hpp"

#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

#include "common/error.hpp"

namespace kp::git {

namespace fs = std::filesystem;

namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string config_or_empty(git_repository* repo, const char* key) {
  git_config* raw = nullptr;
  check(lib().repository_config_snapshot(&raw, repo), "cannot read git config");
  ConfigPtr cfg(raw);
  const char* value = nullptr;
  if (lib().config_get_string(&value, cfg.get(), key) < 0 || !value) return {};
  return value;
}

// One role (author or committer): environment first, then git config.
Identity identity_for(git_repository* repo, const char* name_env, const char* email_env) {
  Identity id{env_or_empty(name_env), env_or_empty(email_env)};
  if (id.name.empty()) id.name = config_or_empty(repo, "user.name");
  if (id.email.empty()) id.email = config_or_empty(repo, "user.email");
  if (id.name.empty() || id.email.empty()) {
    throw RuntimeError(fmt::format(
        "no git identity for commits in {}: set it with\n"
        "  git config user.name \"Your Name\"\n  git config user.email you@example.com\n"
        "(or the environment variables {} and {})",
        workdir(repo).empty() ? std::string(lib().repository_path(repo)) : workdir(repo).string(),
        name_env, email_env));
  }
  return id;
}

SignaturePtr signature_now(const Identity& id) {
  git_signature* raw = nullptr;
  check(lib().signature_now(&raw, id.name.c_str(), id.email.c_str()),
        fmt::format("invalid git identity \"{} <{}>\"", id.name, id.email));
  return SignaturePtr(raw);
}

std::optional<git_oid> ref_target(git_repository* repo, const std::string& refname) {
  RefPtr ref = find_ref(repo, refname);
  if (!ref) return std::nullopt;
  git_reference* resolved = nullptr;
  check(lib().reference_resolve(&resolved, ref.get()), fmt::format("cannot resolve {}", refname));
  RefPtr owner(resolved);
  return *lib().reference_target(resolved);
}

// Short branch name HEAD points at in `repo`, even when the branch is unborn.
std::optional<std::string> head_branch(git_repository* repo) {
  RefPtr head = find_ref(repo, "HEAD");
  if (!head || lib().reference_type(head.get()) != GIT_REFERENCE_SYMBOLIC) return std::nullopt;
  std::string target = lib().reference_symbolic_target(head.get());
  const std::string prefix = "refs/heads/";
  if (target.rfind(prefix, 0) != 0) return std::nullopt;
  return target.substr(prefix.size());
}

fs::path normal_root(const fs::path& p) {
  fs::path n = p.lexically_normal();
  if (!n.has_filename() && n.has_parent_path()) n = n.parent_path();
  return n;
}

}  // namespace

Identity require_identity(const fs::path& repo_path) {
  RepoPtr repo = open_repo(repo_path);
  Identity author = identity_for(repo.get(), "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL");
  identity_for(repo.get(), "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL");
  return author;
}

Signatures require_signatures(git_repository* repo) {
  Signatures s;
  s.author = signature_now(identity_for(repo, "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL"));
  s.committer = signature_now(identity_for(repo, "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"));
  return s;
}

std::string current_branch(const fs::path& repo_root) {
  RepoPtr repo = open_repo(repo_root);
  auto branch = head_branch(repo.get());
  if (!branch) throw RuntimeError(fmt::format("HEAD is detached in {}: check out a branch first", repo_root.string()));
  if (!ref_target(repo.get(), "refs/heads/" + *branch))
    throw RuntimeError(fmt::format("branch {} in {} has no commit yet", *branch, repo_root.string()));
  return *branch;
}

std::string branch_ref_name(const std::string& branch) {
  int valid = 0;
  std::string name = "refs/heads/" + branch;
  if (lib().reference_name_is_valid(&valid, name.c_str()) < 0 || !valid)
    throw UsageError(fmt::format("invalid branch name \"{}\"", branch));
  return name;
}

bool branch_exists(const fs::path& repo_path, const std::string& branch) {
  RepoPtr repo = open_repo(repo_path);
  return ref_target(repo.get(), branch_ref_name(branch)).has_value();
}

std::string branch_tip(const fs::path& repo_path, const std::string& branch) {
  RepoPtr repo = open_repo(repo_path);
  auto oid = ref_target(repo.get(), branch_ref_name(branch));
  if (!oid) throw RuntimeError(fmt::format("branch {} does not exist", branch));
  return oid_hex(*oid);
}

bool is_merged(git_repository* repo, const std::string& branch, const std::string& target) {
  auto tip = ref_target(repo, branch_ref_name(branch));
  if (!tip) return true;
  auto target_tip = ref_target(repo, branch_ref_name(target));
  if (!target_tip) throw RuntimeError(fmt::format("target branch {} does not exist", target));
  if (lib().oid_equal(&*tip, &*target_tip)) return true;
  return check(lib().graph_descendant_of(repo, &*target_tip, &*tip), "cannot compare branches") == 1;
}

bool is_merged(const fs::path& repo_path, const std::string& branch, const std::string& target) {
  RepoPtr repo = open_repo(repo_path);
  return is_merged(repo.get(), branch, target);
}

std::vector<LinkedWorktree> linked_worktrees(git_repository* repo) {
  std::vector<LinkedWorktree> out;
  GitStrArray names;
  check(lib().worktree_list(names.get(), repo), "cannot list worktrees");
  for (size_t i = 0; i < names.size(); ++i) {
    git_worktree* raw = nullptr;
    if (lib().worktree_lookup(&raw, repo, names[i].c_str()) < 0) continue;
    WorktreePtr wt(raw);
    LinkedWorktree entry;
    entry.name = names[i];
    entry.path = normal_root(lib().worktree_path(wt.get()));
    // git also wants the worktree's own .git file; libgit2 1.5 does not check it.
    entry.valid = lib().worktree_validate(wt.get()) == 0 && fs::exists(fs::symlink_status(entry.path / ".git"));
    entry.locked = lib().worktree_is_locked(nullptr, wt.get()) > 0;
    out.push_back(std::move(entry));
  }
  lib().error_clear();
  return out;
}

std::vector<fs::path> worktrees_with_branch(git_repository* repo, const std::string& branch) {
  std::vector<fs::path> out;
  // The main working tree: open the common dir, whose HEAD is the main tree's.
  RepoPtr main_repo = open_repo(common_dir(repo));
  if (!lib().repository_is_bare(main_repo.get())) {
    auto b = head_branch(main_repo.get());
    if (b && *b == branch) out.push_back(normal_root(workdir(main_repo.get())));
  }
  for (const LinkedWorktree& lw : linked_worktrees(repo)) {
    if (!lw.valid) continue;
    git_worktree* raw = nullptr;
    if (lib().worktree_lookup(&raw, repo, lw.name.c_str()) < 0) continue;
    WorktreePtr wt(raw);
    git_repository* wr = nullptr;
    if (lib().repository_open_from_worktree(&wr, wt.get()) < 0) continue;
    RepoPtr wt_repo(wr);
    auto b = head_branch(wt_repo.get());
    if (b && *b == branch) out.push_back(lw.path);
  }
  lib().error_clear();
  return out;
}

TreeChanges working_tree_changes(git_repository* repo, const std::vector<std::string>* only_paths,
                                 bool include_ignored) {
  git_status_options opts;
  check(lib().status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION), "git status");
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
  if (include_ignored) opts.flags |= GIT_STATUS_OPT_INCLUDE_IGNORED | GIT_STATUS_OPT_RECURSE_IGNORED_DIRS;
  std::vector<char*> pathspec;
  if (only_paths) {
    if (only_paths->empty()) return {};
    for (const std::string& p : *only_paths) pathspec.push_back(const_cast<char*>(p.c_str()));
    opts.pathspec.strings = pathspec.data();
    opts.pathspec.count = pathspec.size();
    opts.flags |= GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
  }
  git_status_list* raw = nullptr;
  check(lib().status_list_new(&raw, repo, &opts),
        fmt::format("cannot read the status of {}", workdir(repo).string()));
  StatusListPtr list(raw);
  TreeChanges out;
  const size_t n = lib().status_list_entrycount(list.get());
  for (size_t i = 0; i < n; ++i) {
    const git_status_entry* e = lib().status_byindex(list.get(), i);
    if (e->status == GIT_STATUS_CURRENT) continue;
    const git_diff_delta* d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
    if (!d) continue;
    std::string path = d->new_file.path ? d->new_file.path : d->old_file.path;
    if (e->status & GIT_STATUS_IGNORED) {
      out.ignored.push_back(path);
    } else if (e->status == GIT_STATUS_WT_NEW) {
      out.untracked.push_back(path);
    } else {
      out.changed.push_back(path);
      // A rename staged in the index changes two paths.
      if (e->head_to_index && e->head_to_index->old_file.path &&
          std::string(e->head_to_index->old_file.path) != path)
        out.changed.push_back(e->head_to_index->old_file.path);
    }
  }
  return out;
}

std::string utc_stamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

bool same_path(const fs::path& a, const fs::path& b) {
  std::error_code ec1, ec2;
  fs::path ca = normal_root(fs::weakly_canonical(a, ec1));
  fs::path cb = normal_root(fs::weakly_canonical(b, ec2));
  if (ec1 || ec2) return normal_root(a) == normal_root(b);
  return ca == cb;
}

git_oid resolve_branch(git_repository* repo, const std::string& branch) {
  RefPtr ref = find_ref(repo, branch_ref_name(branch));
  if (!ref) throw RuntimeError(fmt::format("branch {} does not exist", branch));
  git_reference* resolved = nullptr;
  check(lib().reference_resolve(&resolved, ref.get()), fmt::format("cannot resolve branch {}", branch));
  RefPtr owner(resolved);
  return *lib().reference_target(resolved);
}

void exclude_runtime_files(const fs::path& repo_root) {
  static const char* const kPatterns[] = {
      "/.kiro/specs/*/.parallel_state.json", "/.kiro/specs/*/.task_lock", "/.kiro/specs/*/.master.*",
      "/.kiro/specs/*/.worker-*",            "/.kiro/specs/*/logs/",
  };
  RepoPtr repo = open_repo(repo_root);
  fs::path exclude = common_dir(repo.get()) / "info" / "exclude";
  std::string text = read_file(exclude).value_or("");
  std::string added;
  for (const char* pattern : kPatterns) {
    bool present = false;
    for (size_t at = text.find(pattern); at != std::string::npos; at = text.find(pattern, at + 1)) {
      bool line_start = at == 0 || text[at - 1] == '\n';
      size_t end = at + std::string_view(pattern).size();
      if (line_start && (end == text.size() || text[end] == '\n')) present = true;
    }
    if (!present) added += std::string(pattern) + "\n";
  }
  if (added.empty()) return;
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += "# kiro-parallel run state\n" + added;
  fs::create_directories(exclude.parent_path());
  write_file_atomic(exclude, text);
}

}  // namespace kp::git
