// Writing JSON text by hand into a string (analyze --json writes 100,000
// tasks this way: see cmd_analyze.cpp for the measured reason).
#pragma once
#include <span>
#include <string>
#include <string_view>

namespace kp::json_text {

// A JSON string: escapes, and U+FFFD for bytes that are not UTF-8.
void append_string(std::string& out, std::string_view s);
// A task id: letters, digits, dots and hyphens by construction (the parser
// keeps no other id), so it is written as it is, with no escape scan.
void append_id(std::string& out, std::string_view id);
void append_ids(std::string& out, std::span<const std::string_view> ids);
void append_strings(std::string& out, std::span<const std::string_view> list);
void append_int(std::string& out, int value);

}  // namespace kp::json_text
