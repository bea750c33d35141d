#include "common/json_text.hpp"

#include <cstdint>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "common/ascii_words.hpp"
#include "common/text_width.hpp"

namespace kp::json_text {

void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    size_t plain = i;  // a run that needs no escape: copied in one piece
    while (plain < s.size()) {
      if (plain + 8 <= s.size()) {  // eight bytes at a time while none needs escaping
        uint64_t w = ascii_words::load(s, plain);
        if (!ascii_words::has_below(w, 0x20) && !ascii_words::has_above(w, 0x7e) && !ascii_words::has_byte(w, '"') &&
            !ascii_words::has_byte(w, '\\')) {
          plain += 8;
          continue;
        }
      }
      auto b = static_cast<unsigned char>(s[plain]);
      if (b < 0x20 || b >= 0x7f || b == '"' || b == '\\') break;
      ++plain;
    }
    if (plain > i) {
      out.append(s.data() + i, plain - i);
      i = plain;
      continue;
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else if (c == '\r') out += "\\r";
      else fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);  // other controls, DEL
      ++i;
      continue;
    }
    Utf8Char ch = decode_utf8(s, i);
    if (ch.valid) out.append(s.substr(i, ch.length));
    else out += "\xEF\xBF\xBD";
    i += ch.length;
  }
  out += '"';
}

void append_id(std::string& out, std::string_view id) {
  const size_t at = out.size();
  out.resize(at + id.size() + 2);
  char* p = out.data() + at;
  *p = '"';
  std::memcpy(p + 1, id.data(), id.size());
  p[id.size() + 1] = '"';
}

namespace {

template <class Append>
void append_array(std::string& out, std::span<const std::string_view> items, Append append) {
  out += '[';
  for (size_t k = 0; k < items.size(); ++k) {
    if (k) out += ',';
    append(out, items[k]);
  }
  out += ']';
}

}  // namespace

void append_ids(std::string& out, std::span<const std::string_view> ids) { append_array(out, ids, append_id); }

void append_strings(std::string& out, std::span<const std::string_view> list) { append_array(out, list, append_string); }

void append_int(std::string& out, int value) {
  fmt::format_int text(value);
  out.append(text.data(), text.size());
}

}  // namespace kp::json_text
