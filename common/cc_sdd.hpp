// What cc-sdd installed in a repository, and so which prompt a task gets.
// cc-sdd 3 writes skills (`/kiro-impl <spec> <task>`; codex `$kiro-impl`),
// older releases and its deprecated flags write commands (`/kiro:spec-impl`).
// The agent answers "Unknown command" to one that is not installed, so the
// default prompt follows the files found, per agent (../shared/real-agents.md).
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kp {

// One way cc-sdd installs the implementation command for an agent.
struct ImplLayout {
  std::string path;             // relative to the checkout: ".claude/skills/kiro-impl/SKILL.md"
  std::string prompt_template;  // "/kiro-impl {spec} {task}"
  std::string kind;             // "cc-sdd skill" or "cc-sdd command"
};

// The layouts an agent reads, most preferred first, and the cc-sdd command
// that installs the first one. Empty for agents cc-sdd has no flavour of.
struct ImplFlavour {
  std::string agent;  // "claude", "codex", "gemini", "qwen"
  std::vector<ImplLayout> layouts;
  std::string install_hint;  // "npx cc-sdd@latest --claude-skills"
};
std::optional<ImplFlavour> impl_flavour(std::string_view agent);

// The checkouts to look in: `repo_root` itself and, when it is a linked
// worktree (its .git is a "gitdir:" file), the main checkout, which holds the
// files even when the worktree's branch does not.
std::vector<std::filesystem::path> checkouts_to_search(const std::filesystem::path& repo_root);

// The first layout of `flavour` present in one of `roots`, with the file found.
struct FoundLayout {
  ImplLayout layout;
  std::filesystem::path file;
};
std::optional<FoundLayout> find_layout(const std::vector<std::filesystem::path>& roots, const ImplFlavour& flavour);

// The prompt a run sends, and why.
struct PromptChoice {
  std::string prompt_template;  // with {spec} and {task}; the lead appends to it
  std::string source;           // "cc-sdd skill .claude/skills/kiro-impl/SKILL.md", "setting agent.prompt", ...
  std::string found;            // the file found, empty when none
  std::string found_relative;   // the same, relative to its checkout (".claude/skills/kiro-impl/SKILL.md")
  std::string install_hint;     // what to run when the command is missing
  bool missing = false;         // run must refuse: the command is not installed and no prompt is set
  std::string refusal;          // why, and what to run or set (when missing)
};

// `agent.prompt`, or the prompt of the profile's entry in "profiles", when the
// settings set one: a person's prompt wins over detection.
std::optional<std::string> settings_prompt(const nlohmann::json& settings, std::string_view profile_name);

// Chooses the prompt for profile `profile_name`. A person's prompt wins. A
// profile cc-sdd has a flavour for gets the first layout found, and is
// refused when none is. Any other profile (custom, aider, one of the
// settings) keeps `profile_template`, refused only when that names a kiro
// command that is not installed.
PromptChoice choose_prompt(const std::filesystem::path& repo_root, std::string_view profile_name,
                           const std::string& profile_template, const std::optional<std::string>& user_prompt);

}  // namespace kp
