// What kiro-parallel may approve for an agent without a person: the policy
// behind every permission prompt (read from the screen or from Claude Code's
// PreToolUse hook). Pure: it reads the file system only to resolve symlinks
// and ~user, and never runs anything.
//
//   Decision d = decide(request, context, settings);
//   approve -> press Enter / answer "allow"; refuse -> never approve: leave it
//   to a person (needs_choice) or, with on_refuse = reject, answer "No";
//   ask -> a person decides.
//
// Rules (mode policy, the default), first match wins:
//   - a request it cannot read (kind unknown, an unbalanced quote) -> ask;
//   - approve.deny patterns, then the built-in deny rules -> refuse;
//   - reads in the worktree or the temp folder -> approve, elsewhere -> ask;
//   - writes/edits in the worktree, approve.paths or the temp folder -> approve,
//     elsewhere -> refuse (key and start-up files are named as such);
//   - shell commands whose every simple command matches approve.allow -> approve;
//     naming a path outside the worktree and the temp folder -> ask; else approve;
//   - web fetches, MCP and other tools -> ask.
// Mode allowlist: shell commands approve only when approve.allow (plus the
// built-in read-only/build/test list) matches; the rest asks. Mode all:
// approve everything (the behaviour before this policy). Mode none: ask always.
#pragma once
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kp {

struct ToolRequest {
  enum Kind { shell, write, edit, read, fetch, mcp, other, unknown };
  Kind kind = unknown;
  std::string tool;     // as the agent names it: "Bash", "Write", "Shell", ...
  std::string command;  // shell: the command line
  std::string path;     // write/edit/read: the file as shown (may be relative, ~, $HOME)
  std::string raw;      // the text the request was read from (for logs)
};

std::string_view to_string(ToolRequest::Kind kind);

struct PolicyContext {
  std::filesystem::path worktree;                 // the agent's working folder
  std::filesystem::path home;                     // empty: $HOME
  std::vector<std::filesystem::path> extra_paths; // more folders writes may go to
  std::filesystem::path tmp = "/tmp";
};

// A user pattern, compiled once.
struct PolicyPattern {
  std::string source;
  std::regex regex;
};

struct ApprovalSettings {
  enum Mode { policy, allowlist, all, none };
  enum OnRefuse { ask_person, reject };
  Mode mode = policy;
  std::vector<PolicyPattern> allow;  // over each simple command of a shell request
  std::vector<PolicyPattern> deny;   // over the whole command and each simple command
  bool replace_allow = false;        // {"replace": [...]}: drop the built-in allow list
  bool replace_deny = false;         // {"replace": [...]}: drop the built-in deny rules
  std::vector<std::string> paths;    // more folders writes may go to (~ and $VAR allowed)
  OnRefuse on_refuse = ask_person;
};

std::string_view to_string(ApprovalSettings::Mode mode);

struct Decision {
  enum Verdict { approve, refuse, ask };
  Verdict verdict = ask;
  std::string rule;    // e.g. "git_push", "write_in_worktree", "deny:^make"
  std::string reason;  // one sentence for a person (and for the agent on a refusal)
};

std::string_view to_string(Decision::Verdict verdict);

Decision decide(const ToolRequest& request, const PolicyContext& context, const ApprovalSettings& settings);

// Reads `approve` from the whole settings JSON:
//   "approve": {"mode": "policy"|"allowlist"|"all"|"none",
//               "allow": [REGEX...] | {"replace": [...]}, "deny": [...] | {"replace": [...]},
//               "paths": [DIR...], "on_refuse": "ask"|"reject"}
// UsageError naming `path` and the key (e.g. "approve.deny[2]") on a bad value.
ApprovalSettings parse_approval_settings(const nlohmann::json& settings, const std::string& path);

// "policy", "allowlist", "all", "none" -> the mode; UsageError naming `where` otherwise.
ApprovalSettings::Mode approval_mode_from_string(const std::string& name, const std::string& where);

}  // namespace kp
