#include "common/text_width.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace kp {

namespace {

struct Range {
  char32_t first, last;
};

// Combining marks and zero-width characters: no column of their own.
constexpr Range kZeroWidth[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x2028, 0x202E}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0x302A, 0x302D},
    {0x3099, 0x309A}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

// East Asian Wide and Fullwidth, and the emoji blocks terminals draw two columns wide.
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x23E9, 0x23EC},   {0x23F0, 0x23F0},   {0x23F3, 0x23F3},
    {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},
    {0x26A1, 0x26A1},   {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},   {0x26FA, 0x26FA},
    {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},   {0x2728, 0x2728},   {0x274C, 0x274C},
    {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},
    {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x3247},   {0x3250, 0x4DBF},   {0x4E00, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},
    {0x16FE0, 0x16FE4}, {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F320}, {0x1F32D, 0x1F335},
    {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0},
    {0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D},
    {0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596}, {0x1F5A4, 0x1F5A4},
    {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7},
    {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945},
    {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

template <size_t N>
bool in(const Range (&table)[N], char32_t code) {
  auto it = std::upper_bound(std::begin(table), std::end(table), code,
                             [](char32_t c, const Range& r) { return c < r.first; });
  return it != std::begin(table) && code <= std::prev(it)->last;
}

}  // namespace

Utf8Char decode_utf8(std::string_view text, size_t at) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(text[at + k]); };
  unsigned char lead = b(0);
  if (lead < 0x80) return {lead, 1, true};
  size_t length = lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3 : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
  Utf8Char bad{0xFFFD, 1, false};
  if (length == 0 || at + length > text.size()) return bad;
  char32_t code = lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((b(k) & 0xC0) != 0x80) return bad;
    code = (code << 6) | (b(k) & 0x3F);
  }
  bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  if (overlong || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return bad;
  return {code, length, true};
}

int code_point_width(char32_t code) {
  if (code < 0x20 || (code >= 0x7F && code < 0xA0)) return 0;  // control characters
  if (code < 0x300) return 1;
  if (in(kZeroWidth, code)) return 0;
  return in(kWide, code) ? 2 : 1;
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {  // ASCII: one column, no decoding
      ++width;
      ++i;
      continue;
    }
    Utf8Char ch = decode_utf8(text, i);
    width += static_cast<size_t>(code_point_width(ch.code));
    i += ch.length;
  }
  return width;
}

std::string fit_width(std::string_view text, int width) {
  std::string out;
  append_fit_width(out, text, width);
  return out;
}

size_t append_fit_width(std::string& out, std::string_view text, int width) {
  const size_t columns = display_width(text);
  if (width <= 0 || columns <= static_cast<size_t>(width)) {
    out += text;
    return columns;
  }
  // Room for the ellipsis (one column); a combining mark stays with its letter.
  size_t used = 0, cut = 0;
  for (size_t i = 0; i < text.size();) {
    Utf8Char ch = decode_utf8(text, i);
    size_t w = static_cast<size_t>(code_point_width(ch.code));
    if (w > 0 && used + w > static_cast<size_t>(width) - 1) break;
    used += w;
    i += ch.length;
    cut = i;
  }
  out += text.substr(0, cut);
  out += "…";
  return used + static_cast<size_t>(code_point_width(U'\u2026'));
}

}  // namespace kp
