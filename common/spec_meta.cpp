#include "common/spec_meta.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"

namespace kp {

namespace {

using nlohmann::json;

std::string string_at(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return {};
  const json& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string() : v.dump();
}

std::optional<bool> bool_at(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return std::nullopt;
  const json& v = j[key];
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s == "true" || s == "yes") return true;
    if (s == "false" || s == "no") return false;
  }
  return std::nullopt;
}

std::optional<std::string> read_optional(const std::filesystem::path& path, std::vector<Diagnostic>& warnings) {
  try {
    return read_file(path);
  } catch (const std::exception& e) {
    warnings.push_back({0, fmt::format("{}: cannot read ({}); ignored", path.string(), e.what())});
    return std::nullopt;
  }
}

}  // namespace

SpecMeta parse_spec_json(std::string_view text, const std::string& path) {
  SpecMeta meta;
  meta.source = path;
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    meta.warnings.push_back({0, fmt::format("{}: not a JSON object; ignored", path)});
    return meta;
  }
  meta.feature_name = string_at(doc, "feature_name");
  meta.phase = string_at(doc, "phase");
  if (doc.contains("approvals") && doc["approvals"].is_object() && doc["approvals"].contains("tasks")) {
    const json& tasks = doc["approvals"]["tasks"];
    if (tasks.is_boolean()) {
      meta.tasks_approved = tasks.get<bool>();
    } else {
      meta.tasks_generated = bool_at(tasks, "generated");
      meta.tasks_approved = bool_at(tasks, "approved");
    }
  }
  if (meta.tasks_approved == false) {
    meta.warnings.push_back({0, fmt::format("{}: tasks are not approved yet (approvals.tasks.approved is false)", path)});
  }
  return meta;
}

SpecMeta parse_config_kiro(std::string_view text, const std::string& path) {
  SpecMeta meta;
  meta.source = path;
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return meta;  // Kiro's own file: not ours to judge
  meta.kiro_spec_id = string_at(doc, "specId");
  meta.workflow_type = string_at(doc, "workflowType");
  meta.feature_name = string_at(doc, "featureName");
  return meta;
}

SpecMeta load_spec_meta(const SpecPaths& paths) {
  std::vector<Diagnostic> warnings;
  if (auto text = read_optional(paths.spec_json, warnings)) return parse_spec_json(*text, paths.spec_json.string());
  if (auto text = read_optional(paths.config_kiro, warnings)) {
    SpecMeta meta = parse_config_kiro(*text, paths.config_kiro.string());
    meta.warnings.insert(meta.warnings.begin(), warnings.begin(), warnings.end());
    return meta;
  }
  SpecMeta meta;
  meta.warnings = std::move(warnings);
  return meta;
}

}  // namespace kp
