#include "common/tmux_client.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "common/agent_processes.hpp"
#include "common/error.hpp"

namespace kp {

namespace {

constexpr auto kTmuxTimeout = std::chrono::seconds(20);

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string session_target(const std::string& name) { return tmux_literal_arg("=" + name); }

}  // namespace

std::string tmux_literal_arg(const std::string& text) {
  if (text.empty() || text.back() != ';') return text;
  // tmux drops the final ';' and turns a '\' before it into ';'.
  std::string out = text;
  out.insert(out.size() - 1, "\\");
  return out;
}

std::string tmux_format_literal(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    out += c;
    if (c == '#') out += '#';
  }
  return out;
}

std::string tmux_pane_target(const std::string& session) { return "=" + session + ":"; }

FileLock lock_tmux_lifecycle(const std::string& socket_name) {
  std::string name = socket_name.empty() ? "default" : socket_name;
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  const char* tmp = std::getenv("TMPDIR");
  std::filesystem::path dir = tmp && *tmp ? tmp : "/tmp";
  return FileLock::acquire(dir / fmt::format("kiro-parallel-tmux-{}-{}.lock", ::getuid(), name),
                           std::chrono::seconds(60));
}

TmuxClient::TmuxClient(std::string socket_name) : socket_(std::move(socket_name)) {}

std::vector<std::string> TmuxClient::base_argv() const {
  if (socket_.empty()) return {"tmux"};
  return {"tmux", "-L", socket_};
}

RunResult TmuxClient::run(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = base_argv();
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  options.timeout = kTmuxTimeout;
  // A tmux started from inside tmux must not think it is nested.
  options.unset_env = {"TMUX"};
  return run_program(argv, options);
}

RunResult TmuxClient::run_checked(const std::vector<std::string>& args, const char* what) const {
  RunResult r = run(args);
  if (!r.ok()) {
    throw RuntimeError(fmt::format("tmux {} failed (exit {}): {}", what, r.exit_code, trim(r.err)));
  }
  return r;
}

bool TmuxClient::server_running() const {
  // list-sessions never starts a server; it fails when none runs.
  return run({"list-sessions", "-F", "#{session_name}"}).ok();
}

namespace {

// tmux's own words for "there is nothing": no server on the socket, or no
// such session. Any other failure (a timeout, a wedged server) is not known
// to mean gone, and is an error.
bool says_none(const RunResult& r) {
  if (r.timed_out) return false;
  const bool no_socket = r.err.find("error connecting to") != std::string::npos &&
                         (r.err.find("No such file or directory") != std::string::npos ||
                          r.err.find("Connection refused") != std::string::npos);
  return no_socket || r.err.find("no server running") != std::string::npos ||
         r.err.find("can't find session") != std::string::npos;
}

}  // namespace

bool TmuxClient::has_session(const std::string& name) const {
  RunResult r = run({"has-session", "-t", session_target(name)});
  if (r.ok()) return true;
  if (says_none(r)) return false;
  throw RuntimeError(fmt::format("cannot tell whether tmux session {} exists: tmux has-session {}: {}", name,
                                 r.timed_out ? "timed out" : fmt::format("exit {}", r.exit_code), trim(r.err)));
}

void TmuxClient::new_session(const std::string& name, const std::filesystem::path& cwd,
                             const std::vector<std::string>& command,
                             const std::vector<std::pair<std::string, std::string>>& env,
                             int width, int height) const {
  FileLock lifecycle = lock_tmux_lifecycle(socket_);
  // tmux expands formats in the session name and the start folder ("#(cmd)"
  // would run a shell command): '#' is doubled so both stay literal.
  std::vector<std::string> args{"new-session", "-d", "-s", tmux_literal_arg(tmux_format_literal(name)),
                                "-c", tmux_literal_arg(tmux_format_literal(cwd.string())),
                                "-x", std::to_string(width), "-y", std::to_string(height)};
  for (const auto& [key, value] : env) {
    args.push_back("-e");
    args.push_back(tmux_literal_arg(key + "=" + value));
  }
  if (!command.empty()) {
    args.push_back("--");
    // tmux runs a one-element command through `sh -c`; `env` keeps it an argv.
    if (command.size() == 1) args.push_back("env");
    for (const auto& a : command) args.push_back(tmux_literal_arg(a));
  }
  // remain-on-exit is set in the same tmux call (";" is a separate argv
  // element) so an agent that exits at once still leaves its pane.
  args.insert(args.end(), {";", "set-option", "-t", tmux_pane_target(name), "remain-on-exit", "on"});
  for (const auto& [key, value] : env) {
    if (key != kTaskMarkEnv) continue;
    // In the same call as new-session: the session never exists unmarked.
    args.insert(args.end(), {";", "set-option", "-t", tmux_pane_target(name), kSessionOwnerOption,
                             tmux_literal_arg(value)});
  }
  run_checked(args, "new-session");
}

void TmuxClient::send_literal(const std::string& session, const std::string& text) const {
  if (text.empty()) return;
  run_checked({"send-keys", "-t", tmux_pane_target(session), "-l", "--", tmux_literal_arg(text)},
              "send-keys");
}

void TmuxClient::send_enter(const std::string& session) const { send_keys(session, {"Enter"}); }

void TmuxClient::send_keys(const std::string& session, const std::vector<std::string>& keys) const {
  std::vector<std::string> args{"send-keys", "-t", tmux_pane_target(session), "--"};
  for (const auto& k : keys) args.push_back(tmux_literal_arg(k));
  run_checked(args, "send-keys");
}

std::string TmuxClient::capture(const std::string& session) const {
  return run_checked({"capture-pane", "-p", "-J", "-t", tmux_pane_target(session)}, "capture-pane")
      .out;
}

// Empty when no server runs; a listing that failed otherwise would read as
// "every session is gone" (recover would reset tasks whose agents work on).
static std::vector<std::string> listing_failed(const RunResult& r) {
  if (says_none(r)) return {};
  throw RuntimeError(fmt::format("cannot list the tmux sessions: tmux list-sessions {}: {}",
                                 r.timed_out ? "timed out" : fmt::format("exit {}", r.exit_code), trim(r.err)));
}

std::vector<std::string> TmuxClient::list_sessions() const {
  RunResult r = run({"list-sessions", "-F", "#{session_name}"});
  if (!r.ok()) return listing_failed(r);
  return split_lines(r.out);
}

std::vector<SessionInfo> TmuxClient::list_sessions_with_owner() const {
  RunResult r = run({"list-sessions", "-F", fmt::format("#{{session_name}}\t#{{{}}}", kSessionOwnerOption)});
  std::vector<SessionInfo> out;
  if (!r.ok()) {
    listing_failed(r);
    return out;
  }
  for (const auto& line : split_lines(r.out)) {
    size_t tab = line.rfind('\t');
    if (tab == std::string::npos) continue;
    out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

int TmuxClient::attached_people(const std::string& session) const {
  RunResult r = run({"list-clients", "-t", session_target(session), "-F", "#{client_control_mode}"});
  if (!r.ok()) return 0;
  int people = 0;
  for (const auto& line : split_lines(r.out)) {
    if (trim(line) == "0") ++people;
  }
  return people;
}

std::optional<pid_t> TmuxClient::pane_pid(const std::string& session) const {
  RunResult r = run({"display-message", "-p", "-t", tmux_pane_target(session), "#{pane_pid}"});
  if (!r.ok()) return std::nullopt;
  try {
    long pid = std::stol(trim(r.out));
    if (pid > 0) return static_cast<pid_t>(pid);
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

bool TmuxClient::pane_dead(const std::string& session) const {
  RunResult r = run({"display-message", "-p", "-t", tmux_pane_target(session), "#{pane_dead}"});
  return r.ok() && trim(r.out) == "1";
}

std::optional<int> TmuxClient::pane_exit_status(const std::string& session) const {
  // tmux can miss the SIGCHLD of a pane process (libutempter swaps the handler
  // for a moment: tmux issue #311); the pane is then dead with no status and a
  // zombie. A SIGCHLD to the server makes it reap and record the status.
  for (int attempt = 0; attempt < 10; ++attempt) {
    RunResult r = run({"display-message", "-p", "-t", tmux_pane_target(session),
                       "#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}:#{pid}"});
    if (!r.ok()) return std::nullopt;
    std::vector<std::string> fields;
    std::string line = trim(r.out);
    for (size_t start = 0;;) {
      size_t colon = line.find(':', start);
      fields.push_back(line.substr(start, colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    if (fields.size() != 4 || fields[0] != "1") return std::nullopt;
    try {
      if (!fields[1].empty()) return std::stoi(fields[1]);
      if (!fields[2].empty()) return 128 + std::stoi(fields[2]);
      pid_t server = static_cast<pid_t>(std::stol(fields[3]));
      if (server > 0) ::kill(server, SIGCHLD);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

void TmuxClient::kill_session(const std::string& name, std::chrono::milliseconds grace) const {
  if (!has_session(name)) return;
  std::vector<pid_t> tree;
  if (auto pid = pane_pid(name); pid && !pane_dead(name)) {
    // Descendants first: they are collected before anything is signalled, so
    // a child re-parented to init by its parent's death is still on the list.
    tree = process_descendants(*pid);
    tree.push_back(*pid);
  }
  for (pid_t p : tree) ::kill(p, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  auto any_running = [&] {
    return std::any_of(tree.begin(), tree.end(), [](pid_t p) { return process_running(p); });
  };
  while (any_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (pid_t p : tree) {
    if (process_running(p)) ::kill(p, SIGKILL);
  }
  RunResult r = [&] {
    FileLock lifecycle = lock_tmux_lifecycle(socket_);
    // A control client left attached by a worker that was SIGKILLed: tmux
    // 3.3a's server can crash or wedge when a session dies under one.
    RunResult clients = run({"list-clients", "-t", session_target(name), "-F", "#{client_control_mode} #{client_pid}"});
    for (const auto& line : split_lines(clients.ok() ? clients.out : "")) {
      if (line.rfind("1 ", 0) != 0) continue;
      try {
        pid_t client = static_cast<pid_t>(std::stol(line.substr(2)));
        if (client > 0 && client != ::getpid()) ::kill(client, SIGKILL);
      } catch (const std::exception&) {
      }
    }
    return run({"kill-session", "-t", session_target(name)});
  }();
  if (!r.ok() && has_session(name)) {
    throw RuntimeError(fmt::format("tmux kill-session {} failed: {}", name, trim(r.err)));
  }
}

}  // namespace kp
