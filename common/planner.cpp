#include "common/planner.hpp"

#include <algorithm>
#include <future>
#include <unordered_map>

#include <fmt/format.h>

#include "common/huge_pages.hpp"
#include "common/task_id.hpp"

namespace kp {

std::optional<TaskOrder> parse_task_order(std::string_view text) {
  if (text == "auto") return TaskOrder::automatic;
  if (text == "majors") return TaskOrder::majors;
  if (text == "strict") return TaskOrder::strict;
  if (text == "declared") return TaskOrder::declared;
  return std::nullopt;
}

std::string_view to_string(TaskOrder order) {
  switch (order) {
    case TaskOrder::automatic: return "auto";
    case TaskOrder::majors: return "majors";
    case TaskOrder::strict: return "strict";
    case TaskOrder::declared: return "declared";
  }
  return "auto";
}

OrderChoice resolve_order(const TaskFile& file, TaskOrder requested) {
  OrderChoice c;
  if (requested != TaskOrder::automatic) {
    c.order = requested;
    c.reason = "as asked";
    return c;
  }
  // The marks counted by the parser; the annotations, further into each
  // Task, only when the choice comes to them (measured at 100,000 tasks: one
  // pass reading both took 2 ms).
  const size_t leaves = file.marks.leaves, declaring = file.marks.declaring_leaves, parallel = file.marks.parallel;
  auto first_annotated = [&]() -> const Task* {
    for (const auto& t : file.tasks) {
      if (!t.boundary.empty() || !t.contracts.empty()) return &t;
    }
    return nullptr;
  };
  const bool all_declared = leaves > 0 && declaring == leaves;
  const Task* annotated = all_declared || parallel > 0 || !file.waves.empty() ? nullptr : first_annotated();
  if (all_declared) {
    c.order = TaskOrder::declared;
    c.reason = "every task states its dependencies (**Dependencies:**, None included): no implicit order";
  } else if (parallel > 0) {
    c.order = TaskOrder::strict;
    c.reason = fmt::format("the file marks its parallel tasks ((P) on {} task{}): each task waits for the tasks "
                           "before it unless (P), cc-sdd's \"order implies dependency\"",
                           parallel, parallel == 1 ? "" : "s");
  } else if (!file.waves.empty()) {
    c.order = TaskOrder::majors;
    c.reason = "the file's Task Dependency Graph orders the tasks it names; the others follow majors";
  } else if (annotated) {
    c.order = TaskOrder::strict;
    c.reason = fmt::format("the file has cc-sdd 3 annotations (_Boundary:_/_Contracts:_ on task {}): each task waits "
                           "for the tasks before it, cc-sdd's \"order implies dependency\"",
                           annotated->id);
  } else {
    c.order = TaskOrder::majors;
    c.reason = "the file has no (P) markers: major tasks are taken as independent (the original heuristic)";
    if (!file.tasks.empty()) {
      c.warning = Diagnostic{0, fmt::format("{}: no (P) markers, so order auto assumes major tasks are independent "
                                            "(majors); if each task needs the ones before it, use --order strict",
                                            file.path)};
    }
  }
  return c;
}

std::span<const std::string_view> effective_boundary(const TaskFile& file, int index) {
  int i = index;
  while (i >= 0 && file.tasks[static_cast<size_t>(i)].boundary.empty() && file.tasks[static_cast<size_t>(i)].parent >= 0)
    i = file.tasks[static_cast<size_t>(i)].parent;
  return file.tasks[static_cast<size_t>(i < 0 ? index : i)].boundary;
}

int Plan::find_leaf(std::string_view id) const {
  for (size_t i = 0; i < leaves.size(); ++i) {
    if (leaves[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

std::string format_cycle(const std::vector<std::string>& cycle) {
  std::string out;
  for (size_t i = 0; i < cycle.size(); ++i) {
    if (i) out += " -> ";
    out += cycle[i];
  }
  return out;
}

namespace {

// The graph: node i is task i (for a parent: the point where its sub-tasks may
// start), node n+i is the point where parent i is finished. An edge u -> v
// means v waits for u. A dependency on a parent is an edge from its end node,
// which waits for every leaf below it.
class Graph {
 public:
  // Edges reserved for: most files hold two to four per task (measured on
  // generated and real files), and a grown list is copied at each doubling.
  Graph(int nodes, size_t expected_edges) : nodes_(nodes) { edges_.reserve(expected_edges); }
  void add(int from, int to) { edges_.emplace_back(from, to); }
  // Edges sorted by (from, to) and made unique in linear time: two stable
  // counting sorts (by from, then by to) give each node its predecessors in
  // ascending order; one more by from gives each its successors likewise.
  void build() {
    std::vector<std::pair<int, int>> by_from = sorted_by(edges_, [](const auto& e) { return e.first; });
    std::vector<std::pair<int, int>> by_to = sorted_by(by_from, [](const auto& e) { return e.second; });
    by_to.erase(std::unique(by_to.begin(), by_to.end()), by_to.end());  // (to, from) order: repeats are neighbours
    by_from = sorted_by(by_to, [](const auto& e) { return e.first; });
    fill(by_to, pred_start_, pred_, [](const auto& e) { return std::pair(e.second, e.first); });
    fill(by_from, succ_start_, succ_, [](const auto& e) { return e; });
    edges_.clear();
    edges_.shrink_to_fit();
  }
  int nodes() const { return nodes_; }
  template <class F> void each_succ(int v, F f) const {
    for (int k = succ_start_[v]; k < succ_start_[v + 1]; ++k) f(succ_[k]);
  }
  template <class F> void each_pred(int v, F f) const {
    for (int k = pred_start_[v]; k < pred_start_[v + 1]; ++k) f(pred_[k]);
  }
  int in_degree(int v) const { return pred_start_[v + 1] - pred_start_[v]; }

 private:
  template <class Key>
  std::vector<std::pair<int, int>> sorted_by(const std::vector<std::pair<int, int>>& edges, Key key) const {
    std::vector<int> at(size_t(nodes_) + 1, 0);
    for (const auto& e : edges) ++at[size_t(key(e)) + 1];
    for (int i = 0; i < nodes_; ++i) at[size_t(i) + 1] += at[size_t(i)];
    std::vector<std::pair<int, int>> out(edges.size());
    for (const auto& e : edges) out[size_t(at[size_t(key(e))]++)] = e;
    return out;
  }
  // CSR lists from edges grouped by node: node_and_other(e) = (the node, the other end).
  template <class Split>
  void fill(const std::vector<std::pair<int, int>>& grouped, std::vector<int>& start, std::vector<int>& list,
            Split node_and_other) {
    start.assign(size_t(nodes_) + 1, 0);
    list.resize(grouped.size());
    for (size_t k = 0; k < grouped.size(); ++k) {
      auto [node, other] = node_and_other(grouped[k]);
      ++start[size_t(node) + 1];
      list[k] = other;
    }
    for (int i = 0; i < nodes_; ++i) start[size_t(i) + 1] += start[size_t(i)];
  }

  int nodes_;
  std::vector<std::pair<int, int>> edges_;
  std::vector<int> succ_start_, pred_start_, succ_, pred_;
};

struct Builder {
  const TaskFile& file;
  const PlanOptions& options;
  TaskOrder order;  // resolved
  Plan& plan;
  int n;
  Graph graph;
  std::vector<char> has_explicit, has_implicit;

  Builder(const TaskFile& f, const PlanOptions& o, Plan& p)
      : file(f), options(o), order(p.order), plan(p), n(static_cast<int>(f.tasks.size())), graph(2 * n, 4 * size_t(n)),
        has_explicit(n, 0), has_implicit(n, 0) {}

  int start_node(int i) const { return i; }
  int end_node(int i) const { return file.tasks[i].is_leaf() ? i : n + i; }
  std::string_view label(int node) const { return file.tasks[node < n ? node : node - n].id; }

  void wait(int task, int on) { graph.add(end_node(on), start_node(task)); }

  void explicit_edges() {
    for (int i = 0; i < n; ++i) {
      const Task& t = file.tasks[i];
      for (size_t k = 0; k < t.depends.size(); ++k) {
        int j = file.depends_task(t, k);
        if (j < 0) {
          plan.warnings.push_back({file.depends_line(t, k), fmt::format("task {} depends on unknown task {}; ignored", t.id, t.depends[k])});
          continue;
        }
        wait(i, j);
        has_explicit[i] = 1;
      }
    }
    std::vector<int> previous;
    for (const auto& wave : file.waves) {
      std::vector<int> members;
      for (const auto& id : wave.tasks) {
        int j = file.find(id);
        if (j < 0) {
          plan.warnings.push_back({wave.line, fmt::format("dependency graph wave {} names unknown task {}; ignored", wave.number, id)});
          continue;
        }
        members.push_back(j);
        has_explicit[j] = 1;
        for (int p : previous) wait(j, p);
      }
      if (!members.empty()) previous = std::move(members);
    }
  }

  void sibling_edges(std::span<const int> siblings) {
    if (order == TaskOrder::declared) return;
    if (order == TaskOrder::majors) {
      // An unmarked sub-task waits for the one before it; after a run of (P)
      // sub-tasks, for the whole run and the one before the run.
      for (size_t k = 1; k < siblings.size(); ++k) {
        int t = siblings[k];
        if (file.tasks[t].parallel || has_explicit[t]) continue;
        for (size_t j = k; j-- > 0;) {
          wait(t, siblings[j]);
          if (!file.tasks[siblings[j]].parallel) break;
        }
        has_implicit[t] = 1;
      }
      return;
    }
    // strict: a (P) task joins the run before it; each run waits for the
    // previous run. Runs are ranges of `siblings`: no list per parent.
    size_t previous_begin = 0, previous_end = 0, run_begin = 0;
    for (size_t k = 0; k < siblings.size(); ++k) {
      int t = siblings[k];
      if (k > 0 && !file.tasks[t].parallel) {
        previous_begin = run_begin;
        previous_end = k;
        run_begin = k;
      }
      for (size_t j = previous_begin; j < previous_end; ++j) {
        wait(t, siblings[j]);
        has_implicit[t] = 1;
      }
    }
  }

  void implicit_edges() {
    // A sub-task inherits its parent's waits unless it already waits for a
    // sibling (which inherits them itself); every sub-task finishes its parent.
    // Per parent, right after its siblings' edges: its children are in cache
    // then; the top-level tasks in the same pass (measured at 100,000 tasks:
    // a pass of its own over every Task was ~1 ms).
    std::vector<int> top;
    std::map<std::string, std::vector<int>> orphans;  // "1.1" without a task "1": grouped by prefix
    for (int i = 0; i < n; ++i) {
      const Task& t = file.tasks[i];
      if (t.parent < 0) {
        top.push_back(i);
        if (t.key.depth() > 1) orphans[t.key.prefix().str()].push_back(i);
      }
      if (t.is_leaf()) continue;
      sibling_edges(t.children);
      for (int c : t.children) {
        if (!has_implicit[c]) graph.add(start_node(i), start_node(c));
        graph.add(end_node(c), n + i);
      }
    }
    if (order == TaskOrder::strict) {
      sibling_edges(top);
    } else {
      for (auto& [prefix, group] : orphans) sibling_edges(group);
    }
  }

  // Kahn's algorithm; the remaining nodes hold a cycle when order is short.
  std::vector<int> topological_order(std::vector<int>& remaining_in) const {
    std::vector<int> order;
    order.reserve(graph.nodes());
    remaining_in.assign(graph.nodes(), 0);
    for (int v = 0; v < graph.nodes(); ++v) {
      remaining_in[v] = graph.in_degree(v);
      if (remaining_in[v] == 0) order.push_back(v);
    }
    for (size_t k = 0; k < order.size(); ++k) {
      graph.each_succ(order[k], [&](int u) {
        if (--remaining_in[u] == 0) order.push_back(u);
      });
    }
    return order;
  }

  std::vector<std::string> find_cycle(const std::vector<int>& remaining_in) const {
    int start = -1;
    for (int v = 0; v < graph.nodes() && start < 0; ++v) {
      if (remaining_in[v] > 0) start = v;
    }
    // Every node left has a predecessor left: walk back until a node repeats.
    std::unordered_map<int, size_t> seen;
    std::vector<int> path;
    int cur = start;
    while (!seen.count(cur)) {
      seen[cur] = path.size();
      path.push_back(cur);
      int next = -1;
      graph.each_pred(cur, [&](int u) {
        if (next < 0 && remaining_in[u] > 0) next = u;
      });
      cur = next;
    }
    std::vector<std::string> labels;
    for (size_t k = seen[cur]; k < path.size(); ++k) {
      std::string_view l = label(path[k]);
      if (labels.empty() || labels.back() != l) labels.emplace_back(l);
    }
    while (labels.size() > 1 && labels.back() == labels.front()) labels.pop_back();
    labels.push_back(labels.front());
    return labels;
  }
};

// True when leaf `from` waits, directly or not, for leaf `on` (indexes into plan.leaves).
bool waits_for(const Plan& plan, const std::unordered_map<std::string_view, int>& leaf_of, int from, int on) {
  std::vector<int> stack{from};
  std::vector<char> seen(plan.leaves.size(), 0);
  while (!stack.empty()) {
    int v = stack.back();
    stack.pop_back();
    if (v == on) return true;
    for (const auto& d : plan.leaves[static_cast<size_t>(v)].deps) {
      auto it = leaf_of.find(d);
      if (it != leaf_of.end() && !seen[static_cast<size_t>(it->second)]) {
        seen[static_cast<size_t>(it->second)] = 1;
        stack.push_back(it->second);
      }
    }
  }
  return false;
}

// Pairs of runnable leaves that name the same boundary and neither waits for
// the other: they may run at the same time and will likely touch the same files.
void find_boundary_overlaps(const TaskFile& file, Plan& plan) {
  std::map<std::string, std::vector<int>> by_boundary;
  for (size_t k = 0; k < plan.leaves.size(); ++k) {
    if (!plan.leaves[k].runnable()) continue;
    for (const auto& b : effective_boundary(file, plan.leaves[k].index)) by_boundary[std::string(b)].push_back(static_cast<int>(k));
  }
  if (by_boundary.empty()) return;
  std::unordered_map<std::string_view, int> leaf_of;
  for (size_t k = 0; k < plan.leaves.size(); ++k) leaf_of.emplace(plan.leaves[k].id, static_cast<int>(k));
  constexpr size_t kMaxGroup = 64;  // pairwise checks: cc-sdd files name a boundary a few times
  for (const auto& [boundary, members] : by_boundary) {
    if (members.size() < 2 || members.size() > kMaxGroup) continue;
    for (size_t x = 0; x < members.size(); ++x) {
      for (size_t y = x + 1; y < members.size(); ++y) {
        int a = members[x], b = members[y];
        if (waits_for(plan, leaf_of, a, b) || waits_for(plan, leaf_of, b, a)) continue;
        const PlannedTask& pa = plan.leaves[static_cast<size_t>(a)];
        const PlannedTask& pb = plan.leaves[static_cast<size_t>(b)];
        plan.boundary_overlaps.push_back({boundary, std::string(pa.id), std::string(pb.id)});
        plan.warnings.push_back(
            {pb.line, fmt::format("tasks {} and {} may run at the same time and both name boundary {}: they will "
                                  "likely conflict (setting serialize_same_boundary runs them one at a time)",
                                  pa.id, pb.id, boundary)});
      }
    }
  }
}

// Each wave's tasks in key order (then file order): the tasks taken in
// `by_key` order, each appended to its wave, so no wave needs sorting. Sets
// the parallelism figures; returns how many tasks the waves hold.
size_t fill_waves(const std::vector<std::string_view>& ids, const std::vector<int>& by_key, const std::vector<int>& leaf_of_task,
                  const std::vector<char>& runs, const std::vector<int>& level_out, int wave_count, Plan& plan,
                  std::vector<std::string_view>& wave_ids, std::vector<int>& wave_leaf_indexes) {
  std::vector<size_t> next(size_t(wave_count) + 1, 0);  // each wave's run: sized first, then filled in place
  for (int i : by_key) {
    if (runs[size_t(i)]) ++next[size_t(level_out[size_t(i)])];
  }
  for (size_t w = 1; w < next.size(); ++w) next[w] += next[w - 1];
  const size_t scheduled = next.back();
  wave_ids.resize(scheduled);
  wave_leaf_indexes.resize(scheduled);
  plan.waves.resize(size_t(wave_count));
  plan.wave_leaves.resize(size_t(wave_count));
  for (size_t w = 0; w < size_t(wave_count); ++w) {
    const size_t size = next[w + 1] - next[w];
    plan.waves[w] = {wave_ids.data() + next[w], size};
    plan.wave_leaves[w] = {wave_leaf_indexes.data() + next[w], size};
    plan.max_parallelism = std::max(plan.max_parallelism, static_cast<double>(size));
  }
  for (int i : by_key) {
    if (!runs[size_t(i)]) continue;
    const size_t at = next[size_t(level_out[size_t(i)] - 1)]++;
    wave_ids[at] = ids[size_t(i)];
    wave_leaf_indexes[at] = leaf_of_task[size_t(i)];
  }
  if (wave_count > 0) plan.avg_parallelism = static_cast<double>(scheduled) / wave_count;
  return scheduled;
}

// What the plan reads of every task, gathered in file order. It shares nothing
// with the graph's construction, so a large file gathers it on a second thread
// meanwhile (measured at 100,000 tasks: a fifth of make_plan, the other core idle).
struct TaskFacts {
  std::vector<char> optional, own_blocked;  // on the task or an ancestor
  std::vector<int> blocked_on;  // the task (itself or an ancestor) whose _Blocked:_ blocks it
  // Per graph node (2n): leaf, completed leaf, skipped leaf, opaque (a leaf
  // that a dependency list names; the rest is seen through).
  std::vector<char> leaf, done, skip, opaque;
  // Recorded durations first; a written estimate when there is no history.
  std::vector<double> weight;
  std::vector<char> weighted;
  std::vector<int> by_key, key_rank;  // (key, file position) order, and each task's place in it
  std::vector<int> leaves;            // the leaf tasks, file order: Plan::leaves
  std::vector<int> leaf_of_task;      // index into Plan::leaves, -1 for a parent
  std::vector<std::string_view> ids;  // each task's id, side by side: read at random below, a Task is large
  bool any_boundary = false;
};

TaskFacts gather_facts(const TaskFile& file, const PlanOptions& options) {
  const int n = static_cast<int>(file.tasks.size());
  TaskFacts f;
  f.optional.assign(size_t(n), 0);
  f.own_blocked.assign(size_t(n), 0);
  f.blocked_on.assign(size_t(n), -1);
  f.leaf.assign(2 * size_t(n), 0);
  f.done.assign(2 * size_t(n), 0);
  f.skip.assign(2 * size_t(n), 0);
  f.opaque.assign(2 * size_t(n), 0);
  f.weight.assign(size_t(n), 1.0);
  f.weighted.assign(size_t(n), 0);
  f.leaf_of_task.assign(size_t(n), -1);
  f.leaves.reserve(size_t(n));
  f.ids.resize(size_t(n));
  for (int i = 0; i < n; ++i) {
    const Task& t = file.tasks[size_t(i)];
    f.ids[size_t(i)] = t.id;
    // Ids are shallow: the walk up is short.
    for (int a = i; a >= 0; a = file.tasks[size_t(a)].parent) {
      if (file.tasks[size_t(a)].optional) f.optional[size_t(i)] = 1;
      if (file.tasks[size_t(a)].blocked_reason && !f.own_blocked[size_t(i)]) {
        f.own_blocked[size_t(i)] = 1;
        f.blocked_on[size_t(i)] = a;
      }
    }
    if (!t.boundary.empty()) f.any_boundary = true;
    if (!t.is_leaf()) continue;
    f.leaf_of_task[size_t(i)] = static_cast<int>(f.leaves.size());
    f.leaves.push_back(i);
    f.leaf[size_t(i)] = 1;
    f.done[size_t(i)] = t.done();
    f.skip[size_t(i)] = !t.done() && f.optional[size_t(i)] && options.skip_optional;
    f.opaque[size_t(i)] = !t.done() && !f.skip[size_t(i)];
    auto it = options.durations.empty() ? options.durations.end() : options.durations.find(std::string(t.id));
    if (it != options.durations.end() && it->second > 0) {
      f.weight[size_t(i)] = it->second;
      f.weighted[size_t(i)] = 1;
    } else if (t.estimate_seconds) {
      f.weight[size_t(i)] = *t.estimate_seconds;
      f.weighted[size_t(i)] = 1;
    }
  }
  // The sorts of the plan compare two integers, not two TaskIds. Files are
  // usually written in key order.
  f.by_key.resize(size_t(n));
  f.key_rank.resize(size_t(n));
  for (int i = 0; i < n; ++i) f.by_key[size_t(i)] = i;
  auto key_less = [&](int x, int y) { return file.tasks[size_t(x)].key < file.tasks[size_t(y)].key; };
  if (!std::is_sorted(f.by_key.begin(), f.by_key.end(), key_less)) std::stable_sort(f.by_key.begin(), f.by_key.end(), key_less);
  for (int k = 0; k < n; ++k) f.key_rank[size_t(f.by_key[size_t(k)])] = k;
  return f;
}

// From this many tasks the plan uses a second thread (below it, a thread costs more than it saves).
constexpr size_t kThreadedFrom = 20000;

// What the passes in topological order keep per graph node, sized on the
// facts' thread beside the graph (~9 MB at 100,000 tasks, faulted in as the
// arrays are filled, while the plan's thread builds the graph).
struct NodeArrays {
  std::vector<int> blocked_by;  // the blocked leaf this node waits for (itself included)
  std::vector<int> level_out, best_pred;
  std::vector<double> dist_out, remaining, node_weight;
  std::vector<char> runs;
  // Per node, the opaque leaves behind it (a leaf's deps; what a seen-through
  // node passes on), each node's run of one shared list: no list per node.
  std::vector<int> behind_list;
  std::vector<uint32_t> behind_at, behind_count;

  void size_for(size_t nodes) {
    blocked_by.assign(nodes, -1);
    level_out.assign(nodes, 0);
    best_pred.assign(nodes, -1);
    dist_out.assign(nodes, 0);
    remaining.assign(nodes, 0);
    node_weight.assign(nodes, 0);
    runs.assign(nodes, 0);
    behind_list.reserve(2 * nodes);  // about 1.5 per node (measured): not grown by doubling
    behind_at.assign(nodes, 0);
    behind_count.assign(nodes, 0);
  }
};

}  // namespace

Plan make_plan(const TaskFile& file, const PlanOptions& options) {
  Plan plan;
  OrderChoice choice = resolve_order(file, options.order);
  plan.order = choice.order;
  plan.order_reason = choice.reason;
  if (choice.warning) plan.warnings.push_back(*choice.warning);
  for (const auto& d : file.duplicates) {
    plan.duplicate_ids.emplace_back(Diagnostic{d.first_line, fmt::format("task {} (first)", d.id)},
                                    Diagnostic{d.second_line, fmt::format("task {} (again)", d.id)});
  }
  const auto policy = file.tasks.size() >= kThreadedFrom ? std::launch::async : std::launch::deferred;
  NodeArrays arrays;
  auto gathering = std::async(policy, [&] {
    arrays.size_for(2 * file.tasks.size());  // the graph's nodes: each task's start and end
    TaskFacts facts = gather_facts(file, options);
    // The leaves' records made here, beside the graph, not after it on the
    // plan's one thread (~9 MB at 100,000 tasks, their pages faulted in).
    plan.leaves.reserve(facts.leaves.size());
    advise_huge_pages(plan.leaves);
    plan.leaves.resize(facts.leaves.size());
    return facts;
  });
  Builder b(file, options, plan);
  const int n = b.n;
  b.explicit_edges();
  b.implicit_edges();
  b.graph.build();
  std::vector<int> remaining_in;
  std::vector<int> order = b.topological_order(remaining_in);
  bool cyclic = static_cast<int>(order.size()) < b.graph.nodes();
  if (cyclic) plan.cycle = b.find_cycle(remaining_in);
  TaskFacts facts = gathering.get();
  auto opaque = [&](int v) { return facts.opaque[size_t(v)] != 0; };

  const int nodes = b.graph.nodes();
  if (arrays.runs.size() != size_t(nodes)) arrays.size_for(size_t(nodes));
  auto& [blocked_by, level_out, best_pred, dist_out, remaining, node_weight, runs, behind_list, behind_at, behind_count] = arrays;
  auto behind_of = [&](int v) { return std::span<int>(behind_list.data() + behind_at[size_t(v)], behind_count[size_t(v)]); };
  std::vector<int> behind;
  if (!cyclic) {
    for (int v : order) {
      int level_in = 0, blocker = -1, best = -1;
      double dist_in = 0;
      behind.clear();
      b.graph.each_pred(v, [&](int u) {
        level_in = std::max(level_in, level_out[u]);
        if (best < 0 || dist_out[u] > dist_in) {
          best = u;
          dist_in = dist_out[u];
        }
        if (blocker < 0 && blocked_by[u] >= 0) blocker = blocked_by[u];
        if (opaque(u)) {
          behind.push_back(u);
        } else {
          auto more = behind_of(u);
          behind.insert(behind.end(), more.begin(), more.end());
        }
      });
      std::sort(behind.begin(), behind.end());
      behind.erase(std::unique(behind.begin(), behind.end()), behind.end());
      if (facts.leaf[size_t(v)] && opaque(v) && facts.own_blocked[size_t(v)]) blocker = v;
      blocked_by[v] = blocker;
      runs[v] = opaque(v) && blocker < 0;
      best_pred[v] = best;
      level_out[v] = level_in + (runs[v] ? 1 : 0);
      if (runs[v]) {
        node_weight[v] = facts.weight[size_t(v)];  // the backward pass reuses it
        if (facts.weighted[size_t(v)]) plan.weighted = true;
      }
      dist_out[v] = dist_in + node_weight[v];
      behind_at[size_t(v)] = static_cast<uint32_t>(behind_list.size());
      behind_count[size_t(v)] = static_cast<uint32_t>(behind.size());
      behind_list.insert(behind_list.end(), behind.begin(), behind.end());
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      int v = *it;
      double after = 0;
      b.graph.each_succ(v, [&](int u) { after = std::max(after, remaining[u]); });
      remaining[v] = after + node_weight[v];
    }
  }

  int wave_count = 0;
  for (int v = 0; v < n; ++v) {
    if (runs[v]) wave_count = std::max(wave_count, level_out[v]);
  }
  // Waves and the critical path beside the leaves: they write other fields of the plan.
  std::vector<std::string_view> wave_ids;
  std::vector<int> wave_leaf_indexes;
  auto waves = std::async(policy, [&] {
    size_t scheduled = fill_waves(facts.ids, facts.by_key, facts.leaf_of_task, runs, level_out, wave_count, plan,
                                  wave_ids, wave_leaf_indexes);
    // Critical path: back from the node that finishes last along the heaviest predecessors.
    if (cyclic || scheduled == 0) return;
    int end = -1;
    for (int v = 0; v < nodes; ++v) {
      if (end < 0 || dist_out[v] > dist_out[end]) end = v;
    }
    plan.critical_length = dist_out[end];
    for (int v = end; v >= 0; v = best_pred[v]) {
      if (runs[v]) plan.critical_path.push_back(file.tasks[v].id);
    }
    std::reverse(plan.critical_path.begin(), plan.critical_path.end());
  });
  auto by_rank = [&](int x, int y) { return facts.key_rank[size_t(x)] < facts.key_rank[size_t(y)]; };
  // Each leaf's run of text->deps is known first, so that a large plan fills
  // its two halves on two threads.
  const std::vector<int>& leaf_tasks = facts.leaves;
  const size_t leaves = leaf_tasks.size();
  std::vector<uint32_t> deps_start(leaves + 1, 0);  // each leaf's run of text->deps
  for (size_t k = 0; k < leaves && !cyclic; ++k) deps_start[k + 1] = deps_start[k] + behind_count[size_t(leaf_tasks[k])];
  auto text = std::make_shared<PlanText>();
  text->file = file.text;
  text->deps.resize(deps_start[leaves]);
  text->dep_indexes.resize(deps_start[leaves]);
  auto fill_leaves = [&](size_t from, size_t to) {
    Plan::LeafCounts counts;
    auto counted = [&counts](const PlannedTask& p) {
      counts.completed += p.completed;
      counts.blocked += !p.completed && p.blocked;
      counts.optional += p.optional;
      counts.skipped += p.skipped;
    };
    for (size_t k = from; k < to; ++k) {
      const int i = leaf_tasks[k];
      const Task& t = file.tasks[size_t(i)];
      PlannedTask& p = plan.leaves[k];
      p.index = i;
      p.id = t.id;
      p.title = t.title;
      p.line = t.line;
      p.completed = facts.done[size_t(i)] != 0;
      p.optional = facts.optional[size_t(i)];
      p.skipped = facts.skip[size_t(i)] != 0;
      const size_t count = deps_start[k + 1] - deps_start[k];
      p.deps = {text->deps.data() + deps_start[k], count};
      p.dep_indexes = {text->dep_indexes.data() + deps_start[k], count};
      if (cyclic) {
        counted(p);
        continue;
      }
      p.blocked = !p.completed && !p.skipped && blocked_by[i] >= 0;
      if (p.blocked) {
        int by = blocked_by[i];
        const int on = facts.blocked_on[size_t(i)];
        p.blocked_reason = by != i   ? fmt::format("waits for blocked task {}", file.tasks[by].id)
                           : on == i ? std::string(*file.tasks[on].blocked_reason)
                                     : fmt::format("{} (on {})", *file.tasks[on].blocked_reason, file.tasks[on].id);
      }
      std::span<int> d = behind_of(i);
      if (d.size() > 1) std::sort(d.begin(), d.end(), by_rank);  // by key, then file order
      for (size_t j = 0; j < d.size(); ++j) {
        text->deps[deps_start[k] + j] = facts.ids[size_t(d[j])];
        text->dep_indexes[deps_start[k] + j] = d[j];
      }
      p.priority = runs[i] ? remaining[i] : 0;
      if (runs[i]) p.wave = level_out[i] - 1;
      counted(p);
    }
    return counts;
  };
  {
    auto second_half = std::async(policy, fill_leaves, leaves / 2, leaves);
    const Plan::LeafCounts first = fill_leaves(0, leaves / 2), second = second_half.get();
    plan.leaf_counts = {first.completed + second.completed, first.blocked + second.blocked,
                        first.optional + second.optional, first.skipped + second.skipped};
  }
  waves.get();
  plan.leaf_of_task = std::move(facts.leaf_of_task);
  text->wave_ids = std::move(wave_ids);  // the waves' spans stay valid: a moved vector keeps its elements
  text->wave_leaf_indexes = std::move(wave_leaf_indexes);
  plan.text = std::move(text);
  if (!cyclic && facts.any_boundary) find_boundary_overlaps(file, plan);
  return plan;
}

}  // namespace kp
