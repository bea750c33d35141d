// Agent profiles: how to start a coding agent, what to tell it, and how its
// screen looks (input prompt, work in progress, safe prompts, choices only a
// person may make, the look of a quit agent). Built in for claude (default),
// codex, gemini, aider and custom; overridable and extendable from
// .kiro/settings/parallel.json.
#pragma once
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/agent_system_settings.hpp"

namespace kp {

// One compiled pattern. Patterns are ECMAScript regexes matched against one
// screen line (ANSI stripped, box borders removed, no-break spaces made
// spaces). A leading "(?i)" makes one case-insensitive. std::regex works on
// bytes: write non-ASCII alternatives as (?:❯|›), never inside [...].
struct CompiledPattern {
  std::string source;
  std::regex regex;
  bool anchored = false;  // starts with '^': tried only at the line start (fast)
  bool icase = false;
  // Text every match must contain (from the pattern's top level), checked
  // with a plain search before the slow regex; empty when none is known.
  std::string literal;
};

// True when `pattern` matches somewhere in `line` (at its start when anchored).
bool pattern_matches(const CompiledPattern& pattern, const std::string& line, std::smatch* match = nullptr);

// Every pattern list of a profile, compiled once (see compile_profile).
struct CompiledPatterns {
  std::vector<CompiledPattern> input_prompt, input_placeholder, busy, menu_cursor,
      safe_options, danger_options, danger_context, safe_prompts, choice_prompts, dialog_hints,
      exited, shell_prompt, completion, idle, error, error_transient, answered_options;
};

enum class AgentHooks { none, claude_flag, qwen_system_settings };

struct AgentProfile {
  std::string name;
  std::vector<std::string> command;  // argv that starts the agent
  std::string prompt_template;       // with {spec} and {task}

  // Pattern lists; the classifier reads them only in the places a person looks.
  // The agent's input line; capture group 1 is the text typed in it.
  std::vector<std::string> input_prompt;
  // Input-line text that is a dim hint, not typing (Claude's 'Try "..."').
  std::vector<std::string> input_placeholder;
  // Work in progress: counted only on the lines just above the input prompt
  // (the spinner line) and below it (the footer), or the last lines.
  std::vector<std::string> busy;
  // A menu line with the cursor on it; group 1 = option number (may not
  // participate), group 2 = option text.
  std::vector<std::string> menu_cursor;
  // Option text under the cursor that Enter may accept / must never accept.
  std::vector<std::string> safe_options;
  std::vector<std::string> danger_options;
  // Dialog text that makes Enter unsafe whatever the cursor is on.
  std::vector<std::string> danger_context;
  // Prompts on the last lines: Enter accepts a safe default ([Y/n], Press
  // Enter to continue) / a person must answer ([y/N], a typed code).
  std::vector<std::string> safe_prompts;
  std::vector<std::string> choice_prompts;
  // Footers of an open dialog or picker ("Esc to cancel", "to navigate").
  std::vector<std::string> dialog_hints;
  // The agent has quit: goodbye text, resume hints (below the input prompt or
  // on the last lines); a shell prompt (only as the very last line).
  std::vector<std::string> exited;
  std::vector<std::string> shell_prompt;
  // Work finished ("Worked for 1m 3s") and idle footers ("? for shortcuts").
  std::vector<std::string> completion;
  std::vector<std::string> idle;
  // The agent's turn ended in an error ("API Error: 400", "Unknown command:",
  // "Not logged in"), read between the last echo of a prompt and the input
  // line, or in the footer. `error_transient` marks the ones worth a retry
  // (overload, rate limit, 5xx after the agent's own retries).
  std::vector<std::string> error;
  std::vector<std::string> error_transient;
  // An option under the cursor that shows it was just chosen (the dialog's
  // redraw right after an Enter): never Enter it again.
  std::vector<std::string> answered_options;

  // Layout of the input prompt.
  bool prompt_between_rules = false;  // Claude: a horizontal rule right above it, one below
  int max_lines_below_prompt = 4;     // non-blank lines (rules, footers) under the input line
  int live_lines_above_prompt = 2;    // non-rule lines above it where a spinner counts
  // Codex draws no spinner while a turn's first words stream: a prompt echo
  // with no completion line after it is an open turn (busy).
  bool open_turn_is_busy = false;
  // How long a ready screen must stay ready (no dialog drawn over it) before
  // the task prompt is typed: codex draws its composer before its trust
  // dialog; gemini queues (and sometimes loses) prompts while initializing.
  int ready_settle_ms = 300;
  // A pause between the typed prompt showing and Enter: an Enter right after
  // the text becomes a newline in codex and is dropped by gemini.
  int enter_delay_ms = 0;
  // How the agent's own hooks report its turns (Stop, prompt submitted) to
  // kiro-parallel: Claude Code's --settings flag, or hooks merged into the
  // agent's system settings file (qwen, in Claude's format).
  AgentHooks hooks = AgentHooks::none;
  // Settings the agent must run with, through its system settings file.
  SystemSettingsOverlay system_settings;

  // Built by compile_profile; shared by copies of the profile.
  std::shared_ptr<const CompiledPatterns> compiled;
};

// The pattern-list keys, in the order of AgentProfile (for settings and errors).
const std::vector<std::string>& profile_pattern_keys();

// Compiles every pattern list into profile.compiled. UsageError naming
// `where` (e.g. "parallel.json: profiles.x.busy") and the pattern on an
// invalid regex.
void compile_profile(AgentProfile& profile, const std::string& where = "profile");

// The built-in profile `name`, nullptr if unknown; its patterns compiled
// (once per process) unless `patterns` is Patterns::as_text.
enum class Patterns { compiled, as_text };
const AgentProfile* builtin_profile(std::string_view name, Patterns patterns = Patterns::compiled);
std::vector<std::string> builtin_profile_names();

// The effective profile from the settings JSON (the whole parsed
// .kiro/settings/parallel.json, or an empty object):
//   "agent": {"profile": NAME, "command": [argv...], "prompt": "... {spec} {task}"}
//   "profiles": {NAME: {"extends": BASE, "command": [...], "prompt": "...",
//                       PATTERN_KEY: [...] | {"replace": [...]}, ...}}
//   "classifier": {PATTERN_KEY: [...] | {"replace": [...]}}
// A list adds patterns to the base profile's list; {"replace": [...]} replaces
// it. A profile in "profiles" with a built-in name changes that profile; a new
// name extends "custom" unless "extends" says otherwise. "classifier" applies
// last, to the effective profile. `profile_override` (a command-line flag)
// wins over agent.profile. UsageError naming settings_path and the key on a bad
// value (not a string list, invalid regex, unknown profile or key).
// Patterns::as_text leaves the profile's patterns uncompiled (those the
// settings add are still checked as they are read): for a command that only
// shows the profile's name, command and prompt (analyze; measured
// 2026-12-01: compiling the claude profile's 66 patterns took ~18 M
// instructions, a fifth of analyze's time on a spec of 1,000 tasks).
AgentProfile resolve_profile(const nlohmann::json& settings, const std::string& settings_path,
                             const std::optional<std::string>& profile_override = std::nullopt,
                             Patterns patterns = Patterns::compiled);

// The prompt template with {spec} and {task} replaced.
std::string render_prompt(const AgentProfile& profile, std::string_view spec, std::string_view task);

}  // namespace kp
