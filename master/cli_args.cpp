#include "master/cli_args.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "common/error.hpp"

namespace kp {

namespace {

[[noreturn]] void usage_error(const Command& command, const std::string& what) {
  throw UsageError(fmt::format("{}: {} (usage: kiro-parallel {}; see kiro-parallel {} --help)",
                               command.name, what, usage_line(command), command.name));
}

bool is_help(const std::string& a) { return a == "--help" || a == "-h"; }

// An option word: "--order=majors" is the name and its value; "--order" a name alone.
struct OptionWord {
  std::string name;
  std::optional<std::string> inline_value;
};

OptionWord split_option_word(const std::string& a) {
  if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
    return {a.substr(0, eq), a.substr(eq + 1)};
  }
  return {a, std::nullopt};
}

void check_counts(const Command& command, const ParsedArgs& parsed) {
  const auto& declared = command.positionals;
  size_t required = static_cast<size_t>(
      std::count_if(declared.begin(), declared.end(), [](const Positional& p) { return !p.optional(); }));
  if (parsed.positionals.size() < required) {
    usage_error(command, fmt::format("missing {}", declared[parsed.positionals.size()].name));
  }
  if (parsed.positionals.size() > declared.size()) {
    usage_error(command, fmt::format("unexpected argument '{}'", parsed.positionals[declared.size()]));
  }
  for (const Option* o : all_options(command)) {
    if (o->required && !parsed.has(o->names.front())) usage_error(command, fmt::format("{} is required", o->names.front()));
  }
}

std::string join(const std::vector<std::string>& words, std::string_view separator) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : std::string(separator)) + w;
  return out;
}

// "-f, --follow" / "--order ORDER": the left column of an option's help line.
std::string option_label(const Option& o) {
  return join(o.names, ", ") + (o.argument.empty() ? "" : " " + o.argument);
}

// `text` wrapped at word boundaries to lines of at most `width` columns after
// `indent` spaces; the first line continues whatever precedes it.
std::string wrap(const std::string& text, size_t indent, size_t width) {
  std::string out;
  size_t column = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view word(text.data() + start, end - start);
    start = end + 1;
    if (word.empty()) continue;
    if (column > 0 && column + 1 + word.size() > width) {
      out += "\n" + std::string(indent, ' ');
      column = 0;
    }
    if (column > 0) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
  return out;
}

std::string options_text(const Command& command) {
  constexpr size_t kMinLabel = 14;  // short labels still leave the help a column of its own
  constexpr size_t kMaxLabel = 20;  // a longer label puts its help on the next line
  constexpr size_t kWidth = 80;
  size_t label_width = kMinLabel;
  for (const Option* o : all_options(command)) {
    size_t n = option_label(*o).size();
    if (n <= kMaxLabel) label_width = std::max(label_width, n);
  }
  const size_t help_column = 2 + label_width + 2;
  std::string out;
  for (const Option* o : all_options(command)) {
    std::string label = option_label(*o);
    out += "  " + label;
    if (label.size() > label_width) out += "\n" + std::string(help_column, ' ');
    else out += std::string(label_width - label.size() + 2, ' ');
    out += wrap(o->help, help_column, kWidth - help_column) + "\n";
  }
  return out;
}

}  // namespace

const std::vector<Option>& common_options() {
  static const std::vector<Option> options = {
      {{"-C"}, "DIR", "run as if started in DIR (the repository root)", ValueKind::directory},
      {{"-h", "--help"}, "", "show this help"},
  };
  return options;
}

std::vector<const Option*> all_options(const Command& command) {
  std::vector<const Option*> out;
  for (const Option& o : command.options) out.push_back(&o);
  for (const Option& o : common_options()) out.push_back(&o);
  return out;
}

const Option* find_option(const Command& command, std::string_view name) {
  for (const Option* o : all_options(command)) {
    if (std::find(o->names.begin(), o->names.end(), name) != o->names.end()) return o;
  }
  return nullptr;
}

const Option& ParsedArgs::declared(std::string_view name) const {
  const Option* o = find_option(*command_, name);
  if (!o) throw std::logic_error(fmt::format("{}: option {} is not declared", command_->name, name));
  return *o;
}

bool ParsedArgs::has(std::string_view name) const { return given_.count(&declared(name)) > 0; }

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  auto it = given_.find(&declared(name));
  if (it == given_.end() || it->first->argument.empty()) return std::nullopt;
  return it->second;
}

std::optional<long> ParsedArgs::integer(std::string_view name, long min, long max) const {
  auto v = value(name);
  if (!v) return std::nullopt;
  char* end = nullptr;
  long n = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || n < min || n > max) {
    usage_error(*command_, fmt::format("{} takes a whole number from {} to {}, not '{}'", name, min, max, *v));
  }
  return n;
}

std::optional<double> ParsedArgs::number(std::string_view name, double min, double max) const {
  auto v = value(name);
  if (!v) return std::nullopt;
  char* end = nullptr;
  double n = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || !(n >= min && n <= max)) {
    usage_error(*command_, fmt::format("{} takes a number from {} to {}, not '{}'", name, min, max, *v));
  }
  return n;
}

ParsedArgs parse_args(const Command& command, const std::vector<std::string>& args) {
  ParsedArgs parsed;
  parsed.command_ = &command;
  bool only_positionals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positionals || a.size() < 2 || a[0] != '-') {
      parsed.positionals.push_back(a);
    } else if (a == "--") {
      only_positionals = true;
    } else if (is_help(a)) {
      parsed.help = true;
    } else {
      auto [name, inline_value] = split_option_word(a);
      const Option* o = find_option(command, name);
      if (!o) usage_error(command, fmt::format("unknown option '{}'", name));
      if (!o->argument.empty() && !inline_value) {
        if (i + 1 >= args.size()) usage_error(command, fmt::format("{} needs a value", name));
        inline_value = args[++i];
      }
      if (o->argument.empty() && inline_value) usage_error(command, fmt::format("{} takes no value", name));
      parsed.given_[o] = inline_value.value_or("");
    }
  }
  if (!parsed.help) check_counts(command, parsed);
  return parsed;
}

std::string usage_line(const Command& command) {
  std::string out = command.name;
  for (const Positional& p : command.positionals) out += " " + p.name;
  bool more = false;
  for (const Option& o : command.options) {
    if (!o.in_usage) {
      more = true;
      continue;
    }
    std::string word = o.names.front();
    if (!o.argument.empty()) word += " " + (o.choices.empty() ? o.argument : join(o.choices, "|"));
    out += o.required ? " " + word : " [" + word + "]";
  }
  if (more) out += " [options]";
  return out;
}

std::string command_help_text(const Command& command) {
  std::string out = fmt::format("usage: kiro-parallel {}\n\n{}\n", usage_line(command), command.summary);
  if (command.help && *command.help) out += fmt::format("\n{}", command.help);
  return out + "\n" + options_text(command);
}

void print_command_help(const Command& command) { fmt::print("{}", command_help_text(command)); }

std::string repo_dir_arg(const ParsedArgs& args) { return args.value("-C").value_or("."); }

}  // namespace kp
