// Eight bytes at a time: whether a word of text holds a byte that needs a
// closer look (a control byte, non-ASCII, a given character). The tests are
// exact about existence (Bit Twiddling Hacks' haszero/hasless/hasmore), so a
// caller skips plain words whole and reads the others byte by byte.
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>

namespace kp::ascii_words {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

inline uint64_t load(std::string_view s, size_t at) {  // at + 8 <= s.size()
  uint64_t w;
  std::memcpy(&w, s.data() + at, sizeof w);
  return w;
}
constexpr bool has_below(uint64_t w, unsigned char n) { return ((w - kOnes * n) & ~w & kHighs) != 0; }  // n <= 128
constexpr bool has_above(uint64_t w, unsigned char n) { return (((w + kOnes * (127 - n)) | w) & kHighs) != 0; }  // n <= 127
constexpr bool has_byte(uint64_t w, unsigned char c) { return has_below(w ^ (kOnes * c), 1); }
constexpr bool has_non_ascii(uint64_t w) { return (w & kHighs) != 0; }

}  // namespace kp::ascii_words
