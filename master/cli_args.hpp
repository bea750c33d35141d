// Parsing a subcommand's arguments against its table entry (master/command.hpp),
// and writing its usage line and --help from the same declaration.
//
// Our own parser, not CLI11 (Debian's libcli11-dev): the declaration has to
// carry what completion needs (positional kinds: spec names from .kiro/specs/,
// task ids from the spec; option values: choices, directories, profiles) and
// the help layout and UsageError text scripts see, none of which CLI11 models,
// so it would sit beside this table as a second declaration; CLI11 is also not
// installed here and would be one more build dependency. The parser itself is
// about a hundred lines.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "master/command.hpp"

namespace kp {

class ParsedArgs {
 public:
  bool help = false;  // --help or -h was given
  std::vector<std::string> positionals;

  // By any of an option's names ("-f" or "--follow"). Asking for an option the
  // command does not declare is a programming error (std::logic_error).
  bool has(std::string_view name) const;
  std::optional<std::string> value(std::string_view name) const;
  // Integer option within [min, max]; UsageError otherwise.
  std::optional<long> integer(std::string_view name, long min, long max) const;
  std::optional<double> number(std::string_view name, double min, double max) const;

 private:
  friend ParsedArgs parse_args(const Command&, const std::vector<std::string>&);
  const Option& declared(std::string_view name) const;
  const Command* command_ = nullptr;
  std::map<const Option*, std::string> given_;  // option -> its value ("" for a flag)
};

// The options every command takes: -C DIR and -h/--help.
const std::vector<Option>& common_options();
// The command's declared options, then the common ones.
std::vector<const Option*> all_options(const Command& command);
// The option one of whose names is `name`, or null.
const Option* find_option(const Command& command, std::string_view name);

// Parses args against the command's declaration (plus common_options()).
// Accepts "--opt value" and "--opt=value", and "--" before positionals.
// Throws UsageError naming the command on an unknown option, a missing value,
// a missing required option, or a positional count the declaration does not
// allow (the counts and required options are not checked when --help was given).
ParsedArgs parse_args(const Command& command, const std::vector<std::string>& args);

// "analyze <spec> [--json] [--order auto|majors|strict] ..." (without the program name).
std::string usage_line(const Command& command);
// The whole --help: usage line, summary, prose, then every option.
std::string command_help_text(const Command& command);
void print_command_help(const Command& command);

// The -C directory, or ".".
std::string repo_dir_arg(const ParsedArgs& args);

}  // namespace kp
