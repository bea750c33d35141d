// UTF-8 and terminal columns, once for the whole program: how a byte string
// decodes (invalid bytes read as U+FFFD, one byte each) and how many columns a
// terminal gives it (East Asian wide characters and emoji two, combining marks
// and zero-width characters none, everything else one).
// Hand-written rather than wcwidth(3): that answers by the process locale (the
// C locale, common in CI and tmux shells, gives -1 for every non-ASCII
// character), and utf8proc is not among the dependencies for ~60 lines.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace kp {

struct Utf8Char {
  char32_t code = 0;   // U+FFFD for an invalid sequence
  size_t length = 1;   // bytes read: at least 1
  bool valid = true;   // false: an invalid, overlong, surrogate or truncated sequence
};
// Decodes the character at text[at] (at < text.size()).
Utf8Char decode_utf8(std::string_view text, size_t at);

// Columns of one code point: 0, 1 or 2.
int code_point_width(char32_t code);

// Columns of a whole string on a terminal (no escape sequences expected).
size_t display_width(std::string_view text);

// At most `width` columns: cut at a character boundary and ended with "…" when
// the text is wider. A width of 0 or less leaves the text as it is.
std::string fit_width(std::string_view text, int width);
// The same appended to `out`, no string of its own; returns its columns.
size_t append_fit_width(std::string& out, std::string_view text, int width);

}  // namespace kp
