#include "common/notify.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/scheduler.hpp"
#include "common/unique_fd.hpp"

extern char** environ;

namespace kp {

NotifySettings parse_notify_settings(const nlohmann::json& j, const std::string& path) {
  NotifySettings out;
  if (!j.is_object() || !j.contains("notify")) return out;
  const auto& n = j["notify"];
  if (!n.is_object()) throw UsageError(fmt::format("{}: \"notify\" must be an object {{\"command\": [...], \"bell\": true}}", path));
  if (n.contains("command")) {
    const auto& c = n["command"];
    if (!c.is_array() || c.empty() || !std::all_of(c.begin(), c.end(), [](const auto& w) { return w.is_string(); }))
      throw UsageError(fmt::format("{}: \"notify.command\" must be a non-empty list of strings (an argv, not a shell line)", path));
    for (const auto& w : c) out.command.push_back(w.get<std::string>());
    if (out.command[0].empty()) throw UsageError(fmt::format("{}: \"notify.command\" names no program", path));
  }
  if (n.contains("bell")) {
    if (!n["bell"].is_boolean()) throw UsageError(fmt::format("{}: \"notify.bell\" must be true or false", path));
    out.bell = n["bell"].get<bool>();
  }
  return out;
}

std::string_view to_string(NotifyKind kind) {
  switch (kind) {
    case NotifyKind::needs_person: return "needs_person";
    case NotifyKind::failed: return "failed";
    case NotifyKind::run_ended: break;
  }
  return "run_ended";
}

namespace {

// The first line, control characters (escape sequences included) made spaces, at most 300 bytes.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, text.find('\n'))) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    if (out.size() >= 300) break;
  }
  return out;
}

}  // namespace

std::vector<std::string> notify_argv(const std::vector<std::string>& command, const NotifyEvent& e) {
  std::vector<std::string> argv = command;
  argv.insert(argv.end(), {e.spec, e.task, std::string(to_string(e.kind)), one_line(e.message)});
  return argv;
}

std::vector<std::pair<std::string, std::string>> notify_env(const NotifyEvent& e) {
  return {{"KIRO_PARALLEL_SPEC", e.spec},
          {"KIRO_PARALLEL_TASK", e.task},
          {"KIRO_PARALLEL_KIND", std::string(to_string(e.kind))},
          {"KIRO_PARALLEL_MESSAGE", one_line(e.message)}};
}

std::vector<NotifyEvent> NotifyTracker::observe(const RunState& state) {
  std::vector<NotifyEvent> events;
  std::vector<std::pair<std::string, bool>> needs;
  std::vector<std::pair<std::string, TaskStatus>> status;
  auto before = [](const auto& list, const std::string& id) {
    return std::find_if(list.begin(), list.end(), [&](const auto& p) { return p.first == id; });
  };
  for (const auto& t : state.tasks) {
    bool need = t.status == TaskStatus::running && t.phase.rfind("needs choice", 0) == 0;
    needs.emplace_back(t.id, need);
    status.emplace_back(t.id, t.status);
    if (!seen_) continue;
    auto n = before(needs_, t.id);
    if (need && (n == needs_.end() || !n->second)) {
      events.push_back({state.spec, t.id, NotifyKind::needs_person, t.id + " " + t.phase + " · " + t.title});
    }
    auto s = before(status_, t.id);
    bool was = s != status_.end() && s->second == t.status;
    if (!was && (t.status == TaskStatus::failed || t.status == TaskStatus::conflict)) {
      std::string why = one_line(t.message);
      events.push_back({state.spec, t.id, t.status == TaskStatus::failed ? NotifyKind::failed : NotifyKind::needs_person,
                        fmt::format("{} {}{}{}", t.id, to_string(t.status), why.empty() ? "" : ": ", why)});
    }
  }
  needs_ = std::move(needs);
  status_ = std::move(status);
  seen_ = true;
  return events;
}

NotifyEvent run_ended_event(const RunState& state) {
  StatusCounts c = count_statuses(state);
  std::string msg = fmt::format("run of {} ended: {} of {} completed", state.spec, c.completed, c.total());
  if (c.failed) msg += fmt::format(", {} failed", c.failed);
  if (c.conflict) msg += fmt::format(", {} in conflict", c.conflict);
  if (c.blocked) msg += fmt::format(", {} blocked", c.blocked);
  if (c.stopped) msg += fmt::format(", {} stopped", c.stopped);
  return {state.spec, "", NotifyKind::run_ended, msg};
}

ChildProcess start_notify(const std::vector<std::string>& command, const NotifyEvent& event,
                          const std::filesystem::path& log) {
  // Everything the child needs is built before fork: after it, only exec and _exit.
  std::vector<std::string> argv = notify_argv(command, event);
  std::vector<std::string> env_text;
  auto extra = notify_env(event);
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    bool replaced = std::any_of(extra.begin(), extra.end(),
                                [&](const auto& kv) { return entry.rfind(kv.first + "=", 0) == 0; });
    if (!replaced) env_text.emplace_back(entry);
  }
  for (const auto& [k, v] : extra) env_text.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : env_text) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  UniqueFd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  UniqueFd out(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!in || !out) throw RuntimeError(fmt::format("notify: cannot open {}: {}", log.string(), std::strerror(errno)));
  pid_t pid = ::fork();
  if (pid < 0) throw RuntimeError(fmt::format("notify: fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(in.get(), 0);
    ::dup2(out.get(), 1);
    ::dup2(out.get(), 2);
    ::execvpe(cargv[0], cargv.data(), cenv.data());
    const char* why = "notify: cannot run the command (exec failed)\n";
    ssize_t ignored = ::write(2, why, std::strlen(why));
    (void)ignored;
    _exit(127);
  }
  return ChildProcess(pid);
}

Notifier::Notifier(std::vector<std::string> command, std::string spec, std::filesystem::path log)
    : command_(std::move(command)), spec_(std::move(spec)), log_(std::move(log)) {}

void Notifier::notify(const NotifyEvent& event) {
  log_info("notify: {} {} {}", to_string(event.kind), event.task.empty() ? "-" : event.task, one_line(event.message));
  if (command_.empty()) return;
  try {
    children_.push_back(start_notify(command_, event, log_));
  } catch (const std::exception& e) {
    log_info("notify: {}", e.what());
  }
}

void Notifier::observe(const RunState& state) {
  reap();
  for (const auto& event : tracker_.observe(state)) notify(event);
}

void Notifier::run_ended(const RunState& state) { notify(run_ended_event(state)); }

Notifier::~Notifier() {
  // The run's last notification is delivered before the master goes: up to 5 s.
  for (int i = 0; i < 100 && !children_.empty(); ++i) {
    reap();
    if (!children_.empty()) ::usleep(50'000);
  }
}

void Notifier::reap() {
  for (auto& child : children_) {
    if (!child.running()) continue;
    if (auto code = child.poll(); code && *code != 0) log_info("notify: the command exited with status {}", *code);
  }
  children_.erase(std::remove_if(children_.begin(), children_.end(), [](const ChildProcess& c) { return !c.running(); }),
                  children_.end());
}

}  // namespace kp
