// Where a path named in a permission prompt really points, for the approval
// policy: ~, ~user, $HOME and other variables expanded, relative paths taken
// from the agent's folder, `..` and symlinks resolved (weakly_canonical).
#pragma once
#include <filesystem>
#include <optional>
#include <string_view>

#include "common/approval_policy.hpp"

namespace kp {

// The folders a policy decision compares against, resolved once.
struct PolicyPlaces {
  std::filesystem::path worktree, home, tmp;
  std::vector<std::filesystem::path> extra;  // approve.paths and context.extra_paths
};

PolicyPlaces resolve_places(const PolicyContext& context, const ApprovalSettings& settings);

// The absolute, resolved path a word names, relative to `cwd`; nullopt when it
// cannot be known (an unset variable, $(...), an unknown ~user).
std::optional<std::filesystem::path> resolve_policy_path(std::string_view word, const std::filesystem::path& cwd,
                                                         const PolicyPlaces& places);

enum class PathPlace {
  worktree,     // inside the worktree (or the worktree itself)
  extra,        // inside approve.paths
  tmp,          // inside the temp folder (not the folder itself)
  device,       // /dev/null, /dev/stdout, /dev/stderr, /dev/tty
  startup,      // a shell start-up file (~/.bashrc, ~/.profile, ...)
  credentials,  // keys and tokens (~/.ssh, ~/.aws, ~/.gnupg, ~/.netrc, ...)
  git_internal, // the repository's own .git (hooks, config)
  outside,
};

PathPlace place_of(const std::filesystem::path& resolved, const PolicyPlaces& places);

// True when `path` is `root` or inside it (both resolved).
bool path_within(const std::filesystem::path& path, const std::filesystem::path& root);

}  // namespace kp
