// The approval policy's judgement of one shell command line: split into
// simple commands (common/shell_words), `cd` followed through `&&` and `;`,
// `bash -c`, `sh -c`, `eval`, `find -exec`, $(...) and backticks re-read, each
// simple command checked against the deny rules and the paths it names.
#pragma once
#include <string_view>

#include "common/approval_policy.hpp"
#include "common/policy_paths.hpp"

namespace kp {

Decision judge_shell_command(std::string_view command, const PolicyPlaces& places,
                             const ApprovalSettings& settings);

// The built-in allow list (mode allowlist): read-only commands, builds and
// tests, git add/commit/status/diff/log/show.
const std::vector<PolicyPattern>& builtin_allow_patterns();

}  // namespace kp
