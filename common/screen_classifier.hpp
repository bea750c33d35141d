// What a coding agent is doing, read from its tmux pane the way a person
// reads it: the input prompt and the lines around it, the last lines, the
// option under the menu cursor. Every answer names the rule and the line.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "common/agent_profile.hpp"

namespace kp {

enum class ScreenClass { starting, ready, busy, needs_input, needs_choice, done, exited };

std::string_view to_string(ScreenClass cls);
std::optional<ScreenClass> screen_class_from_string(std::string_view name);

struct ClassifyContext {
  bool prompt_sent = false;  // the task prompt was sent: an idle prompt means done
  bool pane_dead = false;    // the pane's process has ended
};

struct Classification {
  ScreenClass cls = ScreenClass::starting;
  std::string rule;  // which rule decided, e.g. "menu_cursor_safe"
  int line = 0;      // 1-based screen line that decided; 0 = none
  std::string text;  // that line's text
};

// Classifies a captured screen (ANSI is stripped here too). Only needs_input
// means "press Enter". An idle input prompt is `ready` before the prompt was
// sent and `done` after, whatever is typed in it (see input_line_text).
Classification classify_screen(std::string_view screen, const AgentProfile& profile,
                               const ClassifyContext& context = {});

// The text typed in the agent's input line: "" for an empty line or a dim
// placeholder the profile knows, nullopt when no input prompt is visible.
std::optional<std::string> input_line_text(std::string_view screen, const AgentProfile& profile);

}  // namespace kp
