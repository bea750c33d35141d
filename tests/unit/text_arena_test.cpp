#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/text_arena.hpp"

using namespace kp;

TEST_CASE("text arena: kept strings stay where they are while more are kept") {
  TextArena arena;
  std::vector<std::string_view> kept;
  std::vector<std::string> expected;
  for (int k = 0; k < 20000; ++k) {  // many blocks' worth
    std::string s = "task " + std::to_string(k) + std::string(static_cast<size_t>(k % 40), 'x');
    kept.push_back(arena.keep(s));
    expected.push_back(s);
  }
  const std::string big(100000, 'b');  // larger than a block: a block of its own
  std::string_view big_kept = arena.keep(big);
  kept.push_back(arena.keep("after the big one"));
  for (size_t k = 0; k < expected.size(); ++k) REQUIRE(kept[k] == expected[k]);
  CHECK(big_kept == big);
  CHECK(kept.back() == "after the big one");
  CHECK(arena.keep("").empty());
  TextArena moved = std::move(arena);  // blocks move with the arena: views stay
  CHECK(kept[123] == expected[123]);
}
