// RAII for libgit2: one owner per libgit2 object, the library initialised once
// per process, and libgit2 errors turned into kp::RuntimeError.
#pragma once
#include <git2.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace kp::git {

// Calls git_libgit2_init once per process (function-local static); every
// entry point of the git layer calls ensure_library() first.
void ensure_library();

// RuntimeError "<what>: <git_error_last()->message>".
[[noreturn]] void throw_git_error(std::string_view what);
// Throws via throw_git_error when rc < 0; returns rc otherwise.
int check(int rc, std::string_view what);

template <typename T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* p) const noexcept {
    if (p) Free(p);
  }
};

using RepoPtr = std::unique_ptr<git_repository, GitDeleter<git_repository, git_repository_free>>;
using RefPtr = std::unique_ptr<git_reference, GitDeleter<git_reference, git_reference_free>>;
using CommitPtr = std::unique_ptr<git_commit, GitDeleter<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, GitDeleter<git_tree, git_tree_free>>;
using IndexPtr = std::unique_ptr<git_index, GitDeleter<git_index, git_index_free>>;
using SignaturePtr = std::unique_ptr<git_signature, GitDeleter<git_signature, git_signature_free>>;
using WorktreePtr = std::unique_ptr<git_worktree, GitDeleter<git_worktree, git_worktree_free>>;
using ObjectPtr = std::unique_ptr<git_object, GitDeleter<git_object, git_object_free>>;
using DiffPtr = std::unique_ptr<git_diff, GitDeleter<git_diff, git_diff_free>>;
using BlobPtr = std::unique_ptr<git_blob, GitDeleter<git_blob, git_blob_free>>;
using ConfigPtr = std::unique_ptr<git_config, GitDeleter<git_config, git_config_free>>;
using StatusListPtr = std::unique_ptr<git_status_list, GitDeleter<git_status_list, git_status_list_free>>;
using BranchIterPtr = std::unique_ptr<git_branch_iterator, GitDeleter<git_branch_iterator, git_branch_iterator_free>>;

// git_buf and git_strarray own memory that libgit2 allocated.
class GitBuf {
 public:
  GitBuf() = default;
  ~GitBuf() { git_buf_dispose(&buf_); }
  GitBuf(const GitBuf&) = delete;
  GitBuf& operator=(const GitBuf&) = delete;
  git_buf* get() { return &buf_; }
  std::string str() const { return buf_.ptr ? std::string(buf_.ptr, buf_.size) : std::string(); }

 private:
  git_buf buf_ = GIT_BUF_INIT;
};

class GitStrArray {
 public:
  GitStrArray() = default;
  ~GitStrArray() { git_strarray_dispose(&arr_); }
  GitStrArray(const GitStrArray&) = delete;
  GitStrArray& operator=(const GitStrArray&) = delete;
  git_strarray* get() { return &arr_; }
  size_t size() const { return arr_.count; }
  std::string operator[](size_t i) const { return arr_.strings[i]; }

 private:
  git_strarray arr_ = {nullptr, 0};
};

// Opens the repository containing `path` (a working tree, linked worktree or
// .git folder). RuntimeError when there is none.
RepoPtr open_repo(const std::filesystem::path& path);
// The folder shared by every worktree (.git of the main working tree).
std::filesystem::path common_dir(git_repository* repo);
// The working tree of `repo`, empty for a bare repository.
std::filesystem::path workdir(git_repository* repo);

RefPtr lookup_ref(git_repository* repo, const std::string& name);            // throws when missing
RefPtr find_ref(git_repository* repo, const std::string& name);              // nullptr when missing
CommitPtr lookup_commit(git_repository* repo, const git_oid& oid);
TreePtr commit_tree(const git_commit* commit);
std::string oid_hex(const git_oid& oid);
git_oid oid_from_hex(const std::string& hex);

}  // namespace kp::git
