#include "common/tasks_md_waves.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "common/task_id.hpp"
#include "common/tasks_md_lines.hpp"

namespace kp::tasks_md {

namespace {

// Wraps every bare number in quotes so that 1.10 is not read as the double 1.1.
std::string quote_numbers(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < s.size()) out += s[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
    } else if ((c >= '0' && c <= '9') || c == '-') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.' || s[j] == '-' || s[j] == '+')) ++j;
      out += '"';
      out.append(s.substr(i, j - i));
      out += '"';
      i = j - 1;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> task_of(const nlohmann::json& j) {
  if (j.is_string()) {
    std::string s(trim(j.get<std::string>()));
    if (lower_ascii(s).rfind("task", 0) == 0) s = std::string(trim(std::string_view(s).substr(4)));
    while (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  if (j.is_object()) {
    for (const char* key : {"id", "task", "task_id"}) {
      if (j.contains(key)) return task_of(j[key]);
    }
  }
  return std::nullopt;
}

std::optional<int> number_of(const nlohmann::json& j) {
  if (!j.is_string()) return std::nullopt;
  const std::string& s = j.get_ref<const std::string&>();
  try {
    size_t used = 0;
    int n = std::stoi(s, &used);
    if (used == s.size()) return n;
  } catch (...) {
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<WaveHint>> parse_waves_json(std::string_view json_text, std::string& error) {
  auto doc = nlohmann::json::parse(quote_numbers(json_text), nullptr, false);
  if (doc.is_discarded()) {
    error = "invalid JSON";
    return std::nullopt;
  }
  const nlohmann::json* list = nullptr;
  if (doc.is_object()) {
    for (const char* key : {"waves", "Waves", "wave"}) {
      if (doc.contains(key) && doc[key].is_array()) list = &doc[key];
    }
  } else if (doc.is_array()) {
    list = &doc;
  }
  if (!list) {
    error = "no \"waves\" array";
    return std::nullopt;
  }
  std::vector<WaveHint> waves;
  int position = 0;
  for (const auto& w : *list) {
    WaveHint hint;
    hint.number = position++;
    const nlohmann::json* tasks = nullptr;
    if (w.is_array()) {
      tasks = &w;
    } else if (w.is_object()) {
      for (const char* key : {"id", "wave", "number", "index", "level"}) {
        if (w.contains(key)) {
          if (auto n = number_of(w[key])) {
            hint.number = *n;
            break;
          }
        }
      }
      for (const char* key : {"tasks", "task_ids", "items"}) {
        if (w.contains(key) && w[key].is_array()) tasks = &w[key];
      }
    }
    if (!tasks) continue;
    for (const auto& t : *tasks) {
      if (auto id = task_of(t)) hint.tasks.push_back(*id);
    }
    waves.push_back(std::move(hint));
  }
  if (waves.empty()) {
    error = "the waves list is empty";
    return std::nullopt;
  }
  std::stable_sort(waves.begin(), waves.end(), [](const WaveHint& a, const WaveHint& b) { return a.number < b.number; });
  return waves;
}

}  // namespace kp::tasks_md
