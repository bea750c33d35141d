#include "common/claude_transcript.hpp"

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

namespace kp {

namespace {

std::string text_of(const nlohmann::json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& block : content) {
    if (block.is_object() && block.value("type", "") == "text" && block.contains("text") && block["text"].is_string()) {
      if (!out.empty()) out += "\n";
      out += block["text"].get<std::string>();
    }
  }
  return out;
}

long long number(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<long long>() : 0;
}

}  // namespace

TranscriptSummary read_claude_transcript(const std::filesystem::path& path) {
  TranscriptSummary s;
  std::ifstream in(path);
  if (!in) return s;
  s.readable = true;
  // Claude Code writes one row per content block, each with its message's
  // usage: count each message id once (its last row).
  std::map<std::string, TokenUsage> usage_by_message;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("type", "") != "assistant") continue;
    const nlohmann::json& message = j.contains("message") ? j["message"] : nlohmann::json::object();
    if (!message.is_object()) continue;
    ++s.assistant_messages;
    // A message Claude Code made up for a failed request carries no real
    // usage (its numbers are zero), so summing every message is safe.
    if (message.contains("usage") && message["usage"].is_object()) {
      const auto& u = message["usage"];
      const std::string id = message.value("id", std::to_string(s.assistant_messages));
      usage_by_message[id] = TokenUsage{number(u, "input_tokens"), number(u, "output_tokens"),
                                        number(u, "cache_read_input_tokens"), number(u, "cache_creation_input_tokens")};
    }
    const std::string text = message.contains("content") ? text_of(message["content"]) : std::string();
    const bool error = (j.contains("isApiErrorMessage") && j["isApiErrorMessage"] == true) ||
                       text.rfind("API Error", 0) == 0;
    s.api_error = error;
    s.error_text = error ? text : std::string();
    if (!text.empty()) s.last_text = text;
  }
  for (const auto& [id, u] : usage_by_message) s.tokens += u;
  return s;
}

}  // namespace kp
