// .kiro/specs/<spec>/logs/events.jsonl: one JSON line per task transition,
// appended (never rewritten) under the spec's state lock and fsynced, so that
// `kiro-parallel events` and scripts can follow a run as it happens.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/spec_paths.hpp"

namespace kp {

struct JournalEvent {
  std::string ts;     // ISO 8601 UTC with milliseconds
  std::string event;  // claimed, started, prompt_delivered, needs_choice, approved, completed, failed, ...
  std::string task;
  int worker = -1;    // -1: none (null in JSON)
  int attempt = 0;
  std::string phase;  // the task's phase text after the transition ("" once it ended)
  std::string detail;
  std::string evidence;  // completed: what proved it
  std::string error;     // failed, conflict, merge_held: why
  // The task's recorded state after the change, as raw JSON (the run state's
  // whole snapshot for a run_state record): what rebuilds .parallel_state.json.
  // Written as "state"; not read back into the event (see common/run_state).
  std::string state;
};

// Records that carry state but are not transitions: `state` (a task's fields
// changed without a transition: tokens, session) and `run_state` (the whole
// state, written when a run begins or its configuration changes).
bool is_transition(const JournalEvent& event);

std::filesystem::path journal_path(const SpecPaths& paths);

// One JSON object without the newline; evidence and error only when set.
std::string journal_line(const JournalEvent& event);
// std::nullopt for a line that is not a journal event (a torn last line).
std::optional<JournalEvent> parse_journal_line(std::string_view line);

// Appends the events as whole lines in one write and fsyncs. The caller holds
// the StateLock.
void append_journal(const std::filesystem::path& path, const std::vector<JournalEvent>& events);

// Reads the whole lines after `offset` (bytes) and moves it past them; a last
// line without its newline is left for the next read. Only transitions.
std::vector<JournalEvent> read_journal_from(const std::filesystem::path& path, std::uintmax_t& offset);

std::string iso8601_utc_ms(double epoch_seconds);

}  // namespace kp
