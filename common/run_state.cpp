#include "common/run_state.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace kp {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr std::string_view kStatusNames[] = {"pending", "running", "completed", "failed",
                                             "stopped", "blocked", "conflict"};

json to_json(const TaskState& t) {
  json j = {{"id", t.id},           {"title", t.title},       {"status", to_string(t.status)},
            {"deps", t.deps},       {"parents", t.parents},   {"priority", t.priority}, {"optional", t.optional}, {"wave", t.wave},
            {"boundary", t.boundary},
            {"worker", t.worker < 0 ? json(nullptr) : json(t.worker)},
            {"session", t.session}, {"branch", t.branch},     {"worktree", t.worktree},
            {"started_at", t.started_at.empty() ? json(nullptr) : json(t.started_at)},
            {"started_epoch", t.started_epoch},
            {"duration", t.duration ? json(*t.duration) : json(nullptr)},
            {"attempts", t.attempts}, {"prompt_sent", t.prompt_sent}, {"phase", t.phase},     {"message", t.message},
            {"phase_since", t.phase_since}, {"evidence", t.evidence},
            {"tokens", {{"input", t.tokens_input}, {"output", t.tokens_output},
                        {"cache_read", t.tokens_cache_read}, {"cache_creation", t.tokens_cache_creation}}}};
  return j;
}

template <typename T>
T get_or(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->get<T>();
}

TaskState task_from_json(const json& j) {
  TaskState t;
  t.id = j.at("id").get<std::string>();
  t.title = get_or<std::string>(j, "title", "");
  auto status = parse_task_status(get_or<std::string>(j, "status", "pending"));
  if (!status) throw RuntimeError(fmt::format("task {}: unknown status", t.id));
  t.status = *status;
  t.deps = get_or<std::vector<std::string>>(j, "deps", {});
  t.parents = get_or<std::vector<std::string>>(j, "parents", {});
  t.priority = get_or<double>(j, "priority", 1);
  t.optional = get_or<bool>(j, "optional", false);
  t.wave = get_or<int>(j, "wave", 0);
  t.boundary = get_or<std::vector<std::string>>(j, "boundary", {});
  t.worker = get_or<int>(j, "worker", -1);
  t.session = get_or<std::string>(j, "session", "");
  t.branch = get_or<std::string>(j, "branch", "");
  t.worktree = get_or<std::string>(j, "worktree", "");
  t.started_at = get_or<std::string>(j, "started_at", "");
  t.started_epoch = get_or<double>(j, "started_epoch", 0);
  if (j.contains("duration") && !j["duration"].is_null()) t.duration = j["duration"].get<double>();
  t.attempts = get_or<int>(j, "attempts", 0);
  t.prompt_sent = get_or<bool>(j, "prompt_sent", false);
  t.phase = get_or<std::string>(j, "phase", "");
  t.message = get_or<std::string>(j, "message", "");
  t.phase_since = get_or<double>(j, "phase_since", 0);
  t.evidence = get_or<std::string>(j, "evidence", "");
  if (auto tk = j.find("tokens"); tk != j.end() && tk->is_object()) {
    t.tokens_input = get_or<long long>(*tk, "input", 0);
    t.tokens_output = get_or<long long>(*tk, "output", 0);
    t.tokens_cache_read = get_or<long long>(*tk, "cache_read", 0);
    t.tokens_cache_creation = get_or<long long>(*tk, "cache_creation", 0);
  }
  return t;
}

json to_json(const RunConfig& c) {
  json env = json::object();
  for (const auto& [k, v] : c.agent_env) env[k] = v;
  return {{"max_parallel", c.max_parallel},       {"max_wave", c.max_wave},       {"agent_command", c.agent_command},
          {"profile", c.profile},                 {"prompt_template", c.prompt_template},
          {"prompt_source", c.prompt_source},
          {"serialize_same_boundary", c.serialize_same_boundary},
          {"tmux_socket", c.tmux_socket},         {"target_branch", c.target_branch},
          {"worktree_root", c.worktree_root},     {"order", c.order},
          {"poll_interval_ms", c.poll_interval_ms},
          {"task_timeout_minutes", c.task_timeout_minutes},
          {"run_timeout_minutes", c.run_timeout_minutes}, {"run_deadline_epoch", c.run_deadline_epoch},
          {"retries", c.retries},                 {"stuck_after_seconds", c.stuck_after_seconds},
          {"enter_while_attached", c.enter_while_attached}, {"approve_mode", c.approve_mode},
          {"commit_message", c.commit_message},   {"merge_message", c.merge_message},
          {"agent_env", env}};
}

RunConfig config_from_json(const json& j) {
  RunConfig c;
  c.max_parallel = get_or<int>(j, "max_parallel", c.max_parallel);
  c.max_wave = get_or<int>(j, "max_wave", -1);
  c.agent_command = get_or<std::vector<std::string>>(j, "agent_command", {});
  c.profile = get_or<std::string>(j, "profile", c.profile);
  c.prompt_template = get_or<std::string>(j, "prompt_template", c.prompt_template);
  c.prompt_source = get_or<std::string>(j, "prompt_source", "");
  c.serialize_same_boundary = get_or<bool>(j, "serialize_same_boundary", false);
  c.tmux_socket = get_or<std::string>(j, "tmux_socket", "");
  c.target_branch = get_or<std::string>(j, "target_branch", "");
  c.worktree_root = get_or<std::string>(j, "worktree_root", "");
  c.order = get_or<std::string>(j, "order", c.order);
  c.poll_interval_ms = get_or<int>(j, "poll_interval_ms", c.poll_interval_ms);
  c.task_timeout_minutes = get_or<int>(j, "task_timeout_minutes", c.task_timeout_minutes);
  c.run_timeout_minutes = get_or<int>(j, "run_timeout_minutes", 0);
  c.run_deadline_epoch = get_or<double>(j, "run_deadline_epoch", 0);
  c.retries = get_or<int>(j, "retries", 0);
  c.stuck_after_seconds = get_or<int>(j, "stuck_after_seconds", c.stuck_after_seconds);
  c.enter_while_attached = get_or<bool>(j, "enter_while_attached", false);
  c.approve_mode = get_or<std::string>(j, "approve_mode", "");
  c.commit_message = get_or<std::string>(j, "commit_message", "");
  c.merge_message = get_or<std::string>(j, "merge_message", "");
  if (j.contains("agent_env") && j["agent_env"].is_object()) {
    for (const auto& [k, v] : j["agent_env"].items()) c.agent_env.emplace_back(k, v.get<std::string>());
  }
  return c;
}

}  // namespace

std::string_view to_string(TaskStatus status) { return kStatusNames[static_cast<int>(status)]; }

std::optional<TaskStatus> parse_task_status(std::string_view text) {
  for (size_t i = 0; i < std::size(kStatusNames); ++i) {
    if (kStatusNames[i] == text) return static_cast<TaskStatus>(i);
  }
  return std::nullopt;
}

TaskState* RunState::find(std::string_view id) {
  for (auto& t : tasks) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

const TaskState* RunState::find(std::string_view id) const {
  return const_cast<RunState*>(this)->find(id);
}

std::optional<RunState> read_run_state(const fs::path& path) {
  auto text = read_file(path);
  if (!text) return std::nullopt;
  try {
    json j = json::parse(*text);
    RunState s;
    s.version = get_or<int>(j, "version", 1);
    s.spec = get_or<std::string>(j, "spec", "");
    s.created_at = get_or<std::string>(j, "created_at", "");
    s.updated_at = get_or<std::string>(j, "updated_at", "");
    if (j.contains("config")) s.config = config_from_json(j["config"]);
    for (const auto& t : j.at("tasks")) s.tasks.push_back(task_from_json(t));
    return s;
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: unreadable state ({}); move it aside to start afresh",
                                   path.string(), e.what()));
  }
}

void write_run_state(const fs::path& path, RunState& state) {
  state.updated_at = iso8601_utc(now_epoch());
  json tasks = json::array();
  for (const auto& t : state.tasks) tasks.push_back(to_json(t));
  json j = {{"version", state.version},     {"spec", state.spec},
            {"created_at", state.created_at}, {"updated_at", state.updated_at},
            {"config", to_json(state.config)}, {"tasks", std::move(tasks)}};
  write_file_atomic(path, j.dump(2) + "\n");
}

std::vector<Completion> read_completions(const fs::path& path) {
  std::vector<Completion> out;
  auto text = read_file(path);
  if (!text) return out;
  try {
    json j = json::parse(*text);
    for (const auto& e : j) {
      Completion c;
      c.task_id = e.at("task_id").is_string() ? e["task_id"].get<std::string>() : e["task_id"].dump();
      c.title = get_or<std::string>(e, "title", "");
      c.duration = get_or<double>(e, "duration", 0);
      c.completed_at = get_or<std::string>(e, "completed_at", "");
      out.push_back(std::move(c));
    }
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: unreadable history ({})", path.string(), e.what()));
  }
  return out;
}

void append_completion(const fs::path& path, const Completion& completion) {
  json j = json::array();
  if (auto text = read_file(path)) {
    try {
      j = json::parse(*text);
    } catch (const std::exception& e) {
      throw RuntimeError(fmt::format("{}: unreadable history ({}); not overwriting it", path.string(), e.what()));
    }
  }
  j.push_back({{"task_id", completion.task_id},
               {"title", completion.title},
               {"duration", completion.duration},
               {"completed_at", completion.completed_at}});
  write_file_atomic(path, j.dump(2) + "\n");
}

std::map<std::string, double> median_durations(const std::vector<Completion>& history) {
  std::map<std::string, std::vector<double>> by_task;
  for (const auto& c : history) {
    if (c.duration > 0) by_task[c.task_id].push_back(c.duration);
  }
  std::map<std::string, double> out;
  for (auto& [id, v] : by_task) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    out[id] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
  return out;
}

StateLock::StateLock(const SpecPaths& paths) : lock_(FileLock::acquire(paths.task_lock)) {}

double now_epoch() {
  using namespace std::chrono;
  return duration_cast<duration<double>>(system_clock::now().time_since_epoch()).count();
}

std::string iso8601_utc(double epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace kp

namespace kp {

bool phase_past_agent(std::string_view phase) {
  constexpr std::string_view kResuming = "resuming (was: ";
  while (phase.substr(0, kResuming.size()) == kResuming) phase.remove_prefix(kResuming.size());
  return phase.substr(0, 10) == "committing" || phase.substr(0, 4) == "merg";
}

bool worker_alive(const SpecPaths& paths, int worker_id) {
  return worker_id >= 0 && lock_held_by_other_process(paths.worker_lock(worker_id));
}

bool master_alive(const SpecPaths& paths) { return lock_held_by_other_process(paths.master_lock); }

int read_pid_file(const fs::path& path) {
  auto text = read_file(path);
  if (!text) return 0;
  int pid = std::atoi(text->c_str());
  return pid > 0 ? pid : 0;
}

}  // namespace kp
