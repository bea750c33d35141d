// Completion from the command table: options and positionals from their
// declarations, spec names and task ids from the repository.
#include <doctest/doctest.h>

#include <algorithm>

#include "common/agent_profile.hpp"
#include "master/cli_args.hpp"
#include "master/completion.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

int no_handler(const ParsedArgs&) { return 0; }

const Command kAlpha = {
    .name = "alpha",
    .summary = "the first",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options =
        {
            {{"--json"}, "", "print JSON"},
            {{"--mode"}, "MODE", "fast or slow", ValueKind::text, {"fast", "slow"}},
            {{"-f", "--follow"}, "", "follow the log"},
            {{"--out-dir"}, "DIR", "where to write", ValueKind::directory},
            {{"--tmux-socket"}, "NAME", "run on tmux -L NAME"},
            {{"--agent"}, "NAME", "the agent profile", ValueKind::profile},
            {{"--long"}, "", std::string(100, 'x') + " and more words"},
        },
    .help = "Some text that is not an option.\n  --prose  not an option: prose\n",
    .handler = no_handler,
};
const Command kBeta = {.name = "beta",
                       .summary = "the second",
                       .positionals = {{"<spec>", PositionalKind::spec}, {"<task>", PositionalKind::task}},
                       .options = {{{"--no-start"}, "", "do not start"}},
                       .handler = no_handler};
const Command kFiles = {.name = "files",
                        .summary = "reads a file",
                        .positionals = {{"FILE|-", PositionalKind::file}},
                        .options = {{{"--json"}, "", "print JSON"}},
                        .handler = no_handler};
const Command kHidden = {.name = "hidden",
                         .summary = "internal",
                         .positionals = {{"<spec>", PositionalKind::spec}},
                         .options = {{{"--id"}, "N", "the number"}},
                         .handler = no_handler,
                         .internal = true};
const std::vector<const Command*> kTable = {&kAlpha, &kBeta, &kFiles, &kHidden};

std::vector<std::string> complete(const std::vector<std::string>& words) {
  CompletionCandidates c = complete_command_line(kTable, words, words.size() - 1);
  REQUIRE(c.kind == CompletionCandidates::Kind::words);
  return c.words;
}

CompletionCandidates::Kind kind_of(const std::vector<std::string>& words) {
  return complete_command_line(kTable, words, words.size() - 1).kind;
}

using Words = std::vector<std::string>;

// A repository with two specs; `demo` has parents 1 and 2 and leaves.
void make_repo(const test::TempDir& dir) {
  test::write_text(dir / ".kiro/specs/demo/tasks.md",
                   "# Tasks\n\n- [ ] 1. Parent\n- [ ] 1.1 First\n- [ ] 1.2 Second\n"
                   "- [ ] 2. Other\n- [x] 2.1 Done already\n");
  test::write_text(dir / ".kiro/specs/other/tasks.md", "- [ ] 1. Only\n");
  test::write_text(dir / ".kiro/specs/.hidden/tasks.md", "- [ ] 1. No\n");
  test::write_text(dir / "src/sub/file.txt", "x\n");
}

}  // namespace

TEST_CASE("a command's options complete from its declaration, prose is no option") {
  CHECK(complete({"alpha", "-"}) == Words{"--json", "--mode", "-f", "--follow", "--out-dir", "--tmux-socket",
                                          "--agent", "--long", "-C", "-h", "--help"});
  CHECK(complete({"alpha", "--pro"}).empty());
  CHECK(complete({"alpha", "--agent", ""}) == builtin_profile_names());
  std::string long_one = complete_command_line(kTable, {"alpha", "--long"}, 1).descriptions["--long"];
  CHECK(long_one.size() <= 72);
  CHECK(long_one.ends_with("..."));
}

TEST_CASE("descriptions: a command's summary, an option's help, a task's title") {
  CompletionCandidates first = complete_command_line(kTable, {"a"}, 0);
  CHECK(first.descriptions["alpha"] == "the first");
  CompletionCandidates option = complete_command_line(kTable, {"alpha", "--f"}, 1);
  CHECK(option.words == Words{"--follow"});
  CHECK(option.descriptions["--follow"] == "follow the log");
  test::TempDir dir;
  test::write_text(dir / ".kiro/specs/demo/tasks.md", "- [ ] 1. Parent\n- [ ] 1.1 First step\n");
  CompletionCandidates tasks = complete_command_line(kTable, {"beta", "-C", dir.path().string(), "demo", ""}, 4);
  CHECK(tasks.words == Words{"1.1"});
  CHECK(tasks.descriptions["1.1"] == "First step");
}

TEST_CASE("the first word: commands the overview lists, help, global options") {
  CHECK(complete({""}) == Words{"alpha", "beta", "files", "help"});
  CHECK(complete({"b"}) == Words{"beta"});
  CHECK(complete({"-"}) == Words{"-C", "--help", "--version"});
  CHECK(complete({"help", ""}) == Words{"alpha", "beta", "files"});
  CHECK(complete({"help", "alpha", ""}).empty());
  CHECK(complete({"nosuch", ""}).empty());
  CHECK(kind_of({"-C", ""}) == CompletionCandidates::Kind::directories);
}

TEST_CASE("options of the command, and their values") {
  CHECK(complete({"alpha", "--j"}) == Words{"--json"});
  CHECK(complete({"beta", "-"}) == Words{"--no-start", "-C", "-h", "--help"});
  CHECK(complete({"alpha", "--mode", ""}) == Words{"fast", "slow"});
  CHECK(complete({"alpha", "--mode", "s"}) == Words{"slow"});
  CHECK(complete({"alpha", "--tmux-socket", ""}).empty());
  CHECK(kind_of({"alpha", "--out-dir", ""}) == CompletionCandidates::Kind::directories);
  CHECK(kind_of({"alpha", "-C", ""}) == CompletionCandidates::Kind::directories);
  CHECK(kind_of({"files", ""}) == CompletionCandidates::Kind::files);
  CHECK(kind_of({"files", "--json", ""}) == CompletionCandidates::Kind::files);
  CHECK(complete({"alpha", "x", "--", "-"}).empty());  // after --: positionals only
}

TEST_CASE("spec names from .kiro/specs, task ids from the spec's tasks.md") {
  test::TempDir dir;
  make_repo(dir);
  std::string d = dir.path().string();
  CHECK(complete({"alpha", "-C", d, ""}) == Words{"demo", "other"});
  CHECK(complete({"-C", d, "beta", "o"}) == Words{"other"});
  CHECK(complete({"beta", "-C", d, "demo", ""}) == Words{"1.1", "1.2", "2.1"});  // leaves only
  CHECK(complete({"beta", "demo", "-C", d, "1."}) == Words{"1.1", "1.2"});
  CHECK(complete({"beta", "-C", d, "demo", "1.1", ""}).empty());
  CHECK(complete({"beta", "-C", d, "nosuch", ""}).empty());
  CHECK(complete({"beta", "-C", d, "../etc", ""}).empty());
  // From a subfolder of the repository, as git does.
  CHECK(complete({"alpha", "-C", (dir / "src/sub").string(), ""}) == Words{"demo", "other"});
  CHECK(complete({"alpha", "-C", (dir / "nowhere").string(), ""}).empty());
}
