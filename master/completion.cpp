#include "master/completion.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "common/agent_profile.hpp"
#include "common/spec_paths.hpp"
#include "common/tasks_md.hpp"
#include "master/cli_args.hpp"

namespace kp {

namespace fs = std::filesystem;

namespace {

// An option's help as one short line for zsh's list: all of it, or the
// first words that fit and "...".
std::string short_description(const std::string& help) {
  constexpr size_t kMax = 72;
  if (help.size() <= kMax) return help;
  size_t cut = help.rfind(' ', kMax - 3);
  return help.substr(0, cut == std::string::npos ? kMax - 3 : cut) + "...";
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
      ids.emplace_back(t.id);
      titles[std::string(t.id)] = t.title;
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
  for (size_t i = 0; i < index && i < words.size() && !s.unknown; ++i) {
    const std::string& w = words[i];
    if (!s.pending.empty()) {
      if (s.pending == "-C") s.dir = w;
      s.pending.clear();
    } else if (!s.command && !s.help) {
      read_global_word(s, commands, w);
    } else if (w == "--" && !s.only_positionals) {
      s.only_positionals = true;
    } else if (!s.only_positionals && w.size() > 1 && w[0] == '-') {
      const Option* o = s.command ? find_option(*s.command, w) : nullptr;
      if (o && !o->argument.empty()) s.pending = w;
    } else {
      s.positionals.push_back(w);
    }
  }
  return s;
}

CompletionCandidates complete_value(const LineState& s) {
  CompletionCandidates c;
  const Option* o = s.command ? find_option(*s.command, s.pending) : nullptr;
  if (s.pending == "-C" || (o && o->value == ValueKind::directory)) {
    c.kind = CompletionCandidates::Kind::directories;
  } else if (!o) {
    // an option of no command (none takes a value before the command but -C)
  } else if (o->value == ValueKind::file) {
    c.kind = CompletionCandidates::Kind::files;
  } else if (o->value == ValueKind::profile) {
    c.words = builtin_profile_names();
  } else {
    c.words = o->choices;
  }
  return c;
}

// The spec a task positional belongs to: the spec positional before it.
const std::string* spec_word(const LineState& s) {
  const auto& declared = s.command->positionals;
  for (size_t i = 0; i < declared.size() && i < s.positionals.size(); ++i) {
    if (declared[i].kind == PositionalKind::spec) return &s.positionals[i];
  }
  return nullptr;
}

CompletionCandidates complete_positional(const LineState& s) {
  CompletionCandidates c;
  const auto& declared = s.command->positionals;
  if (s.positionals.size() >= declared.size()) return c;
  switch (declared[s.positionals.size()].kind) {
    case PositionalKind::spec:
      c.words = spec_names(s.dir);
      break;
    case PositionalKind::task:
      if (const std::string* spec = spec_word(s)) c.words = task_ids(s.dir, *spec, c.descriptions);
      break;
    case PositionalKind::file:
      c.kind = CompletionCandidates::Kind::files;
      break;
    case PositionalKind::other:
      break;
  }
  return c;
}

// The command names the overview lists (internal ones are started by run).
CompletionCandidates complete_first_word(const std::vector<const Command*>& commands, const std::string& current,
                               bool with_help) {
  CompletionCandidates c;
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

CompletionCandidates complete_command_line(const std::vector<const Command*>& commands,
                                 const std::vector<std::string>& words, size_t index) {
  LineState s = read_words(commands, words, index);
  const std::string current = index < words.size() ? words[index] : "";
  CompletionCandidates c;
  if (s.unknown) return c;
  if (!s.pending.empty()) {
    c = complete_value(s);
  } else if (!s.command) {
    if (!s.help) c = complete_first_word(commands, current, true);
    else if (s.positionals.empty()) c = complete_first_word(commands, current, false);
  } else if (!s.only_positionals && current.rfind('-', 0) == 0) {
    for (const Option* o : all_options(*s.command)) {
      for (const std::string& name : o->names) {
        c.words.push_back(name);
        c.descriptions[name] = short_description(o->help);
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
  CompletionCandidates c = complete_command_line(commands, words, index);
  if (c.kind == CompletionCandidates::Kind::directories) fmt::print(":directories\n");
  else if (c.kind == CompletionCandidates::Kind::files) fmt::print(":files\n");
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
