#include "common/settings.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/notify.hpp"
#include "common/run_summary.hpp"

namespace kp {

namespace {

using json = nlohmann::json;

[[noreturn]] void bad(const std::string& path, const std::string& key, const std::string& what) {
  throw UsageError(fmt::format("{}: \"{}\" {}", path, key, what));
}

void read_int(const json& j, const char* key, int& out, int min, int max, const std::string& path) {
  if (!j.contains(key)) return;
  const json& v = j[key];
  if (!v.is_number_integer() || v.get<long long>() < min || v.get<long long>() > max) {
    bad(path, key, fmt::format("must be a whole number from {} to {}", min, max));
  }
  out = v.get<int>();
}

void read_string(const json& j, const char* key, std::string& out, const std::string& path) {
  if (!j.contains(key)) return;
  if (!j[key].is_string()) bad(path, key, "must be a string");
  out = j[key].get<std::string>();
}

void read_bool(const json& j, const char* key, bool& out, const std::string& path) {
  if (!j.contains(key)) return;
  if (!j[key].is_boolean()) bad(path, key, "must be true or false");
  out = j[key].get<bool>();
}

}  // namespace

Settings parse_settings(const std::string& text, const std::string& path) {
  Settings s;
  s.path = path;
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw UsageError(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
  if (!j.is_object()) throw UsageError(fmt::format("{}: must hold a JSON object", path));
  if (j.contains("max_parallel") && j["max_parallel"] == "auto") s.max_parallel_auto = true;
  else read_int(j, "max_parallel", s.max_parallel, 1, 256, path);
  read_int(j, "poll_interval_ms", s.poll_interval_ms, 20, 60000, path);
  if (j.contains("max_starting") && j["max_starting"] != "auto") {
    const json& v = j["max_starting"];
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 256)
      bad(path, "max_starting", "must be \"auto\" or a whole number from 1 to 256");
    s.max_starting = v.get<int>();
  }
  read_int(j, "task_timeout_minutes", s.task_timeout_minutes, 1, 7 * 24 * 60, path);
  read_int(j, "run_timeout_minutes", s.run_timeout_minutes, 0, 30 * 24 * 60, path);
  read_int(j, "retries", s.retries, 0, 100, path);
  read_int(j, "stuck_after_seconds", s.stuck_after_seconds, 10, 7 * 24 * 3600, path);
  read_string(j, "target_branch", s.target_branch, path);
  read_string(j, "worktree_root", s.worktree_root, path);
  read_string(j, "tmux_socket", s.tmux_socket, path);
  read_string(j, "order", s.order, path);
  if (s.order != "auto" && s.order != "majors" && s.order != "strict")
    bad(path, "order", "must be \"auto\", \"majors\" or \"strict\"");
  read_bool(j, "serialize_same_boundary", s.serialize_same_boundary, path);
  read_bool(j, "skip_optional", s.skip_optional, path);
  read_bool(j, "merge", s.merge, path);
  read_bool(j, "enter_while_attached", s.enter_while_attached, path);
  read_string(j, "commit_message", s.commit_message, path);
  read_string(j, "merge_message", s.merge_message, path);
  if (j.contains("agent")) {
    const json& agent = j["agent"];
    if (!agent.is_object()) bad(path, "agent", "must be an object");
    if (agent.contains("env")) {
      if (!agent["env"].is_object()) bad(path, "agent.env", "must be an object of strings");
      for (const auto& [k, v] : agent["env"].items()) {
        if (!v.is_string()) bad(path, "agent.env." + k, "must be a string");
        s.agent_env.emplace_back(k, v.get<std::string>());
      }
    }
  }
  s.approve = parse_approval_settings(j, path);
  run_price(j, path);
  parse_notify_settings(j, path);  // "prices" and "price_model": a bad table is reported now, not at the end of a run
  s.raw = std::move(j);
  return s;
}

Settings load_settings(const SpecPaths& paths) {
  Settings s;
  s.path = paths.settings_json.string();
  if (auto text = read_file(paths.settings_json)) s = parse_settings(*text, paths.settings_json.string());
  if (const char* sock = std::getenv("KIRO_PARALLEL_TMUX_SOCKET"); sock && *sock) s.tmux_socket = sock;
  return s;
}

std::string render_template(std::string_view tmpl, std::string_view spec, std::string_view task,
                            std::string_view title) {
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl.compare(i, 6, "{spec}") == 0) {
      out += spec;
      i += 6;
    } else if (tmpl.compare(i, 6, "{task}") == 0) {
      out += task;
      i += 6;
    } else if (tmpl.compare(i, 7, "{title}") == 0) {
      out += title;
      i += 7;
    } else {
      out += tmpl[i++];
    }
  }
  return out;
}

}  // namespace kp
