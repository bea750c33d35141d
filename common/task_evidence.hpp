// Done means done: a task is completed only on positive evidence that the
// agent did it, never because the agent is back at its prompt (an API error,
// an unknown command or a lost prompt leave it there too). Evidence, from the
// strongest: the agent's own signal that its turn ended without an error; the
// agent ticked the task's checkbox in the worktree; the completion marker the
// prompt asked for, printed below the prompt's echo; work in the worktree.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kp {

enum class Evidence { signal, checkbox, marker, work };
std::string_view to_string(Evidence evidence);
std::optional<Evidence> evidence_from_string(std::string_view name);

// completion.require from the settings JSON: "auto" (default), one kind, or a
// list; every kind listed must be found. auto = signal (when the profile's
// agent gives one) and checkbox (cc-sdd's implementation commands and the
// generic prompt both have the agent tick it). UsageError naming the file
// and key on a bad value.
std::vector<Evidence> completion_requirement(const nlohmann::json& settings, const std::string& settings_path,
                                             bool agent_has_signal);
std::string describe(const std::vector<Evidence>& kinds);  // "signal + checkbox"

struct EvidenceFacts {
  bool signal = false;    // the agent said its turn ended, with no error in it
  bool checkbox = false;  // the task's box is [x] in the worktree's tasks.md
  bool marker = false;    // the completion marker below the prompt's echo
  bool work = false;      // commits or changed files other than tasks.md
};

struct EvidenceVerdict {
  bool complete = false;
  std::vector<Evidence> found, missing;
};
EvidenceVerdict judge_evidence(const std::vector<Evidence>& required, const EvidenceFacts& facts);

// The sentence appended to the prompt when the marker is required, and the
// search for its answer. The answer ("kp-done 1.2") never appears in the
// prompt itself, so the prompt's echo cannot satisfy it.
std::string marker_instruction(std::string_view task_id);
bool marker_in_scrollback(std::string_view scrollback, std::string_view task_id);

// Whether task `task_id` is ticked ([x]) in that tasks.md; false when the file
// or the task is missing.
bool task_ticked_in(const std::filesystem::path& tasks_md, const std::string& task_id);

// Commits on `branch` that `target_branch` lacks, or uncommitted changes in
// the worktree to paths other than `tasks_md_rel`.
bool worktree_has_work(const std::filesystem::path& repo_root, const std::filesystem::path& worktree,
                       const std::string& branch, const std::string& target_branch,
                       const std::string& tasks_md_rel);

}  // namespace kp
