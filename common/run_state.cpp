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
#include <fstream>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/median.hpp"
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
          {"poll_interval_ms", c.poll_interval_ms},         {"max_starting", c.max_starting},
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
  c.max_starting = get_or<int>(j, "max_starting", 0);
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

namespace {

fs::path journal_of(const fs::path& state_path) { return state_path.parent_path() / "logs" / "events.jsonl"; }

std::uintmax_t file_size_or_zero(const fs::path& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

std::string dump_compact(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

RunState state_from_json(const json& j) {
  RunState s;
  s.version = get_or<int>(j, "version", 1);
  s.spec = get_or<std::string>(j, "spec", "");
  s.created_at = get_or<std::string>(j, "created_at", "");
  s.updated_at = get_or<std::string>(j, "updated_at", "");
  if (j.contains("config")) s.config = config_from_json(j["config"]);
  s.master_gave_up = get_or<std::string>(j, "master_gave_up", "");
  s.plan_changes = get_or<std::string>(j, "plan_changes", "");
  for (const auto& t : j.at("tasks")) s.tasks.push_back(task_from_json(t));
  return s;
}

// Everything but the tasks, in a fixed key order.
nlohmann::ordered_json header_json(const RunState& state, std::uintmax_t journal_offset) {
  nlohmann::ordered_json h;
  h["version"] = state.version;
  h["spec"] = state.spec;
  h["created_at"] = state.created_at;
  h["updated_at"] = state.updated_at;
  h["journal_offset"] = journal_offset;
  h["config"] = to_json(state.config);
  h["master_gave_up"] = state.master_gave_up;
  h["plan_changes"] = state.plan_changes;
  return h;
}

// One task a line: readable by a person, a third of the indented size.
std::string snapshot_text(const RunState& state, std::uintmax_t journal_offset) {
  std::string text = dump_compact(header_json(state, journal_offset));
  text.pop_back();
  text += ",\"tasks\":[";
  for (size_t i = 0; i < state.tasks.size(); ++i) {
    text += i ? ",\n" : "\n";
    text += dump_compact(to_json(state.tasks[i]));
  }
  text += "\n]}\n";
  return text;
}

std::string run_state_json(const RunState& state) {
  std::string text = snapshot_text(state, 0);
  std::erase(text, '\n');
  return text;
}

// Applies one journal record that carries a state; false for any other line.
bool apply_record(RunState& s, const json& j) {
  auto st = j.find("state");
  if (!j.is_object() || st == j.end() || !st->is_object()) return false;
  if (get_or<std::string>(j, "event", "") == "run_state") {
    s = state_from_json(*st);
  } else {
    TaskState t = task_from_json(*st);
    if (TaskState* have = s.find(t.id)) *have = std::move(t);
    else s.tasks.push_back(std::move(t));
  }
  s.updated_at = get_or<std::string>(j, "ts", s.updated_at);
  return true;
}

// Applies the journal's records after `offset`; a torn last line is not
// whole yet and is left. The offset after the last whole line, or nullopt
// when the journal is shorter than the offset or does not break a line
// there: not the journal the snapshot knew.
std::optional<std::uintmax_t> replay_journal(const fs::path& journal, std::uintmax_t offset, RunState& s) {
  const std::uintmax_t size = file_size_or_zero(journal);
  if (size == offset) return offset;
  if (size < offset) return std::nullopt;
  std::ifstream in(journal, std::ios::binary);
  if (!in) return std::nullopt;
  if (offset > 0) {
    in.seekg(static_cast<std::streamoff>(offset - 1));
    if (in.get() != '\n') return std::nullopt;
  }
  std::uintmax_t consumed = offset;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: being written
    consumed += line.size() + 1;
    if (line.find("\"state\":") == std::string::npos) continue;
    try {
      apply_record(s, json::parse(line));
    } catch (const std::exception&) {
      // A line that is not a record (a hand edit) proves nothing: skipped.
    }
  }
  return consumed;
}

void remember_as_read(RunState& s) {
  s.as_read = nullptr;
  s.journal.clear();
  s.as_read = std::make_shared<const RunState>(s);
}

// The last state this process read or wrote, with the snapshot file it came
// from and how much of the journal it has applied. While that snapshot file
// is the same (the snapshot is rewritten at most once a second, once every
// N ms for N tasks), a read applies only the journal's new lines instead of
// parsing the whole snapshot again: a worker's transition costs what changed.
struct SnapshotId {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  long long mtime_ns = 0;
  bool operator==(const SnapshotId&) const = default;
};

struct StateCache {
  std::mutex mutex;
  fs::path path;
  SnapshotId snapshot;
  std::uintmax_t journal_applied = 0;
  std::shared_ptr<const RunState> state;
};

StateCache& state_cache() {
  static StateCache cache;
  return cache;
}

std::optional<SnapshotId> snapshot_id(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return SnapshotId{st.st_dev, st.st_ino, st.st_size,
                    static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec};
}

// Remembers `s` as the state at `journal_applied` bytes of the journal, read
// from (or written to) the snapshot at `path` as it is now; `s.as_read` is it.
void cache_state(const fs::path& path, RunState& s, std::uintmax_t journal_applied) {
  remember_as_read(s);
  auto id = snapshot_id(path);
  StateCache& cache = state_cache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  if (!id) {
    cache.state = nullptr;
    return;
  }
  cache.path = path;
  cache.snapshot = *id;
  cache.journal_applied = journal_applied;
  cache.state = s.as_read;
}

// The cached state brought up to the journal's end, when the snapshot file
// is still the one it came from.
std::optional<RunState> read_cached(const fs::path& path) {
  StateCache& cache = state_cache();
  std::shared_ptr<const RunState> base;
  std::uintmax_t applied = 0;
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    if (!cache.state || cache.path != path || snapshot_id(path) != cache.snapshot) return std::nullopt;
    base = cache.state;
    applied = cache.journal_applied;
  }
  RunState s = *base;
  auto consumed = replay_journal(journal_of(path), applied, s);
  if (!consumed) return std::nullopt;
  if (*consumed == applied) {
    s.as_read = base;
  } else {
    cache_state(path, s, *consumed);
  }
  return s;
}

std::string broken_state_advice(const fs::path& path) {
  const std::string spec = path.parent_path().filename().string();
  auto journal = journal_of(path);
  if (file_size_or_zero(journal) > 0) {
    return fmt::format("`kiro-parallel recover {} --rebuild-state` rebuilds it from {} (the broken file is kept aside)",
                       spec, journal.string());
  }
  return "move it aside to start afresh";
}

}  // namespace

std::optional<RunState> read_run_state(const fs::path& path) {
  if (auto cached = read_cached(path)) return cached;
  auto text = read_file(path);
  if (!text) return std::nullopt;
  RunState s;
  std::optional<std::uintmax_t> offset;
  try {
    json j = json::parse(*text);
    s = state_from_json(j);
    if (auto it = j.find("journal_offset"); it != j.end() && it->is_number_unsigned()) {
      offset = it->get<std::uintmax_t>();
    }
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: unreadable state ({}); {}", path.string(), e.what(), broken_state_advice(path)));
  }
  // A state written before the journal carried states (or by hand) has no
  // offset: it is whole as it is, and its next commit writes it whole.
  if (!offset) return s;
  // A journal that is not the one the snapshot knew (removed, replaced) adds
  // nothing to it; the next commit writes the state whole over the new one.
  const auto applied = replay_journal(journal_of(path), *offset, s);
  if (applied) cache_state(path, s, *applied);
  return s;
}

void write_run_state(const fs::path& path, RunState& state) {
  state.updated_at = iso8601_utc(now_epoch());
  const std::uintmax_t journal_size = file_size_or_zero(journal_of(path));
  write_file_atomic(path, snapshot_text(state, journal_size));
  cache_state(path, state, journal_size);
}

namespace {

bool same_run_fields(const RunState& a, const RunState& b) {
  return a.version == b.version && a.spec == b.spec && a.created_at == b.created_at && a.config == b.config &&
         a.master_gave_up == b.master_gave_up && a.plan_changes == b.plan_changes && a.tasks.size() == b.tasks.size() &&
         std::equal(a.tasks.begin(), a.tasks.end(), b.tasks.begin(),
                    [](const TaskState& x, const TaskState& y) { return x.id == y.id; });
}

// Gives every task that changed since the state was read its state record:
// on its last pending event, or on a `state` record of its own.
void attach_task_states(RunState& state) {
  const auto& before = state.as_read->tasks;
  const std::string ts = iso8601_utc_ms(now_epoch());
  for (size_t i = 0; i < state.tasks.size(); ++i) {
    const TaskState& t = state.tasks[i];
    auto last = std::find_if(state.journal.rbegin(), state.journal.rend(),
                             [&](const JournalEvent& e) { return e.task == t.id; });
    if (last == state.journal.rend() && t == before[i]) continue;
    if (last == state.journal.rend()) {
      state.journal.push_back({ts, "state", t.id, t.worker, t.attempts, t.phase, "", "", "", ""});
      state.journal.back().state = dump_compact(to_json(t));
    } else {
      last->state = dump_compact(to_json(t));
    }
  }
}

bool run_still_going(const RunState& state) {
  return std::any_of(state.tasks.begin(), state.tasks.end(), [](const TaskState& t) {
    return t.status == TaskStatus::pending || t.status == TaskStatus::running;
  });
}

// Bounded rate: a snapshot of a large plan costs more, so it is rarer; the
// journal's tail since then is small either way.
bool snapshot_due(const fs::path& path, const RunState& state) {
  std::error_code ec;
  auto written = fs::last_write_time(path, ec);
  if (ec) return true;
  const double age = std::chrono::duration<double>(fs::file_time_type::clock::now() - written).count();
  const double interval = std::max(1.0, static_cast<double>(state.tasks.size()) / 1000.0);
  return age >= interval || !run_still_going(state);
}

}  // namespace

void commit_run_state(const SpecPaths& paths, RunState& state) {
  const bool whole = !state.as_read || !same_run_fields(state, *state.as_read);
  if (whole) {
    state.updated_at = iso8601_utc(now_epoch());
    JournalEvent record{iso8601_utc_ms(now_epoch()), "run_state", "", -1, 0, "", "", "", "", ""};
    record.state = run_state_json(state);
    state.journal.push_back(std::move(record));
  } else {
    attach_task_states(state);
  }
  if (!state.journal.empty()) {
    // Journal first: a crash between the two leaves the journal ahead of the
    // snapshot, which the next read applies; never a state the journal lacks.
    fs::create_directories(paths.logs_dir);
    append_journal(journal_path(paths), state.journal);
    state.journal.clear();
  }
  if (whole || snapshot_due(paths.state_json, state)) {
    write_run_state(paths.state_json, state);
  } else {
    cache_state(paths.state_json, state, file_size_or_zero(journal_path(paths)));
  }
}

void flush_run_state(const SpecPaths& paths) {
  StateLock lock(paths);
  if (auto state = read_run_state(paths.state_json)) write_run_state(paths.state_json, *state);
}

std::optional<RunState> rebuild_run_state_from_journal(const SpecPaths& paths) {
  std::ifstream in(journal_path(paths), std::ios::binary);
  if (!in) return std::nullopt;
  std::optional<RunState> state;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof() || line.find("\"state\":") == std::string::npos) continue;
    try {
      json j = json::parse(line);
      const bool base = get_or<std::string>(j, "event", "") == "run_state";
      if (base && !state) state.emplace();
      if (state) apply_record(*state, j);
    } catch (const std::exception&) {
    }
  }
  if (state) remember_as_read(*state);
  return state;
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
  for (auto& [id, v] : by_task) out[id] = median_of(std::move(v));
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
