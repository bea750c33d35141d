#include "common/spec_paths.hpp"

#include <fmt/format.h>

#include "common/error.hpp"

namespace kp {

namespace fs = std::filesystem;

void validate_spec_name(std::string_view spec) {
  if (spec.empty()) throw UsageError("spec name is empty");
  auto bad = [&](std::string_view why) {
    throw UsageError(fmt::format("bad spec name '{}': {}", spec, why));
  };
  if (spec.find('/') != std::string_view::npos || spec.find('\\') != std::string_view::npos)
    bad("it must be a folder name under .kiro/specs, without '/'");
  if (spec.find("..") != std::string_view::npos) bad("'..' is not allowed");
  if (spec.front() == '-' || spec.front() == '.') bad("it may not start with '-' or '.'");
  for (unsigned char c : spec) {
    if (c < 0x20 || c == 0x7f) bad("control characters are not allowed");
  }
}

SpecPaths SpecPaths::at(const fs::path& repo_root, std::string_view spec) {
  validate_spec_name(spec);
  SpecPaths p;
  p.spec = std::string(spec);
  p.repo_root = repo_root;
  p.spec_dir = repo_root / ".kiro" / "specs" / p.spec;
  p.tasks_md = p.spec_dir / "tasks.md";
  p.spec_json = p.spec_dir / "spec.json";
  p.config_kiro = p.spec_dir / ".config.kiro";
  p.settings_json = repo_root / ".kiro" / "settings" / "parallel.json";
  p.state_json = p.spec_dir / ".parallel_state.json";
  p.completed_json = p.spec_dir / ".completed_tasks.json";
  p.task_lock = p.spec_dir / ".task_lock";
  p.master_pid = p.spec_dir / ".master.pid";
  p.master_lock = p.spec_dir / ".master.lock";
  p.logs_dir = p.spec_dir / "logs";
  return p;
}

SpecPaths SpecPaths::resolve(const fs::path& dir, std::string_view spec) {
  validate_spec_name(spec);
  std::error_code ec;
  fs::path start = fs::absolute(dir, ec);
  if (ec || !fs::is_directory(start)) throw UsageError(fmt::format("{}: no such directory", dir.string()));
  start = fs::weakly_canonical(start, ec);
  // Walk up to the folder that holds .kiro/specs/<spec> (the repository root).
  for (fs::path d = start;; d = d.parent_path()) {
    if (fs::is_directory(d / ".kiro" / "specs" / std::string(spec))) return at(d, spec);
    if (fs::exists(d / ".git") || d == d.parent_path()) break;
  }
  throw UsageError(fmt::format("no spec '{}': {} does not exist", spec,
                               (start / ".kiro" / "specs" / std::string(spec)).string()));
}

fs::path SpecPaths::worker_pid(int id) const { return spec_dir / fmt::format(".worker-{}.pid", id); }
fs::path SpecPaths::worker_task(int id) const { return spec_dir / fmt::format(".worker-{}.task", id); }
fs::path SpecPaths::worker_lock(int id) const { return spec_dir / fmt::format(".worker-{}.lock", id); }
fs::path SpecPaths::worker_log(int id) const { return logs_dir / fmt::format("worker-{}.log", id); }
fs::path SpecPaths::master_log() const { return logs_dir / "master.log"; }
fs::path SpecPaths::task_latest_log(std::string_view id) const {
  return logs_dir / fmt::format("task-{}_latest.log", id);
}
fs::path SpecPaths::task_signals(std::string_view id) const {
  return logs_dir / fmt::format("task-{}.signals.jsonl", id);
}

std::string session_name(std::string_view spec, std::string_view task_id) {
  std::string s = fmt::format("{}-task-{}", spec, task_id);
  for (char& c : s) {
    if (c == '.' || c == ':') c = '-';
  }
  return s;
}

std::string branch_name(std::string_view spec, std::string_view task_id) {
  return fmt::format("task-{}-{}", spec, task_id);
}

fs::path default_worktree_path(const fs::path& repo_root, std::string_view spec, std::string_view task_id) {
  return repo_root.parent_path() / "worktrees" / std::string(spec) / fmt::format("task-{}", task_id);
}

}  // namespace kp
