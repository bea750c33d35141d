#include "common/task_id.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <mutex>
#include <unordered_set>
#include <utility>

namespace kp {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "FOUNDATION-1", "api-v2-3": the prefix and N.
std::optional<std::pair<std::string_view, int>> split_named(std::string_view text) {
  if (text.empty() || !is_alpha(text[0])) return std::nullopt;
  auto dash = text.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == text.size()) return std::nullopt;
  std::string_view prefix = text.substr(0, dash), digits = text.substr(dash + 1);
  for (char c : prefix) {
    if (!is_alpha(c) && !is_digit(c) && c != '-') return std::nullopt;
  }
  if (prefix.back() == '-' || digits.size() > 9) return std::nullopt;
  int n = 0;
  for (char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return std::make_pair(prefix, n);
}

// A numbered id's parts read into `parts` as TaskId::parse reads them; false
// for anything else (named ids, bad text, more than kMaxParts parts).
constexpr size_t kMaxParts = 8;
bool numbered_parts(std::string_view text, int (&parts)[kMaxParts], size_t& count) {
  count = 0;
  long long value = 0;
  bool in_part = false;
  for (char c : text) {
    if (is_digit(c)) {
      value = value * 10 + (c - '0');
      if (value > std::numeric_limits<int>::max()) return false;
      in_part = true;
    } else if (c == '.' && in_part && count + 1 < kMaxParts) {
      parts[count++] = static_cast<int>(value);
      value = 0;
      in_part = false;
    } else {
      return false;
    }
  }
  if (!in_part) return false;
  parts[count++] = static_cast<int>(value);
  return true;
}

struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// The one string of each named prefix. Never freed: TaskIds point into it
// for as long as the process runs (a file names a few prefixes).
const std::string* intern_name(std::string_view name) {
  thread_local std::string_view last_view;  // consecutive ids nearly always share their prefix
  thread_local const std::string* last = nullptr;
  if (last && name == last_view) return last;
  static std::mutex mutex;
  static auto* names = new std::unordered_set<std::string, NameHash, std::equal_to<>>();
  std::lock_guard lock(mutex);
  auto it = names->find(name);
  if (it == names->end()) it = names->emplace(name).first;
  last = &*it;
  last_view = *last;
  return last;
}

}  // namespace

std::strong_ordering TaskId::operator<=>(const TaskId& other) const {
  if (named() != other.named()) return named() ? std::strong_ordering::greater : std::strong_ordering::less;
  if (named()) {
    bool ranked = rank_ >= 0 && other.rank_ >= 0;
    if (ranked && rank_ != other.rank_) return rank_ <=> other.rank_;
    if (name_ != other.name_) return *name_ <=> *other.name_;
  }
  return std::lexicographical_compare_three_way(parts_.begin(), parts_.begin() + depth_, other.parts_.begin(),
                                                other.parts_.begin() + other.depth_);
}

std::optional<TaskId> TaskId::parse(std::string_view text) {
  TaskId id;
  if (text.empty()) return std::nullopt;
  if (is_alpha(text[0])) {
    auto named = split_named(text);
    if (!named) return std::nullopt;
    id.name_ = intern_name(named->first);
    id.parts_[0] = named->second;
    id.depth_ = 1;
    return id;
  }
  long long value = 0;
  bool in_part = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + (c - '0');
      if (value > std::numeric_limits<int>::max()) return std::nullopt;
      in_part = true;
    } else if (c == '.') {
      if (!in_part || size_t(id.depth_) + 1 >= kMaxDepth) return std::nullopt;
      id.parts_[id.depth_++] = static_cast<int>(value);
      value = 0;
      in_part = false;
    } else {
      return std::nullopt;
    }
  }
  if (!in_part) return std::nullopt;
  id.parts_[id.depth_++] = static_cast<int>(value);
  return id;
}

TaskId TaskId::prefix() const {
  TaskId p;
  if (depth_ > 0 && !named()) {
    p.parts_ = parts_;
    p.depth_ = uint8_t(depth_ - 1);
    p.parts_[p.depth_] = 0;  // == compares the used parts only; zeroed anyway for a clean copy
  }
  return p;
}

bool TaskId::is_ancestor_of(const TaskId& other) const {
  return name_ == other.name_ && depth_ < other.depth_ && std::equal(parts_.begin(), parts_.begin() + depth_, other.parts_.begin());
}

std::string TaskId::str() const {
  std::string out = named() ? *name_ + "-" : std::string();
  for (size_t i = 0; i < depth_; ++i) {
    if (i) out += '.';
    out += std::to_string(parts_[i]);
  }
  return out;
}

bool task_id_less(std::string_view a, std::string_view b) {
  // Two numbered ids, nearly always: compared with no TaskId (no allocation) built.
  int pa[kMaxParts], pb[kMaxParts];
  size_t na = 0, nb = 0;
  if (numbered_parts(a, pa, na) && numbered_parts(b, pb, nb)) {
    if (std::lexicographical_compare(pa, pa + na, pb, pb + nb)) return true;
    if (std::lexicographical_compare(pb, pb + nb, pa, pa + na)) return false;
    return a < b;  // "01" and "1": keep a strict weak order
  }
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
