// The eight-byte tests the parser and the JSON writer use to skip plain text:
// each must see its byte at every position of the word, and nothing else.
#include <doctest/doctest.h>

#include <string>

#include "common/ascii_words.hpp"

using namespace kp::ascii_words;

TEST_CASE("ascii words: a byte that needs a look is found at every position, plain words pass") {
  const std::string plain = "Sub-task";
  CHECK_FALSE(has_below(load(plain, 0), 0x20));
  CHECK_FALSE(has_above(load(plain, 0), 0x7e));
  CHECK_FALSE(has_non_ascii(load(plain, 0)));
  CHECK_FALSE(has_byte(load(plain, 0), '"'));
  for (size_t at = 0; at < 8; ++at) {
    for (unsigned char b : {0x00, 0x01, 0x09, 0x1f}) {
      std::string w = plain;
      w[at] = static_cast<char>(b);
      CHECK(has_below(load(w, 0), 0x20));
    }
    for (unsigned char b : {0x7f, 0x80, 0xc3, 0xff}) {
      std::string w = plain;
      w[at] = static_cast<char>(b);
      CHECK(has_above(load(w, 0), 0x7e));
      CHECK(has_non_ascii(load(w, 0)) == (b >= 0x80));
    }
    std::string q = plain, bs = plain;
    q[at] = '"';
    bs[at] = '\\';
    CHECK(has_byte(load(q, 0), '"'));
    CHECK_FALSE(has_byte(load(q, 0), '\\'));
    CHECK(has_byte(load(bs, 0), '\\'));
  }
  // Bytes next to the limits are not reported.
  const std::string edges = " ~!}\x20\x7e!#";
  CHECK_FALSE(has_below(load(edges, 0), 0x20));
  CHECK_FALSE(has_above(load(edges, 0), 0x7e));
  CHECK_FALSE(has_byte(load(edges, 0), '"'));
}
