// The line-level pieces of the tasks.md grammar (see tasks_md.hpp): list items,
// checkboxes, task numbers, `_Label: value_` annotations, id lists and ranges,
// markdown stripping. Pure functions over one line, so each rule is testable.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kp::tasks_md {

// A line without its line ending, measured: tabs advance to the next multiple
// of 4 columns (how markdown counts them).
struct LineShape {
  int indent = 0;          // columns before the first non-blank character
  std::string_view text;   // the line from its first non-blank character
  bool blank() const { return text.empty(); }
};
LineShape shape_line(std::string_view line);

// `- `, `* ` or `+ ` followed by the rest of the item.
struct ListItem {
  char bullet = '-';
  std::string_view rest;
};
std::optional<ListItem> parse_list_item(std::string_view text);

enum class Box { none, pending, done, in_progress };

// A checkbox item: `[ ]`, `[x]`, `[X]`, `[-]`, `[~]`, an optional `*` right
// after it (optional task), then, when numbered, the task number.
struct CheckboxItem {
  Box box = Box::none;
  bool star_after_box = false;    // `- [ ]* 2.3 Title`
  std::string_view number;        // "2.3" (empty: an unnumbered checklist item), a view into the line
  bool trailing_dot = false;      // `1. Title`, `8.5. Title`
  bool star_after_number = false; // `- [ ] 7.9* Title`
  std::string_view title;         // the rest, untrimmed of (P) and markup
};
std::optional<CheckboxItem> parse_checkbox(std::string_view list_rest);

// `## 1. Title`, `## Task 1: Title`, `### Task 2 - Title`.
struct HeadingTask {
  std::string_view number;  // a view into the heading
  std::string_view title;
};
std::optional<HeadingTask> parse_heading_task(std::string_view heading_text);

// A markdown heading: `#` to `######` and a space; returns the heading text.
std::optional<std::string_view> parse_heading(std::string_view text);

// A fence line: ``` or ~~~ (3 or more), with the info string after it.
struct Fence {
  char ch = '`';
  int length = 0;
  std::string info;
};
std::optional<Fence> parse_fence(std::string_view text);
bool closes_fence(const Fence& open, std::string_view text);

// `_Label: value_` (also `*Label: value*`, `**Label:** value`, `**Label**: value`
// and, for the labels the planner reads, a plain `Requirements: value`). One
// line may hold several. Labels keep their spelling; values are trimmed.
// Labels and values are views into `text`.
using LabelValue = std::pair<std::string_view, std::string_view>;
std::vector<LabelValue> parse_annotations(std::string_view text);
// The same into `out`, cleared first: a parser reading many lines keeps one list.
void parse_annotations(std::string_view text, std::vector<LabelValue>& out);

enum class LabelKind { requirements, depends, blocked, other };
LabelKind classify_label(std::string_view label);

// Strips `(P)` after the number or at the end, the optional star written
// before the title and a leading ". ", ": " or "- "; markup stays (a view into `raw`).
struct TitleParts {
  std::string_view title;
  bool parallel = false;
};
TitleParts split_title(std::string_view raw);

// Markdown for display: **bold**, __bold__, *em*, _em_ (not inside words),
// `code`, ~~strike~~, [text](url). The text stays.
std::string strip_markdown(std::string_view text);
// False when strip_markdown would return the text unchanged (most titles).
bool has_markdown(std::string_view text);

// Removes parenthesised (nested) text: explanations, not more ids.
std::string drop_parentheses(std::string_view text);

// One item of a dependency or requirement list: an id, a range of ids
// ("1.1-1.15", "1–3" with an en or em dash), or free text.
struct ListToken {
  std::string first;  // an id, or the free text
  std::string last;   // the end of a range; empty when not a range
  bool is_id = false;
};
// Splits on commas, semicolons, "and", "&" and white space between ids; drops
// the words "task"/"tasks"; free text stays one token.
std::vector<ListToken> parse_id_list(std::string_view text);
void parse_id_list(std::string_view text, std::vector<ListToken>& out);  // into `out`, cleared first

// Prose dependencies: "Depends on task 3", "depends on tasks 1–3 and 5.2".
// Returns the text after the phrase (up to the end of the id list), if any.
std::optional<std::string> prose_dependency(std::string_view text);

std::string_view trim(std::string_view s);
std::string lower_ascii(std::string_view s);

}  // namespace kp::tasks_md
