#include "common/permission_request.hpp"

#include <algorithm>
#include <functional>
#include <regex>

#include "common/ansi.hpp"

namespace kp {

namespace {

using Lines = std::vector<std::string>;

bool starts_with_at(const std::string& s, size_t at, std::string_view what) {
  return s.compare(at, what.size(), what) == 0;
}

std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  return b == std::string::npos ? std::string() : rtrim(s.substr(b));
}

int indent_of(const std::string& s) {
  const size_t b = s.find_first_not_of(' ');
  return b == std::string::npos ? 0 : static_cast<int>(b);
}

// One level of box border: "│ text │" (a scrollbar block may follow the right border).
bool strip_one_border(std::string& s) {
  static const char* const kLeft[] = {"│", "┃", "║"};
  const size_t b = s.find_first_not_of(' ');
  if (b == std::string::npos) return false;
  for (const char* l : kLeft) {
    if (!starts_with_at(s, b, l)) continue;
    std::string inner = s.substr(b + std::string_view(l).size());
    inner = rtrim(inner);
    for (const char* block : {"█", "▄", "▀"}) {
      if (inner.ends_with(block)) inner = rtrim(inner.substr(0, inner.size() - std::string_view(block).size()));
    }
    for (const char* r : kLeft) {
      if (inner.ends_with(r)) inner = rtrim(inner.substr(0, inner.size() - std::string_view(r).size()));
    }
    s = inner.empty() || inner[0] != ' ' ? inner : inner.substr(1);
    return true;
  }
  return false;
}

std::string clean_line(std::string s) {
  for (size_t at; (at = s.find("\xC2\xA0")) != std::string::npos;) s.replace(at, 2, " ");
  for (int level = 0; level < 2 && strip_one_border(s); ++level) {
  }
  return rtrim(s);
}

Lines screen_lines(std::string_view screen) {
  const std::string text = strip_ansi(screen);
  Lines out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(clean_line(text.substr(start, end - start)));
    start = end + 1;
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

// A line of box drawing only (rules, corners): "────", "╭───╮", "╌╌╌".
bool is_drawing(const std::string& s) {
  const std::string t = trim(s);
  if (t.empty()) return false;
  for (size_t i = 0; i < t.size();) {
    const unsigned char c = static_cast<unsigned char>(t[i]);
    if (c == 0xE2 && i + 2 < t.size() && static_cast<unsigned char>(t[i + 1]) >= 0x94 &&
        static_cast<unsigned char>(t[i + 1]) <= 0x96) {
      i += 3;  // U+2500..U+25BF: box drawing and block elements
    } else if (c == ' ') {
      ++i;
    } else {
      return false;
    }
  }
  return true;
}

bool is_rule(const std::string& s) { return is_drawing(s) && s.find("─") != std::string::npos; }

bool is_option(const std::string& s) {
  static const std::regex option(R"(^\s*(?:(?:❯|›|>|●|○)\s*)?\d+\.\s)");
  return std::regex_search(s, option);
}

ToolRequest request(ToolRequest::Kind kind, std::string tool, std::string command = {}, std::string path = {}) {
  ToolRequest r;
  r.kind = kind;
  r.tool = std::move(tool);
  r.command = std::move(command);
  r.path = std::move(path);
  return r;
}

std::string join_lines(const Lines& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

// ---- Claude Code ----------------------------------------------------------

// The dialog's title line above the question, up to the rule that opens the dialog.
std::optional<size_t> header_above(const Lines& lines, size_t q, const std::regex& header, size_t reach) {
  for (size_t k = q; k-- > 0 && q - k <= reach;) {
    if (std::regex_search(lines[k], header)) return k;
    if (is_rule(lines[k])) return std::nullopt;
  }
  return std::nullopt;
}

bool is_dashed(const std::string& s) { return is_drawing(s) && s.find("╌") != std::string::npos; }

// A Bash dialog's body. Claude Code 2.1.3xx: description lines, then the
// command between two dashed lines (hook messages may follow). Before: the
// command (wrapped lines indented deeper), then a one-line description in
// prose, which is dropped.
std::string claude_bash_command(const Lines& lines, size_t from, size_t to) {
  for (size_t d1 = from; d1 < to; ++d1) {
    if (!is_dashed(lines[d1])) continue;
    Lines command;
    for (size_t k = d1 + 1; k < to; ++k) {
      if (is_dashed(lines[k])) return join_lines(command);
      if (!trim(lines[k]).empty()) command.push_back(trim(lines[k]));
    }
    break;  // no closing line: read it the older way
  }
  Lines body;
  std::vector<int> indents;
  for (size_t k = from; k < to; ++k) {
    if (trim(lines[k]).empty()) continue;
    body.push_back(trim(lines[k]));
    indents.push_back(indent_of(lines[k]));
  }
  if (body.size() >= 2 && indents.back() == indents.front()) {
    static const std::regex prose(R"(^[A-Z][a-z]*( |$)[^|&;<>$`]*$)");
    if (std::regex_match(body.back(), prose)) {
      body.pop_back();
      indents.pop_back();
    }
  }
  std::string out;
  for (size_t k = 0; k < body.size(); ++k) {
    if (k > 0) out += indents[k] > indents.front() ? " " : "\n";
    out += body[k];
  }
  return out;
}

std::optional<ToolRequest> claude_proceed(const Lines& lines, size_t q) {
  static const std::regex header(R"(^\s*(Bash command|Read file|Fetch|Tool use|Web Search|Search|Read files)\s*$)");
  const auto h = header_above(lines, q, header, 80);
  if (!h) return request(ToolRequest::unknown, "");
  const std::string title = trim(lines[*h]);
  if (title == "Bash command") return request(ToolRequest::shell, "Bash", claude_bash_command(lines, *h + 1, q));
  std::string first;
  for (size_t k = *h + 1; k < q && first.empty(); ++k) first = trim(lines[k]);
  if (title == "Read file" || title == "Read files") return request(ToolRequest::read, "Read", {}, first);
  if (title == "Fetch" || title == "Web Search") return request(ToolRequest::fetch, title, first);
  if (title == "Tool use") {
    const bool mcp = first.find("(MCP)") != std::string::npos;
    return request(mcp ? ToolRequest::mcp : ToolRequest::other, first);
  }
  return request(ToolRequest::unknown, title);
}

std::optional<ToolRequest> claude_file(const Lines& lines, size_t q, ToolRequest::Kind kind) {
  static const std::regex header(R"(^\s*(Create file|Edit file|Overwrite file|Write file)\s*$)");
  if (const auto h = header_above(lines, q, header, 400)) {
    for (size_t k = *h + 1; k < q; ++k) {
      if (!trim(lines[k]).empty()) return request(kind, kind == ToolRequest::write ? "Write" : "Edit", {}, trim(lines[k]));
    }
  }
  static const std::regex call(R"(^\s*(?:⏺|●)\s*(Write|Update|Edit|MultiEdit)\((.+)\)\s*$)");
  for (size_t k = q; k-- > 0 && q - k <= 400;) {
    std::smatch m;
    if (std::regex_search(lines[k], m, call)) return request(kind, m[1].str(), {}, m[2].str());
  }
  return request(kind, kind == ToolRequest::write ? "Write" : "Edit");  // path unknown: ask
}

// ---- codex ----------------------------------------------------------------

std::optional<ToolRequest> codex_command(const Lines& lines, size_t q) {
  Lines command;
  for (size_t k = q + 1; k < lines.size() && !is_option(lines[k]); ++k) {
    const std::string t = trim(lines[k]);
    if (command.empty()) {
      if (t.starts_with("$ ")) command.push_back(t.substr(2));
    } else if (!t.empty()) {
      command.push_back(t);
    }
  }
  return request(ToolRequest::shell, "exec_command", join_lines(command));
}

// ---- gemini and qwen ------------------------------------------------------

std::optional<ToolRequest> gemini_prompt(const Lines& lines, size_t q) {
  static const std::regex header(R"(^\s*\?\s+(\S+)\s*(.*)$)");
  std::smatch m;
  size_t h = q;
  for (size_t k = q; k-- > 0 && q - k <= 60;) {
    if (std::regex_search(lines[k], m, header)) {
      h = k;
      break;
    }
  }
  if (h == q) return request(ToolRequest::unknown, "");
  const std::string tool = m[1].str();
  std::string rest = trim(m[2].str());
  if (tool == "Shell" || tool == "run_shell_command") {
    static const std::regex dir(R"(\s*\[current working directory ([^\]]*)\]\s*$)");
    std::smatch d;
    std::string cd;
    if (std::regex_search(rest, d, dir)) {
      cd = "cd " + d[1].str() + " && ";
      rest = rest.substr(0, static_cast<size_t>(d.position(0)));
    }
    Lines body;
    for (size_t k = h + 1; k < q; ++k) {
      if (!is_drawing(lines[k]) && !trim(lines[k]).empty()) body.push_back(trim(lines[k]));
    }
    const std::string command = body.empty() ? trim(rest) : join_lines(body);
    return request(ToolRequest::shell, tool, command.empty() ? command : cd + command);
  }
  // "? WriteFile Writing to hello.txt ←" (gemini 0.61, qwen 0.24), "? Edit src/a.ts: old => new".
  for (const char* verb : {"Writing to ", "Write to ", "Editing ", "Reading "}) {
    if (rest.starts_with(verb)) rest = trim(rest.substr(std::string_view(verb).size()));
  }
  std::string path = rest.substr(0, rest.find(' '));
  if (!path.empty() && path.back() == ':') path.pop_back();
  if (tool == "Edit" || tool == "replace") return request(ToolRequest::edit, tool, {}, path);
  if (tool == "WriteFile" || tool == "write_file") return request(ToolRequest::write, tool, {}, path);
  if (tool.starts_with("Read") || tool == "FindFiles" || tool == "SearchText") {
    return request(ToolRequest::read, tool, {}, path);
  }
  if (tool == "WebFetch" || tool == "GoogleSearch" || tool == "web_fetch") return request(ToolRequest::fetch, tool, rest);
  const bool mcp = tool.find("__") != std::string::npos || rest.find("MCP") != std::string::npos;
  return request(mcp ? ToolRequest::mcp : ToolRequest::other, tool);
}

// ---- aider ----------------------------------------------------------------

// The lines aider printed right above its question, up to a blank line.
Lines block_above(const Lines& lines, size_t q) {
  Lines block;
  for (size_t k = q; k-- > 0 && !trim(lines[k]).empty() && block.size() < 40;) block.insert(block.begin(), trim(lines[k]));
  return block;
}

std::optional<ToolRequest> aider_prompt(const Lines& lines, size_t q, const std::string& question) {
  const Lines block = block_above(lines, q);
  if (question.starts_with("Run shell command")) return request(ToolRequest::shell, "shell", join_lines(block));
  if (question.starts_with("Add URL")) return request(ToolRequest::fetch, "url", block.empty() ? "" : block.back());
  const std::string path = block.size() == 1 ? block[0] : std::string();
  if (question.starts_with("Create new file")) return request(ToolRequest::write, "create", {}, path);
  if (question.starts_with("Allow edits")) return request(ToolRequest::edit, "edit", {}, path);
  return request(ToolRequest::read, "add", {}, path);
}

// ---- any agent: "Permission required" ... "$ cmd" -------------------------

std::optional<ToolRequest> generic_prompt(const Lines& lines, size_t q) {
  for (size_t k = q + 1; k < lines.size(); ++k) {
    const std::string t = trim(lines[k]);
    if (t.starts_with("$ ")) return request(ToolRequest::shell, "shell", t.substr(2));
  }
  return request(ToolRequest::unknown, "");
}

struct Layout {
  const char* profile;  // the profile it belongs to (wins a tie)
  std::regex question;
  std::function<std::optional<ToolRequest>(const Lines&, size_t, const std::smatch&)> read;
};

const std::vector<Layout>& layouts() {
  using Kind = ToolRequest::Kind;
  static const std::vector<Layout> all = {
      {"claude", std::regex(R"(^\s*Do you want to proceed\?)"),
       [](const Lines& l, size_t q, const std::smatch&) { return claude_proceed(l, q); }},
      {"claude", std::regex(R"(^\s*Do you want to (create|overwrite) .+\?)"),
       [](const Lines& l, size_t q, const std::smatch&) { return claude_file(l, q, Kind::write); }},
      {"claude", std::regex(R"(^\s*Do you want to make this edit to .+\?)"),
       [](const Lines& l, size_t q, const std::smatch&) { return claude_file(l, q, Kind::edit); }},
      {"codex", std::regex(R"(^\s*Would you like to run the following command\?)"),
       [](const Lines& l, size_t q, const std::smatch&) { return codex_command(l, q); }},
      {"codex", std::regex(R"(^\s*Would you like to (make the following edits|apply|grant))"),
       [](const Lines&, size_t, const std::smatch&) { return request(Kind::edit, "apply_patch"); }},
      {"gemini", std::regex(R"(^\s*(Allow execution|Apply this change\?|Allow (this )?(write|edit|fetch)))"),
       [](const Lines& l, size_t q, const std::smatch&) { return gemini_prompt(l, q); }},
      {"aider", std::regex(R"(^\s*(Run shell commands?|Add (file|URL) to the chat|Create new file|Allow edits to file)\?.*\(Y\)es)"),
       [](const Lines& l, size_t q, const std::smatch& m) { return aider_prompt(l, q, trim(m[0].str())); }},
      {"", std::regex(R"(Permission required)"),
       [](const Lines& l, size_t q, const std::smatch&) { return generic_prompt(l, q); }},
  };
  return all;
}

bool profile_is(const AgentProfile& profile, const char* layout_profile) {
  if (profile.name == layout_profile) return true;
  return profile.name == "qwen" && std::string_view(layout_profile) == "gemini";
}

}  // namespace

std::optional<ToolRequest> permission_request_from_screen(std::string_view screen, const AgentProfile& profile) {
  const Lines lines = screen_lines(screen);
  constexpr size_t kLiveLines = 30;  // the dialog sits at the bottom of the screen
  const size_t first = lines.size() > kLiveLines ? lines.size() - kLiveLines : 0;
  std::optional<size_t> best_line;
  const Layout* best = nullptr;
  std::smatch best_match;
  for (const Layout& layout : layouts()) {
    for (size_t k = lines.size(); k-- > first;) {
      std::smatch m;
      if (!std::regex_search(lines[k], m, layout.question)) continue;
      const bool lower = !best_line || k > *best_line;
      const bool tie_won = best_line && k == *best_line && profile_is(profile, layout.profile);
      if (lower || tie_won) {
        best_line = k;
        best = &layout;
        best_match = m;
      }
      break;
    }
  }
  if (!best) return std::nullopt;
  std::optional<ToolRequest> r = best->read(lines, *best_line, best_match);
  if (r) {
    const size_t from = *best_line > 40 ? *best_line - 40 : 0;
    r->raw = join_lines(Lines(lines.begin() + static_cast<long>(from), lines.end()));
  }
  return r;
}

ToolRequest tool_request_from_claude_hook(const nlohmann::json& hook_input) {
  ToolRequest r;
  r.raw = hook_input.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!hook_input.is_object() || !hook_input.contains("tool_name") || !hook_input["tool_name"].is_string()) return r;
  r.tool = hook_input["tool_name"].get<std::string>();
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json& in = hook_input.contains("tool_input") && hook_input["tool_input"].is_object()
                                 ? hook_input["tool_input"] : empty;
  auto str = [&](const char* key) {
    return in.contains(key) && in[key].is_string() ? in[key].get<std::string>() : std::string();
  };
  const std::string& t = r.tool;
  if (t == "Bash") {
    r.kind = ToolRequest::shell;
    r.command = str("command");
  } else if (t == "Write") {
    r.kind = ToolRequest::write;
    r.path = str("file_path");
  } else if (t == "Edit" || t == "MultiEdit" || t == "NotebookEdit") {
    r.kind = ToolRequest::edit;
    r.path = t == "NotebookEdit" ? str("notebook_path") : str("file_path");
  } else if (t == "Read" || t == "Glob" || t == "Grep" || t == "LS") {
    r.kind = ToolRequest::read;
    r.path = t == "Read" ? str("file_path") : str("path");
    if (r.path.empty() && t != "Read") r.path = ".";  // the working folder
  } else if (t == "WebFetch" || t == "WebSearch") {
    r.kind = ToolRequest::fetch;
    r.command = t == "WebFetch" ? str("url") : str("query");
  } else if (t.starts_with("mcp__")) {
    r.kind = ToolRequest::mcp;
  } else {
    r.kind = ToolRequest::other;
  }
  return r;
}

nlohmann::json claude_hook_answer(const Decision& decision, ApprovalSettings::OnRefuse on_refuse,
                                  std::string_view hook_event) {
  const std::string reason = "kiro-parallel approval policy (" + decision.rule + "): " + decision.reason;
  const bool refuse_now = decision.verdict == Decision::refuse && on_refuse == ApprovalSettings::reject;
  if (hook_event == "PermissionRequest") {
    nlohmann::json out = {{"hookSpecificOutput", {{"hookEventName", "PermissionRequest"}}}};
    if (decision.rule == "other_tool") return out;
    if (decision.verdict == Decision::approve) {
      out["hookSpecificOutput"]["decision"] = {{"behavior", "allow"}};
    } else if (refuse_now) {
      out["hookSpecificOutput"]["decision"] = {{"behavior", "deny"}, {"message", reason}};
    }
    return out;
  }
  nlohmann::json out = {{"hookSpecificOutput", {{"hookEventName", std::string(hook_event)}}}};
  if (decision.rule == "other_tool") return out;
  std::string answer = "ask";
  if (decision.verdict == Decision::approve) answer = "allow";
  if (refuse_now) answer = "deny";
  out["hookSpecificOutput"]["permissionDecision"] = answer;
  out["hookSpecificOutput"]["permissionDecisionReason"] = reason;
  return out;
}

}  // namespace kp
