#include "common/run_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace kp {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr std::string_view kStatusNames[] = {"pending", "running", "completed", "failed",
                                             "stopped", "blocked", "conflict", "committed"};

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
            {"phase_since", t.phase_since}, {"phase_kind", phase_key(t.phase_kind)}, {"phase_detail", t.phase_detail},
            {"evidence", t.evidence},
            {"worker_errors", t.worker_errors}, {"last_worker_error", t.last_worker_error},
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
  // Older states have the text only; its kind and detail are read from it.
  auto kind = phase_from_key(get_or<std::string>(j, "phase_kind", ""));
  t.phase_kind = kind ? *kind : phase_of_text(t.phase);
  t.phase_detail = j.contains("phase_detail") ? get_or<std::string>(j, "phase_detail", "") : phase_detail_of_text(t.phase);
  t.message = get_or<std::string>(j, "message", "");
  t.phase_since = get_or<double>(j, "phase_since", 0);
  t.evidence = get_or<std::string>(j, "evidence", "");
  t.worker_errors = get_or<int>(j, "worker_errors", 0);
  t.last_worker_error = get_or<std::string>(j, "last_worker_error", "");
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
          {"retries", c.retries},                 {"merge", c.merge},                 {"stuck_after_seconds", c.stuck_after_seconds},
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
  c.merge = get_or<bool>(j, "merge", true);
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
    s.master_gave_up = get_or<std::string>(j, "master_gave_up", "");
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
            {"config", to_json(state.config)}, {"master_gave_up", state.master_gave_up},
            {"tasks", std::move(tasks)}};
  write_file_atomic(path, j.dump(2) + "\n");
}

void commit_run_state(const SpecPaths& paths, RunState& state) {
  if (!state.journal.empty()) {
    // Journal first: a crash between the two leaves the journal ahead of the
    // state, never a transition the journal does not know.
    fs::create_directories(paths.logs_dir);
    append_journal(journal_path(paths), state.journal);
    state.journal.clear();
  }
  write_run_state(paths.state_json, state);
}

namespace {

json completion_json(const Completion& c) {
  return {{"task_id", c.task_id}, {"title", c.title}, {"duration", c.duration}, {"completed_at", c.completed_at}};
}

// The history as a JSON array. A torn append (a crash in the middle of one)
// leaves the array unclosed: its entries up to the last whole one are kept.
json parse_history(const fs::path& path, const std::string& text) {
  try {
    return json::parse(text);
  } catch (const std::exception& e) {
    size_t last = text.rfind("\n  }");
    if (text.rfind("[\n", 0) == 0 && last != std::string::npos) {
      try {
        return json::parse(text.substr(0, last + 4) + "\n]");
      } catch (const std::exception&) {
      }
    }
    throw RuntimeError(fmt::format("{}: unreadable history ({}); not overwriting it", path.string(), e.what()));
  }
}

// Appends `entry` in place when the file ends as a whole array written in
// this format ("  }\n]\n"): one small write instead of the whole history.
bool append_in_place(const fs::path& path, const json& entry) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) return false;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || st.st_size < 8) return false;
  char tail[5] = {};
  if (::pread(fd.get(), tail, 4, st.st_size - 4) != 4 || std::string_view(tail, 4) != "}\n]\n") return false;
  std::string text = ",\n  ";
  for (char c : entry.dump(2)) text += c == '\n' ? std::string("\n  ") : std::string(1, c);
  text += "\n]\n";
  off_t at = st.st_size - 3;  // over the "\n]\n"
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::pwrite(fd.get(), text.data() + done, text.size() - done, at + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw RuntimeError(fmt::format("{}: cannot append: {}", path.string(), std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) throw RuntimeError(fmt::format("{}: cannot fsync: {}", path.string(), std::strerror(errno)));
  return true;
}

}  // namespace

std::vector<Completion> read_completions(const fs::path& path) {
  std::vector<Completion> out;
  auto text = read_file(path);
  if (!text) return out;
  try {
    json j = parse_history(path, *text);
    for (const auto& e : j) {
      Completion c;
      c.task_id = e.at("task_id").is_string() ? e["task_id"].get<std::string>() : e["task_id"].dump();
      c.title = get_or<std::string>(e, "title", "");
      c.duration = get_or<double>(e, "duration", 0);
      c.completed_at = get_or<std::string>(e, "completed_at", "");
      out.push_back(std::move(c));
    }
  } catch (const RuntimeError&) {
    throw;
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: unreadable history ({})", path.string(), e.what()));
  }
  return out;
}

void append_completion(const fs::path& path, const Completion& completion) {
  if (append_in_place(path, completion_json(completion))) return;
  // No file yet, an empty one, or another layout (hand-edited, torn): the
  // whole history is written again, repaired, in the one format.
  json j = json::array();
  if (auto text = read_file(path)) {
    if (text->find_first_not_of(" \t\r\n") != std::string::npos) j = parse_history(path, *text);
  }
  j.push_back(completion_json(completion));
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
