// What a spec says about itself: cc-sdd's spec.json (feature_name, phase,
// approvals) or Kiro's .config.kiro. Both optional, both read leniently: a
// problem is a warning, never a refusal.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/spec_paths.hpp"
#include "common/tasks_md.hpp"

namespace kp {

struct SpecMeta {
  std::string source;  // the file read ("" when neither exists)
  std::string feature_name;
  std::string phase;
  std::optional<bool> tasks_generated;
  std::optional<bool> tasks_approved;
  std::string kiro_spec_id;   // .config.kiro specId
  std::string workflow_type;  // .config.kiro workflowType
  std::vector<Diagnostic> warnings;  // line 0: about the whole file
};

// cc-sdd spec.json text; `path` names it in warnings.
SpecMeta parse_spec_json(std::string_view text, const std::string& path);
// Kiro .config.kiro text (JSON; anything else is ignored).
SpecMeta parse_config_kiro(std::string_view text, const std::string& path);
// spec.json if present, else .config.kiro, else an empty SpecMeta.
SpecMeta load_spec_meta(const SpecPaths& paths);

}  // namespace kp
