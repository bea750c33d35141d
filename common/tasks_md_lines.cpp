#include "common/tasks_md_lines.hpp"

#include <array>

#include <cctype>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/task_id.hpp"

namespace kp::tasks_md {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
}
bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  }
  return true;
}
std::string_view skip_spaces(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}

bool is_id_text(std::string_view s);

// Reads "1", "1.2.3", "8.5." at the start of s; returns the length used.
size_t read_number(std::string_view s, std::string_view& number, bool& trailing_dot) {
  size_t i = 0;
  while (i < s.size() && (is_digit(s[i]) || (s[i] == '.' && i > 0 && is_digit(s[i - 1])))) ++i;
  std::string_view token = s.substr(0, i);
  trailing_dot = !token.empty() && token.back() == '.';
  if (trailing_dot) token.remove_suffix(1);
  if (token.empty() || !is_id_text(token)) return 0;  // TaskId::parse's rule, without building one
  number = token;
  return i;
}

// A named id and its colon, in or out of bold: "FOUNDATION-1: T",
// "**FOUNDATION-1: T**", "**FOUNDATION-1**: T", "**FOUNDATION-1:** T".
// Returns the id and the title after the colon.
std::optional<std::pair<std::string_view, std::string_view>> read_named_task(std::string_view s) {
  bool bold = s.size() > 2 && s[0] == '*' && s[1] == '*';
  if (bold) s.remove_prefix(2);
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return std::nullopt;  // the common "1.2"
  size_t len = 0;
  while (len < s.size() && (std::isalnum(static_cast<unsigned char>(s[len])) || s[len] == '-')) ++len;
  std::string_view word = s.substr(0, len);
  auto id = TaskId::parse(word);
  if (!id || !id->named()) return std::nullopt;
  std::string_view after = s.substr(len);
  if (bold && after.substr(0, 2) == "**") {
    after.remove_prefix(2);
    bold = false;
  }
  if (after.empty() || after[0] != ':') return std::nullopt;
  after.remove_prefix(1);
  if (bold && after.substr(0, 2) == "**") after.remove_prefix(2);
  return std::make_pair(word, skip_spaces(after));
}

// UTF-8 dashes and wave dashes used in ranges, written as '-'.
std::string normalize_dashes(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (i + 2 < s.size() + 0 && static_cast<unsigned char>(s[i]) == 0xE2 &&
        static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0x93 || static_cast<unsigned char>(s[i + 2]) == 0x94)) {
      out += '-';
      i += 2;
    } else if (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xE3 &&
               static_cast<unsigned char>(s[i + 1]) == 0x80 && static_cast<unsigned char>(s[i + 2]) == 0x9C) {
      out += '-';  // 〜
      i += 2;
    } else if (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xE3 &&
               static_cast<unsigned char>(s[i + 1]) == 0x80 && static_cast<unsigned char>(s[i + 2]) == 0x81) {
      out += ',';  // 、
      i += 2;
    } else if (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xEF &&
               static_cast<unsigned char>(s[i + 1]) == 0xBC && static_cast<unsigned char>(s[i + 2]) == 0x8C) {
      out += ',';  // ，
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// TaskId::parse's rule without building a TaskId: nearly every word an id list
// holds is numbered ("1.2"), and this runs for each of them. Named ids go the long way.
bool is_id_text(std::string_view s) {
  if (s.empty()) return false;
  if (!is_digit(s[0])) return TaskId::parse(s).has_value();
  long long part = 0;
  bool in_part = false;
  for (char c : s) {
    if (is_digit(c)) {
      part = part * 10 + (c - '0');
      if (part > 2147483647LL) return false;
      in_part = true;
    } else if (c == '.' && in_part) {
      part = 0;
      in_part = false;
    } else {
      return false;
    }
  }
  return in_part;
}

bool equals_ci(std::string_view a, std::string_view b) {
  return a.size() == b.size() && starts_with_ci(a, b);
}

// "1.1-1.15" -> {"1.1", "1.15"}.
std::optional<std::pair<std::string, std::string>> split_range(std::string_view w) {
  auto dash = w.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto a = w.substr(0, dash), b = w.substr(dash + 1);
  if (is_id_text(a) && is_id_text(b)) return std::make_pair(std::string(a), std::string(b));
  return std::nullopt;
}

bool is_filler_word(std::string_view w) {
  for (std::string_view f : {"and", "&", "task", "tasks", "or", "-", "to", "through"}) {
    if (equals_ci(w, f)) return true;
  }
  return false;
}

bool is_none_word(std::string_view w) {
  w = trim(w);
  if (w.empty()) return true;
  for (std::string_view f : {"none", "n/a", "na", "-", "nothing", "なし", "no"}) {
    if (equals_ci(w, f)) return true;
  }
  return false;
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

LineShape shape_line(std::string_view line) {
  LineShape shape;
  size_t i = 0;
  int col = 0;
  for (; i < line.size(); ++i) {
    if (line[i] == ' ') ++col;
    else if (line[i] == '\t') col = (col / 4 + 1) * 4;
    else break;
  }
  shape.indent = col;
  shape.text = line.substr(i);
  while (!shape.text.empty() && (shape.text.back() == ' ' || shape.text.back() == '\t' || shape.text.back() == '\r'))
    shape.text.remove_suffix(1);
  return shape;
}

std::optional<ListItem> parse_list_item(std::string_view text) {
  if (text.empty() || (text[0] != '-' && text[0] != '*' && text[0] != '+')) return std::nullopt;
  if (text.size() == 1) return ListItem{text[0], {}};
  if (!is_space(text[1])) return std::nullopt;
  return ListItem{text[0], skip_spaces(text.substr(2))};
}

std::optional<CheckboxItem> parse_checkbox(std::string_view rest) {
  if (rest.size() < 3 || rest[0] != '[' || rest[2] != ']') return std::nullopt;
  CheckboxItem item;
  switch (rest[1]) {
    case ' ': item.box = Box::pending; break;
    case 'x': case 'X': item.box = Box::done; break;
    case '-': case '~': item.box = Box::in_progress; break;
    default: return std::nullopt;
  }
  std::string_view s = rest.substr(3);
  if (!s.empty() && s[0] == '*') {
    item.star_after_box = true;
    s.remove_prefix(1);
  }
  if (!s.empty() && !is_space(s[0])) return std::nullopt;  // "[x]foo" is not a checkbox
  s = skip_spaces(s);
  item.title = s;
  std::string_view n = s;
  if (starts_with_ci(n, "task") && n.size() > 4 && is_space(n[4])) n = skip_spaces(n.substr(4));
  if (auto named = read_named_task(n)) {
    item.number = named->first;
    item.title = named->second;
    return item;
  }
  bool bold = n.size() > 2 && n[0] == '*' && n[1] == '*' && is_digit(n[2]);  // "**1.1** Title"
  if (bold) n.remove_prefix(2);
  std::string_view number;
  bool dot = false;
  size_t used = read_number(n, number, dot);
  if (used == 0) return item;  // unnumbered checklist item
  std::string_view after = n.substr(used);
  if (bold && after.size() >= 2 && after.substr(0, 2) == "**") after.remove_prefix(2);
  bool star = false;
  if (!after.empty() && after[0] == '*') {
    star = true;
    after.remove_prefix(1);
  }
  if (!after.empty() && (after[0] == ':' || after[0] == ')')) after.remove_prefix(1);
  if (!after.empty() && !is_space(after[0])) return item;  // "1.5x faster": a word, not a number
  item.number = number;
  item.trailing_dot = dot;
  item.star_after_number = star;
  item.title = skip_spaces(after);
  return item;
}

std::optional<std::string_view> parse_heading(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && text[i] == '#') ++i;
  if (i == 0 || i > 6) return std::nullopt;
  if (i < text.size() && !is_space(text[i])) return std::nullopt;
  std::string_view h = trim(text.substr(i));
  while (!h.empty() && h.back() == '#') h.remove_suffix(1);  // closing hashes
  return trim(h);
}

std::optional<HeadingTask> parse_heading_task(std::string_view h) {
  bool task_word = false;
  if (starts_with_ci(h, "task") && h.size() > 4 && is_space(h[4])) {
    task_word = true;
    h = skip_spaces(h.substr(4));
  }
  std::string_view number;
  bool dot = false;
  size_t used = read_number(h, number, dot);
  if (used == 0) return std::nullopt;
  std::string_view after = h.substr(used);
  if (!after.empty() && after[0] == ':') {
    after.remove_prefix(1);
  } else if (!dot && !task_word) {
    return std::nullopt;  // "## 2024 plans" is a heading, not task 2024
  }
  if (!after.empty() && !is_space(after[0])) return std::nullopt;
  after = skip_spaces(after);
  if (!after.empty() && (after[0] == '-' || after[0] == ':')) after = skip_spaces(after.substr(1));
  return HeadingTask{number, after};
}

std::optional<Fence> parse_fence(std::string_view text) {
  if (text.size() < 3 || (text[0] != '`' && text[0] != '~')) return std::nullopt;
  Fence f;
  f.ch = text[0];
  size_t i = 0;
  while (i < text.size() && text[i] == f.ch) ++i;
  if (i < 3) return std::nullopt;
  f.length = static_cast<int>(i);
  std::string_view info = trim(text.substr(i));
  if (f.ch == '`' && info.find('`') != std::string_view::npos) return std::nullopt;  // inline code
  auto sp = info.find_first_of(" \t{");
  f.info = lower_ascii(info.substr(0, sp));
  return f;
}

bool closes_fence(const Fence& open, std::string_view text) {
  size_t i = 0;
  while (i < text.size() && text[i] == open.ch) ++i;
  return static_cast<int>(i) >= open.length && trim(text.substr(i)).empty();
}

LabelKind classify_label(std::string_view label) {
  // Labels are short: lower-cased in a stack buffer (this runs for every annotation).
  label = trim(label);
  if (label.size() > 40) return LabelKind::other;
  char buffer[40];
  for (size_t i = 0; i < label.size(); ++i) {  // ASCII only, as std::tolower does for these bytes: no locale call
    char c = label[i];
    buffer[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  std::string_view l(buffer, label.size());
  if (l == "requirements" || l == "requirement" || l == "reqs" || l == "req" || l == "要件" ||
      l == "要求" || l == "要求事項" || l == "需求" || l == "요구사항" || l == "anforderungen" ||
      l == "exigences" || l == "requisitos" || l == "requisiti" || l == "requirements covered")
    return LabelKind::requirements;
  if (l == "depends" || l == "depends on" || l == "dependencies" || l == "dependency" ||
      l == "depends-on" || l == "depend on" || l == "requires tasks" || l == "after" ||
      l == "依存" || l == "依存関係" || l == "前提タスク")
    return LabelKind::depends;
  if (l == "blocked" || l == "blocked by" || l == "blocker") return LabelKind::blocked;
  return LabelKind::other;
}

namespace {

bool valid_label(std::string_view label) {
  label = trim(label);
  if (label.empty() || label.size() > 40) return false;
  bool has_letter = false;
  for (char c : label) {
    if (c == '`' || c == '_' || c == '*' || c == '[' || c == '(') return false;
    if (!is_digit(c) && c != '.' && c != ' ') has_letter = true;
  }
  return has_letter;
}

// At `s` (just after an opening delimiter): "Label: value" up to the closing
// delimiter. Returns the label, value and the rest after the closing delimiter.
bool read_delimited(std::string_view s, char delim, std::string_view& label, std::string_view& value,
                    std::string_view& rest) {
  auto colon = s.find(':');
  auto close_label = s.find(delim);
  if (close_label != std::string_view::npos && (colon == std::string_view::npos || close_label < colon)) {
    // `_Label_: value`
    if (close_label + 1 < s.size() && s[close_label + 1] == ':') {
      label = trim(s.substr(0, close_label));
      if (!valid_label(label)) return false;
      value = trim(s.substr(close_label + 2));
      rest = {};
      return true;
    }
    return false;
  }
  if (colon == std::string_view::npos) {
    // `_Blocked_`-style flag without a value is handled by the caller.
    return false;
  }
  label = trim(s.substr(0, colon));
  if (!valid_label(label)) return false;
  std::string_view v = s.substr(colon + 1);
  // The value ends at a delimiter that ends the line or opens the next annotation.
  size_t end = std::string_view::npos;
  for (size_t q = v.find(delim); q != std::string_view::npos; q = v.find(delim, q + 1)) {
    std::string_view after = skip_spaces(v.substr(q + 1));
    if (after.empty()) { end = q; break; }
    if (after[0] == delim && q + 1 < v.size() && is_space(v[q + 1])) {
      std::string_view next = after.substr(1);
      auto c = next.find(':');
      if (c != std::string_view::npos && valid_label(next.substr(0, c))) { end = q; break; }
    }
  }
  if (end == std::string_view::npos) {
    value = trim(v);
    rest = {};
  } else {
    value = trim(v.substr(0, end));
    rest = skip_spaces(v.substr(end + 1));
  }
  return true;
}

}  // namespace

std::vector<LabelValue> parse_annotations(std::string_view text) {
  std::vector<LabelValue> out;
  parse_annotations(text, out);
  return out;
}

void parse_annotations(std::string_view text, std::vector<LabelValue>& out) {
  out.clear();
  std::string_view s = trim(text);
  if (s.size() >= 2 && s[0] == '*' && s[1] == '*') {
    auto close = s.find("**", 2);
    if (close == std::string_view::npos) return;
    std::string_view inner = s.substr(2, close - 2);
    std::string_view after = s.substr(close + 2);
    std::string_view label;
    if (!inner.empty() && inner.back() == ':') {
      label = inner.substr(0, inner.size() - 1);
    } else if (!after.empty() && after[0] == ':') {
      label = inner;
      after.remove_prefix(1);
    } else {
      return;
    }
    if (!valid_label(label)) return;
    out.emplace_back(trim(label), trim(after));
    return;
  }
  while (!s.empty() && (s[0] == '_' || s[0] == '*')) {
    char delim = s[0];
    std::string_view label, value, rest;
    std::string_view body = s.substr(1);
    if (!read_delimited(body, delim, label, value, rest)) {
      // `_Blocked_` alone: a flag with no reason.
      auto close = body.find(delim);
      if (out.empty() && close != std::string_view::npos && trim(body.substr(close + 1)).empty() &&
          classify_label(body.substr(0, close)) == LabelKind::blocked) {
        out.emplace_back(trim(body.substr(0, close)), std::string_view());
      }
      break;
    }
    out.emplace_back(label, value);
    s = rest;
  }
  if (out.empty()) {
    auto colon = s.find(':');
    if (colon != std::string_view::npos && classify_label(s.substr(0, colon)) != LabelKind::other)
      out.emplace_back(trim(s.substr(0, colon)), trim(s.substr(colon + 1)));
  }
  return;
}

TitleParts split_title(std::string_view raw) {
  TitleParts parts;
  std::string_view s = trim(raw);
  for (bool again = true; again;) {
    again = false;
    if (s.size() >= 3 && s.substr(0, 3) == "(P)") {
      parts.parallel = true;
      s = trim(s.substr(3));
      again = true;
    }
    if (s.size() >= 3 && s.substr(s.size() - 3) == "(P)") {
      parts.parallel = true;
      s = trim(s.substr(0, s.size() - 3));
      again = true;
    }
    if (!s.empty() && (s[0] == ':' || s[0] == '.' || (s[0] == '-' && s.size() > 1 && is_space(s[1])))) {
      s = trim(s.substr(1));
      again = true;
    }
  }
  parts.title = s;
  return parts;
}

bool has_markdown(std::string_view s) {
  // Every title goes through here (measured at 100,000 tasks: comparisons
  // one by one were 6% of analyze's instructions, a table lookup per byte 4%).
  size_t i = 0;
#if defined(__SSE2__)
  // Sixteen bytes a step, and the sixteen after each by one for a double space.
  auto is = [](__m128i x, char c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(c)); };
  for (; i + 17 <= s.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i + 1));
    const __m128i marks = _mm_or_si128(_mm_or_si128(_mm_or_si128(is(x, '\\'), is(x, '`')), _mm_or_si128(is(x, '*'), is(x, '_'))),
                                       _mm_or_si128(_mm_or_si128(is(x, '~'), is(x, '[')), is(x, '\t')));
    const __m128i double_space = _mm_and_si128(is(x, ' '), is(next, ' '));
    if (_mm_movemask_epi8(_mm_or_si128(marks, double_space)) != 0) return true;
  }
#endif
  static constexpr auto kMarks = [] {
    std::array<bool, 256> marks{};
    for (unsigned char c : std::string_view("\\`*_~[\t ")) marks[c] = true;
    return marks;
  }();
  for (; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (kMarks[c] && (c != ' ' || (i + 1 < s.size() && s[i + 1] == ' '))) return true;
  }
  return false;
}

std::string strip_markdown(std::string_view s) {
  if (!has_markdown(s)) return std::string(s);  // most titles hold no markup: one copy, no second pass
  std::string out;
  out.reserve(s.size());
  auto prev_word = [&](size_t i) { return i > 0 && is_word_char(s[i - 1]); };
  auto next_word = [&](size_t i) { return i < s.size() && is_word_char(s[i]); };
  // The bytes markup starts with; the text between them is copied as one run
  // (measured at 100,000 tasks: a byte at a time, the titles with markup cost
  // 3,500 instructions each).
  static constexpr auto kMarkup = [] {
    std::array<bool, 256> marks{};
    for (unsigned char c : std::string_view("\\`*~_[")) marks[c] = true;
    return marks;
  }();
  for (size_t i = 0; i < s.size();) {
    size_t plain = i;
    while (plain < s.size() && !kMarkup[static_cast<unsigned char>(s[plain])]) ++plain;
    if (plain > i) {
      out.append(s.data() + i, plain - i);
      i = plain;
      continue;
    }
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && std::ispunct(static_cast<unsigned char>(s[i + 1]))) {
      out += s[i + 1];
      i += 2;
    } else if (c == '`') {
      size_t run = 0;
      while (i + run < s.size() && s[i + run] == '`') ++run;
      std::string fence(run, '`');
      auto close = s.find(fence, i + run);
      if (close == std::string_view::npos) {
        i += run;
      } else {
        out += trim(s.substr(i + run, close - i - run));
        i = close + run;
      }
    } else if ((c == '*' || c == '~') && i + 1 < s.size() && s[i + 1] == c) {
      i += 2;  // ** and ~~
    } else if (c == '_' && i + 1 < s.size() && s[i + 1] == '_' && !(prev_word(i) && next_word(i + 2))) {
      i += 2;
    } else if ((c == '*' || c == '_') && (prev_word(i) != next_word(i + 1))) {
      ++i;  // emphasis opens before a word or closes after one; snake_case stays
    } else if (c == '[') {
      auto close = s.find("](", i);
      auto end = close == std::string_view::npos ? close : s.find(')', close);
      if (end != std::string_view::npos && s.substr(i + 1, close - i - 1).find('[') == std::string_view::npos) {
        out += strip_markdown(s.substr(i + 1, close - i - 1));
        i = end + 1;
      } else {
        out += c;
        ++i;
      }
    } else {
      out += c;
      ++i;
    }
  }
  // Collapse runs of spaces left by removed markup, in place.
  size_t kept = 0;
  for (char c : out) {
    if (c == '\t') c = ' ';
    if (c == ' ' && kept > 0 && out[kept - 1] == ' ') continue;
    out[kept++] = c;
  }
  out.resize(kept);
  return out;
}

std::string drop_parentheses(std::string_view s) {
  std::string out;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    bool open = s[i] == '(', close = s[i] == ')';
    // Full-width parentheses （ ） are EF BC 88 / EF BC 89.
    if (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xEF &&
        static_cast<unsigned char>(s[i + 1]) == 0xBC) {
      if (static_cast<unsigned char>(s[i + 2]) == 0x88) { ++depth; i += 2; continue; }
      if (static_cast<unsigned char>(s[i + 2]) == 0x89) { if (depth) --depth; i += 2; continue; }
    }
    if (open) ++depth;
    else if (close) { if (depth) --depth; }
    else if (depth == 0) out += s[i];
  }
  return out;
}

namespace {

// The bytes normalize_dashes and drop_parentheses act on; text without them
// (nearly every list) is read in place, with no copy.
bool needs_normalizing(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '(' || c == ')' || u == 0xE2 || u == 0xE3 || u == 0xEF) return true;
  }
  return false;
}

std::string_view strip_trailing(std::string_view word, std::string_view chars) {
  while (!word.empty() && chars.find(word.back()) != std::string_view::npos) word.remove_suffix(1);
  return word;
}

// One comma- or semicolon-separated segment: ids, ranges ("1.1-1.5", "1 - 5",
// "1 to 5") and fillers; anything else makes the whole segment free text.
void read_segment(std::string_view segment, std::vector<ListToken>& out) {
  constexpr size_t kInline = 16;
  std::string_view inline_words[kInline];
  std::vector<std::string_view> more;  // only for long segments
  size_t count = 0;
  for (size_t i = 0; i < segment.size();) {
    while (i < segment.size() && is_space(segment[i])) ++i;
    size_t j = i;
    while (j < segment.size() && !is_space(segment[j])) ++j;
    if (j > i) {
      if (count == kInline) more.assign(inline_words, inline_words + kInline);
      if (count >= kInline) more.push_back(segment.substr(i, j - i));
      else inline_words[count] = segment.substr(i, j - i);
      ++count;
    }
    i = j;
  }
  const std::string_view* words = count > kInline ? more.data() : inline_words;
  size_t first_new = out.size();
  for (size_t w = 0; w < count; ++w) {
    std::string_view word = strip_trailing(words[w], ".:");
    if (is_id_text(word)) {
      // "1 - 3", "1 to 3"
      if (w + 2 < count && (words[w + 1] == "-" || equals_ci(words[w + 1], "to") || equals_ci(words[w + 1], "through"))) {
        std::string_view last = strip_trailing(words[w + 2], ".");
        if (is_id_text(last)) {
          out.push_back({std::string(word), std::string(last), true});
          w += 2;
          continue;
        }
      }
      out.push_back({std::string(word), "", true});
    } else if (auto range = split_range(word)) {
      out.push_back({range->first, range->second, true});
    } else if (!is_filler_word(word)) {
      out.resize(first_new);
      out.push_back({std::string(segment), "", false});
      return;
    }
  }
}

}  // namespace

std::vector<ListToken> parse_id_list(std::string_view text) {
  std::vector<ListToken> out;
  parse_id_list(text, out);
  return out;
}

void parse_id_list(std::string_view text, std::vector<ListToken>& out) {
  out.clear();
  std::string normalized;
  std::string_view norm = text;
  if (needs_normalizing(text)) {
    normalized = normalize_dashes(drop_parentheses(text));
    norm = normalized;
  }
  size_t start = 0;
  while (start <= norm.size()) {
    size_t end = norm.find_first_of(",;", start);
    if (end == std::string_view::npos) end = norm.size();
    std::string_view segment = trim(norm.substr(start, end - start));
    start = end + 1;
    segment = trim(strip_trailing(segment, "._"));
    if (!is_none_word(segment)) read_segment(segment, out);
    if (end == norm.size()) break;
  }
}

std::optional<std::string> prose_dependency(std::string_view text) {
  // Cheap test first: nearly every description line has neither phrase.
  if (text.find("epend") == std::string_view::npos && text.find("locked until") == std::string_view::npos)
    return std::nullopt;
  std::string lower = lower_ascii(text);
  size_t at = std::string::npos;
  size_t len = 0;
  for (std::string_view phrase : {"depends on", "dependent on", "depend on", "blocked until"}) {
    auto p = lower.find(phrase);
    if (p != std::string::npos && (at == std::string::npos || p < at)) {
      at = p;
      len = phrase.size();
    }
  }
  if (at == std::string::npos) return std::nullopt;
  std::string rest = normalize_dashes(drop_parentheses(text.substr(at + len)));
  std::string_view r = skip_spaces(rest);
  if (!r.empty() && r[0] == ':') r = skip_spaces(r.substr(1));
  // Keep words while they read as an id list.
  std::string kept;
  bool any_id = false;
  size_t i = 0;
  while (i < r.size()) {
    size_t j = i;
    while (j < r.size() && !is_space(r[j])) ++j;
    std::string word(r.substr(i, j - i));
    std::string bare = word;
    while (!bare.empty() && (bare.back() == ',' || bare.back() == ';' || bare.back() == '.' ||
                             bare.back() == ':' || bare.back() == '_' || bare.back() == '*')) {
      bare.pop_back();
    }
    if (is_id_text(bare) || split_range(bare)) {
      any_id = true;
      kept += bare + (word.back() == ',' ? ", " : " ");
    } else if (is_filler_word(bare) || bare.empty()) {
      kept += bare + " ";
    } else {
      break;
    }
    if (word.back() == '.' || word.back() == ';') break;  // the sentence ends the list
    i = j;
    while (i < r.size() && is_space(r[i])) ++i;
  }
  if (!any_id) return std::nullopt;
  return std::string(trim(kept));
}

}  // namespace kp::tasks_md
