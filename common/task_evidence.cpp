#include "common/task_evidence.hpp"

#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/git_repo.hpp"
#include "common/git_worktree.hpp"
#include "common/tasks_md.hpp"

namespace kp {

namespace fs = std::filesystem;

std::string_view to_string(Evidence evidence) {
  switch (evidence) {
    case Evidence::signal: return "signal";
    case Evidence::checkbox: return "checkbox";
    case Evidence::marker: return "marker";
    case Evidence::work: return "work";
  }
  return "?";
}

std::optional<Evidence> evidence_from_string(std::string_view name) {
  for (Evidence e : {Evidence::signal, Evidence::checkbox, Evidence::marker, Evidence::work}) {
    if (to_string(e) == name) return e;
  }
  return std::nullopt;
}

std::vector<Evidence> completion_requirement(const nlohmann::json& settings, const std::string& settings_path,
                                             bool agent_has_signal) {
  const std::string where = settings_path + ": completion.require";
  nlohmann::json value = "auto";
  if (settings.is_object() && settings.contains("completion")) {
    const auto& completion = settings["completion"];
    if (!completion.is_object()) throw UsageError(settings_path + ": completion must be an object");
    if (completion.contains("require")) value = completion["require"];
  }
  if (value.is_string()) value = nlohmann::json::array({value});
  if (!value.is_array() || value.empty()) {
    throw UsageError(where + " must be \"auto\", one of signal, checkbox, marker, work, or a list of them");
  }
  std::vector<Evidence> out;
  for (const auto& v : value) {
    const std::string name = v.is_string() ? v.get<std::string>() : v.dump();
    if (name == "auto") {
      if (agent_has_signal) out.push_back(Evidence::signal);
      out.push_back(Evidence::checkbox);
      continue;
    }
    auto e = evidence_from_string(name);
    if (!e) throw UsageError(fmt::format("{}: unknown evidence '{}' (signal, checkbox, marker, work or auto)", where, name));
    if (*e == Evidence::signal && !agent_has_signal) {
      throw UsageError(where + ": 'signal' needs an agent that reports its turns (the claude profile running claude)");
    }
    out.push_back(*e);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string describe(const std::vector<Evidence>& kinds) {
  std::string out;
  for (Evidence e : kinds) out += (out.empty() ? "" : " + ") + std::string(to_string(e));
  return out.empty() ? "nothing" : out;
}

EvidenceVerdict judge_evidence(const std::vector<Evidence>& required, const EvidenceFacts& facts) {
  EvidenceVerdict v;
  auto has = [&](Evidence e) {
    switch (e) {
      case Evidence::signal: return facts.signal;
      case Evidence::checkbox: return facts.checkbox;
      case Evidence::marker: return facts.marker;
      case Evidence::work: return facts.work;
    }
    return false;
  };
  for (Evidence e : {Evidence::signal, Evidence::checkbox, Evidence::marker, Evidence::work}) {
    if (has(e)) v.found.push_back(e);
  }
  for (Evidence e : required) {
    if (!has(e)) v.missing.push_back(e);
  }
  v.complete = !required.empty() && v.missing.empty();
  return v;
}

std::string marker_instruction(std::string_view task_id) {
  return fmt::format(
      " When task {} is finished, print one line with the word kp-done, a space and the task number.", task_id);
}

bool marker_in_scrollback(std::string_view scrollback, std::string_view task_id) {
  std::string escaped;
  for (char c : task_id) {
    if (!std::isalnum(static_cast<unsigned char>(c))) escaped += '\\';
    escaped += c;
  }
  const std::regex answer("(^|[^\\w-])kp-done:? +" + escaped + "(?![\\w.])", std::regex::ECMAScript);
  return std::regex_search(scrollback.begin(), scrollback.end(), answer);
}

bool task_ticked_in(const fs::path& tasks_md, const std::string& task_id) {
  std::error_code ec;
  if (!fs::is_regular_file(tasks_md, ec)) return false;
  try {
    TaskFile file = load_tasks_md(tasks_md);
    int i = file.find(task_id);
    return i >= 0 && file.tasks[static_cast<size_t>(i)].done();
  } catch (const std::exception&) {
    return false;
  }
}

bool worktree_has_work(const fs::path& repo_root, const fs::path& worktree, const std::string& branch,
                       const std::string& target_branch, const std::string& tasks_md_rel) {
  git::WorktreeStatus st = git::worktree_status(repo_root, worktree, branch, target_branch);
  if (!st.exists) return false;
  for (const auto& p : st.changed_paths) {
    if (p != tasks_md_rel) return true;
  }
  // Commits the target lacks (the branch was created at the target's tip).
  return !st.merged;
}

}  // namespace kp
