// Kiro's "## Task Dependency Graph" block: {"waves":[{"id":0,"tasks":["1.1"]}]}
// and the hand-edited variants ("wave" instead of "id", numbers for ids,
// extra fields, a bare array of waves or of task lists).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/tasks_md.hpp"

namespace kp::tasks_md {

// The waves in the JSON text, sorted by number; std::nullopt (with `error`
// set) when it is not JSON or holds no waves. Numbers are read as written, so
// a task id 1.10 written as a bare number stays "1.10".
std::optional<std::vector<WaveHint>> parse_waves_json(std::string_view json_text, std::string& error);

}  // namespace kp::tasks_md
