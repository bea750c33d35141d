// A subcommand: its name, usage, help text and handler, declared in one table
// entry in its own cmd_<name>.cpp (the tmux cmd-*.c way).
#pragma once
#include <string>
#include <vector>

namespace kp {

struct Command {
  const char* name;
  const char* usage;    // "analyze <spec> [--mermaid] [--json] ..."
  const char* summary;  // one line for the command list
  const char* help;     // the rest of --help: options, one per line
  int (*handler)(const std::vector<std::string>& args);  // args after the name
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
extern const Command kCmdMonitor;

}  // namespace kp
