// kiro-parallel analyze: parse, validate and plan a spec's tasks.md, then show
// the plan as a report, JSON or a Mermaid flowchart. Changes nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <unordered_map>

#include <malloc.h>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/buffered_writer.hpp"
#include "common/error.hpp"
#include "common/huge_pages.hpp"
#include "common/json_text.hpp"
#include "common/ordered_blocks.hpp"
#include "common/agent_footprint.hpp"
#include "common/machine_capacity.hpp"
#include "common/makespan_prediction.hpp"
#include "common/planner.hpp"
#include "common/run_state.hpp"
#include "common/agent_profile.hpp"
#include "common/cc_sdd.hpp"
#include "common/settings.hpp"
#include "common/spec_meta.hpp"
#include "common/spec_paths.hpp"
#include "common/tasks_md.hpp"
#include "common/term_style.hpp"
#include "common/text_width.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/phase_timer.hpp"
#include "master/run_display.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdAnalyze = {
    .name = "analyze",
    .summary = "parse, validate and plan a spec's tasks.md",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options =
        {
            {{"--mermaid"}, "", "print a Mermaid flowchart: one subgraph per wave"},
            {{"--json"}, "", "print the plan as JSON (counts, waves, critical path, tasks, warnings)"},
            {{"--order"},
             "ORDER",
             "auto (default), majors or strict (setting order): auto is strict when the file marks (P) or "
             "has cc-sdd 3 annotations, no implicit order when every task states its dependencies, majors "
             "(with a warning) otherwise",
             ValueKind::text,
             {"auto", "majors", "strict"}},
            {{"--skip-optional"}, "", "leave optional (*) tasks out of the plan (setting skip_optional)"},
            {{"--max-parallel"},
             "N",
             "predict the makespan for N workers (or auto; default: max_parallel of the settings, 3), and "
             "for 1 up to the plan's width; --json: \"prediction\" {workers, makespan_s, speedup, work_s, "
             "basis, knee, by_workers[]}"},
        },
    .help = "Reads .kiro/specs/<spec>/tasks.md and changes nothing. Durations recorded in\n"
            ".completed_tasks.json (median per task) weight the critical path. Exit 0 when the spec\n"
            "was analyzed (warnings included); 2 for a missing or bad spec name, an unreadable or\n"
            "binary tasks.md, or a dependency cycle; 1 when another program cut a tasks.md over 1 MB\n"
            "short while it was read (it is mapped, not copied).\n",
    .handler = handler,
};

namespace {

using json = nlohmann::ordered_json;

struct Analysis {
  SpecPaths paths;
  TaskFile file;
  Plan plan;
  SpecMeta meta;
  std::string history;  // one line saying which history was used
  std::string agent;    // the agent profile `run` would use, and its command
  PromptChoice prompt;  // the prompt `run` would send, and where it came from
  std::string order_source;  // "--order", the settings file, or "" for the default
  std::vector<Diagnostic> extra_warnings;  // history, settings, spec.json (line 0)
  std::vector<std::vector<std::string_view>> parent_deps;  // per task index (parents only)
  std::map<std::string, double> medians;  // recorded durations, for the prediction
  int workers = 3;                        // --max-parallel or the settings' max_parallel
  std::string workers_why;                // how auto chose, when it did
  std::string profile;
  WeightedPlan weighted;                  // the prediction's task weights
  Prediction prediction;
  // The prediction runs on a thread of its own beside the parent dependencies
  // and the output (its lines come last): read the two fields above after this.
  std::shared_future<void> predicted;
  double prediction_ms = 0;
};

// The prediction, once its thread is done (rethrows what it threw).
const Prediction& await_prediction(const Analysis& a) {
  if (a.predicted.valid()) a.predicted.get();
  return a.prediction;
}

// --- the makespan prediction (common/makespan_prediction.hpp) ---

// --max-parallel N|auto, else max_parallel N|"auto" of the settings (as run chooses).
int prediction_workers(const ParsedArgs& parsed, const Settings& settings, Analysis& a) {
  auto flag = parsed.value("--max-parallel");
  if (flag ? *flag != "auto" : !settings.max_parallel_auto)
    return static_cast<int>(parsed.integer("--max-parallel", 1, 256).value_or(settings.max_parallel));
  AutoWorkers chosen = choose_workers(read_machine_facts(), footprint_for(a.paths.logs_dir, a.profile),
                                      static_cast<int>(std::max(a.plan.max_parallelism, 1.0)));
  a.workers_why = chosen.reason;
  return chosen.workers;
}

void predict(Analysis& a) {
  auto begin = std::chrono::steady_clock::now();
  a.weighted = weigh_plan(a.plan, a.file, a.medians);
  a.prediction = predict_makespan(a.weighted.tasks, a.workers);
  a.prediction_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
}

std::string basis_text(const WeightedPlan& w) {
  std::string text = fmt::format("{}: {} recorded median{}, {} estimate{}", to_string(w.basis), w.from_history,
                                 w.from_history == 1 ? "" : "s", w.from_estimate, w.from_estimate == 1 ? "" : "s");
  if (w.from_default > 0)
    text += fmt::format(", {} task{} assumed {} each", w.from_default, w.from_default == 1 ? "" : "s",
                        format_duration(w.default_seconds));
  return text;
}

std::string prediction_lines(const Analysis& a) {
  const Prediction& p = await_prediction(a);
  if (a.weighted.tasks.empty()) return "";
  std::string out = fmt::format("Prediction:    {} worker{}{}: {}, speedup {:.2f}x  ({})\n", p.workers,
                                p.workers == 1 ? "" : "s", a.workers_why.empty() ? "" : " (" + a.workers_why + ")",
                                format_duration(p.makespan_s), p.speedup, basis_text(a.weighted));
  std::string by;
  for (const auto& m : p.by_workers) by += fmt::format("{}{}: {}", by.empty() ? "" : " · ", m.workers, format_duration(m.makespan_s));
  out += fmt::format("               by workers {}; knee {} (more workers stop helping)\n", by, p.knee);
  return out;
}

std::string prediction_json(const Analysis& a) {
  const Prediction& p = await_prediction(a);
  std::string by;
  for (const auto& m : p.by_workers) {
    by += fmt::format("{}{{\"workers\":{},\"makespan_s\":{},\"speedup\":{}}}", by.empty() ? "" : ",", m.workers,
                      m.makespan_s, m.speedup);
  }
  return fmt::format("  \"prediction\": {{\"workers\":{},\"makespan_s\":{},\"speedup\":{},\"work_s\":{},"
                     "\"basis\":\"{}\",\"weights\":{{\"history\":{},\"estimate\":{},\"default\":{},"
                     "\"default_s\":{}}},\"knee\":{},\"by_workers\":[{}]}},\n",
                     p.workers, p.makespan_s, p.speedup, p.work_s, to_string(a.weighted.basis), a.weighted.from_history,
                     a.weighted.from_estimate, a.weighted.from_default, a.weighted.default_seconds, p.knee, by);
}

std::string order_reason(const Analysis& a) {
  if (a.order_source.empty()) return a.plan.order_reason;
  return "set by " + a.order_source;
}

std::string prompt_line(const Analysis& a) {
  if (a.prompt.missing) {
    return fmt::format("not installed: run {} or set agent.prompt (run refuses until then)", a.prompt.install_hint);
  }
  AgentProfile shown;
  shown.prompt_template = a.prompt.prompt_template;
  return fmt::format("{}  (from {})", render_prompt(shown, a.paths.spec, "<task>"), a.prompt.source);
}

std::string_view leaf_status(const PlannedTask& p) {
  if (p.completed) return "completed";
  if (p.blocked) return "blocked";
  return "pending";
}

// A parent is completed when every leaf below it is; `stack` is scratch space.
std::string_view parent_status(const TaskFile& file, const Task& t, std::vector<int>& stack) {
  stack.assign(t.children.begin(), t.children.end());
  while (!stack.empty()) {
    const Task& ct = file.tasks[size_t(stack.back())];
    stack.pop_back();
    if (!ct.is_leaf()) stack.insert(stack.end(), ct.children.begin(), ct.children.end());
    else if (!ct.done()) return "pending";
  }
  return "completed";
}

// True when task `id` is below task `parent` by its id ("5.2.1" below "5").
// Ids are canonical (TaskId::str's text), so this is TaskId::is_ancestor_of
// read from the ids, which sit in a Task's first cache line.
bool below(std::string_view parent, std::string_view id) {
  return id.size() > parent.size() && id[parent.size()] == '.' && id.starts_with(parent);
}

// Each task's index into plan.leaves, -1 for a parent.
// What each parent among tasks [begin, end) waits for: its leaves'
// dependencies outside it. a.parent_deps is sized for every task already.
void compute_parent_deps(Analysis& a, const std::vector<int>& leaf_of_task, size_t begin, size_t end) {
  std::vector<int> out, stack;  // task indexes: no lookups by id; reused from parent to parent
  for (size_t i = begin; i < end; ++i) {
    const Task& t = a.file.tasks[i];
    if (t.is_leaf()) continue;
    out.clear();
    stack.assign(t.children.begin(), t.children.end());
    while (!stack.empty()) {
      int c = stack.back();
      stack.pop_back();
      const Task& ct = a.file.tasks[c];
      if (!ct.is_leaf()) {
        stack.insert(stack.end(), ct.children.begin(), ct.children.end());
        continue;
      }
      for (int d : a.plan.leaves[leaf_of_task[c]].dep_indexes) {
        if (!below(t.id, a.file.tasks[d].id)) out.push_back(d);
      }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    a.parent_deps[i].reserve(out.size());
    for (int d : out) a.parent_deps[i].push_back(a.file.tasks[d].id);
    auto by_id = [](std::string_view x, std::string_view y) { return task_id_less(x, y); };
    if (!std::is_sorted(a.parent_deps[i].begin(), a.parent_deps[i].end(), by_id))  // file order, nearly always
      std::sort(a.parent_deps[i].begin(), a.parent_deps[i].end(), by_id);
    // Ids are unique among dependencies unless the file repeats one (duplicates warned of).
    a.parent_deps[i].erase(std::unique(a.parent_deps[i].begin(), a.parent_deps[i].end()), a.parent_deps[i].end());
  }
}

std::vector<Diagnostic> all_warnings(const Analysis& a) {
  std::vector<Diagnostic> out = a.extra_warnings;
  out.insert(out.end(), a.file.warnings.begin(), a.file.warnings.end());
  out.insert(out.end(), a.plan.warnings.begin(), a.plan.warnings.end());
  out.insert(out.end(), a.file.errors.begin(), a.file.errors.end());
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& x, const Diagnostic& y) { return x.line < y.line; });
  return out;
}

struct Counts {
  size_t tasks = 0, parents = 0, runnable = 0, completed = 0, pending = 0, optional = 0, blocked = 0, skipped = 0;
};

Counts count(const Analysis& a) {
  Counts c;
  c.tasks = a.file.tasks.size();
  c.runnable = a.plan.leaves.size();
  c.parents = c.tasks - c.runnable;
  const Plan::LeafCounts& leaves = a.plan.leaf_counts;  // counted by the planner: no pass over the leaves
  c.completed = leaves.completed;
  c.blocked = leaves.blocked;
  c.pending = c.runnable - c.completed - c.blocked;
  c.optional = leaves.optional;
  c.skipped = leaves.skipped;
  return c;
}

// From this many tasks the JSON's records are written by two threads.
constexpr size_t kTwoWritersFrom = 20000;

// The JSON records of tasks [begin, end) (a separator before each but the
// file's first), with the dependencies of the parents among them.
void print_task_records(Analysis& a, const std::vector<int>& leaf_of_task, size_t begin, size_t end,
                        BufferedWriter& writer) {
  using namespace std::string_view_literals;
  using namespace json_text;
  compute_parent_deps(a, leaf_of_task, begin, end);
  std::vector<int> stack;  // reused: a parent's leaves, walked for its status
  // Each task's record sized once for its worst case, then written by
  // pointer (measured at 100,000 tasks: appends checked piece by piece were
  // half of the JSON's instructions).
  constexpr size_t kRecordText = 320;  // the record's own keys and punctuation: under 200 bytes
  for (size_t i = begin; i < end; ++i) {
    const Task& t = a.file.tasks[i];
    const PlannedTask* p = t.is_leaf() ? &a.plan.leaves[leaf_of_task[i]] : nullptr;
    std::string_view status = p ? leaf_status(*p) : parent_status(a.file, t, stack);
    const std::string_view parent = t.parent >= 0 ? a.file.tasks[t.parent].id : std::string_view();
    const std::span<const std::string_view> deps = p ? p->deps : std::span<const std::string_view>(a.parent_deps[i]);
    const size_t record = kRecordText + id_room(t.id) + string_room(t.title) + status.size() + id_room(parent) +
                          ids_room(deps) + strings_room(t.requirements) + string_room(t.group) +
                          strings_room(t.boundary) + string_room(t.contracts) +
                          string_room(t.blocked_reason.value_or("")) + 2 * kIntRoom;
    char* w = writer.room(record);
    w = put(w, i ? ",\n    {\"id\":"sv : "\n    {\"id\":"sv);
    w = put_id(w, t.id);
    w = put(w, ",\"title\":"sv);
    w = put_string(w, t.title);
    w = put(w, ",\"status\":\""sv);
    w = put(w, status);
    w = put(w, "\",\"parent\":"sv);
    w = t.parent >= 0 ? put_id(w, parent) : put(w, "null"sv);
    w = put(w, t.parallel ? ",\"parallel\":true"sv : ",\"parallel\":false"sv);
    w = put(w, (p ? p->optional : t.optional) ? ",\"optional\":true,\"deps\":"sv : ",\"optional\":false,\"deps\":"sv);
    w = put_ids(w, deps);
    w = put(w, ",\"requirements\":"sv);
    w = put_strings(w, t.requirements);
    w = put(w, ",\"group\":"sv);
    w = t.group.empty() ? put(w, "null"sv) : put_string(w, t.group);
    w = put(w, ",\"boundary\":"sv);
    w = put_strings(w, t.boundary);
    w = put(w, ",\"contracts\":"sv);
    w = t.contracts.empty() ? put(w, "null"sv) : put_string(w, t.contracts);
    w = put(w, ",\"blocked_reason\":"sv);
    w = t.blocked_reason ? put_string(w, *t.blocked_reason) : put(w, "null"sv);
    if (p && p->wave >= 0) {
      w = put(w, ",\"wave\":"sv);
      w = put_int(w, p->wave);
    } else {
      w = put(w, ",\"wave\":null"sv);
    }
    w = put(w, ",\"line\":"sv);
    w = put_int(w, t.line);
    *w++ = '}';
    writer.wrote(w);
    writer.flush_if_full();
  }
}

// Written by hand, one task per line: readable, greppable, and fast for 100,000 tasks.
// Measured reason (2026-12-01, this machine): nlohmann::ordered_json building and
// dumping the same 100,000-task document alone takes 0.85 s of CPU and 179 MB of
// RSS, against ~0.1 s and a 64 KiB buffer here; nlohmann still reads JSON elsewhere.
void print_json(Analysis& a) {
  using namespace std::string_view_literals;  // literals of known length: no strlen per task
  Counts c = count(a);
  BufferedWriter writer(stdout);
  std::string& out = writer.text();
  out += "{\n  \"spec\": ";
  json_text::append_string(out, a.paths.spec);
  out += fmt::format(",\n  \"order\": \"{}\",\n  \"order_reason\": ", to_string(a.plan.order));
  json_text::append_string(out, order_reason(a));
  out += ",\n  \"prompt\": {\"template\":";
  json_text::append_string(out, a.prompt.prompt_template);
  out += ",\"source\":";
  json_text::append_string(out, a.prompt.missing ? std::string("not installed") : a.prompt.source);
  out += ",\"install_hint\":";
  if (a.prompt.install_hint.empty()) out += "null";
  else json_text::append_string(out, a.prompt.install_hint);
  out += fmt::format("}},\n  \"implementation_notes\": {},\n", a.file.implementation_notes.size());
  out += fmt::format("  \"counts\": {{\"tasks\":{},\"parents\":{},\"runnable\":{},\"completed\":{},\"pending\":{},"
                     "\"optional\":{},\"blocked\":{}}},\n",
                     c.tasks, c.parents, c.runnable, c.completed, c.pending, c.optional, c.blocked);
  out += "  \"waves\": [";
  for (size_t w = 0; w < a.plan.waves.size(); ++w) {  // 50,000 waves for 100,000 tasks in strict order
    const auto& wave = a.plan.waves[w];
    char* p = writer.room(6 + json_text::ids_room(wave));
    p = json_text::put(p, w ? ",\n    "sv : "\n    "sv);
    writer.wrote(json_text::put_ids(p, wave));
    writer.flush_if_full();
  }
  out += a.plan.waves.empty() ? "],\n" : "\n  ],\n";
  out += "  \"critical_path\": {\"tasks\":";
  json_text::append_ids(out, a.plan.critical_path);
  out += fmt::format(",\"length\":{}}},\n", a.plan.critical_path.size());
  out += "  \"tasks\": [";
  const std::vector<int>& leaf_of = a.plan.leaf_of_task;
  a.parent_deps.assign(a.file.tasks.size(), {});
  const size_t n = a.file.tasks.size();
  if (n < kTwoWritersFrom) {
    print_task_records(a, leaf_of, 0, n, writer);
  } else {
    // Blocks of records made by two threads in turn (common/ordered_blocks):
    // not half the report (~15 MB at 100,000 tasks) held until the first half is out.
    writer.flush();  // the header goes first
    constexpr size_t kBlock = 512;  // tasks: ~150 KB of JSON
    write_blocks_in_turn(stdout, (n + kBlock - 1) / kBlock, 400 * kBlock, [&](size_t block, BufferedWriter& out) {
      print_task_records(a, leaf_of, block * kBlock, std::min(n, (block + 1) * kBlock), out);
    });
  }
  out += a.file.tasks.empty() ? "],\n" : "\n  ],\n";
  out += prediction_json(a);
  out += "  \"warnings\": [";
  auto warnings = all_warnings(a);
  for (size_t k = 0; k < warnings.size(); ++k) {
    out += fmt::format("{}{{\"line\":{},\"message\":", k ? ",\n    " : "\n    ", warnings[k].line);
    json_text::append_string(out, warnings[k].message);
    out += '}';
  }
  out += warnings.empty() ? "]\n}\n" : "\n  ]\n}\n";
}

std::string mermaid_node(std::string_view id) {
  std::string out = "t";
  for (char ch : id) out += ch == '.' || ch == '-' ? '_' : ch;  // "1.2" -> t1_2, "CORE-1" -> tCORE_1
  return out;
}

std::string mermaid_text(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"') out += "#quot;";
    else if (ch == '<') out += "#lt;";
    else if (ch == '>') out += "#gt;";
    else out += ch;
  }
  return out;
}

void print_mermaid(const Analysis& a) {
  BufferedWriter writer(stdout);
  std::string& out = writer.text();
  out += "flowchart TD\n";
  std::map<std::string_view, const PlannedTask*> scheduled;
  for (const auto& p : a.plan.leaves) {
    if (p.wave >= 0) scheduled.emplace(p.id, &p);
  }
  for (size_t w = 0; w < a.plan.waves.size(); ++w) {
    out += fmt::format("  subgraph wave{}[\"Wave {}\"]\n", w + 1, w + 1);
    for (const auto& id : a.plan.waves[w]) {
      const PlannedTask* p = scheduled[id];
      out += fmt::format("    {}[\"{} {}\"]\n", mermaid_node(id), id, mermaid_text(p ? p->title : ""));
      writer.flush_if_full();
    }
    out += "  end\n";
  }
  for (const auto& p : a.plan.leaves) {
    if (p.wave < 0) continue;
    for (const auto& d : p.deps) {
      if (scheduled.count(d)) out += fmt::format("  {} --> {}\n", mermaid_node(d), mermaid_node(p.id));
    }
    writer.flush_if_full();
  }
}

// At most `width` terminal columns, marking the cut.
std::string clip(std::string_view s, int width) { return fit_width(s, width); }

// "1.2, 1.3, … (+4 more)": at most `max` ids.
void append_ids(std::string& out, std::span<const std::string_view> ids, size_t max) {
  for (size_t k = 0; k < ids.size() && k < max; ++k) {
    if (k) out += ", ";
    out += ids[k];
  }
  if (ids.size() > max) fmt::format_to(std::back_inserter(out), ", … (+{} more)", ids.size() - max);
}

std::string list_ids(std::span<const std::string_view> ids, size_t max) {
  std::string out;
  append_ids(out, ids, max);
  return out;
}

std::string number(double v) {
  if (v == static_cast<long long>(v)) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{:.1f}", v);
}

void print_human(const Analysis& a) {
  using namespace std::string_view_literals;
  TermStyle style(stdout);
  Counts c = count(a);
  BufferedWriter writer(stdout);
  std::string& out = writer.text();
  out += fmt::format("{} {}  ({})\n", style("Spec", Style::bold), style(a.paths.spec, Style::bold), a.file.path);
  std::string_view rule = a.plan.order == TaskOrder::majors   ? "majors are independent; sub-tasks in sequence unless (P)"
                          : a.plan.order == TaskOrder::strict ? "each task waits for the tasks before it unless (P)"
                                                              : "only the dependencies each task states";
  out += fmt::format("Order:     {}  ({}; {})\n", to_string(a.plan.order), rule, order_reason(a));
  out += fmt::format("Tasks:     {} ({} parents, {} runnable: {} completed, {} pending, {} blocked; {} optional{})\n",
                     c.tasks, c.parents, c.runnable, c.completed, c.pending, c.blocked, c.optional,
                     c.skipped ? fmt::format(", {} skipped", c.skipped) : std::string());
  out += fmt::format("History:   {}\n", a.history);
  out += fmt::format("Agent:     {}\n", a.agent);
  out += fmt::format("Prompt:    {}\n", prompt_line(a));
  if (!a.file.implementation_notes.empty())
    out += fmt::format("Notes:     {} line{} under ## Implementation Notes\n", a.file.implementation_notes.size(),
                       a.file.implementation_notes.size() == 1 ? "" : "s");
  if (!a.meta.source.empty() && !a.meta.phase.empty()) out += fmt::format("Phase:     {}\n", a.meta.phase);

  size_t id_width = 2;
  for (const auto& p : a.plan.leaves) id_width = std::max(id_width, p.id.size());
  // A repeated id shows its first task's title: looked up by id then (rare),
  // else each wave's own leaves, with no lookups.
  std::unordered_map<std::string_view, const PlannedTask*> by_id;
  if (!a.file.duplicates.empty()) {
    for (const auto& p : a.plan.leaves) by_id.emplace(p.id, &p);
  }
  // Each leaf's title as shown, in one buffer, measured once: no string per
  // leaf (measured at 100,000 tasks: strings per leaf and per line were two
  // thirds of the report's time).
  struct Shown {
    uint32_t at = 0, size = 0, width = 0;
  };
  std::string shown_text;
  shown_text.reserve(a.plan.leaves.size() * 48);
  std::vector<Shown> shown(a.plan.leaves.size());
  std::string title;  // scratch, reused
  size_t title_width = 0;
  for (size_t k = 0; k < a.plan.leaves.size(); ++k) {  // every leaf: a repeated id shows its first task's title
    const PlannedTask& p = a.plan.leaves[k];
    const Task& t = a.file.tasks[p.index];
    title.assign(p.title);
    if (t.parallel) title += " (P)";
    if (p.optional) title += " (optional)";
    if (!t.group.empty()) fmt::format_to(std::back_inserter(title), " [{}]", t.group);
    Shown& sh = shown[k];
    sh.at = static_cast<uint32_t>(shown_text.size());
    sh.width = static_cast<uint32_t>(append_fit_width(shown_text, title, 56));
    sh.size = static_cast<uint32_t>(shown_text.size() - sh.at);
    if (p.wave >= 0) title_width = std::max<size_t>(title_width, sh.width);
  }
  std::string after;  // scratch, reused: "after 1.2, 1.3"
  for (size_t w = 0; w < a.plan.waves.size(); ++w) {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("\n{}  ({} task{})\n"),
                   style(fmt::format(FMT_COMPILE("Wave {}"), w + 1), Style::cyan), a.plan.waves[w].size(),
                   a.plan.waves[w].size() == 1 ? "" : "s");
    for (size_t k = 0; k < a.plan.waves[w].size(); ++k) {
      const std::string_view id = a.plan.waves[w][k];
      const PlannedTask* p = by_id.empty() ? &a.plan.leaves[a.plan.wave_leaves[w][k]] : by_id[id];
      const Shown& sh = shown[static_cast<size_t>(p - a.plan.leaves.data())];
      // The line sized once and written by pointer, as the JSON's records
      // (measured at 100,000 tasks: the appends' copies were 4% of the report's CPU).
      const size_t id_pad = id_width > id.size() ? id_width - id.size() : 0;  // ids are ASCII: a column a byte
      const size_t title_pad = p->deps.empty() || title_width <= sh.width ? 0 : title_width - sh.width;
      if (!p->deps.empty()) {
        after = "after ";
        append_ids(after, p->deps, 6);
        if (style.color()) after = style(after, Style::dim);
      }
      char* line = writer.room(2 + id.size() + id_pad + 2 + sh.size + (p->deps.empty() ? 0 : title_pad + 2 + after.size()) + 1);
      line = json_text::put(line, "  "sv);
      line = json_text::put(line, id);
      line = std::fill_n(line, id_pad, ' ');
      line = json_text::put(line, "  "sv);
      line = std::copy_n(shown_text.data() + sh.at, sh.size, line);
      if (!p->deps.empty()) {
        line = std::fill_n(line, title_pad, ' ');
        line = json_text::put(line, "  "sv);
        line = std::copy_n(after.data(), after.size(), line);
      }
      *line++ = '\n';
      writer.wrote(line);
      writer.flush_if_full();
    }
  }
  if (a.plan.waves.empty()) out += "\nNothing left to run.\n";
  std::vector<const PlannedTask*> blocked, skipped;
  for (const auto& p : a.plan.leaves) {
    if (p.blocked) blocked.push_back(&p);
    if (p.skipped) skipped.push_back(&p);
  }
  if (!blocked.empty()) {
    out += fmt::format("\n{}  ({})\n", style("Blocked", Style::red), blocked.size());
    for (const auto* p : blocked)
      out += fmt::format("  {:<{}}  {}  {}\n", p->id, id_width, clip(p->title, 50), style(p->blocked_reason, Style::dim));
  }
  if (!skipped.empty()) {
    std::vector<std::string_view> ids;
    for (const auto* p : skipped) ids.push_back(p->id);
    out += fmt::format("\nSkipped (optional): {}\n", list_ids(ids, 20));
  }
  out += '\n';
  if (!a.plan.critical_path.empty()) {
    std::string path;
    for (size_t k = 0; k < a.plan.critical_path.size(); ++k) {
      if (k) path += " -> ";
      path += a.plan.critical_path[k];
    }
    if (a.plan.critical_path.size() > 16) {
      path = fmt::format("{} -> {} -> … -> {}", a.plan.critical_path[0], a.plan.critical_path[1], a.plan.critical_path.back());
    }
    out += fmt::format("Critical path: {}  ({} task{}{})\n", path, a.plan.critical_path.size(),
                       a.plan.critical_path.size() == 1 ? "" : "s",
                       a.plan.weighted ? fmt::format(", {} s by recorded durations; by task count {} waves",
                                                     number(a.plan.critical_length), a.plan.waves.size())
                                       : "");
    out += fmt::format("Parallelism:   max {}, average {:.2f} over {} wave{}\n", number(a.plan.max_parallelism),
                       a.plan.avg_parallelism, a.plan.waves.size(), a.plan.waves.size() == 1 ? "" : "s");
    out += prediction_lines(a);
  }
  auto warnings = all_warnings(a);
  if (!warnings.empty()) {
    out += fmt::format("\n{}  ({})\n", style("Warnings", Style::yellow), warnings.size());
    for (const auto& w : warnings) out += fmt::format("  {}\n", w.line > 0 ? format_diagnostic(a.file, w) : w.message);
  }
}


int handler(const ParsedArgs& parsed) {
  if (parsed.has("--json") && parsed.has("--mermaid")) throw UsageError("analyze: choose one of --json and --mermaid");
  // One heap that keeps what is freed: the parse's scratch then serves the
  // plan, instead of fresh pages the kernel must zero first (measured: page
  // zeroing was a sixth of analyze's time at 100,000 tasks).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_ARENA_MAX, 1);
  PhaseTimer timer;
  auto analysis = std::make_unique<Analysis>();
  Analysis& a = *analysis;
  a.paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  Settings settings = load_settings(a.paths);
  {
    // Only the profile's name, command and prompt are shown: its patterns stay text.
    AgentProfile profile = resolve_profile(settings.raw, settings.path, std::nullopt, Patterns::as_text);
    a.profile = profile.name;
    std::string command;
    for (const auto& word : profile.command) command += (command.empty() ? "" : " ") + word;
    a.agent = fmt::format("profile {} ({})", profile.name, command.empty() ? "no command: set agent.command" : command);
    a.prompt = choose_prompt(a.paths.repo_root, profile.name, profile.prompt_template,
                             settings_prompt(settings.raw, profile.name));
  }
  PlanOptions options;
  std::string order_text = parsed.value("--order").value_or(settings.order);
  auto order = parse_task_order(order_text);
  if (!order) {
    throw UsageError(parsed.has("--order")
                         ? fmt::format("analyze: --order takes auto, majors or strict, not '{}'", order_text)
                         : fmt::format("{}: \"order\" must be auto, majors or strict, not '{}'", a.paths.settings_json.string(), order_text));
  }
  if (*order != TaskOrder::automatic) {
    a.order_source = parsed.has("--order") ? "--order" : fmt::format("\"order\" in {}", a.paths.settings_json.filename().string());
  }
  options.order = *order;
  options.skip_optional = parsed.has("--skip-optional") || settings.skip_optional;

  timer.mark("settings");
  // A large file's parse and plan allocate ~20x its size in pieces (100,000
  // tasks: ~16,000 page faults of 4 KiB). Measured on a 2-core VM
  // (2026-12-01), faulting 100 MB in 4 KiB pages took 62 ms, in 2 MiB pages
  // 12 ms; analyze of 100,000 tasks: system time 60 -> 30 ms, wall min 200
  // -> 160 ms, median 220 -> 200 ms (15 runs each, interleaved).
  std::error_code size_error;
  const auto tasks_md_bytes = std::filesystem::file_size(a.paths.tasks_md, size_error);
  if (!size_error && tasks_md_bytes >= (1u << 20)) grow_heap_in_huge_pages(24 * static_cast<size_t>(tasks_md_bytes));
  a.file = load_tasks_md(a.paths.tasks_md, TasksMdAccess::map_large);  // one shot: mapped, not copied
  timer.mark("parse");
  try {
    auto history = read_completions(a.paths.completed_json);
    options.durations = median_durations(history);
    a.medians = options.durations;
    a.history = history.empty() ? fmt::format("none ({} not found or empty)", a.paths.completed_json.filename().string())
                                : fmt::format("{} completion{} of {} task{} in {} (median per task)", history.size(),
                                              history.size() == 1 ? "" : "s", options.durations.size(),
                                              options.durations.size() == 1 ? "" : "s", a.paths.completed_json.filename().string());
  } catch (const std::exception& e) {
    a.history = "none (unreadable; see warnings)";
    a.extra_warnings.push_back({0, e.what()});
  }
  a.meta = load_spec_meta(a.paths);
  a.extra_warnings.insert(a.extra_warnings.end(), a.meta.warnings.begin(), a.meta.warnings.end());
  timer.mark("history");
  a.plan = make_plan(a.file, options);
  timer.mark("plan");
  if (!a.plan.cycle.empty()) {
    int line = a.file.find(a.plan.cycle.front()) >= 0 ? a.file.tasks[a.file.find(a.plan.cycle.front())].line : 0;
    throw UsageError(format_diagnostic(a.file, {line, "dependency cycle: " + format_cycle(a.plan.cycle)}));
  }
  if (!parsed.has("--mermaid")) {
    a.workers = prediction_workers(parsed, settings, a);  // bad --max-parallel: refused before any output
    a.predicted = std::async(std::launch::async, [&a] { predict(a); }).share();  // 2 cores: ~a fifth of the wall time
  }
  if (parsed.has("--json")) print_json(a);
  else if (parsed.has("--mermaid")) print_mermaid(a);
  else print_human(a);
  std::fflush(stdout);
  await_prediction(a);
  timer.mark("output");
  if (a.predicted.valid()) timer.note("prediction (on its own thread, beside the output)", a.prediction_ms);
  timer.print(a.file.tasks.size());
  // Left to the process's exit, not freed piece by piece: measured at 100,000
  // tasks, the destructors took ~7% of the run's CPU (2026-12-01, perf).
  (void)analysis.release();
  return 0;
}

}  // namespace

}  // namespace kp
