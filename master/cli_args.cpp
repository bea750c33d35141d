#include "master/cli_args.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "common/error.hpp"

namespace kp {

namespace {

[[noreturn]] void usage_error(const Command& command, const std::string& what) {
  throw UsageError(fmt::format("{}: {} (usage: kiro-parallel {}; see kiro-parallel {} --help)",
                               command.name, what, command.usage, command.name));
}

}  // namespace

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::optional<long> ParsedArgs::integer(const std::string& name, long min, long max) const {
  auto v = value(name);
  if (!v) return std::nullopt;
  char* end = nullptr;
  long n = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || n < min || n > max) {
    usage_error(*command_, fmt::format("{} takes a whole number from {} to {}, not '{}'", name, min, max, *v));
  }
  return n;
}

std::optional<double> ParsedArgs::number(const std::string& name, double min, double max) const {
  auto v = value(name);
  if (!v) return std::nullopt;
  char* end = nullptr;
  double n = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || !(n >= min && n <= max)) {
    usage_error(*command_, fmt::format("{} takes a number from {} to {}, not '{}'", name, min, max, *v));
  }
  return n;
}

ParsedArgs parse_args(const Command& command, const std::vector<std::string>& args,
                      const std::vector<OptionSpec>& options, size_t min_positionals,
                      size_t max_positionals) {
  ParsedArgs parsed;
  parsed.command_ = &command;
  std::vector<OptionSpec> all = options;
  all.push_back({"-C", true});
  bool only_positionals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positionals || a.size() < 2 || a[0] != '-') {
      parsed.positionals.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positionals = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      parsed.help = true;
      continue;
    }
    std::string name = a;
    std::optional<std::string> inline_value;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = a.substr(0, eq);
      inline_value = a.substr(eq + 1);
    }
    const OptionSpec* spec = nullptr;
    for (const auto& o : all) {
      if (o.name == name) spec = &o;
    }
    if (!spec) usage_error(command, fmt::format("unknown option '{}'", name));
    if (spec->takes_value) {
      if (!inline_value) {
        if (i + 1 >= args.size()) usage_error(command, fmt::format("{} needs a value", name));
        inline_value = args[++i];
      }
      parsed.values_[name] = *inline_value;
    } else {
      if (inline_value) usage_error(command, fmt::format("{} takes no value", name));
      parsed.flags_.insert(name);
    }
  }
  if (!parsed.help) {
    if (parsed.positionals.size() < min_positionals) {
      usage_error(command, min_positionals == 1 ? "missing <spec>" : "missing arguments");
    }
    if (parsed.positionals.size() > max_positionals) {
      usage_error(command, fmt::format("unexpected argument '{}'", parsed.positionals[max_positionals]));
    }
  }
  return parsed;
}

void print_command_help(const Command& command) {
  fmt::print("usage: kiro-parallel {}\n\n{}\n", command.usage, command.summary);
  if (command.help && *command.help) fmt::print("\n{}", command.help);
  fmt::print("\n  -C DIR          run as if started in DIR (the repository root)\n"
             "  -h, --help      show this help\n");
}

std::string repo_dir_arg(const ParsedArgs& args) { return args.value("-C").value_or("."); }

}  // namespace kp
