#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/master_daemon.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdMaster = {
    .name = "master",
    .summary = "internal: the detached master process (started by run)",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options = {},
    .help = "",
    .handler = handler,
    .internal = true,
};

namespace {

int handler(const ParsedArgs& parsed) {
  return run_master(repo_dir_arg(parsed), parsed.positionals[0]);
}

}  // namespace

}  // namespace kp
