// The command table: every subcommand's entry, found by name. In the library
// (not main.cpp) so that the tests can check every declaration.
#include "master/command.hpp"

namespace kp {

const std::vector<const Command*>& all_commands() {
  static const std::vector<const Command*> commands = {
      &kCmdAnalyze, &kCmdRun,     &kCmdStatus, &kCmdWatch,  &kCmdMasterStatus,
      &kCmdStop,    &kCmdStopAll, &kCmdRecover, &kCmdClean, &kCmdRetry,
      &kCmdAttach,  &kCmdLogs,    &kCmdClassify, &kCmdMaster, &kCmdWorker, &kCmdHook,
      &kCmdEvents,  &kCmdBenchTransition,
      &kCmdMerge,
  };
  return commands;
}

const Command* find_command(const std::string& name) {
  for (const Command* c : all_commands()) {
    if (name == c->name) return c;
  }
  return nullptr;
}

}  // namespace kp
