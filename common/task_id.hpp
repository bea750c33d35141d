// Task ids as written in tasks.md ("5", "5.2", "5.2.1"), compared as tuples of
// integers so that 1.9 < 1.10 and 1.1 is not 1.10; and named ids as the DAG
// orchestrator writes them ("FOUNDATION-1": letters, digits and hyphens ending
// in -N), compared by prefix, then N. Numbered ids sort before named ones.
#pragma once
#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kp {

class TaskId {
 public:
  TaskId() = default;
  // Digits separated by single dots ("1", "1.10", "0.2.3"); no sign, no empty
  // part, no trailing dot, at most kMaxDepth parts. Leading zeros are read as numbers ("01" is 1).
  // Or a named id: a letter, then letters, digits and hyphens, then "-N".
  static std::optional<TaskId> parse(std::string_view text);
  // A named id's prefix ("FOUNDATION"); empty for a numbered id.
  std::string_view name() const { return name_ ? std::string_view(*name_) : std::string_view(); }
  bool named() const { return name_ != nullptr; }
  // Named ids compare by prefix rank first: the parser ranks prefixes in the
  // order they first appear in the file. Unranked (-1) ids compare by text.
  void set_name_rank(int rank) { rank_ = rank; }

  // Ids are shallow: the parts sit in the id, no allocation per id (measured: one
  // per task was a tenth of the parse of 100,000 tasks).
  static constexpr size_t kMaxDepth = 8;
  std::span<const int> parts() const { return {parts_.data(), depth_}; }
  size_t depth() const { return depth_; }
  bool empty() const { return depth_ == 0; }
  // The id without its last part ("5.2.1" -> "5.2"); empty for a major id.
  TaskId prefix() const;
  // True when `this` is a strict ancestor of `other` by prefix (5 of 5.2.1).
  bool is_ancestor_of(const TaskId& other) const;
  std::string str() const;

  std::strong_ordering operator<=>(const TaskId& other) const;
  // Equality ignores the rank: the same id read from a file or typed by hand.
  bool operator==(const TaskId& other) const {
    return name_ == other.name_ && depth_ == other.depth_ && std::equal(parts_.begin(), parts_.begin() + depth_, other.parts_.begin());
  }

 private:
  // Interned: one string per prefix for the life of the process, so equal
  // names are equal pointers and a TaskId is trivially copyable (100,000 of
  // them are moved and compared as plain bytes). Null for a numbered id.
  const std::string* name_ = nullptr;
  int rank_ = -1;
  uint8_t depth_ = 0;
  std::array<int, kMaxDepth> parts_{};
};

// Orders id strings as integer tuples ("1.9" < "1.10"); text that is not an id
// sorts after every id, then as plain strings.
bool task_id_less(std::string_view a, std::string_view b);

static_assert(std::is_trivially_copyable_v<TaskId>);

}  // namespace kp
