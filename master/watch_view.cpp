#include "master/watch_view.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "common/text_width.hpp"

namespace kp {

namespace {

// Lower comes first.
int row_rank(const TaskState& t) {
  switch (t.status) {
    case TaskStatus::running: return phase_needs_choice(t.phase) ? 0 : 1;
    case TaskStatus::conflict:
    case TaskStatus::failed: return 2;
    case TaskStatus::stopped:
    case TaskStatus::blocked: return 3;
    case TaskStatus::committed: return 4;
    case TaskStatus::pending: return 5;
    case TaskStatus::completed: return 6;
  }
  return 7;
}

Style row_style(const TaskState& t) {
  switch (row_rank(t)) {
    case 0: return Style::bold_red;
    case 2: return Style::red;
    case 3: return Style::yellow;
    case 6: return Style::green;
    case 5: return Style::dim;
    default: return Style::plain;
  }
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::vector<std::string> watch_row_order(const RunState& state) {
  std::vector<const TaskState*> rows;
  for (const auto& t : state.tasks) rows.push_back(&t);
  // Stable: inside a rank the state's id order stays.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const TaskState* a, const TaskState* b) { return row_rank(*a) < row_rank(*b); });
  std::vector<std::string> ids;
  for (const auto* t : rows) ids.push_back(t->id);
  return ids;
}

std::string move_selection(const RunState& state, const std::string& selected, int delta) {
  auto ids = watch_row_order(state);
  if (ids.empty()) return "";
  auto it = std::find(ids.begin(), ids.end(), selected);
  if (it == ids.end()) return ids.front();
  long at = std::clamp<long>(static_cast<long>(it - ids.begin()) + delta, 0, static_cast<long>(ids.size()) - 1);
  return ids[static_cast<size_t>(at)];
}

std::string watch_row_text(const TaskState& t, double now) {
  switch (t.status) {
    case TaskStatus::running: {
      if (phase_needs_choice(t.phase)) return fmt::format("!! {:<6} {} · {}", t.id, t.phase, t.title);
      std::string elapsed = t.started_epoch > 0 ? format_duration(now - t.started_epoch) : "-";
      std::string worker = t.worker >= 0 ? fmt::format("w{}", t.worker) : "--";
      return fmt::format("▶  {:<6} {:>3} {:>7}  {} · {}", t.id, worker, elapsed, t.phase.empty() ? "running" : t.phase,
                         t.title);
    }
    case TaskStatus::completed:
      return fmt::format("✓  {:<6} completed {:>7} · {}", t.id, t.duration ? format_duration(*t.duration) : "-", t.title);
    case TaskStatus::pending: return fmt::format("·  {:<6} pending · {}", t.id, t.title);
    case TaskStatus::committed: return fmt::format("●  {:<6} committed, not merged · {}", t.id, t.title);
    default: break;
  }
  std::string reason = first_line(t.message);
  return fmt::format("✗  {:<6} {} · {}", t.id, to_string(t.status), reason.empty() ? t.title : reason);
}

std::string render_watch_frame(const WatchFrameInput& in, const TermStyle& style, int width, int height) {
  const RunState& state = *in.state;
  std::string out = render_run_header(state, *in.completions, *in.facts, style, width);
  const int head = 2, tail = 5;  // "… more", ending, message, counts, keys
  const int room = std::max(height - head - tail, 1);
  auto ids = watch_row_order(state);
  int at = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == in.selected) at = static_cast<int>(i);
  }
  // The window of rows that holds the selection, as low in the list as it can start.
  int top = std::clamp(at - room / 2, 0, std::max(static_cast<int>(ids.size()) - room, 0));
  int shown = 0;
  for (int i = top; i < static_cast<int>(ids.size()) && shown < room; ++i, ++shown) {
    const TaskState* t = state.find(ids[static_cast<size_t>(i)]);
    bool selected = ids[static_cast<size_t>(i)] == in.selected;
    std::string text = fit_width((selected ? "> " : "  ") + watch_row_text(*t, in.facts->now), width);
    std::string line = style(text, selected ? Style::bold : row_style(*t));
    if (selected && style.color()) line = "\033[7m" + line + "\033[0m";
    out += line + "\n";
  }
  if (ids.empty()) out += "  (no tasks)\n";
  int more = static_cast<int>(ids.size()) - top - shown;
  out += style(more > 0 ? fmt::format("  … {} more", more) : std::string(), Style::dim) + "\n";
  out += style(fit_width(in.ending, width), Style::bold_red) + "\n";
  out += style(fit_width(in.message, width), Style::bold) + "\n";
  out += fit_width(render_counts(state), width) + "\n";
  out += style(fit_width(kWatchKeys, width), Style::dim) + "\n";
  return out;
}

std::string render_log_view(const std::string& task, const std::string& log_path, const std::string* log,
                            const TermStyle& style, int width, int height) {
  std::string out = style(fit_width(fmt::format("log of task {} ({})", task, log_path), width), Style::bold) + "\n";
  std::vector<std::string> lines;
  if (log) {
    std::istringstream in(*log);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  } else {
    lines.push_back("no log yet for this task");
  }
  const int room = std::max(height - 2, 1);
  size_t from = lines.size() > static_cast<size_t>(room) ? lines.size() - static_cast<size_t>(room) : 0;
  for (size_t i = from; i < lines.size(); ++i) out += fit_width(lines[i], width) + "\n";
  out += style(fit_width("q back (the same file as kiro-parallel logs; refreshed as it changes)", width), Style::dim) +
         "\n";
  return out;
}

}  // namespace kp
