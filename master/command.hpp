// A subcommand declared in one table entry in its own cmd_<name>.cpp (tmux's
// cmd_entry way): its positionals and options are declared once, and that one
// declaration is parsed before the handler runs (master/cli_args), writes the
// usage line and the options part of --help, and feeds the shell completions
// (master/completion).
#pragma once
#include <string>
#include <vector>

namespace kp {

class ParsedArgs;

// What an option's value completes to in the shell (beyond a choice list).
enum class ValueKind { text, directory, file, profile };

struct Option {
  std::vector<std::string> names;    // {"-f", "--follow"}: one option, any name
  std::string argument;              // "N", "ORDER", "DIR"; empty: a flag
  std::string help;                  // one paragraph; --help wraps it
  ValueKind value = ValueKind::text;
  std::vector<std::string> choices;  // a fixed list the value completes to ("auto", "majors", ...)
  bool in_usage = true;              // in the usage line; the rest shows as "[options]"
  bool required = false;             // a UsageError when missing
};

// What a positional names, so that completion knows where its words come from.
enum class PositionalKind { spec, task, file, other };

struct Positional {
  std::string name;  // "<spec>", "<task>", "FILE|-"; "[task]" (in brackets) is optional
  PositionalKind kind = PositionalKind::other;
  bool optional() const { return !name.empty() && name.front() == '['; }
};

struct Command {
  const char* name;
  const char* summary;  // one line for the command list
  std::vector<Positional> positionals;
  std::vector<Option> options;  // -C DIR and -h/--help are every command's (common_options())
  const char* help = "";        // prose of --help that is no option: what it does, exit codes...
  int (*handler)(const ParsedArgs& args) = nullptr;
  bool internal = false;  // not listed in the overview (master, worker)
};

// Every subcommand, in the order `kiro-parallel --help` lists them.
const std::vector<const Command*>& all_commands();
const Command* find_command(const std::string& name);

extern const Command kCmdAnalyze;
extern const Command kCmdRun;
extern const Command kCmdStatus;
extern const Command kCmdWatch;
extern const Command kCmdMasterStatus;
extern const Command kCmdStop;
extern const Command kCmdStopAll;
extern const Command kCmdRecover;
extern const Command kCmdClean;
extern const Command kCmdRetry;
extern const Command kCmdAttach;
extern const Command kCmdLogs;
extern const Command kCmdClassify;
extern const Command kCmdMaster;
extern const Command kCmdWorker;
extern const Command kCmdHook;
extern const Command kCmdEvents;
extern const Command kCmdBenchTransition;
extern const Command kCmdMerge;

}  // namespace kp
