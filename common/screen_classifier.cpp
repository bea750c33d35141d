#include "common/screen_classifier.hpp"

#include <algorithm>
#include <regex>

#include "common/ansi.hpp"

namespace kp {

namespace {

constexpr int kMenuScanLines = 30;      // how far up a menu's cursor may sit without an input prompt
constexpr int kExitScanLines = 8;       // non-blank lines searched for goodbye / resume text
constexpr int kLastLines = 3;           // "the last lines" a person glances at
constexpr int kPromptLines = 2;         // where a y/n or "Press Enter" question can be
constexpr int kDialogTopLines = 10;     // how far above a menu cursor its question may be
constexpr int kErrorScanLines = 12;     // lines above the input prompt searched for this turn's error

using Patterns = std::vector<CompiledPattern>;

// ---- The screen as lines a person reads ----

constexpr size_t kRegionLines = 60;  // only the bottom of the screen is read

struct ScreenLine {
  int number = 0;    // 1-based line of the captured screen
  std::string raw;   // as captured (ANSI stripped), right-trimmed
  std::string text;  // box borders removed, no-break spaces made spaces
  bool blank = true;
  bool rule = false;  // only box-drawing / block characters: a horizontal rule or box edge
};

std::string trim(std::string s) {
  const auto not_space = [](char ch) { return ch != ' ' && ch != '\t'; };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

void rtrim(std::string& s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
}

// U+2500-U+259F: box drawing and block elements (─ │ ╭ ╌ ▄ ▀ █ ▔ ...).
bool is_box_char_at(std::string_view s, size_t i) {
  if (i + 3 > s.size()) return false;
  const auto b0 = static_cast<unsigned char>(s[i]), b1 = static_cast<unsigned char>(s[i + 1]),
             b2 = static_cast<unsigned char>(s[i + 2]);
  return b0 == 0xE2 && (b1 == 0x94 || b1 == 0x95 || (b1 == 0x96 && b2 <= 0x9F));
}

bool starts_with_any(std::string_view s, size_t at, std::initializer_list<std::string_view> what) {
  for (auto w : what) {
    if (s.substr(at, w.size()) == w) return true;
  }
  return false;
}

bool ends_with_any(std::string_view s, std::initializer_list<std::string_view> what, size_t* len) {
  for (auto w : what) {
    if (s.size() >= w.size() && s.substr(s.size() - w.size()) == w) {
      *len = w.size();
      return true;
    }
  }
  return false;
}

// Box borders around a line ("│ text │█", "┃ text") go; the inner indentation stays.
std::string strip_borders(std::string s) {
  const std::initializer_list<std::string_view> kBorders = {"│", "┃", "║"};
  for (int round = 0; round < 3; ++round) {
    size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (!starts_with_any(s, i, kBorders)) break;
    i += 3;
    if (i < s.size() && s[i] == ' ') ++i;
    s.erase(0, i);
  }
  for (int round = 0; round < 2; ++round) {
    rtrim(s);
    size_t len = 0;
    if (ends_with_any(s, {"█", "▄", "▀"}, &len)) {  // a scrollbar glued to the right border
      std::string_view rest(s.data(), s.size() - len);
      size_t border = 0;
      if (ends_with_any(rest, {"│", "┃", "║", "╯", "╮"}, &border)) s.resize(s.size() - len);
    }
    if (!ends_with_any(s, kBorders, &len)) break;
    s.resize(s.size() - len);
  }
  rtrim(s);
  return s;
}

std::string replace_nbsp(std::string s) {
  for (size_t i = 0; (i = s.find("\xC2\xA0", i)) != std::string::npos;) s.replace(i, 2, " ");
  return s;
}

bool is_rule(std::string_view s) {
  int box = 0;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == ' ') {
      ++i;
    } else if (is_box_char_at(s, i)) {
      ++box;
      i += 3;
    } else {
      return false;
    }
  }
  return box >= 3;
}

// The bottom region of the screen (trailing blank lines dropped), normalised.
std::vector<ScreenLine> screen_lines(const std::string& screen) {
  std::vector<std::string_view> all;
  std::string_view rest(screen);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    all.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  size_t end = all.size();
  const auto blank = [](std::string_view l) { return l.find_first_not_of(" \t") == std::string_view::npos; };
  while (end > 0 && blank(all[end - 1])) --end;
  const size_t begin = end > kRegionLines ? end - kRegionLines : 0;
  std::vector<ScreenLine> lines;
  lines.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    ScreenLine l;
    l.number = static_cast<int>(i) + 1;
    l.raw = std::string(all[i]);
    rtrim(l.raw);
    l.text = strip_borders(replace_nbsp(l.raw));
    l.blank = l.text.find_first_not_of(" \t") == std::string::npos;
    l.rule = !l.blank && is_rule(l.text);
    lines.push_back(std::move(l));
  }
  return lines;
}

bool match_any(const Patterns& patterns, const std::string& text, std::smatch* m = nullptr) {
  for (const auto& p : patterns) {
    if (pattern_matches(p, text, m)) return true;
  }
  return false;
}

// ---- The agent's input prompt ----

struct InputPrompt {
  size_t index = 0;      // into the screen lines
  std::string text;      // typed text ("" when empty or a placeholder)
  bool placeholder = false;
};

bool starts_numbered(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i > 0 && i + 1 < s.size() && (s[i] == '.' || s[i] == ')') && s[i + 1] == ' ';
}

std::string without_cursor_block(std::string s) {
  for (size_t i = 0; (i = s.find("█", i)) != std::string::npos;) s.erase(i, 3);
  return trim(std::move(s));
}

// The last input-prompt line laid out as the profile's prompt is: with at
// most max_lines_below_prompt lines under it (and between rules for Claude).
std::optional<InputPrompt> find_input_prompt(const std::vector<ScreenLine>& lines, const AgentProfile& profile,
                                             const CompiledPatterns& cp) {
  int below = 0;  // non-blank lines under the candidate
  for (size_t i = lines.size(); i > 0; --i) {
    const ScreenLine& l = lines[i - 1];
    if (below > profile.max_lines_below_prompt + 1) break;  // nothing higher can qualify
    if (l.blank) continue;
    std::smatch m;
    const bool candidate = !l.rule && below <= profile.max_lines_below_prompt && match_any(cp.input_prompt, l.text, &m);
    if (candidate) {
      std::string typed = m.size() > 1 && m[1].matched ? without_cursor_block(m[1].str()) : std::string();
      bool ok = !starts_numbered(typed);
      // A dialog footer under it makes "❯ text" a menu cursor, not the input line.
      for (size_t j = i; ok && j < lines.size(); ++j) ok = !match_any(cp.dialog_hints, lines[j].text);
      if (ok && profile.prompt_between_rules) {
        ok = i >= 2 && lines[i - 2].rule;
        bool rule_below = false;
        for (size_t j = i; j < lines.size() && j < i + 6; ++j) rule_below = rule_below || lines[j].rule;
        ok = ok && rule_below;
      }
      if (ok) {
        InputPrompt p;
        p.index = i - 1;
        p.placeholder = !typed.empty() && match_any(cp.input_placeholder, typed);
        if (!p.placeholder) p.text = typed;
        return p;
      }
    }
    ++below;
  }
  return std::nullopt;
}

// ---- The rules, in the order a person checks them ----

const CompiledPatterns& compiled_of(const AgentProfile& profile, std::shared_ptr<const CompiledPatterns>& keep) {
  if (profile.compiled) return *profile.compiled;
  AgentProfile copy = profile;  // a hand-built profile: compile it for this call
  compile_profile(copy, "profile " + profile.name);
  keep = copy.compiled;
  return *keep;
}

// Everything the rules share about one screen.
struct Screen {
  std::vector<ScreenLine> lines;
  const CompiledPatterns* cp = nullptr;
  const AgentProfile* profile = nullptr;
  std::optional<InputPrompt> prompt;

  // Indices of the last `n` non-blank lines in [from, size), bottom first.
  std::vector<size_t> last_nonblank(size_t from, int n) const {
    std::vector<size_t> out;
    for (size_t i = lines.size(); i > from && static_cast<int>(out.size()) < n; --i) {
      if (!lines[i - 1].blank) out.push_back(i - 1);
    }
    return out;
  }
  size_t below_prompt() const { return prompt ? prompt->index + 1 : 0; }
};

Classification make(ScreenClass cls, std::string rule, const ScreenLine* line) {
  Classification c;
  c.cls = cls;
  c.rule = std::move(rule);
  if (line) {
    c.line = line->number;
    c.text = line->raw;
  }
  return c;
}

ScreenClass idle_class(const ClassifyContext& context) {
  return context.prompt_sent ? ScreenClass::done : ScreenClass::ready;
}

// The quit agent: a shell prompt as the very last line, or goodbye/resume
// text below the input prompt (or among the last lines when none is shown).
std::optional<Classification> rule_exited(const Screen& s) {
  auto last = s.last_nonblank(0, 1);
  if (!last.empty() && match_any(s.cp->shell_prompt, s.lines[last[0]].text)) {
    return make(ScreenClass::exited, "shell_prompt", &s.lines[last[0]]);
  }
  const size_t from = s.below_prompt();
  for (size_t i : s.last_nonblank(from, s.prompt ? 1000 : kExitScanLines)) {
    if (match_any(s.cp->exited, s.lines[i].text)) {
      return make(ScreenClass::exited, "exited_marker", &s.lines[i]);
    }
  }
  return std::nullopt;
}

bool is_option_line(const std::string& text) {
  static const std::regex option(R"(^\s*(?:(?:❯|›|●|○|◯|▶|▸|→|>)\s*)?\d+[.)]\s)",
                                 std::regex::ECMAScript | std::regex::optimize);
  return std::regex_search(text, option, std::regex_constants::match_continuous);
}

// Whether the menu whose cursor is on line `c` is what the agent shows now:
// below it only more options, indented descriptions, rules and dialog hints.
bool menu_is_live(const Screen& s, size_t c, bool numbered) {
  bool hint = false, sibling = false;
  for (size_t j = c + 1; j < s.lines.size(); ++j) {
    const ScreenLine& l = s.lines[j];
    if (l.blank || l.rule) continue;
    if (match_any(s.cp->dialog_hints, l.text)) {
      hint = true;
    } else if (is_option_line(l.text) || l.text[0] == ' ' || l.text[0] == '\t') {
      sibling = true;
    } else {
      return false;  // output written after the menu: the menu is history
    }
  }
  // An unnumbered "❯ text" is a menu only with options beside it and a dialog footer.
  return numbered || (hint && sibling);
}

std::optional<Classification> rule_menu(const Screen& s) {
  const size_t end = s.lines.size();
  const size_t from = s.prompt ? s.below_prompt() : (end > kMenuScanLines ? end - kMenuScanLines : 0);
  int candidates = 0;
  for (size_t c = end; c > from && candidates < 3; --c) {
    const ScreenLine& line = s.lines[c - 1];
    if (line.blank || line.rule) continue;
    std::smatch m;
    if (!match_any(s.cp->menu_cursor, line.text, &m)) continue;
    ++candidates;
    const bool numbered = m.size() > 1 && m[1].matched && m[1].length() > 0;
    if (!menu_is_live(s, c - 1, numbered)) continue;
    const std::string option = m.size() > 2 ? trim(m[2].str()) : trim(line.text);
    if (match_any(s.cp->answered_options, option)) {
      // The dialog's redraw right after our Enter: it is answered; wait.
      return make(ScreenClass::busy, "dialog_answered", &line);
    }
    if (match_any(s.cp->danger_options, option)) {
      return make(ScreenClass::needs_choice, "menu_cursor_on_danger", &line);
    }
    // The dialog's question: from the rule that opens it, or a few lines up.
    size_t top = c - 1 > from + kDialogTopLines ? c - 1 - kDialogTopLines : from;
    for (size_t j = c - 1; j > top; --j) {
      if (s.lines[j - 1].rule) {
        top = j;
        break;
      }
    }
    for (size_t j = top; j < c - 1; ++j) {
      if (match_any(s.cp->danger_context, s.lines[j].text)) {
        return make(ScreenClass::needs_choice, "menu_danger_context", &s.lines[j]);
      }
    }
    if (match_any(s.cp->safe_options, option)) {
      return make(ScreenClass::needs_input, "menu_cursor_on_safe", &line);
    }
    return make(ScreenClass::needs_choice, "menu_cursor_on_choice", &line);
  }
  return std::nullopt;
}

// A question on the last lines: y/n with its default, "Press Enter", a typed code.
std::optional<Classification> rule_prompt(const Screen& s) {
  for (size_t i : s.last_nonblank(s.below_prompt(), kPromptLines)) {
    const ScreenLine& l = s.lines[i];
    if (match_any(s.cp->choice_prompts, l.text)) return make(ScreenClass::needs_choice, "choice_prompt", &l);
    if (match_any(s.cp->safe_prompts, l.text)) {
      if (match_any(s.cp->danger_context, l.text)) {
        return make(ScreenClass::needs_choice, "prompt_danger_context", &l);
      }
      return make(ScreenClass::needs_input, "safe_prompt", &l);
    }
  }
  return std::nullopt;
}

// Work in progress, only where the agent draws it now: the spinner lines just
// above the input prompt and the footer below it, or the last lines.
std::optional<Classification> rule_busy(const Screen& s) {
  std::vector<size_t> zone;
  if (s.prompt) {
    for (size_t i = s.prompt->index + 1; i < s.lines.size(); ++i) zone.push_back(i);
    int above = 0;
    for (size_t i = s.prompt->index; i > 0 && above < s.profile->live_lines_above_prompt; --i) {
      const ScreenLine& l = s.lines[i - 1];
      if (l.blank || l.rule) continue;
      zone.push_back(i - 1);
      ++above;
    }
  } else {
    zone = s.last_nonblank(0, kLastLines);
  }
  for (size_t i : zone) {
    if (match_any(s.cp->busy, s.lines[i].text)) return make(ScreenClass::busy, "busy_marker", &s.lines[i]);
  }
  return std::nullopt;
}

// An open turn (codex): the echo of the last prompt above the input line
// with output after it and no completion or error line yet.
std::optional<Classification> rule_open_turn(const Screen& s) {
  if (!s.profile->open_turn_is_busy || !s.prompt) return std::nullopt;
  bool output = false;
  for (size_t i = s.prompt->index; i > 0; --i) {
    const ScreenLine& l = s.lines[i - 1];
    if (l.blank || l.rule) continue;
    if (match_any(s.cp->completion, l.text) || match_any(s.cp->error, l.text)) return std::nullopt;
    if (match_any(s.cp->input_prompt, l.text)) {
      if (output) return make(ScreenClass::busy, "open_turn", &l);
      return std::nullopt;
    }
    output = true;
  }
  return std::nullopt;
}

// This turn's error: in the footer under the input prompt, or above it back
// to the echo of the prompt that began the turn (older errors are history).
std::optional<Classification> rule_error(const Screen& s) {
  std::vector<size_t> zone;  // bottom first
  if (s.prompt) {
    int seen = 0;
    for (size_t i = s.prompt->index; i > 0 && seen < kErrorScanLines; --i) {
      const ScreenLine& l = s.lines[i - 1];
      if (l.blank || l.rule) continue;
      if (match_any(s.cp->input_prompt, l.text)) break;
      zone.push_back(i - 1);
      ++seen;
    }
  } else {
    zone = s.last_nonblank(0, kExitScanLines);
  }
  // The turn's first error line names the cause ("Unknown command: /x" above
  // "Args from unknown skill: ..."); a footer (Claude's "Not logged in · Run
  // /login" at the right) counts when nothing above does.
  std::optional<size_t> hit;
  for (size_t i : zone) {
    if (match_any(s.cp->error, s.lines[i].text)) hit = i;
  }
  for (size_t i = s.prompt ? s.prompt->index + 1 : s.lines.size(); !hit && i < s.lines.size(); ++i) {
    if (match_any(s.cp->error, s.lines[i].text)) hit = i;
  }
  if (!hit) return std::nullopt;
  Classification c = make(ScreenClass::error, "error_marker", &s.lines[*hit]);
  c.transient = match_any(s.cp->error_transient, s.lines[*hit].text);
  return c;
}

// Whether typed text in the input line is the prompt we sent (its first line).
bool typed_is_prompt(const std::string& typed, const std::string& prompt) {
  if (typed.empty()) return false;
  const std::string p = trim(prompt);
  if (p.empty()) return true;
  const size_t n = std::min<size_t>({20, typed.size(), p.size()});
  return typed.compare(0, n, p, 0, n) == 0;
}

}  // namespace

std::string_view to_string(ScreenClass cls) {
  switch (cls) {
    case ScreenClass::starting: return "starting";
    case ScreenClass::ready: return "ready";
    case ScreenClass::busy: return "busy";
    case ScreenClass::needs_input: return "needs_input";
    case ScreenClass::needs_choice: return "needs_choice";
    case ScreenClass::error: return "error";
    case ScreenClass::unsent: return "unsent";
    case ScreenClass::done: return "done";
    case ScreenClass::exited: return "exited";
  }
  return "starting";
}

std::optional<ScreenClass> screen_class_from_string(std::string_view name) {
  for (ScreenClass c : {ScreenClass::starting, ScreenClass::ready, ScreenClass::busy,
                        ScreenClass::needs_input, ScreenClass::needs_choice, ScreenClass::error,
                        ScreenClass::unsent, ScreenClass::done, ScreenClass::exited}) {
    if (to_string(c) == name) return c;
  }
  return std::nullopt;
}

Classification classify_screen(std::string_view screen, const AgentProfile& profile,
                               const ClassifyContext& context) {
  if (context.pane_dead) return make(ScreenClass::exited, "pane_dead", nullptr);
  std::shared_ptr<const CompiledPatterns> keep;
  Screen s;
  s.cp = &compiled_of(profile, keep);
  s.profile = &profile;
  s.lines = screen_lines(strip_ansi(screen));
  if (s.lines.empty()) return make(ScreenClass::starting, "blank_screen", nullptr);
  s.prompt = find_input_prompt(s.lines, profile, *s.cp);

  if (auto c = rule_exited(s)) return *c;
  if (auto c = rule_menu(s)) return *c;
  if (auto c = rule_prompt(s)) return *c;
  if (auto c = rule_busy(s)) return *c;
  if (auto c = rule_open_turn(s)) return *c;
  if (auto c = rule_error(s)) return *c;
  const auto last = s.last_nonblank(0, kLastLines);
  if (!s.prompt) {
    for (size_t i : last) {
      if (match_any(s.cp->dialog_hints, s.lines[i].text)) {
        return make(ScreenClass::needs_choice, "dialog_open", &s.lines[i]);
      }
    }
  }
  if (s.prompt && context.prompt_sent && typed_is_prompt(s.prompt->text, context.prompt)) {
    return make(ScreenClass::unsent, "input_prompt_unsent", &s.lines[s.prompt->index]);
  }
  if (s.prompt) {
    const char* rule = s.prompt->placeholder   ? "input_prompt_placeholder"
                       : s.prompt->text.empty() ? "input_prompt_empty"
                                                : "input_prompt_typed";
    return make(idle_class(context), rule, &s.lines[s.prompt->index]);
  }
  for (size_t i : s.last_nonblank(0, kExitScanLines)) {
    if (match_any(s.cp->completion, s.lines[i].text)) {
      return make(ScreenClass::done, "completion_marker", &s.lines[i]);
    }
  }
  for (size_t i : last) {
    if (match_any(s.cp->idle, s.lines[i].text)) return make(idle_class(context), "idle_footer", &s.lines[i]);
  }
  return make(ScreenClass::starting, "nothing_recognised", last.empty() ? nullptr : &s.lines[last[0]]);
}

std::optional<std::string> input_line_text(std::string_view screen, const AgentProfile& profile) {
  std::shared_ptr<const CompiledPatterns> keep;
  const CompiledPatterns& cp = compiled_of(profile, keep);
  auto lines = screen_lines(strip_ansi(screen));
  auto prompt = find_input_prompt(lines, profile, cp);
  if (!prompt) return std::nullopt;
  return prompt->placeholder ? std::string() : prompt->text;
}

}  // namespace kp
