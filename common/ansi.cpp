#include "common/ansi.hpp"

namespace kp {

namespace {

constexpr char kEsc = '\x1b';
constexpr char kBel = '\x07';

// Index just past a string terminated by BEL or ST (ESC \), or the end.
size_t skip_string(std::string_view s, size_t i, bool bel_ends) {
  while (i < s.size()) {
    if (bel_ends && s[i] == kBel) return i + 1;
    if (s[i] == kEsc && i + 1 < s.size() && s[i + 1] == '\\') return i + 2;
    ++i;
  }
  return i;
}

}  // namespace

std::string strip_ansi(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    // Plain text up to the next control character is copied in one piece.
    size_t plain = i;
    while (plain < s.size() && (static_cast<unsigned char>(s[plain]) >= 0x20 || s[plain] == '\n' ||
                                s[plain] == '\t')) {
      ++plain;
    }
    out.append(s.substr(i, plain - i));
    i = plain;
    if (i >= s.size()) break;
    if (s[i] != kEsc) {  // \r, BEL, BS ...
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) break;  // a lone ESC at the end
    const char kind = s[i + 1];
    if (kind == '[') {  // CSI: parameters and intermediates, then one final byte 0x40-0x7e
      size_t j = i + 2;
      while (j < s.size() && !(s[j] >= 0x40 && s[j] <= 0x7e)) ++j;
      i = j < s.size() ? j + 1 : j;
    } else if (kind == ']') {  // OSC: ends with BEL or ST
      i = skip_string(s, i + 2, true);
    } else if (kind == 'P' || kind == 'X' || kind == '^' || kind == '_') {  // DCS SOS PM APC
      i = skip_string(s, i + 2, false);
    } else if (kind >= 0x20 && kind <= 0x2f) {  // ESC ( B and friends: intermediates + final
      size_t j = i + 1;
      while (j < s.size() && s[j] >= 0x20 && s[j] <= 0x2f) ++j;
      i = j < s.size() ? j + 1 : j;
    } else {  // ESC 7, ESC =, ESC M ...
      i += 2;
    }
  }
  return out;
}

}  // namespace kp
