// Task ids as written in tasks.md ("5", "5.2", "5.2.1"), compared as tuples of
// integers so that 1.9 < 1.10 and 1.1 is not 1.10.
#pragma once
#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kp {

class TaskId {
 public:
  TaskId() = default;
  // Digits separated by single dots ("1", "1.10", "0.2.3"); no sign, no empty
  // part, no trailing dot. Leading zeros are read as numbers ("01" is 1).
  static std::optional<TaskId> parse(std::string_view text);

  const std::vector<int>& parts() const { return parts_; }
  size_t depth() const { return parts_.size(); }
  bool empty() const { return parts_.empty(); }
  // The id without its last part ("5.2.1" -> "5.2"); empty for a major id.
  TaskId prefix() const;
  // True when `this` is a strict ancestor of `other` by prefix (5 of 5.2.1).
  bool is_ancestor_of(const TaskId& other) const;
  std::string str() const;

  auto operator<=>(const TaskId&) const = default;
  bool operator==(const TaskId&) const = default;

 private:
  std::vector<int> parts_;
};

// Orders id strings as integer tuples ("1.9" < "1.10"); text that is not an id
// sorts after every id, then as plain strings.
bool task_id_less(std::string_view a, std::string_view b);

}  // namespace kp
