// Reading a tasks.md line by line into a TaskFile (the grammar's rules per
// line are in tasks_md_lines.hpp): one Builder reads one part of the file;
// parse_tasks_md may read a large file as two parts on two threads and join
// them. tasks_md_builder.cpp reads; tasks_md_resolve.cpp does what follows
// the last line (finish()).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/tasks_md.hpp"
#include "common/tasks_md_lines.hpp"

namespace kp::tasks_md {

struct DepToken {
  ListToken token;
  int line = 0;
};

// Accumulates tasks line by line; finish() resolves parents, ranges and ids.
// Where a task's entries sit in the TaskFileText lists while the file is read.
// A task's entries are written while it is the last task read, so each of its
// lists is one run [begin, end) of the shared list; spans are made at the end.
struct ListRuns {
  uint32_t requirements[2] = {0, 0}, annotations[2] = {0, 0}, boundary[2] = {0, 0}, checklist[2] = {0, 0};
};

class Builder {
 public:
  // `text` receives what the tasks point into; `source` is the whole file
  // (it lives in the first part's text).
  Builder(std::shared_ptr<TaskFileText> text, std::string_view source, std::string path, size_t expected_tasks);

  // Room for about this many tasks in every per-task list (0 in the
  // constructor: none yet); on the thread that reads the part.
  void reserve(size_t expected_tasks);
  // The tasks read into room for `count` at `at`, in a block the caller keeps
  // until the parts are joined; past that room, into a block of their own.
  void read_tasks_into(Task* at, size_t count);
  // Makes `block` this part's task list when its tasks are still in the
  // block's room at its start (nothing moves); else leaves `block` as it is.
  void keep_task_block(TaskList& block);
  std::string_view source() const { return source_; }
  // Every line of `part` (a piece of the source), the first numbered `first_line`.
  void read(std::string_view part, int first_line);
  void line(std::string_view raw, int number);
  // After the part's last line: the titles, and each task's lists as spans
  // (they grow no more). On the part's own thread.
  void end_part();
  // The part after this one, read on its own from a top-level task line:
  // true when this part ends in no state that line would have seen (an open
  // fence, the notes, a heading its fences read). Then join takes it in.
  bool can_join(const Builder& next) const;
  // What can_join asks of this part alone: known before the next part is read.
  bool may_join() const { return !fence_ && notes_level_ == 0; }
  void join(Builder&& next);
  TaskFile finish();

 private:
  void warn(int line, std::string message) { file_.warnings.push_back({line, std::move(message)}); }
  int add_task(std::string_view number, Box box, bool optional, bool trailing_dot,
               std::string_view title, int line, bool from_heading);
  void detail(std::string_view text, int line);
  void end_fence(int line);
  void add_requirements(std::string_view value);
  bool add_numbered_requirements(std::string_view value);
  void add_requirement_range(std::string_view first, std::string_view last);
  bool in_source(std::string_view s) const {
    return s.data() >= source().data() && s.data() + s.size() <= source().data() + source().size();
  }
  void add_requirement(std::string_view id) {
    text_->requirements.push_back(id);
    runs_[size_t(current_)].requirements[1] = static_cast<uint32_t>(text_->requirements.size());
  }
  // Parents, in three steps: the trailing-dot rule (parents taken again
  // first when heading tasks were dropped), the index of ids, then the
  // parents the index settles; true when any parent moved.
  // Task i's parent as the latest task one level up, as it is read; notes
  // the tasks that finish() must settle (see the members below).
  void take_parent(int i);
  // Task i under `recent`, the latest task one level up (-1: none yet), when
  // its id is recent's id and one more part; else noted for finish().
  void place_under(int i, int recent);
  bool apply_trailing_dots();
  struct Indexed {
    std::vector<char> first_of_id;            // the task file_.index names for its id
    std::vector<std::pair<int, int>> repeats;  // (task, the first task of its id), in file order
  };
  Indexed index_ids();
  bool settle_parents(const Indexed& indexed, bool dot_means_major);
  bool has_parent_id(int i, bool dot_means_major) const {
    return file_.tasks[size_t(i)].key.depth() >= 2 && !(dot_means_major && trailing_dot_[size_t(i)]);
  }
  void link_children();
  void expand_dependencies();
  // a_task: the task whose id is a's text, or -1.
  std::vector<int> tasks_in_range(const TaskId& a, const TaskId& b, int a_task);
  void drop_empty_heading_tasks();
  void titles();
  void rank_named_ids();
  void known_label(Task& task, std::string_view label, std::string_view value);
  bool notes_line(std::string_view raw, const LineShape& sh);
  // Text for display: a view into the file when it has no markup, else the stripped text kept.
  std::string_view display(std::string_view text) { return has_markdown(text) ? keep(strip_markdown(text)) : text; }
  std::string_view keep(std::string_view built) { return text_->built.keep(built); }
  // Appends a line to a text read over several lines; returns the text so far.
  std::string_view join(std::string_view text, std::string*& joined, std::string_view more, char glue) {
    if (!joined) joined = &text_->joined.emplace_back(text);
    *joined += glue;
    *joined += more;
    return *joined;
  }

  std::shared_ptr<TaskFileText> text_;
  std::string_view source_;
  TaskFile file_;
  // A task's title as written: a view into the file's text, or into
  // TaskFileText::joined when it goes on over more lines (no copy per task).
  struct RawTitle {
    std::string_view text;
    std::string* joined = nullptr;
  };
  std::vector<RawTitle> raw_titles_;
  std::vector<std::string*> description_;  // per task: its description when it has several lines
  std::vector<bool> trailing_dot_;
  std::vector<size_t> id_hashes_;  // per task: TaskIndex::hash_of its id, taken on the part's own thread
  // Each task's parent as the latest task one level up, taken as it is read
  // (on the part's thread); finish() settles the rest with the index.
  std::vector<int> last_at_depth_;  // the latest task of each depth so far
  std::vector<int> elsewhere_;      // dotted tasks whose parent is not the latest task one level up
  std::vector<int> no_recent_;      // dotted tasks with no task one level up before them in their part
  std::vector<int> trailing_dotted_;  // dotted tasks written "8.5.": majors, unless every dotted id has the dot
  size_t dotted_ = 0;               // tasks of depth 2 and more, not from a heading (the trailing-dot rule)
  bool any_heading_ = false;        // a task from a heading ("## 1. Setup"): it may be dropped
  bool any_named_ = false;          // a named id ("CORE-1"): names are ranked
  std::vector<ListRuns> runs_;
  // Scratch lists reused from line to line (no list allocated per annotation).
  std::vector<LabelValue> annotations_;
  std::vector<ListToken> ids_;
  // Every task's dependency tokens in one list, each task's a run of it
  // from dep_start_[i] (no list per task: measured at 100,000 tasks, their
  // allocations and frees were ~3 ms of the parse).
  std::vector<DepToken> dep_tokens_;
  std::vector<uint32_t> dep_start_;
  std::span<const DepToken> dep_tokens_of(size_t i) const {
    const size_t end = i + 1 < dep_start_.size() ? dep_start_[i + 1] : dep_tokens_.size();
    return {dep_tokens_.data() + dep_start_[i], end - dep_start_[i]};
  }
  // The tasks of one depth by key, and each one's place in that order (ranges).
  struct DepthOrder {
    std::vector<int> sorted;
    std::vector<uint32_t> place;  // per task of the file; only this depth's are set
  };
  std::vector<DepthOrder> by_depth_;
  int current_ = -1;         // the task whose details we are reading
  int current_indent_ = -1;  // its bullet's column (-1: a heading task)
  bool title_continues_ = false;
  std::string section_;      // lower-cased text of the last heading
  bool seen_heading_ = false;
  bool read_outer_section_ = false;  // a fence opened before this part's first heading
  int notes_level_ = 0;      // inside `## Implementation Notes`: its heading level
  std::optional<Fence> fence_;
  int fence_line_ = 0;
  std::string fence_body_;
  std::string fence_section_;
};

}  // namespace kp::tasks_md
