// `status <spec> [--json]`: one table of every task, read from the state
// without a lock (writers rename whole files), then counts and the master.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/spec_paths.hpp"
#include "common/term_style.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/run_display.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdStatus = {
    .name = "status",
    .summary = "every task's status, worker, session, start, duration, attempts",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options = {{{"--json"},
                 "",
                 "print one JSON object: spec, master {running, pid, gave_up}, plan_changes, live workers [{id, pid, "
                 "task}], counts {pending, running, completed, failed, stopped, blocked, conflict, "
                 "committed}, tasks [{id, title, status, worker, session, branch, started_at, duration, "
                 "elapsed, attempts, phase, message}], needs_choice [ids], summary {wall_s, work_s, speedup, "
                 "efficiency, saved_s, tokens, cost, critical_path, retries, failures}; null = unknown"}},
    .help = "exit status: 0, or 3 when some task failed, is blocked or in conflict and\n"
            "nothing else can run; 2 when the spec has no run state.\n",
    .handler = handler,
};

namespace {

using json = nlohmann::ordered_json;

json string_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

std::string task_time(const TaskState& t, double now) {
  if (t.duration) return format_duration(*t.duration);
  if (t.status == TaskStatus::running && t.started_epoch > 0) return format_duration(now - t.started_epoch);
  return "-";
}

json summary_json(const RunSummary& s) {
  return {{"wall_s", s.wall_s},         {"work_s", s.work_s},     {"speedup", s.speedup},
          {"efficiency", s.efficiency}, {"saved_s", s.saved_s},   {"workers", s.workers},
          {"tokens", s.tokens},         {"cost", s.cost ? json(*s.cost) : json(nullptr)},
          {"critical_path", s.critical_path}, {"critical_s", s.critical_s},
          {"retries", s.retries},       {"failures", s.failures}};
}

json status_json(const RunState& state, const DisplayFacts& facts, const RunSummary& summary) {
  StatusCounts c = count_statuses(state);
  json out;
  out["spec"] = state.spec;
  out["master"] = {{"running", facts.master_running},
                   {"pid", facts.master_running && facts.master_pid > 0 ? json(facts.master_pid) : json(nullptr)},
                   {"gave_up", string_or_null(facts.master_running ? std::string() : state.master_gave_up)}};
  out["plan_changes"] = string_or_null(state.plan_changes);
  json workers = json::array();
  for (const auto& w : facts.workers) {
    if (!w.alive) continue;
    workers.push_back({{"id", w.id}, {"pid", w.pid > 0 ? json(w.pid) : json(nullptr)}, {"task", string_or_null(w.task)}});
  }
  out["workers"] = std::move(workers);
  out["counts"] = {{"pending", c.pending},     {"running", c.running}, {"completed", c.completed},
                   {"failed", c.failed},       {"stopped", c.stopped}, {"blocked", c.blocked},
                   {"conflict", c.conflict},   {"committed", c.committed}};
  json tasks = json::array();
  json needs_choice = json::array();
  for (const auto& t : state.tasks) {
    json j;
    j["id"] = t.id;
    j["title"] = t.title;
    j["status"] = std::string(to_string(t.status));
    j["worker"] = t.worker >= 0 ? json(t.worker) : json(nullptr);
    j["session"] = string_or_null(t.session);
    j["branch"] = string_or_null(t.branch);
    j["started_at"] = string_or_null(t.started_at);
    j["duration"] = t.duration ? json(*t.duration) : json(nullptr);
    j["elapsed"] = t.status == TaskStatus::running && t.started_epoch > 0
                       ? json(std::max(facts.now - t.started_epoch, 0.0))
                       : json(nullptr);
    j["attempts"] = t.attempts;
    j["phase"] = string_or_null(t.phase);
    j["message"] = string_or_null(t.message);
    j["evidence"] = string_or_null(t.evidence);  // what proved it completed
    j["tokens"] = {{"input", t.tokens_input}, {"output", t.tokens_output}, {"cache_read", t.tokens_cache_read},
                   {"cache_creation", t.tokens_cache_creation}};
    tasks.push_back(std::move(j));
    if (t.status == TaskStatus::running && phase_needs_choice(t.phase)) needs_choice.push_back(t.id);
  }
  out["tasks"] = std::move(tasks);
  out["needs_choice"] = std::move(needs_choice);
  out["summary"] = summary_json(summary);
  return out;
}

Style status_style(TaskStatus s) {
  switch (s) {
    case TaskStatus::completed: return Style::green;
    case TaskStatus::running:
    case TaskStatus::committed: return Style::cyan;
    case TaskStatus::failed:
    case TaskStatus::conflict: return Style::red;
    case TaskStatus::blocked:
    case TaskStatus::stopped: return Style::yellow;
    case TaskStatus::pending: break;
  }
  return Style::plain;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    if (nl > start) lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

void print_human(const RunState& state, const DisplayFacts& facts, const RunSummary& summary, const TermStyle& style) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "STATUS", "WORKER", "SESSION", "STARTED", "TIME", "TRIES", "TITLE"});
  for (const auto& t : state.tasks) {
    rows.push_back({t.id, std::string(to_string(t.status)), t.worker >= 0 ? std::to_string(t.worker) : "-",
                    t.session.empty() ? "-" : t.session, t.started_at.empty() ? "-" : t.started_at,
                    task_time(t, facts.now), std::to_string(t.attempts), t.title});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i + 1 < r.size(); ++i) widths[i] = std::max(widths[i], r[i].size());
  }
  auto row_text = [&](const std::vector<std::string>& r, size_t column, Style s) {
    std::string cell = column + 1 < r.size() ? fmt::format("{:<{}}", r[column], widths[column]) : r[column];
    return style(cell, s);
  };
  std::string out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const TaskState* t = i == 0 ? nullptr : &state.tasks[i - 1];
    for (size_t c = 0; c < r.size(); ++c) {
      Style s = i == 0 ? Style::bold : (c == 1 ? status_style(t->status) : Style::plain);
      out += row_text(r, c, s);
      out += c + 1 < r.size() ? "  " : "\n";
    }
    if (!t) continue;
    if (t->status == TaskStatus::running && phase_needs_choice(t->phase)) {
      out += "    " + style("!! " + t->phase + " (waiting for a person)", Style::bold_red) + "\n";
      out += "    " + style("attach: " + attach_command_text(state.config, task_session(state, *t)), Style::bold) + "\n";
    } else if (t->status == TaskStatus::running && !t->phase.empty()) {
      out += "    → " + t->phase + "\n";
    }
    if (t->status != TaskStatus::completed) {
      for (const auto& line : split_lines(t->message)) {
        out += "    " + style(line, t->status == TaskStatus::conflict ? Style::yellow : Style::plain) + "\n";
      }
    }
  }
  StatusCounts c = count_statuses(state);
  out += fmt::format("\n{} tasks: {} pending, {} running, {} completed, {} failed, {} stopped, {} blocked, {} conflict{}\n",
                     c.total(), c.pending, c.running, c.completed, c.failed, c.stopped, c.blocked, c.conflict,
                     c.committed ? fmt::format(", {} committed (not merged: kiro-parallel merge {})", c.committed, state.spec)
                                 : std::string());
  for (const auto& line : summary_lines(summary)) out += line + "\n";
  out += fmt::format("prompt: {}{}\n", state.config.prompt_template,
                     state.config.prompt_source.empty() ? "" : "  (from " + state.config.prompt_source + ")");
  if (facts.master_running) {
    out += facts.master_pid > 0 ? fmt::format("master: running (pid {})\n", facts.master_pid) : "master: running\n";
  } else {
    std::string hint = work_remaining(state)
                           ? fmt::format(" (work remains: kiro-parallel run {} starts it again)", state.spec)
                           : "";
    out += style("master: not running" + hint, Style::yellow) + "\n";
    if (!state.master_gave_up.empty()) out += style("master gave up: " + state.master_gave_up, Style::bold_red) + "\n";
  }
  if (!state.plan_changes.empty()) out += style(state.plan_changes, Style::yellow) + "\n";
  fmt::print("{}", out);
}

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  auto [state, facts] = read_run_view(paths);
  RunSummary summary = summarize_for_view(paths, state, facts.now);
  if (parsed.has("--json")) {
    fmt::print("{}\n", status_json(state, facts, summary).dump(2));
  } else {
    print_human(state, facts, summary, TermStyle(stdout));
  }
  return status_says_failed(state) ? kExitTasksFailed : kExitOk;
}

}  // namespace

}  // namespace kp
