#include "master/completion.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "common/agent_profile.hpp"
#include "common/spec_paths.hpp"
#include "common/tasks_md.hpp"

namespace kp {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split_spaces(std::string_view text) {
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    tokens.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return tokens;
}

bool is_option_name(const std::string& t) {
  size_t dashes = t.rfind("--", 0) == 0 ? 2 : (t.rfind('-', 0) == 0 ? 1 : 0);
  if (dashes == 0 || t.size() <= dashes || !std::isalpha(static_cast<unsigned char>(t[dashes]))) return false;
  return std::all_of(t.begin() + dashes, t.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
}

bool is_argument_name(const std::string& t) {
  return !t.empty() && std::isupper(static_cast<unsigned char>(t[0])) &&
         std::all_of(t.begin(), t.end(), [](char c) {
           return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
         });
}

bool strip_comma(std::string& t) {
  if (t.empty() || t.back() != ',') return false;
  t.pop_back();
  return true;
}

// "-f, --follow  text" / "--order ORDER  text" -> the option; no names otherwise.
OptionHelp parse_option_line(std::string_view line) {
  OptionHelp option;
  size_t first = line.find_first_not_of(' ');
  if (first == std::string_view::npos || line[first] != '-') return option;
  std::vector<std::string> tokens = split_spaces(line.substr(first));
  size_t i = 0;
  while (i < tokens.size()) {
    std::string name = tokens[i];
    bool more = strip_comma(name);
    if (!is_option_name(name)) break;
    option.names.push_back(name);
    ++i;
    if (!more && i < tokens.size()) {
      std::string argument = tokens[i];
      bool comma = strip_comma(argument);
      if (is_argument_name(argument)) {
        option.argument = argument;
        more = comma;
        ++i;
      }
    }
    if (!more) break;
  }
  if (!option.names.empty()) {
    std::string rest;
    for (size_t j = i; j < tokens.size(); ++j) {
      if (tokens[j].empty()) continue;
      if (!rest.empty()) rest += ' ';
      rest += tokens[j];
    }
    option.description = rest;
  }
  return option;
}

const OptionHelp* find_option(const std::vector<OptionHelp>& options, const std::string& name) {
  for (const auto& o : options) {
    if (std::find(o.names.begin(), o.names.end(), name) != o.names.end()) return &o;
  }
  return nullptr;
}

std::string strip_brackets(std::string t) {
  while (!t.empty() && (t.front() == '[' || t.front() == '(')) t.erase(t.begin());
  while (!t.empty() && (t.back() == ']' || t.back() == ')')) t.pop_back();
  return t;
}

// The values the usage line spells out for an option: "[--order majors|strict]".
std::vector<std::string> usage_values(const Command& command, const std::string& option) {
  std::vector<std::string> tokens = split_spaces(command.usage);
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (strip_brackets(tokens[i]) != option) continue;
    std::string value = strip_brackets(tokens[i + 1]);
    if (value.find('|') == std::string::npos) return {};
    std::vector<std::string> values;
    std::stringstream in(value);
    for (std::string v; std::getline(in, v, '|');) values.push_back(v);
    return values;
  }
  return {};
}

// The usage line's required positionals, in order: "<spec>", "<task>", "FILE|-".
std::vector<std::string> usage_positionals(const Command& command) {
  std::vector<std::string> tokens = split_spaces(command.usage);
  std::vector<std::string> positionals;
  int depth = 0;
  bool after_option = false;
  for (size_t i = 1; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    bool opens = !t.empty() && t.front() == '[';
    bool closes = !t.empty() && t.back() == ']';
    if (opens) ++depth;
    if (depth == 0 && !t.empty()) {
      if (t.front() == '-') {
        after_option = true;
      } else if (!after_option) {
        positionals.push_back(t);
      } else {
        after_option = false;
      }
    }
    if (closes) depth = std::max(0, depth - 1);
  }
  return positionals;
}

fs::path expand_home(const std::string& dir) {
  const char* home = std::getenv("HOME");
  if (home && (dir == "~" || dir.rfind("~/", 0) == 0)) return fs::path(home) / dir.substr(std::min<size_t>(2, dir.size()));
  return dir;
}

// <dir>/.kiro/specs, or the nearest parent's (the repository root from a subfolder).
fs::path find_specs_dir(const std::string& dir) {
  std::error_code ec;
  fs::path p = fs::absolute(expand_home(dir), ec);
  if (ec || !fs::is_directory(p, ec)) return {};
  for (; !p.empty(); p = p.parent_path()) {
    if (fs::is_directory(p / ".kiro" / "specs", ec)) return p / ".kiro" / "specs";  // ec: not found
    if (p == p.parent_path()) break;
  }
  return {};
}

std::vector<std::string> spec_names(const std::string& dir) {
  std::vector<std::string> names;
  fs::path specs = find_specs_dir(dir);
  if (specs.empty()) return names;
  std::error_code ec;
  for (fs::directory_iterator it(specs, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_directory(ec) && !name.empty() && name[0] != '.') names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The runnable (leaf) task ids of a spec, in file order, with their titles.
std::vector<std::string> task_ids(const std::string& dir, const std::string& spec,
                                  std::map<std::string, std::string>& titles) {
  std::vector<std::string> ids;
  try {
    validate_spec_name(spec);
    fs::path specs = find_specs_dir(dir);
    if (specs.empty()) return ids;
    TaskFile file = load_tasks_md(specs / spec / "tasks.md");
    for (const Task& t : file.tasks) {
      if (!t.is_leaf()) continue;
      ids.push_back(t.id);
      titles[t.id] = t.title;
    }
  } catch (const std::exception&) {
    ids.clear();  // a bad spec or tasks.md completes to nothing
  }
  return ids;
}

// What the words before the one being completed say.
struct LineState {
  const Command* command = nullptr;
  bool help = false;             // `kiro-parallel help ...`
  bool unknown = false;          // an unknown command: complete nothing
  bool only_positionals = false; // after `--`
  std::string dir = ".";         // -C DIR
  std::string pending;           // an option whose value is the current word
  std::vector<std::string> positionals;
};

void read_global_word(LineState& s, const std::vector<const Command*>& commands, const std::string& w) {
  if (w == "-C") {
    s.pending = "-C";
  } else if (w.rfind('-', 0) == 0) {
    // --help, --version: nothing follows that changes completion
  } else if (w == "help") {
    s.help = true;
  } else {
    auto it = std::find_if(commands.begin(), commands.end(), [&](const Command* c) { return w == c->name; });
    if (it == commands.end()) s.unknown = true;
    else s.command = *it;
  }
}

LineState read_words(const std::vector<const Command*>& commands, const std::vector<std::string>& words,
                     size_t index) {
  LineState s;
  std::vector<OptionHelp> options;
  for (size_t i = 0; i < index && i < words.size() && !s.unknown; ++i) {
    const std::string& w = words[i];
    if (!s.pending.empty()) {
      if (s.pending == "-C") s.dir = w;
      s.pending.clear();
    } else if (!s.command && !s.help) {
      read_global_word(s, commands, w);
      if (s.command) options = command_options(*s.command);
    } else if (w == "--" && !s.only_positionals) {
      s.only_positionals = true;
    } else if (!s.only_positionals && w.size() > 1 && w[0] == '-') {
      const OptionHelp* o = find_option(options, w);
      if (o && !o->argument.empty()) s.pending = w;
    } else {
      s.positionals.push_back(w);
    }
  }
  return s;
}

Completion complete_value(const LineState& s, const std::vector<OptionHelp>& options) {
  Completion c;
  const OptionHelp* o = find_option(options, s.pending);
  std::string argument = o ? o->argument : "";
  if (s.pending == "-C" || argument == "DIR") {
    c.kind = Completion::Kind::directories;
  } else if (argument == "FILE") {
    c.kind = Completion::Kind::files;
  } else if (s.pending == "--profile") {
    c.words = builtin_profile_names();
  } else if (s.command) {
    for (const std::string& name : o ? o->names : std::vector<std::string>{s.pending}) {
      if (c.words.empty()) c.words = usage_values(*s.command, name);
    }
  }
  return c;
}

Completion complete_positional(const LineState& s) {
  Completion c;
  std::vector<std::string> kinds = usage_positionals(*s.command);
  if (s.positionals.size() >= kinds.size()) return c;
  const std::string& kind = kinds[s.positionals.size()];
  if (kind == "<spec>") {
    c.words = spec_names(s.dir);
  } else if (kind == "<task>" && !s.positionals.empty()) {
    c.words = task_ids(s.dir, s.positionals[0], c.descriptions);
  } else if (kind.find("FILE") != std::string::npos) {
    c.kind = Completion::Kind::files;
  }
  return c;
}

// The command names the overview lists (internal ones are started by run).
Completion complete_first_word(const std::vector<const Command*>& commands, const std::string& current,
                               bool with_help) {
  Completion c;
  if (current.rfind('-', 0) == 0) {
    if (with_help) {
      c.words = {"-C", "--help", "--version"};
      c.descriptions = {{"-C", "run as if started in DIR (the repository root)"},
                        {"--help", "the commands"}, {"--version", "the version and git revision"}};
    }
    return c;
  }
  for (const Command* command : commands) {
    if (command->internal) continue;
    c.words.push_back(command->name);
    c.descriptions[command->name] = command->summary;
  }
  if (with_help) {
    c.words.push_back("help");
    c.descriptions["help"] = "the help of a command";
  }
  return c;
}

}  // namespace

std::vector<OptionHelp> command_options(const Command& command) {
  std::vector<OptionHelp> options;
  if (command.help) {
    std::stringstream in(command.help);
    for (std::string line; std::getline(in, line);) {
      OptionHelp o = parse_option_line(line);
      if (!o.names.empty() && !find_option(options, o.names[0])) options.push_back(o);
    }
  }
  if (!find_option(options, "-C")) options.push_back({{"-C"}, "DIR", "run as if started in DIR (the repository root)"});
  if (!find_option(options, "--help")) options.push_back({{"-h", "--help"}, "", "show this help"});
  return options;
}

Completion complete_command_line(const std::vector<const Command*>& commands,
                                 const std::vector<std::string>& words, size_t index) {
  LineState s = read_words(commands, words, index);
  const std::string current = index < words.size() ? words[index] : "";
  Completion c;
  if (s.unknown) return c;
  std::vector<OptionHelp> options = s.command ? command_options(*s.command) : std::vector<OptionHelp>{};
  if (!s.pending.empty()) {
    c = complete_value(s, options);
  } else if (!s.command) {
    if (!s.help) c = complete_first_word(commands, current, true);
    else if (s.positionals.empty()) c = complete_first_word(commands, current, false);
  } else if (!s.only_positionals && current.rfind('-', 0) == 0) {
    for (const OptionHelp& o : options) {
      for (const std::string& name : o.names) {
        c.words.push_back(name);
        c.descriptions[name] = o.description;
      }
    }
  } else {
    c = complete_positional(s);
  }
  std::erase_if(c.words, [&](const std::string& w) { return w.rfind(current, 0) != 0; });
  return c;
}

int run_complete(const std::vector<const Command*>& commands, const std::vector<std::string>& args) {
  bool describe = !args.empty() && args[0] == "--describe";
  size_t first = describe ? 1 : 0;
  if (args.size() <= first) return 0;
  char* end = nullptr;
  unsigned long index = std::strtoul(args[first].c_str(), &end, 10);
  if (args[first].empty() || *end != '\0') return 0;
  std::vector<std::string> words(args.begin() + static_cast<long>(first) + 1, args.end());
  if (index > words.size()) return 0;
  if (index == words.size()) words.emplace_back();  // the shell dropped an empty last word
  Completion c = complete_command_line(commands, words, index);
  if (c.kind == Completion::Kind::directories) fmt::print(":directories\n");
  else if (c.kind == Completion::Kind::files) fmt::print(":files\n");
  for (const std::string& w : c.words) {
    if (!describe) {
      fmt::print("{}\n", w);
      continue;
    }
    auto d = c.descriptions.find(w);
    std::string text = d == c.descriptions.end() ? "" : d->second;
    std::replace_if(text.begin(), text.end(), [](char ch) { return ch == '\t' || ch == '\n'; }, ' ');
    fmt::print("{}\t{}\n", w, text);
  }
  return 0;
}

}  // namespace kp
