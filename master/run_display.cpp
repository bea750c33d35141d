#include "master/run_display.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/makespan_prediction.hpp"
#include "common/scheduler.hpp"
#include "common/settings.hpp"

namespace kp {

namespace {

std::string first_line_trimmed(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  auto end = line.find_last_not_of(" \t\r\n");
  return end == std::string::npos ? std::string() : line.substr(0, end + 1);
}

double file_epoch(const std::filesystem::path& path) {
  std::error_code ec;
  auto when = std::filesystem::last_write_time(path, ec);
  if (ec) return 0;
  auto sys = std::chrono::file_clock::to_sys(when);
  return std::chrono::duration<double>(sys.time_since_epoch()).count();
}

std::string first_line(std::string_view text) {
  auto nl = text.find('\n');
  return std::string(nl == std::string_view::npos ? text : text.substr(0, nl));
}

// The part of a "needs choice: <line>" phase after the colon.
std::string choice_line(std::string_view phase) {
  auto colon = phase.find(':');
  if (colon == std::string_view::npos) return {};
  auto rest = phase.substr(colon + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return std::string(rest);
}

struct Line {
  std::string text;
  Style style = Style::plain;
};

std::string progress_bar(int done, int total, int bar_width) {
  int filled = total > 0 ? static_cast<int>(std::lround(double(done) * bar_width / total)) : 0;
  filled = std::clamp(filled, 0, bar_width);
  std::string bar = "[";
  bar.append(size_t(filled), '#');
  bar.append(size_t(std::max(0, bar_width - filled)), '-');
  bar += ']';
  return bar;
}

std::string counts_line(const StatusCounts& c) {
  return fmt::format("pending {}  running {}  completed {}  failed {}  stopped {}  blocked {}  conflict {}",
                     c.pending, c.running, c.completed, c.failed, c.stopped, c.blocked, c.conflict);
}

Style phase_style(std::string_view phase) {
  const Phase kind = phase_of_text(phase);
  return kind == Phase::possibly_stuck || kind == Phase::merge_held || kind == Phase::waiting ? Style::yellow
                                                                                              : Style::plain;
}

}  // namespace

bool DisplayFacts::any_worker_alive() const {
  return std::any_of(workers.begin(), workers.end(), [](const WorkerFact& w) { return w.alive; });
}

DisplayFacts gather_display_facts(const SpecPaths& paths, const RunState& state) {
  DisplayFacts facts;
  facts.now = now_epoch();
  facts.master_running = master_alive(paths);
  if (facts.master_running) facts.master_pid = read_pid_file(paths.master_pid);
  // Ids beyond max_parallel can hold claims from an earlier run with more workers.
  int worker_count = std::max(state.config.max_parallel, 0);
  for (const auto& t : state.tasks) worker_count = std::max(worker_count, t.worker + 1);
  for (int id = 0; id < worker_count; ++id) {
    WorkerFact w;
    w.id = id;
    w.alive = worker_alive(paths, id);
    w.pid = read_pid_file(paths.worker_pid(id));
    w.task = first_line_trimmed(paths.worker_task(id));
    if (!w.task.empty()) w.task_since = file_epoch(paths.worker_task(id));
    facts.workers.push_back(std::move(w));
  }
  return facts;
}

RunState load_run_state_for_view(const SpecPaths& paths) {
  auto state = read_run_state(paths.state_json);
  if (!state) {
    throw UsageError(fmt::format("no run state for spec {} (start one with kiro-parallel run {})",
                                 paths.spec, paths.spec));
  }
  return std::move(*state);
}

RunView read_run_view(const SpecPaths& paths, const std::function<RunState(const SpecPaths&)>& read_state) {
  RunView view{read_state(paths), {}};
  view.facts = gather_display_facts(paths, view.state);
  if (!view.facts.master_running && !view.facts.any_worker_alive()) {
    view.state = read_state(paths);
    view.facts = gather_display_facts(paths, view.state);
  }
  return view;
}

RunOutcome run_outcome(const RunState& state, const DisplayFacts& facts) {
  bool dead_end = std::any_of(state.tasks.begin(), state.tasks.end(), [](const TaskState& t) {
    return t.status == TaskStatus::failed || t.status == TaskStatus::stopped ||
           t.status == TaskStatus::blocked || t.status == TaskStatus::conflict;
  });
  if (!work_remaining(state)) return dead_end ? RunOutcome::stuck : RunOutcome::all_done;
  // Work remains but nobody is left to do it.
  if (!facts.master_running && !facts.any_worker_alive()) return RunOutcome::stuck;
  return RunOutcome::moving;
}

bool status_says_failed(const RunState& state) {
  bool failed = std::any_of(state.tasks.begin(), state.tasks.end(), [](const TaskState& t) {
    return t.status == TaskStatus::failed || t.status == TaskStatus::blocked ||
           t.status == TaskStatus::conflict;
  });
  return failed && !work_remaining(state);
}

std::vector<std::string> attach_command_argv(const RunConfig& config, const std::string& session) {
  std::vector<std::string> argv{"tmux"};
  if (!config.tmux_socket.empty()) {
    argv.push_back("-L");
    argv.push_back(config.tmux_socket);
  }
  argv.insert(argv.end(), {"attach", "-t", "=" + session});
  return argv;
}

std::string attach_command_text(const RunConfig& config, const std::string& session) {
  if (config.tmux_socket.empty()) return "tmux attach -t " + session;
  return fmt::format("tmux -L {} attach -t {}", config.tmux_socket, session);
}

std::string task_session(const RunState& state, const TaskState& task) {
  return task.session.empty() ? session_name(state.spec, task.id) : task.session;
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || std::isinf(seconds)) return "-";
  if (seconds < 10) return fmt::format("{:.1f}s", std::floor(seconds * 10) / 10);
  auto s = static_cast<long long>(seconds);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

bool phase_needs_choice(std::string_view phase) { return phase_of_text(phase) == Phase::needs_choice; }

std::string eta_text(const RunState& state, const std::vector<Completion>& completions, const DisplayFacts& facts) {
  if (!facts.master_running) return "";  // nobody is moving the run: no time to promise
  auto eta = run_eta_seconds(state, median_durations(completions), facts.now);
  return eta ? " · ETA ~" + format_duration(*eta) : "";
}

namespace {

std::vector<Line> header(const RunState& state, const std::vector<Completion>& completions, const DisplayFacts& facts,
                         int width) {
  StatusCounts counts = count_statuses(state);
  std::vector<Line> head;
  if (facts.master_running) {
    std::string pid = facts.master_pid > 0 ? fmt::format("master pid {}", facts.master_pid) : "master running";
    head.push_back({fmt::format("kiro-parallel {} · {}", state.spec, pid), Style::bold});
  } else {
    head.push_back({fmt::format("kiro-parallel {} · master not running", state.spec), Style::yellow});
  }
  int total = counts.total();
  int bar = std::clamp(width > 0 ? width - 30 : 30, 10, 40);
  head.push_back({fmt::format("{} {}/{} completed{}", progress_bar(counts.completed, total, bar),
                              counts.completed, total, eta_text(state, completions, facts)),
                  Style::plain});
  if (!state.plan_changes.empty()) head.push_back({state.plan_changes, Style::yellow});
  return head;
}

}  // namespace

std::string render_run_header(const RunState& state, const std::vector<Completion>& completions,
                              const DisplayFacts& facts, const TermStyle& style, int width) {
  std::string out;
  for (const auto& l : header(state, completions, facts, width)) out += style(fit_width(l.text, width), l.style) + "\n";
  return out;
}

std::string render_counts(const RunState& state) { return counts_line(count_statuses(state)); }

std::string render_run(const RunState& state, const std::vector<Completion>& completions,
                       const DisplayFacts& facts, const TermStyle& style, int width, int height) {
  StatusCounts counts = count_statuses(state);
  std::vector<Line> head = header(state, completions, facts, width);

  std::vector<Line> body;
  for (const auto& t : state.tasks) {
    if (t.status != TaskStatus::running || !phase_needs_choice(t.phase)) continue;
    std::string why = choice_line(t.phase);
    body.push_back({fmt::format("!! {} NEEDS YOUR CHOICE{}{} · {}", t.id, why.empty() ? "" : ": ", why, t.title),
                    Style::bold_red});
    body.push_back({"   attach: " + attach_command_text(state.config, task_session(state, t)), Style::bold});
  }
  for (const auto& t : state.tasks) {
    if (t.status != TaskStatus::running || phase_needs_choice(t.phase)) continue;
    std::string elapsed = t.started_epoch > 0 ? format_duration(facts.now - t.started_epoch) : "-";
    std::string worker = t.worker >= 0 ? fmt::format("w{}", t.worker) : "--";
    std::string phase = t.phase.empty() ? "running" : t.phase;
    body.push_back({fmt::format("▶ {:<6} {:>2} {:>7}  {} · {}", t.id, worker, elapsed, phase, t.title),
                    phase_style(t.phase)});
  }
  for (const auto& t : state.tasks) {
    Style s = Style::plain;
    switch (t.status) {
      case TaskStatus::conflict:
      case TaskStatus::failed: s = Style::red; break;
      case TaskStatus::blocked:
      case TaskStatus::stopped: s = Style::yellow; break;
      default: continue;
    }
    std::string reason = first_line(t.message);
    body.push_back({fmt::format("✗ {:<6} {:<8} {}{}", t.id, to_string(t.status), reason.empty() ? t.title : reason,
                                t.status == TaskStatus::conflict ? " (kiro-parallel status shows how to resolve)" : ""),
                    s});
  }
  if (!completions.empty()) {
    body.push_back({"recent completions:", Style::dim});
    size_t from = completions.size() > 5 ? completions.size() - 5 : 0;
    for (size_t i = completions.size(); i-- > from;) {
      const auto& c = completions[i];
      body.push_back({fmt::format("✓ {:<6} {:>7}  {}", c.task_id, format_duration(c.duration), c.title), Style::green});
    }
  }
  Line foot{counts_line(counts), Style::plain};

  if (height > 0) {
    int room = std::max(height - static_cast<int>(head.size()) - 1, 0);
    if (room == 0) {
      body.clear();
    } else if (static_cast<int>(body.size()) > room) {
      int keep = std::max(room - 1, 0);
      int cut = static_cast<int>(body.size()) - keep;
      body.resize(size_t(keep));
      body.push_back({fmt::format("… {} more", cut), Style::dim});
    }
  }
  std::string out;
  auto emit = [&](const Line& line) {
    out += style(fit_width(line.text, width), line.style);
    out += '\n';
  };
  for (const auto& l : head) emit(l);
  for (const auto& l : body) emit(l);
  emit(foot);
  return out;
}

std::string run_change_key(const RunState& state, const DisplayFacts& facts) {
  std::string key = facts.master_running ? "M1" : "M0";
  for (const auto& w : facts.workers) key += fmt::format("|w{}:{}:{}", w.id, w.alive, w.task);
  for (const auto& t : state.tasks) {
    key += fmt::format("|{}:{}:{}:{}:{}", t.id, to_string(t.status), t.worker, t.phase, t.message);
  }
  return key;
}

std::vector<std::string> summary_lines(const RunSummary& s) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("wall {} · work {} · speedup {:.2f}x ({:.0f}% of {} workers) · saved {}",
                              format_duration(s.wall_s), format_duration(s.work_s), s.speedup, s.efficiency * 100,
                              s.workers, s.saved_s >= 0 ? format_duration(s.saved_s) : "-" + format_duration(-s.saved_s)));
  if (!s.critical_path.empty()) {
    std::string path;
    for (const auto& id : s.critical_path) path += (path.empty() ? "" : " -> ") + id;
    lines.push_back(fmt::format("critical path as it ran: {} ({})", path, format_duration(s.critical_s)));
  }
  std::string cost = s.cost ? fmt::format("cost ${:.2f}", *s.cost) : "cost unknown (no \"prices\" in the settings)";
  lines.push_back(fmt::format("tokens {} · {} · retries {} · failures {}", s.tokens, cost, s.retries, s.failures));
  return lines;
}

RunSummary summarize_for_view(const SpecPaths& paths, const RunState& state, double now) {
  Settings settings = load_settings(paths);
  return summarize_run(state, now, run_price(settings.raw, settings.path));
}

std::string run_final_line(const RunState& state, RunOutcome outcome) {
  StatusCounts c = count_statuses(state);
  if (outcome == RunOutcome::all_done && c.committed > 0) {
    return fmt::format("{} tasks committed, not merged; {} pending wait on them (kiro-parallel merge {})", c.committed,
                       c.pending, state.spec);
  }
  if (outcome == RunOutcome::all_done) return "all tasks completed";
  if (work_remaining(state)) {
    return fmt::format("nothing can move: the master is not running ({} pending, {} running); "
                       "start it with kiro-parallel run {} (or recover)",
                       c.pending, c.running, state.spec);
  }
  return fmt::format("nothing more can run: {} failed, {} stopped, {} blocked, {} conflict "
                     "(see kiro-parallel status {})",
                     c.failed, c.stopped, c.blocked, c.conflict, state.spec);
}

int run_exit_code(RunOutcome outcome) { return outcome == RunOutcome::stuck ? kExitTasksFailed : kExitOk; }

}  // namespace kp
