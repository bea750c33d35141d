#include "common/spec_sessions.hpp"

#include "common/agent_processes.hpp"
#include "common/spec_paths.hpp"

namespace kp {

std::string task_session_name(const std::string& spec, const TaskState& task) {
  return task.session.empty() ? session_name(spec, task.id) : task.session;
}

bool is_task_session(const SessionInfo& session, const std::filesystem::path& repo_root, const std::string& spec,
                     const TaskState& task) {
  if (session.name != task_session_name(spec, task)) return false;
  return session.owner.empty() || session.owner == task_mark(repo_root, spec, task.id);
}

std::vector<std::string> spec_sessions(const std::vector<SessionInfo>& all, const std::filesystem::path& repo_root,
                                       const std::string& spec, const RunState* state) {
  const std::string mark = spec_mark(repo_root, spec);
  std::vector<std::string> out;
  for (const auto& s : all) {
    bool ours = !s.owner.empty() && s.owner.compare(0, mark.size(), mark) == 0;
    if (!ours && s.owner.empty() && state) {
      for (const auto& t : state->tasks) ours = ours || is_task_session(s, repo_root, spec, t);
    }
    if (ours) out.push_back(s.name);
  }
  return out;
}

}  // namespace kp
