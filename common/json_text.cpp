#include "common/json_text.hpp"

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/ascii_words.hpp"
#include "common/text_width.hpp"

namespace kp::json_text {

namespace {

// Where the next byte that a JSON string cannot hold as it is (a control,
// DEL, non-ASCII, '"', '\\') sits at or after `at`; s.size() if none.
size_t next_special(std::string_view s, size_t at) {
#if defined(__SSE2__)
  // Sixteen bytes a step: a signed compare below 0x20 also takes every byte
  // from 0x80 (measured at 100,000 tasks: the eight-byte words alone were a
  // third of the JSON's instructions).
  const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f), quote = _mm_set1_epi8('"'),
                backslash = _mm_set1_epi8('\\');
  for (; at + 16 <= s.size(); at += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at));
    const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, space), _mm_cmpeq_epi8(x, del)),
                                         _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
    if (const int mask = _mm_movemask_epi8(special)) return at + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; at + 8 <= s.size(); at += 8) {  // eight bytes at a time while none is special
    const uint64_t w = ascii_words::load(s, at);
    if (ascii_words::has_below(w, 0x20) || ascii_words::has_above(w, 0x7e) || ascii_words::has_byte(w, '"') ||
        ascii_words::has_byte(w, '\\'))
      break;
  }
  for (; at < s.size(); ++at) {
    const auto b = static_cast<unsigned char>(s[at]);
    if (b < 0x20 || b >= 0x7f || b == '"' || b == '\\') return at;
  }
  return at;
}

}  // namespace

char* put_string(char* p, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (s.size() < 16) {
    // Short and plain (ids, requirement numbers: most strings of a record),
    // copied as each byte is checked: no call per run (measured at 100,000
    // tasks: 110 instructions for a 3-byte string the general way).
    char* q = p;
    *q++ = '"';
    size_t i = 0;
    for (; i < s.size(); ++i) {
      const auto b = static_cast<unsigned char>(s[i]);
      if (b < 0x20 || b >= 0x7f || b == '"' || b == '\\') break;
      *q++ = static_cast<char>(b);
    }
    if (i == s.size()) {
      *q++ = '"';
      return q;
    }
  }
  *p++ = '"';
  for (size_t i = 0; i < s.size();) {
    const size_t special = next_special(s, i);
    p = put(p, s.substr(i, special - i));  // the run before it, in one piece
    i = special;
    if (i == s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"') p = put(p, "\\\"");
      else if (c == '\\') p = put(p, "\\\\");
      else if (c == '\n') p = put(p, "\\n");
      else if (c == '\t') p = put(p, "\\t");
      else if (c == '\r') p = put(p, "\\r");
      else {  // other controls, DEL
        p = put(p, "\\u00");
        *p++ = kHex[c >> 4];
        *p++ = kHex[c & 15];
      }
      ++i;
      continue;
    }
    Utf8Char ch = decode_utf8(s, i);
    p = ch.valid ? put(p, s.substr(i, ch.length)) : put(p, "\xEF\xBF\xBD");  // at most 3 bytes for at least 1
    i += ch.length;
  }
  *p++ = '"';
  return p;
}

char* put_id(char* p, std::string_view id) {
  *p++ = '"';
  p = put(p, id);
  *p++ = '"';
  return p;
}

namespace {

template <class Room>
size_t array_room(std::span<const std::string_view> items, Room room) {
  size_t bytes = 2;  // [ ]
  for (const auto& item : items) bytes += room(item) + 1;
  return bytes;
}

template <class Put>
char* put_array(char* p, std::span<const std::string_view> items, Put put_item) {
  *p++ = '[';
  for (size_t k = 0; k < items.size(); ++k) {
    if (k) *p++ = ',';
    p = put_item(p, items[k]);
  }
  *p++ = ']';
  return p;
}

// Writes through `put` at the end of `out`, in room sized first.
template <class Put>
void append_with(std::string& out, size_t room, Put put) {
  const size_t at = out.size();
  out.resize(at + room);
  char* end = put(out.data() + at);
  out.resize(static_cast<size_t>(end - out.data()));
}

}  // namespace

size_t ids_room(std::span<const std::string_view> ids) {
  return array_room(ids, [](std::string_view id) { return id_room(id); });
}
char* put_ids(char* p, std::span<const std::string_view> ids) { return put_array(p, ids, put_id); }

size_t strings_room(std::span<const std::string_view> list) {
  return array_room(list, [](std::string_view s) { return string_room(s); });
}
char* put_strings(char* p, std::span<const std::string_view> list) { return put_array(p, list, put_string); }

char* put_int(char* p, int value) {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  if (value < 0) *p++ = '-';
  // In unsigned arithmetic: -2147483648 has no positive int.
  uint32_t v = value < 0 ? 0u - static_cast<uint32_t>(value) : static_cast<uint32_t>(value);
  int digits = 1;
  for (uint32_t bound = 10; digits < 10 && v >= bound; bound *= 10) ++digits;
  char* end = p + digits;
  char* d = end;
  for (; v >= 100; v /= 100) {  // two digits a step
    d -= 2;
    std::memcpy(d, kPairs + 2 * (v % 100), 2);
  }
  if (v >= 10) {
    d -= 2;
    std::memcpy(d, kPairs + 2 * v, 2);
  } else {
    *--d = static_cast<char>('0' + v);
  }
  return end;
}

void append_string(std::string& out, std::string_view s) {
  append_with(out, string_room(s), [&](char* p) { return put_string(p, s); });
}
void append_id(std::string& out, std::string_view id) {
  append_with(out, id_room(id), [&](char* p) { return put_id(p, id); });
}
void append_ids(std::string& out, std::span<const std::string_view> ids) {
  append_with(out, ids_room(ids), [&](char* p) { return put_ids(p, ids); });
}
void append_strings(std::string& out, std::span<const std::string_view> list) {
  append_with(out, strings_room(list), [&](char* p) { return put_strings(p, list); });
}
void append_int(std::string& out, int value) {
  append_with(out, kIntRoom, [&](char* p) { return put_int(p, value); });
}

}  // namespace kp::json_text
