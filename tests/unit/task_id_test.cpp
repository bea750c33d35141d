#include <doctest/doctest.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "common/task_id.hpp"

using namespace kp;

namespace {
std::vector<int> parts(std::string_view id) {
  auto parsed = TaskId::parse(id);
  return parsed ? std::vector<int>(parsed->parts().begin(), parsed->parts().end()) : std::vector<int>{};
}
}  // namespace

TEST_CASE("task ids parse as integer tuples up to 8 deep") {
  CHECK(parts("5") == std::vector<int>{5});
  CHECK(parts("5.2.1") == std::vector<int>{5, 2, 1});
  CHECK(parts("1.2.3.4.5.6.7.8") == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK_FALSE(TaskId::parse("1.2.3.4.5.6.7.8.9"));  // deeper than any plan: not an id
  CHECK(TaskId::parse("1.2.3")->prefix() == *TaskId::parse("1.2"));
  CHECK(TaskId::parse("1.2")->is_ancestor_of(*TaskId::parse("1.2.3")));
  CHECK_FALSE(TaskId::parse("1.2")->is_ancestor_of(*TaskId::parse("1.3.3")));
  CHECK(*TaskId::parse("1.9") < *TaskId::parse("1.10"));
  CHECK(*TaskId::parse("1") < *TaskId::parse("1.1"));
  CHECK(TaskId::parse("0")->str() == "0");
  CHECK(TaskId::parse("01.02")->str() == "1.2");
  CHECK_FALSE(TaskId::parse(""));
  CHECK_FALSE(TaskId::parse("1."));
  CHECK_FALSE(TaskId::parse(".1"));
  CHECK_FALSE(TaskId::parse("1..2"));
  CHECK_FALSE(TaskId::parse("1a"));
  CHECK_FALSE(TaskId::parse("-1"));
  CHECK_FALSE(TaskId::parse("99999999999"));
}

TEST_CASE("1.9 < 1.10 and 1.1 is not 1.10") {
  CHECK(*TaskId::parse("1.9") < *TaskId::parse("1.10"));
  CHECK(*TaskId::parse("1.1") != *TaskId::parse("1.10"));
  CHECK(*TaskId::parse("1") < *TaskId::parse("1.1"));
  CHECK(*TaskId::parse("8.5") < *TaskId::parse("9"));
  CHECK(task_id_less("1.9", "1.10"));
  CHECK_FALSE(task_id_less("1.10", "1.9"));
  CHECK(task_id_less("2", "10"));
  CHECK(task_id_less("10", "not-an-id"));
  std::vector<std::string> ids{"10", "1.10", "1.2", "2", "1.9", "0"};
  std::sort(ids.begin(), ids.end(), [](const auto& a, const auto& b) { return task_id_less(a, b); });
  CHECK(ids == std::vector<std::string>{"0", "1.2", "1.9", "1.10", "2", "10"});
}

TEST_CASE("task_id_less orders ids as TaskId does, whatever their length") {
  // Short numbered ids are compared without a TaskId; long ones and named ones
  // the long way: both must give the TaskId order.
  std::vector<std::string> ids{"1.2.3.4.5.6.7.8.9", "1.2.3.4.5.6.7.8", "1.2.3.4.5.6.7.9", "01", "1", "1.0",
                               "STEP-2", "2147483647", "2147483648", "1..2", "1.", "", "A-1"};
  for (const auto& a : ids) {
    for (const auto& b : ids) {
      auto ia = TaskId::parse(a), ib = TaskId::parse(b);
      bool expected = ia && ib ? (*ia != *ib ? *ia < *ib : a < b) : ia != ib ? ia.has_value() : a < b;
      CHECK_MESSAGE(task_id_less(a, b) == expected, a << " < " << b);
    }
  }
  CHECK(task_id_less("1.2.3.4.5.6.7.8", "1.2.3.4.5.6.7.8.9"));
  CHECK(task_id_less("01", "1"));  // the same id: by text
  CHECK_FALSE(task_id_less("1", "01"));
}

TEST_CASE("prefix and ancestry") {
  auto id = *TaskId::parse("5.2.1");
  CHECK(id.prefix().str() == "5.2");
  CHECK(id.prefix().prefix().str() == "5");
  CHECK(id.prefix().prefix().prefix().empty());
  CHECK(TaskId::parse("5")->is_ancestor_of(id));
  CHECK_FALSE(TaskId::parse("5.2.1")->is_ancestor_of(id));
  CHECK_FALSE(TaskId::parse("5.1")->is_ancestor_of(id));
  CHECK_FALSE(TaskId::parse("52")->is_ancestor_of(id));
}

TEST_CASE("named ids: letters, digits and hyphens ending in -N") {
  auto a = TaskId::parse("FOUNDATION-1");
  REQUIRE(a);
  CHECK(a->named());
  CHECK(a->name() == "FOUNDATION");
  CHECK(a->str() == "FOUNDATION-1");
  CHECK(TaskId::parse("API-V2-03")->str() == "API-V2-3");
  CHECK(TaskId::parse("a-1"));
  CHECK_FALSE(TaskId::parse("FOUNDATION"));
  CHECK_FALSE(TaskId::parse("FOUNDATION-"));
  CHECK_FALSE(TaskId::parse("-1"));
  CHECK_FALSE(TaskId::parse("A--1"));
  CHECK_FALSE(TaskId::parse("A_B-1"));
  CHECK_FALSE(TaskId::parse("1-2"));  // a range, not an id
  CHECK(TaskId::parse("STEP-2") < TaskId::parse("STEP-10"));
  CHECK(TaskId::parse("9.9") < TaskId::parse("A-1"));  // numbered before named
  CHECK(a->prefix().empty());
  CHECK_FALSE(a->is_ancestor_of(*TaskId::parse("FOUNDATION-1")));
  // Ranked prefixes (the parser's order of first appearance) win over the text.
  TaskId z = *TaskId::parse("ZETA-1"), b = *TaskId::parse("ALPHA-1");
  z.set_name_rank(0);
  b.set_name_rank(1);
  CHECK(z < b);
  CHECK(z == *TaskId::parse("ZETA-1"));  // equality ignores the rank
  CHECK(task_id_less("STEP-2", "STEP-10"));
}
