// `watch <spec> [--interval S] [--once]`: a live display of a run. With a
// terminal on stdin and stdout it is interactive (master/watch_interactive);
// otherwise it changes nothing: in place on a terminal stdout, else a plain
// block each time something changes, so logs and pipes stay readable.
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/notify.hpp"
#include "common/run_state.hpp"
#include "common/settings.hpp"
#include "common/spec_paths.hpp"
#include "common/term_style.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/run_display.hpp"
#include "master/watch_interactive.hpp"
#include "master/watch_loop.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdWatch = {
    .name = "watch",
    .summary = "live display of a run; on a terminal, act on its tasks",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options =
        {
            {{"--interval"}, "S", "refresh every S seconds (default 1; at least 0.1)"},
            {{"--once"}, "", "print one frame and exit"},
        },
    .help = "With a terminal on stdin and stdout, watch is interactive: every task is a\n"
            "row; the keys (listed in the footer):\n"
            "  Up/Down, j/k   select a task (PageUp/PageDown: ten rows)\n"
            "  Enter, a       attach to its tmux session (inside tmux on the run's server:\n"
            "                 switch-client; otherwise tmux attach until you detach, then\n"
            "                 back to the watch)\n"
            "  l              its log, as kiro-parallel logs shows it (q back)\n"
            "  s s            stop it (kiro-parallel stop; s twice, to be sure)\n"
            "  r              retry it (kiro-parallel retry)\n"
            "  y / n          approve once / refuse the approval prompt it waits on\n"
            "                 (needs choice: refused by / not approved by ...): its worker\n"
            "                 answers exactly that prompt, journaled (answer_requested,\n"
            "                 then approved or refused); other questions: attach\n"
            "  q              quit (the run goes on); Ctrl-C: exit 130\n"
            "When every task is done it ends as the plain watch does; when the run is\n"
            "stuck it stays open (the last line says why) for you to act; q then exits 3.\n"
            "With stdout a terminal but stdin not, the frame is redrawn in place;\n"
            "otherwise a plain block is printed each time something changes (nothing is\n"
            "changed then). Ctrl-C leaves it (exit 130). On a terminal the bell rings\n"
            "when a task needs a person or fails and when the run ends (setting\n"
            "notify.bell: false turns it off). The run summary (wall, work, speedup,\n"
            "critical path, tokens, cost) closes the output.\n"
            "exit status: 0 when every task is completed, 3 when nothing can move any\n"
            "more (tasks failed, stopped, blocked or in conflict, or neither the master\n"
            "nor a worker runs); --once exits 3 in that case and 0 otherwise.\n",
    .handler = handler,
};

namespace {

int handler(const ParsedArgs& parsed) {
  double interval = parsed.number("--interval", 0.1, 3600).value_or(1.0);
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  load_run_state_for_view(paths);  // no run state: a usage error, before any output
  if (parsed.has("--once")) {
    TermStyle style(stdout);
    auto [state, facts] = read_run_view(paths);
    TermSize size = style.terminal() ? terminal_size() : TermSize{0, 0};
    fmt::print("{}", render_run(state, read_completions(paths.completed_json), facts, style, size.width,
                                size.height > 0 ? size.height - 1 : 0));
    return run_exit_code(run_outcome(state, facts));
  }
  const char* term = std::getenv("TERM");
  const bool dumb = term && std::string_view(term) == "dumb";
  if (::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO) && !dumb) {
    Settings settings = load_settings(paths);
    return run_interactive_watch(paths, {interval, parse_notify_settings(settings.raw, settings.path).bell});
  }
  return plain_watch_loop(paths, {interval, false});
}

}  // namespace

}  // namespace kp
