// Parsing a subcommand's arguments: declared options, positionals, and
// UsageError (exit 2) that names the command for anything else.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "master/command.hpp"

namespace kp {

struct OptionSpec {
  std::string name;        // "--json", "-C", "-f"
  bool takes_value = false;
};

class ParsedArgs {
 public:
  bool help = false;  // --help or -h was given
  std::vector<std::string> positionals;

  bool has(const std::string& name) const { return flags_.count(name) || values_.count(name); }
  std::optional<std::string> value(const std::string& name) const;
  // Integer option within [min, max]; UsageError otherwise.
  std::optional<long> integer(const std::string& name, long min, long max) const;
  std::optional<double> number(const std::string& name, double min, double max) const;

 private:
  friend ParsedArgs parse_args(const Command&, const std::vector<std::string>&,
                               const std::vector<OptionSpec>&, size_t, size_t);
  const Command* command_ = nullptr;
  std::set<std::string> flags_;
  std::map<std::string, std::string> values_;
};

// Parses args against `options` (plus --help/-h and -C DIR, which every command
// takes). Accepts "--opt value" and "--opt=value". Throws UsageError on an
// unknown option, a missing value, or a positional count outside [min, max]
// (skipped when --help was given).
ParsedArgs parse_args(const Command& command, const std::vector<std::string>& args,
                      const std::vector<OptionSpec>& options, size_t min_positionals,
                      size_t max_positionals);

// Prints "usage: kiro-parallel <usage>" and the help text to stdout.
void print_command_help(const Command& command);

// The -C directory, or ".".
std::string repo_dir_arg(const ParsedArgs& args);

}  // namespace kp
