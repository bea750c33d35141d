#include "common/agent_profile.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "common/error.hpp"

namespace kp {

namespace {

struct PatternField {
  const char* key;
  std::vector<std::string> AgentProfile::*list;
  std::vector<CompiledPattern> CompiledPatterns::*compiled;
};

const std::vector<PatternField>& pattern_fields() {
  static const std::vector<PatternField> fields = {
      {"input_prompt", &AgentProfile::input_prompt, &CompiledPatterns::input_prompt},
      {"input_placeholder", &AgentProfile::input_placeholder, &CompiledPatterns::input_placeholder},
      {"busy", &AgentProfile::busy, &CompiledPatterns::busy},
      {"menu_cursor", &AgentProfile::menu_cursor, &CompiledPatterns::menu_cursor},
      {"safe_options", &AgentProfile::safe_options, &CompiledPatterns::safe_options},
      {"danger_options", &AgentProfile::danger_options, &CompiledPatterns::danger_options},
      {"danger_context", &AgentProfile::danger_context, &CompiledPatterns::danger_context},
      {"safe_prompts", &AgentProfile::safe_prompts, &CompiledPatterns::safe_prompts},
      {"choice_prompts", &AgentProfile::choice_prompts, &CompiledPatterns::choice_prompts},
      {"dialog_hints", &AgentProfile::dialog_hints, &CompiledPatterns::dialog_hints},
      {"exited", &AgentProfile::exited, &CompiledPatterns::exited},
      {"shell_prompt", &AgentProfile::shell_prompt, &CompiledPatterns::shell_prompt},
      {"completion", &AgentProfile::completion, &CompiledPatterns::completion},
      {"idle", &AgentProfile::idle, &CompiledPatterns::idle},
      {"error", &AgentProfile::error, &CompiledPatterns::error},
      {"error_transient", &AgentProfile::error_transient, &CompiledPatterns::error_transient},
      {"answered_options", &AgentProfile::answered_options, &CompiledPatterns::answered_options},
  };
  return fields;
}

const PatternField* find_pattern_field(const std::string& key) {
  for (const auto& f : pattern_fields()) {
    if (key == f.key) return &f;
  }
  return nullptr;
}

bool is_regex_punct(char c) { return std::ispunct(static_cast<unsigned char>(c)) != 0; }

// "a|b" outside any group: neither the anchor nor any literal is required.
bool has_top_level_alternative(const std::string& body) {
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return true;
    }
  }
  return false;
}

// The longest run of plain characters at the top level of a regex: every
// match contains it. "" when the pattern has a top-level alternative.
std::string required_literal(const std::string& body) {
  if (has_top_level_alternative(body)) return "";
  int depth = 0;
  bool in_class = false;
  std::string best, run;
  const auto flush = [&] {
    if (run.size() > best.size()) best = run;
    run.clear();
  };
  const auto quantified = [&](size_t next) {
    return next < body.size() && (body[next] == '?' || body[next] == '*' || body[next] == '{');
  };
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_class) {
      if (c == '\\') ++i;
      else if (c == ']') in_class = false;
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= body.size()) break;
      const char escaped = body[++i];
      if (depth == 0 && is_regex_punct(escaped) && !quantified(i + 1)) {
        run += escaped;
      } else {
        flush();
      }
      continue;
    }
    if (c == '[') {
      in_class = true;
      flush();
    } else if (c == '(') {
      ++depth;
      flush();
    } else if (c == ')') {
      --depth;
      flush();
    } else if (depth > 0) {
      continue;
    } else if (c == '?' || c == '*' || c == '{') {  // the character before is optional
      if (!run.empty()) run.pop_back();
      flush();
      if (c == '{') {
        while (i < body.size() && body[i] != '}') ++i;
      }
    } else if (c == '.' || c == '^' || c == '$' || c == '+') {
      flush();
    } else {
      run += c;
    }
  }
  flush();
  return best;
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

CompiledPattern compile_pattern(const std::string& source, const std::string& where) {
  std::string body = source;
  auto flags = std::regex::ECMAScript | std::regex::optimize;
  if (body.rfind("(?i)", 0) == 0) {
    body = body.substr(4);
    flags |= std::regex::icase;
  }
  try {
    CompiledPattern p{source, std::regex(body, flags),
                      !body.empty() && body[0] == '^' && !has_top_level_alternative(body), false, ""};
    p.icase = (flags & std::regex::icase) != 0;
    p.literal = required_literal(body);
    if (p.icase) std::transform(p.literal.begin(), p.literal.end(), p.literal.begin(), ascii_lower);
    return p;
  } catch (const std::regex_error& e) {
    throw UsageError(fmt::format("{}: invalid pattern '{}': {}", where, source, e.what()));
  }
}

std::vector<std::string> string_list(const nlohmann::json& value, const std::string& where) {
  if (!value.is_array()) throw UsageError(fmt::format("{}: expected a list of strings", where));
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string()) throw UsageError(fmt::format("{}: expected a list of strings", where));
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string string_value(const nlohmann::json& value, const std::string& where) {
  if (!value.is_string()) throw UsageError(fmt::format("{}: expected a string", where));
  return value.get<std::string>();
}

// A pattern list in settings: a list adds to the base, {"replace": [...]} replaces it.
// Each pattern is checked here so that an error names the settings key.
void apply_pattern_list(std::vector<std::string>& target, const nlohmann::json& value,
                        const std::string& where) {
  const bool replace = value.is_object();
  if (replace && (value.size() != 1 || !value.contains("replace"))) {
    throw UsageError(fmt::format("{}: expected a list of strings or {{\"replace\": [...]}}", where));
  }
  auto patterns = replace ? string_list(value["replace"], where + ".replace") : string_list(value, where);
  for (const auto& p : patterns) compile_pattern(p, where);
  if (replace) target.clear();
  for (auto& p : patterns) target.push_back(std::move(p));
}

int int_value(const nlohmann::json& value, int min, int max, const std::string& where) {
  if (!value.is_number_integer() || value.get<long>() < min || value.get<long>() > max) {
    throw UsageError(fmt::format("{}: expected a whole number from {} to {}", where, min, max));
  }
  return value.get<int>();
}

// Applies pattern lists (and, when `allow_profile_keys`, command/prompt/layout
// keys) from `object` to `profile`.
void apply_object(AgentProfile& profile, const nlohmann::json& object, const std::string& where,
                  bool allow_profile_keys) {
  if (!object.is_object()) throw UsageError(fmt::format("{}: expected an object", where));
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string key = it.key();
    const std::string at = where + "." + key;
    if (const PatternField* f = find_pattern_field(key)) {
      apply_pattern_list(profile.*(f->list), it.value(), at);
      profile.compiled.reset();  // the patterns changed: resolve_profile compiles them again
    } else if (allow_profile_keys && key == "extends") {
      continue;  // handled by the caller
    } else if (allow_profile_keys && key == "command") {
      profile.command = string_list(it.value(), at);
    } else if (allow_profile_keys && key == "prompt") {
      profile.prompt_template = string_value(it.value(), at);
    } else if (key == "prompt_between_rules") {
      if (!it.value().is_boolean()) throw UsageError(fmt::format("{}: expected true or false", at));
      profile.prompt_between_rules = it.value().get<bool>();
    } else if (key == "max_lines_below_prompt") {
      profile.max_lines_below_prompt = int_value(it.value(), 0, 50, at);
    } else if (key == "live_lines_above_prompt") {
      profile.live_lines_above_prompt = int_value(it.value(), 0, 50, at);
    } else {
      std::string known;
      for (const auto& f : pattern_fields()) known += std::string(known.empty() ? "" : ", ") + f.key;
      throw UsageError(fmt::format("{}: unknown key (pattern lists: {})", at, known));
    }
  }
}

// The profile called `name`: a built-in one, or one defined in settings
// "profiles" (which may also change a built-in one). `depth` stops cycles.
AgentProfile named_profile(const nlohmann::json& profiles, const std::string& name,
                           const std::string& settings_path, int depth, Patterns patterns) {
  const std::string where = fmt::format("{}: profiles.{}", settings_path, name);
  if (depth > 8) throw UsageError(fmt::format("{}: \"extends\" goes round in a circle", where));
  const nlohmann::json* own = nullptr;
  if (profiles.is_object() && profiles.contains(name)) own = &profiles[name];
  const AgentProfile* builtin = builtin_profile(name, patterns);
  if (!own) {
    if (!builtin) {
      std::string names;
      for (const auto& n : builtin_profile_names()) names += (names.empty() ? "" : ", ") + n;
      throw UsageError(fmt::format("{}: unknown agent profile '{}' (built in: {}; or define it under "
                                   "\"profiles\")", settings_path, name, names));
    }
    return *builtin;
  }
  if (!own->is_object()) throw UsageError(fmt::format("{}: expected an object", where));
  AgentProfile profile;
  if (own->contains("extends")) {
    const std::string base = string_value((*own)["extends"], where + ".extends");
    if (base == name && !builtin) throw UsageError(fmt::format("{}.extends: extends itself", where));
    profile = base == name ? *builtin : named_profile(profiles, base, settings_path, depth + 1, patterns);
  } else {
    profile = builtin ? *builtin : *builtin_profile("custom", patterns);
  }
  profile.name = name;
  apply_object(profile, *own, where, true);
  return profile;
}

}  // namespace

bool pattern_matches(const CompiledPattern& pattern, const std::string& line, std::smatch* match) {
  if (!pattern.literal.empty()) {
    const auto& lit = pattern.literal;
    const bool found =
        pattern.icase
            ? std::search(line.begin(), line.end(), lit.begin(), lit.end(),
                          [](char a, char b) { return ascii_lower(a) == b; }) != line.end()
            : line.find(lit) != std::string::npos;
    if (!found) return false;
  }
  std::smatch local;
  const auto flags = pattern.anchored ? std::regex_constants::match_continuous
                                      : std::regex_constants::match_default;
  return std::regex_search(line, match ? *match : local, pattern.regex, flags);
}

const std::vector<std::string>& profile_pattern_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const auto& f : pattern_fields()) k.push_back(f.key);
    return k;
  }();
  return keys;
}

void compile_profile(AgentProfile& profile, const std::string& where) {
  auto compiled = std::make_shared<CompiledPatterns>();
  for (const auto& f : pattern_fields()) {
    auto& out = (*compiled).*(f.compiled);
    for (const auto& source : profile.*(f.list)) {
      out.push_back(compile_pattern(source, fmt::format("{}.{}", where, f.key)));
    }
  }
  profile.compiled = std::move(compiled);
}

AgentProfile resolve_profile(const nlohmann::json& settings, const std::string& settings_path,
                             const std::optional<std::string>& profile_override, Patterns patterns) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json& root = settings.is_null() ? kEmpty : settings;
  if (!root.is_object()) throw UsageError(fmt::format("{}: expected a JSON object", settings_path));
  const nlohmann::json& agent = root.contains("agent") ? root["agent"] : kEmpty;
  if (!agent.is_object()) throw UsageError(fmt::format("{}: agent: expected an object", settings_path));
  const nlohmann::json& profiles = root.contains("profiles") ? root["profiles"] : kEmpty;
  if (!profiles.is_object()) {
    throw UsageError(fmt::format("{}: profiles: expected an object", settings_path));
  }

  std::string name = "claude";
  if (agent.contains("profile")) {
    name = string_value(agent["profile"], settings_path + ": agent.profile");
  }
  if (profile_override) name = *profile_override;

  AgentProfile profile = named_profile(profiles, name, settings_path, 0, patterns);
  if (agent.contains("command")) {
    profile.command = string_list(agent["command"], settings_path + ": agent.command");
    if (profile.command.empty()) {
      throw UsageError(fmt::format("{}: agent.command: must name a program", settings_path));
    }
  }
  if (agent.contains("prompt")) {
    profile.prompt_template = string_value(agent["prompt"], settings_path + ": agent.prompt");
  }
  if (root.contains("classifier")) {
    apply_object(profile, root["classifier"], settings_path + ": classifier", false);
  }
  // A built-in profile's patterns are compiled once, when first asked for; only
  // patterns the settings changed need compiling here.
  if (patterns == Patterns::compiled && !profile.compiled)
    compile_profile(profile, fmt::format("{}: profile {}", settings_path, profile.name));
  return profile;
}

std::string render_prompt(const AgentProfile& profile, std::string_view spec, std::string_view task) {
  const std::string& t = profile.prompt_template;
  std::string out;
  out.reserve(t.size() + spec.size() + task.size());
  for (size_t i = 0; i < t.size();) {
    if (t.compare(i, 6, "{spec}") == 0) {
      out += spec;
      i += 6;
    } else if (t.compare(i, 6, "{task}") == 0) {
      out += task;
      i += 6;
    } else {
      out.push_back(t[i++]);
    }
  }
  return out;
}

}  // namespace kp
