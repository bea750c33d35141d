#include "common/task_id.hpp"

#include <algorithm>
#include <limits>

namespace kp {

std::optional<TaskId> TaskId::parse(std::string_view text) {
  TaskId id;
  if (text.empty()) return std::nullopt;
  long long value = 0;
  bool in_part = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + (c - '0');
      if (value > std::numeric_limits<int>::max()) return std::nullopt;
      in_part = true;
    } else if (c == '.') {
      if (!in_part) return std::nullopt;
      id.parts_.push_back(static_cast<int>(value));
      value = 0;
      in_part = false;
    } else {
      return std::nullopt;
    }
  }
  if (!in_part) return std::nullopt;
  id.parts_.push_back(static_cast<int>(value));
  return id;
}

TaskId TaskId::prefix() const {
  TaskId p;
  if (!parts_.empty()) p.parts_.assign(parts_.begin(), parts_.end() - 1);
  return p;
}

bool TaskId::is_ancestor_of(const TaskId& other) const {
  return parts_.size() < other.parts_.size() &&
         std::equal(parts_.begin(), parts_.end(), other.parts_.begin());
}

std::string TaskId::str() const {
  std::string out;
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (i) out += '.';
    out += std::to_string(parts_[i]);
  }
  return out;
}

bool task_id_less(std::string_view a, std::string_view b) {
  auto ia = TaskId::parse(a);
  auto ib = TaskId::parse(b);
  if (ia && ib) {
    if (*ia != *ib) return *ia < *ib;
    return a < b;  // "01" and "1": keep a strict weak order
  }
  if (ia != ib) return ia.has_value();  // ids first
  return a < b;
}

}  // namespace kp
