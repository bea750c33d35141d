#include "common/git_handle.hpp"

#include <fmt/format.h>

#include "common/error.hpp"

namespace kp::git {

namespace fs = std::filesystem;

void ensure_library() { (void)lib(); }

void throw_git_error(std::string_view what) {
  const git_error* e = lib().error_last();
  throw RuntimeError(fmt::format("{}: {}", what, e && e->message ? e->message : "unknown libgit2 error"));
}

int check(int rc, std::string_view what) {
  if (rc < 0) throw_git_error(what);
  return rc;
}

RepoPtr open_repo(const fs::path& path) {
  ensure_library();
  git_repository* raw = nullptr;
  if (lib().repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) < 0)
    throw_git_error(fmt::format("cannot open the git repository at {}", path.string()));
  return RepoPtr(raw);
}

fs::path common_dir(git_repository* repo) {
  return fs::path(lib().repository_commondir(repo)).lexically_normal();
}

fs::path workdir(git_repository* repo) {
  const char* wd = lib().repository_workdir(repo);
  return wd ? fs::path(wd).lexically_normal() : fs::path();
}

RefPtr lookup_ref(git_repository* repo, const std::string& name) {
  git_reference* raw = nullptr;
  check(lib().reference_lookup(&raw, repo, name.c_str()), fmt::format("cannot read {}", name));
  return RefPtr(raw);
}

RefPtr find_ref(git_repository* repo, const std::string& name) {
  git_reference* raw = nullptr;
  int rc = lib().reference_lookup(&raw, repo, name.c_str());
  if (rc == GIT_ENOTFOUND) return nullptr;
  check(rc, fmt::format("cannot read {}", name));
  return RefPtr(raw);
}

CommitPtr lookup_commit(git_repository* repo, const git_oid& oid) {
  git_commit* raw = nullptr;
  check(lib().commit_lookup(&raw, repo, &oid), fmt::format("cannot read commit {}", oid_hex(oid)));
  return CommitPtr(raw);
}

TreePtr commit_tree(const git_commit* commit) {
  git_tree* raw = nullptr;
  check(lib().commit_tree(&raw, commit), "cannot read a commit's tree");
  return TreePtr(raw);
}

std::string oid_hex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  lib().oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

git_oid oid_from_hex(const std::string& hex) {
  git_oid oid;
  check(lib().oid_fromstrn(&oid, hex.data(), hex.size()), fmt::format("bad object id {}", hex));
  return oid;
}

}  // namespace kp::git
