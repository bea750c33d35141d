// A running task's phase: a typed kind and a detail, and the text the state
// and `status` have always shown. The one place that reads a phase's text.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace kp {

// Where a running task has got to. The state keeps the phase's text (as
// `status --json` always showed it) next to its kind and detail.
enum class Phase {
  none, claimed, resuming, adopted, creating_worktree, starting_agent, prompt_sent, agent_busy, agent_working,
  waiting, needs_input, needs_choice, answered, refused, possibly_stuck, retrying, committing, merging, merge_held,
  other,
};
std::string_view phase_key(Phase phase);  // "agent_busy": the JSON phase_kind
std::optional<Phase> phase_from_key(std::string_view key);
// The text for a phase and its detail ("needs choice: refuse by rule: Bash rm").
std::string phase_text(Phase phase, std::string_view detail);
// The one reading of a phase's text (the monitor's words, older state files).
Phase phase_of_text(std::string_view text);
std::string phase_detail_of_text(std::string_view text);
// True once the agent is done and the commit or merge is under way (also
// inside "resuming (was: …)"): whoever picks the task up finishes the merge.
bool phase_past_agent(std::string_view text);

}  // namespace kp
