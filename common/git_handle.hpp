// RAII for libgit2: one owner per libgit2 object, the library loaded and
// initialised once per process (git_library.hpp), and libgit2 errors turned
// into kp::RuntimeError.
#pragma once
#include <git2.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/git_library.hpp"

namespace kp::git {

// Loads and initialises libgit2 once per process (git::lib()); every entry
// point of the git layer calls ensure_library() first.
void ensure_library();

// RuntimeError "<what>: <the message of libgit2's last error>".
[[noreturn]] void throw_git_error(std::string_view what);
// Throws via throw_git_error when rc < 0; returns rc otherwise.
int check(int rc, std::string_view what);

// Free: the Library member that frees a T (&Library::tree_free).
template <typename T, auto Free>
struct GitDeleter {
  void operator()(T* p) const noexcept {
    if (p) (lib().*Free)(p);
  }
};

using RepoPtr = std::unique_ptr<git_repository, GitDeleter<git_repository, &Library::repository_free>>;
using RefPtr = std::unique_ptr<git_reference, GitDeleter<git_reference, &Library::reference_free>>;
using CommitPtr = std::unique_ptr<git_commit, GitDeleter<git_commit, &Library::commit_free>>;
using TreePtr = std::unique_ptr<git_tree, GitDeleter<git_tree, &Library::tree_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, GitDeleter<git_tree_entry, &Library::tree_entry_free>>;
using IndexPtr = std::unique_ptr<git_index, GitDeleter<git_index, &Library::index_free>>;
using SignaturePtr = std::unique_ptr<git_signature, GitDeleter<git_signature, &Library::signature_free>>;
using WorktreePtr = std::unique_ptr<git_worktree, GitDeleter<git_worktree, &Library::worktree_free>>;
using ObjectPtr = std::unique_ptr<git_object, GitDeleter<git_object, &Library::object_free>>;
using DiffPtr = std::unique_ptr<git_diff, GitDeleter<git_diff, &Library::diff_free>>;
using BlobPtr = std::unique_ptr<git_blob, GitDeleter<git_blob, &Library::blob_free>>;
using ConfigPtr = std::unique_ptr<git_config, GitDeleter<git_config, &Library::config_free>>;
using StatusListPtr = std::unique_ptr<git_status_list, GitDeleter<git_status_list, &Library::status_list_free>>;
using BranchIterPtr = std::unique_ptr<git_branch_iterator, GitDeleter<git_branch_iterator, &Library::branch_iterator_free>>;

// git_buf and git_strarray own memory that libgit2 allocated.
class GitBuf {
 public:
  GitBuf() = default;
  ~GitBuf() { lib().buf_dispose(&buf_); }
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
  ~GitStrArray() { lib().strarray_dispose(&arr_); }
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
