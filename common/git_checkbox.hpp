// Checkbox marks in tasks.md: ticking a task's box, and merging two versions
// of tasks.md whose only conflict is in the marks (the union of the ticks).
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace kp::git {

// "- [ ] 1.2 ..." / "[-]" / "[~]" -> "[x]" on the line of task `task_id` (any
// bullet -*+, any indentation, optional '*' after the box or the id, a
// trailing '.' on majors; fenced code blocks skipped; line endings kept).
// Returns the new text, or nullopt when no pending line of that id exists.
std::optional<std::string> tick_task_checkbox_text(const std::string& text, const std::string& task_id);

// Same on a file (rewritten atomically); true if it changed the file.
bool tick_task_checkbox(const std::filesystem::path& tasks_md, const std::string& task_id);

// Three-way merge of tasks.md in which differing checkbox marks never
// conflict: every other change must merge cleanly, and each box takes the
// union of both sides' marks (a tick on either side wins). nullopt when
// something other than marks conflicts. `base` is nullopt when the file has
// no common ancestor version.
std::optional<std::string> merge_checkbox_union(const std::optional<std::string>& base,
                                                const std::string& ours, const std::string& theirs);

}  // namespace kp::git
