#include "common/task_phase.hpp"

#include <array>

namespace kp {

namespace {

struct PhaseName {
  Phase phase;
  std::string_view key;   // phase_kind in the state's JSON
  std::string_view text;  // how the phase's text begins
};

constexpr std::array<PhaseName, 20> kPhases = {{
    {Phase::none, "none", ""},
    {Phase::claimed, "claimed", "claimed"},
    {Phase::resuming, "resuming", "resuming"},
    {Phase::adopted, "adopted", "adopted by recover"},
    {Phase::creating_worktree, "creating_worktree", "creating worktree"},
    {Phase::starting_agent, "starting_agent", "starting agent"},
    {Phase::prompt_sent, "prompt_sent", "prompt sent"},
    {Phase::agent_busy, "agent_busy", "agent busy"},
    {Phase::agent_working, "agent_working", "agent working"},
    {Phase::waiting, "waiting", "waiting"},
    {Phase::needs_input, "needs_input", "needs input"},
    {Phase::needs_choice, "needs_choice", "needs choice"},
    {Phase::answered, "answered", "answered a prompt"},
    {Phase::refused, "refused", "refused a prompt"},
    {Phase::possibly_stuck, "possibly_stuck", "possibly stuck"},
    {Phase::retrying, "retrying", "retrying"},
    {Phase::committing, "committing", "committing"},
    {Phase::merging, "merging", "merging"},
    {Phase::merge_held, "merge_held", "merge held"},
    {Phase::other, "other", ""},
}};

constexpr std::string_view kResuming = "resuming (was: ";

const PhaseName& entry(Phase phase) { return kPhases[static_cast<size_t>(phase)]; }

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

std::string_view phase_key(Phase phase) { return entry(phase).key; }

std::optional<Phase> phase_from_key(std::string_view key) {
  for (const auto& p : kPhases) {
    if (p.key == key) return p.phase;
  }
  return std::nullopt;
}

std::string phase_text(Phase phase, std::string_view detail) {
  switch (phase) {
    case Phase::none: return "";
    case Phase::other: return std::string(detail);
    case Phase::resuming: return std::string(kResuming) + std::string(detail) + ")";
    case Phase::retrying: return "retrying " + std::string(detail);  // "retrying in 5 s after: …"
    default: break;
  }
  std::string text(entry(phase).text);
  if (!detail.empty()) text += ": " + std::string(detail);
  return text;
}

Phase phase_of_text(std::string_view text) {
  if (text.empty()) return Phase::none;
  if (starts_with(text, kResuming)) return Phase::resuming;
  for (const auto& p : kPhases) {
    if (p.text.empty() || !starts_with(text, p.text)) continue;
    std::string_view rest = text.substr(p.text.size());
    if (rest.empty() || starts_with(rest, ": ") || (p.phase == Phase::retrying && starts_with(rest, " "))) {
      return p.phase;
    }
  }
  return Phase::other;
}

std::string phase_detail_of_text(std::string_view text) {
  const Phase phase = phase_of_text(text);
  switch (phase) {
    case Phase::none: return "";
    case Phase::other: return std::string(text);
    case Phase::resuming: {
      std::string_view inner = text.substr(kResuming.size());
      if (!inner.empty() && inner.back() == ')') inner.remove_suffix(1);
      return std::string(inner);
    }
    default: break;
  }
  std::string_view rest = text.substr(entry(phase).text.size());
  if (starts_with(rest, ": ")) rest.remove_prefix(2);
  else if (starts_with(rest, " ")) rest.remove_prefix(1);
  return std::string(rest);
}

bool phase_past_agent(std::string_view text) {
  switch (phase_of_text(text)) {
    case Phase::committing:
    case Phase::merging:
    case Phase::merge_held: return true;
    case Phase::resuming: return phase_past_agent(phase_detail_of_text(text));
    default: return false;
  }
}

}  // namespace kp
