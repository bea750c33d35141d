// libgit2, loaded when the git layer is first used instead of when the
// program starts. Linked, it made every command (analyze and --version
// included) load it and the fifteen libraries it needs first: measured
// 2026-12-02 on this machine, a program linked to libgit2 starts in 5.2 ms,
// one that is not in 0.9 ms; `kiro-parallel --version` took 8.3 ms.
// Calls go through lib(): git::lib().repository_open_ext(...).
#pragma once
#include <git2.h>

namespace kp::git {

// Every libgit2 function the git layer calls, without its git_ prefix.
#define KP_GIT_FUNCTIONS(X) \
  X(blob_create_from_buffer) X(blob_free) X(blob_lookup) X(blob_rawcontent) X(blob_rawsize) X(branch_create) \
  X(branch_delete) X(branch_iterator_free) X(branch_move) X(buf_dispose) X(checkout_options_init) \
  X(checkout_tree) X(commit_create) X(commit_free) X(commit_lookup) X(commit_tree) X(commit_tree_id) \
  X(config_free) X(config_get_string) X(diff_free) X(diff_get_delta) X(diff_num_deltas) X(diff_tree_to_tree) \
  X(error_clear) X(error_last) X(graph_descendant_of) X(index_add) X(index_add_all) X(index_add_bypath) \
  X(index_conflict_iterator_free) X(index_conflict_iterator_new) X(index_conflict_next) \
  X(index_conflict_remove) X(index_free) X(index_has_conflicts) X(index_read) X(index_remove_bypath) \
  X(index_update_all) X(odb_hashfile) \
  X(index_write) X(index_write_tree) X(index_write_tree_to) X(libgit2_opts) X(merge) X(merge_commits) \
  X(merge_file) X(merge_file_input_init) X(merge_file_result_free) X(merge_options_init) X(object_free) \
  X(oid_equal) X(oid_fromstrn) X(oid_tostr) X(reference_create) X(reference_create_matching) \
  X(reference_free) X(reference_lookup) X(reference_name_is_valid) X(reference_resolve) \
  X(reference_symbolic_target) X(reference_target) X(reference_type) X(repository_commondir) \
  X(repository_config_snapshot) X(repository_free) X(repository_head) X(repository_index) \
  X(repository_is_bare) X(repository_open_ext) X(repository_open_from_worktree) X(repository_path) \
  X(repository_state) X(repository_workdir) X(signature_free) X(signature_now) X(status_byindex) \
  X(status_list_entrycount) X(status_list_free) X(status_list_new) X(status_options_init) X(strarray_dispose) \
  X(tree_entry_bypath) X(tree_entry_free) X(tree_entry_filemode) X(tree_entry_id) X(tree_free) X(tree_lookup) X(worktree_add) \
  X(worktree_add_options_init) X(worktree_free) X(worktree_is_locked) X(worktree_is_prunable) \
  X(worktree_list) X(worktree_lookup) X(worktree_path) X(worktree_prune) X(worktree_prune_options_init) \
  X(worktree_validate) X(libgit2_init) X(libgit2_shutdown)

struct Library {
#define KP_GIT_MEMBER(name) decltype(&::git_##name) name = nullptr;
  KP_GIT_FUNCTIONS(KP_GIT_MEMBER)
#undef KP_GIT_MEMBER
};

// The library, loaded and initialised (git_libgit2_init) on the first call,
// once per process. RuntimeError naming the library when it cannot be
// loaded or lacks a function; the next call tries again.
const Library& lib();

}  // namespace kp::git
