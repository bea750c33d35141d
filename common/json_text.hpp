// Writing JSON text by hand (analyze --json writes 100,000 tasks this way:
// see cmd_analyze.cpp for the measured reason). Each put_ function writes at
// `p`, which must have room for the most it may write (its _room function),
// and returns the end of what it wrote: a record is sized once and written
// with no check per piece. Each append_ function writes the same at the end
// of a string.
#pragma once
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace kp::json_text {

// A JSON string: escapes, and U+FFFD for bytes that are not UTF-8. At most
// six bytes per byte (\u00XX), and the quotes.
constexpr size_t string_room(std::string_view s) { return 6 * s.size() + 2; }
char* put_string(char* p, std::string_view s);

// A task id: letters, digits, dots and hyphens by construction (the parser
// keeps no other id), so it is written as it is, with no escape scan.
constexpr size_t id_room(std::string_view id) { return id.size() + 2; }
char* put_id(char* p, std::string_view id);

size_t ids_room(std::span<const std::string_view> ids);
char* put_ids(char* p, std::span<const std::string_view> ids);
size_t strings_room(std::span<const std::string_view> list);
char* put_strings(char* p, std::span<const std::string_view> list);

constexpr size_t kIntRoom = 11;  // "-2147483648"
char* put_int(char* p, int value);

// Text written as it is (JSON punctuation, literals, ids). Up to 16 bytes,
// nearly every piece, as two overlapping moves instead of a call to memcpy.
inline char* put(char* p, std::string_view raw) {
  const size_t n = raw.size();
  const char* s = raw.data();
  if (n >= 8 && n <= 16) {
    std::memcpy(p, s, 8);
    std::memcpy(p + n - 8, s + n - 8, 8);
  } else if (n >= 4 && n < 8) {
    std::memcpy(p, s, 4);
    std::memcpy(p + n - 4, s + n - 4, 4);
  } else if (n < 4) {
    for (size_t k = 0; k < n; ++k) p[k] = s[k];
  } else {
    std::memcpy(p, s, n);
  }
  return p + n;
}

void append_string(std::string& out, std::string_view s);
void append_id(std::string& out, std::string_view id);
void append_ids(std::string& out, std::span<const std::string_view> ids);
void append_strings(std::string& out, std::span<const std::string_view> list);
void append_int(std::string& out, int value);

}  // namespace kp::json_text
