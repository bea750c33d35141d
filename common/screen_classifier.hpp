// What a coding agent is doing, read from its tmux pane the way a person
// reads it: the input prompt and the lines around it, the last lines, the
// option under the menu cursor. Every answer names the rule and the line.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "common/agent_profile.hpp"

namespace kp {

// error: the turn ended in an error (API error, unknown command, not logged
// in); unsent: the prompt we typed still sits in the input line after Enter.
enum class ScreenClass { starting, ready, busy, needs_input, needs_choice, error, unsent, done, exited };

std::string_view to_string(ScreenClass cls);
std::optional<ScreenClass> screen_class_from_string(std::string_view name);

struct ClassifyContext {
  bool prompt_sent = false;  // the task prompt was sent: an idle prompt means done
  bool pane_dead = false;    // the pane's process has ended
  // The prompt that was typed (when known): text in the input line that
  // begins like it is `unsent`. Empty: any typed text after prompt_sent is.
  std::string prompt;
};

struct Classification {
  ScreenClass cls = ScreenClass::starting;
  std::string rule;  // which rule decided, e.g. "menu_cursor_safe"
  int line = 0;      // 1-based screen line that decided; 0 = none
  std::string text;  // that line's text
  bool transient = false;  // an error worth retrying (overload, rate limit, 5xx)
};

// Classifies a captured screen (ANSI is stripped here too). Only needs_input
// means "press Enter". An idle input prompt is `ready` before the prompt was
// sent and `done` after (unless the sent prompt still sits in it: `unsent`).
// `done` only says the agent is back at its prompt: it is no evidence that the
// task was done (see task_evidence.hpp).
Classification classify_screen(std::string_view screen, const AgentProfile& profile,
                               const ClassifyContext& context = {});

// The text typed in the agent's input line: "" for an empty line or a dim
// placeholder the profile knows, nullopt when no input prompt is visible.
std::optional<std::string> input_line_text(std::string_view screen, const AgentProfile& profile);

}  // namespace kp
