// Claude Code's session transcript (JSONL; the Stop hook names it): whether
// the last turn ended in an API error, its last words, and the tokens the
// session used.
#pragma once
#include <filesystem>
#include <string>

namespace kp {

struct TokenUsage {
  long long input = 0, output = 0, cache_read = 0, cache_creation = 0;
  long long total() const { return input + output + cache_read + cache_creation; }
  TokenUsage& operator+=(const TokenUsage& o) {
    input += o.input, output += o.output, cache_read += o.cache_read, cache_creation += o.cache_creation;
    return *this;
  }
};

struct TranscriptSummary {
  bool readable = false;
  bool api_error = false;     // the last assistant message is an API error
  std::string error_text;     // "API Error: 529 ..."
  std::string last_text;      // the last assistant text (the agent's own words)
  TokenUsage tokens;          // summed over every assistant message
  int assistant_messages = 0;
};

TranscriptSummary read_claude_transcript(const std::filesystem::path& path);

}  // namespace kp
