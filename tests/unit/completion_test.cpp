// Completion from the command table: options read from help text, positionals
// from the usage line, spec names and task ids from the repository.
#include <doctest/doctest.h>

#include <algorithm>

#include "master/completion.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

int no_handler(const std::vector<std::string>&) { return 0; }

const Command kAlpha = {
    "alpha", "alpha <spec> [--mode fast|slow] [--json]", "the first",
    "Some text that is not an option.\n"
    "  --json           print JSON\n"
    "  --mode MODE      fast or slow\n"
    "  -f, --follow     follow the log\n"
    "  --out-dir DIR    where to write\n"
    "  --tmux-socket NAME run on tmux -L NAME\n"
    "    continued: -- not an option\n",
    no_handler};
const Command kBeta = {"beta", "beta <spec> <task> [--no-start]", "the second", "  --no-start     do not start\n",
                       no_handler};
const Command kFiles = {"files", "files [--json] FILE|-", "reads a file", "", no_handler};
const Command kHidden = {"hidden", "hidden <spec> --id N", "internal", "  --id N   the number\n", no_handler, true};
const std::vector<const Command*> kTable = {&kAlpha, &kBeta, &kFiles, &kHidden};

std::vector<std::string> complete(const std::vector<std::string>& words) {
  Completion c = complete_command_line(kTable, words, words.size() - 1);
  REQUIRE(c.kind == Completion::Kind::words);
  return c.words;
}

Completion::Kind kind_of(const std::vector<std::string>& words) {
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

TEST_CASE("command_options reads the help text's option lines") {
  std::vector<OptionHelp> options = command_options(kAlpha);
  std::vector<std::string> names;
  for (const auto& o : options) names.insert(names.end(), o.names.begin(), o.names.end());
  CHECK(names == Words{"--json", "--mode", "-f", "--follow", "--out-dir", "--tmux-socket", "-C", "-h", "--help"});
  CHECK(options[0].argument.empty());
  CHECK(options[1].argument == "MODE");
  CHECK(options[2].names == Words{"-f", "--follow"});
  CHECK(options[2].argument.empty());
  CHECK(options[3].argument == "DIR");
  CHECK(options[4].argument == "NAME");
  CHECK(options[1].description == "fast or slow");
  CHECK(options[4].description == "run on tmux -L NAME");
}

TEST_CASE("descriptions: a command's summary, an option's help, a task's title") {
  Completion first = complete_command_line(kTable, {"a"}, 0);
  CHECK(first.descriptions["alpha"] == "the first");
  Completion option = complete_command_line(kTable, {"alpha", "--f"}, 1);
  CHECK(option.words == Words{"--follow"});
  CHECK(option.descriptions["--follow"] == "follow the log");
  test::TempDir dir;
  test::write_text(dir / ".kiro/specs/demo/tasks.md", "- [ ] 1. Parent\n- [ ] 1.1 First step\n");
  Completion tasks = complete_command_line(kTable, {"beta", "-C", dir.path().string(), "demo", ""}, 4);
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
  CHECK(kind_of({"-C", ""}) == Completion::Kind::directories);
}

TEST_CASE("options of the command, and their values") {
  CHECK(complete({"alpha", "--j"}) == Words{"--json"});
  CHECK(complete({"beta", "-"}) == Words{"--no-start", "-C", "-h", "--help"});
  CHECK(complete({"alpha", "--mode", ""}) == Words{"fast", "slow"});
  CHECK(complete({"alpha", "--mode", "s"}) == Words{"slow"});
  CHECK(complete({"alpha", "--tmux-socket", ""}).empty());
  CHECK(kind_of({"alpha", "--out-dir", ""}) == Completion::Kind::directories);
  CHECK(kind_of({"alpha", "-C", ""}) == Completion::Kind::directories);
  CHECK(kind_of({"files", ""}) == Completion::Kind::files);
  CHECK(kind_of({"files", "--json", ""}) == Completion::Kind::files);
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
