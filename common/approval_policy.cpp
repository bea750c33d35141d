#include "common/approval_policy.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/policy_paths.hpp"
#include "common/shell_policy.hpp"

namespace kp {

namespace {

using json = nlohmann::json;

Decision verdict(Decision::Verdict v, std::string rule, std::string reason) {
  return {v, std::move(rule), std::move(reason)};
}

std::string shown(const std::optional<std::filesystem::path>& resolved, const std::string& as_written) {
  return resolved ? resolved->string() : as_written;
}

Decision decide_file(const ToolRequest& request, const PolicyPlaces& places) {
  if (request.path.empty()) return verdict(Decision::ask, "unknown_path", "the prompt names no file");
  const auto resolved = resolve_policy_path(request.path, places.worktree, places);
  if (!resolved) {
    return verdict(Decision::ask, "unknown_path", "the path " + request.path + " cannot be resolved");
  }
  const std::string where = shown(resolved, request.path);
  const bool writes = request.kind == ToolRequest::write || request.kind == ToolRequest::edit;
  switch (place_of(*resolved, places)) {
    case PathPlace::credentials:
      return verdict(Decision::refuse, "credentials", where + " holds keys, tokens or credentials");
    case PathPlace::startup:
      if (writes) return verdict(Decision::refuse, "shell_startup_file", where + " is a shell start-up file");
      return verdict(Decision::ask, "read_outside_worktree", where + " is outside the worktree");
    case PathPlace::git_internal:
      if (writes) return verdict(Decision::refuse, "git_internals", where + " is inside the repository's .git");
      return verdict(Decision::approve, "read_in_worktree", where + " is in the worktree");
    case PathPlace::worktree:
      return verdict(Decision::approve, writes ? "write_in_worktree" : "read_in_worktree", where + " is in the worktree");
    case PathPlace::extra:
      return verdict(Decision::approve, writes ? "write_in_approved_path" : "read_in_approved_path",
                     where + " is in approve.paths");
    case PathPlace::tmp:
    case PathPlace::device:
      return verdict(Decision::approve, writes ? "write_in_tmp" : "read_in_tmp", where + " is in the temp folder");
    case PathPlace::outside:
      break;
  }
  if (writes) return verdict(Decision::refuse, "write_outside_worktree", where + " is outside the worktree");
  return verdict(Decision::ask, "read_outside_worktree", where + " is outside the worktree");
}

[[noreturn]] void bad(const std::string& path, const std::string& key, const std::string& what) {
  throw UsageError(fmt::format("{}: \"{}\" {}", path, key, what));
}

// A list of regexes, or {"replace": [...]}; returns true for replace.
bool read_patterns(const json& v, const std::string& key, std::vector<PolicyPattern>& out, const std::string& path) {
  const json* list = &v;
  bool replace = false;
  if (v.is_object()) {
    if (v.size() != 1 || !v.contains("replace")) bad(path, key, "must be a list of patterns or {\"replace\": [...]}");
    list = &v["replace"];
    replace = true;
  }
  if (!list->is_array()) bad(path, key, "must be a list of patterns or {\"replace\": [...]}");
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string where = fmt::format("{}{}[{}]", key, replace ? ".replace" : "", i);
    if (!(*list)[i].is_string()) bad(path, where, "must be a string (a regular expression)");
    const std::string source = (*list)[i].get<std::string>();
    try {
      out.push_back({source, std::regex(source, std::regex::ECMAScript)});
    } catch (const std::regex_error& e) {
      bad(path, where, fmt::format("is not a valid regular expression ({}): {}", e.what(), source));
    }
  }
  return replace;
}

}  // namespace

std::string_view to_string(ToolRequest::Kind kind) {
  static const char* const names[] = {"shell", "write", "edit", "read", "fetch", "mcp", "other", "unknown"};
  return names[kind];
}

std::string_view to_string(ApprovalSettings::Mode mode) {
  static const char* const names[] = {"policy", "allowlist", "all", "none"};
  return names[mode];
}

std::string_view to_string(Decision::Verdict v) {
  static const char* const names[] = {"approve", "refuse", "ask"};
  return names[v];
}

ApprovalSettings::Mode approval_mode_from_string(const std::string& name, const std::string& where) {
  if (name == "policy") return ApprovalSettings::policy;
  if (name == "allowlist") return ApprovalSettings::allowlist;
  if (name == "all") return ApprovalSettings::all;
  if (name == "none") return ApprovalSettings::none;
  throw UsageError(fmt::format("{}: unknown approval mode '{}' (policy, allowlist, all or none)", where, name));
}

Decision decide(const ToolRequest& request, const PolicyContext& context, const ApprovalSettings& settings) {
  if (settings.mode == ApprovalSettings::all) {
    return verdict(Decision::approve, "mode_all", "approve.mode is all: every safe-default prompt is approved");
  }
  if (settings.mode == ApprovalSettings::none) {
    return verdict(Decision::ask, "mode_none", "approve.mode is none: a person answers every prompt");
  }
  const PolicyPlaces places = resolve_places(context, settings);
  switch (request.kind) {
    case ToolRequest::shell:
      if (request.command.empty()) return verdict(Decision::ask, "unknown_command", "the prompt shows no command");
      return judge_shell_command(request.command, places, settings);
    case ToolRequest::write:
    case ToolRequest::edit:
    case ToolRequest::read:
      return decide_file(request, places);
    case ToolRequest::fetch:
      return verdict(Decision::ask, "web_fetch", "fetching from the network waits for a person");
    case ToolRequest::mcp:
      return verdict(Decision::ask, "mcp_tool", "the MCP tool " + request.tool + " waits for a person");
    case ToolRequest::other:
      return verdict(Decision::ask, "other_tool", "the tool " + request.tool + " waits for a person");
    case ToolRequest::unknown:
      break;
  }
  return verdict(Decision::ask, "unreadable_request", "the prompt's request could not be read");
}

ApprovalSettings parse_approval_settings(const json& settings, const std::string& path) {
  ApprovalSettings out;
  if (!settings.is_object() || !settings.contains("approve")) return out;
  const json& a = settings["approve"];
  if (!a.is_object()) bad(path, "approve", "must be an object");
  for (const auto& [key, value] : a.items()) {
    const std::string where = "approve." + key;
    if (key == "mode") {
      if (!value.is_string()) bad(path, where, "must be \"policy\", \"allowlist\", \"all\" or \"none\"");
      out.mode = approval_mode_from_string(value.get<std::string>(), fmt::format("{}: \"{}\"", path, where));
    } else if (key == "allow") {
      out.replace_allow = read_patterns(value, where, out.allow, path);
    } else if (key == "deny") {
      out.replace_deny = read_patterns(value, where, out.deny, path);
    } else if (key == "paths") {
      if (!value.is_array()) bad(path, where, "must be a list of folders");
      for (size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_string()) bad(path, fmt::format("{}[{}]", where, i), "must be a string");
        out.paths.push_back(value[i].get<std::string>());
      }
    } else if (key == "on_refuse") {
      if (!value.is_string() || (value != "ask" && value != "reject")) bad(path, where, "must be \"ask\" or \"reject\"");
      out.on_refuse = value == "reject" ? ApprovalSettings::reject : ApprovalSettings::ask_person;
    } else {
      bad(path, where, "is not a known key (mode, allow, deny, paths, on_refuse)");
    }
  }
  return out;
}

}  // namespace kp
