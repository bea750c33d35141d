// `cmake --install` into a temporary prefix and the installed tool used from
// there; `cpack -G DEB` and the package's declared dependencies.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream in(path ? path : "");
  for (std::string dir; std::getline(in, dir, ':');) {
    if (!dir.empty() && ::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

RunResult run(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env = {}) {
  RunOptions options;
  options.env = env;
  options.unset_env = {"DESTDIR"};
  options.timeout = std::chrono::minutes(3);
  return run_program(argv, options);
}

// The installed tree of one test: cmake --install <build> --prefix <temp>.
struct Installed {
  test::TempDir prefix;
  fs::path bin() const { return prefix / "bin/kiro-parallel"; }
  fs::path share(const std::string& rel) const { return prefix / ("share/" + rel); }
  std::vector<std::pair<std::string, std::string>> path_env() const {
    const char* path = std::getenv("PATH");
    return {{"PATH", (prefix / "bin").string() + ":" + (path ? path : "")}};
  }
};

void install(const Installed& inst) {
  auto r = run({KP_CMAKE, "--install", KP_BUILD_DIR, "--prefix", inst.prefix.path().string()});
  INFO(r.out << r.err);
  REQUIRE(r.ok());
}

// Sources the installed bash completion in a bash without start-up files and
// completes `kiro-parallel words...` (the last word is the one completed).
std::vector<std::string> bash_complete(const Installed& inst, const std::vector<std::string>& words) {
  std::vector<std::string> argv{"bash", "--norc", "--noprofile", "-c",
                                "source \"$1\" || exit 9; shift; complete -p kiro-parallel >/dev/null || exit 8;"
                                " COMP_WORDS=(kiro-parallel \"$@\"); COMP_CWORD=$#; _kiro_parallel;"
                                " printf '%s\\n' \"${COMPREPLY[@]}\"",
                                "bash", inst.share("bash-completion/completions/kiro-parallel").string()};
  argv.insert(argv.end(), words.begin(), words.end());
  auto r = run(argv, inst.path_env());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> out = lines_of(r.out);
  std::erase(out, "");
  return out;
}

// The zsh script with zsh's completion functions replaced by printing stubs:
// one "word:description" a line, or ":files" / ":dirs".
std::vector<std::string> zsh_complete(const Installed& inst, const std::vector<std::string>& words) {
  std::vector<std::string> argv{"zsh", "-f", "-c",
                                "_describe() { print -rl -- \"${(@P)4}\"; };"
                                " _files() { print -r -- ':files'; }; _directories() { print -r -- ':dirs'; };"
                                " file=$1; shift; words=(kiro-parallel \"$@\"); CURRENT=${#words}; source $file",
                                "zsh", inst.share("zsh/site-functions/_kiro-parallel").string()};
  argv.insert(argv.end(), words.begin(), words.end());
  auto r = run(argv, inst.path_env());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return lines_of(r.out);
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// A copy of the installed demo spec in a temporary folder.
void copy_demo(const Installed& inst, const fs::path& to) {
  fs::copy(inst.share("kiro-parallel/examples/demo"), to, fs::copy_options::recursive);
}

}  // namespace

TEST_CASE("cmake --install: the tool, its manual, completions and the demo") {
  Installed inst;
  install(inst);
  for (const char* rel : {"man/man1/kiro-parallel.1", "bash-completion/completions/kiro-parallel",
                          "zsh/site-functions/_kiro-parallel", "kiro-parallel/sim-agent", "kiro-parallel/demo.sh",
                          "kiro-parallel/examples/demo/.kiro/specs/demo/tasks.md",
                          "kiro-parallel/examples/demo-sim-plan.json"}) {
    INFO(rel);
    CHECK(fs::is_regular_file(inst.share(rel)));
  }
  CHECK(::access(inst.bin().c_str(), X_OK) == 0);
  CHECK(::access(inst.share("kiro-parallel/sim-agent").c_str(), X_OK) == 0);
  CHECK(::access(inst.share("kiro-parallel/demo.sh").c_str(), X_OK) == 0);

  auto version = run({inst.bin().string(), "--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind(std::string("kiro-parallel ") + KP_VERSION, 0) == 0);
  if (fs::exists(test::source_dir() / ".git")) CHECK(contains(version.out, " (git "));

  test::TempDir work;
  copy_demo(inst, work / "demo-app");
  auto analyze = run({inst.bin().string(), "-C", (work / "demo-app").string(), "analyze", "demo"});
  INFO(analyze.out << analyze.err);
  CHECK(analyze.exit_code == 0);
  CHECK(contains(analyze.out, "Critical path"));

  if (!on_path("man")) {
    MESSAGE("skipped: man -l (man is not installed)");
  } else {
    auto man = run({"man", "-l", inst.share("man/man1/kiro-parallel.1").string()},
                   {{"MANPAGER", "cat"}, {"MANWIDTH", "100"}, {"MAN_KEEP_FORMATTING", ""}});
    INFO(man.err);
    CHECK(man.exit_code == 0);
    CHECK(contains(man.out, "SYNOPSIS"));
    CHECK(contains(man.out, "kiro-parallel - run the tasks of a spec"));
    CHECK(contains(man.out, "INSTALLATION"));
    CHECK(contains(man.out, std::string("kiro-parallel ") + KP_VERSION));  // .TH: the version of project()
  }
}

TEST_CASE("the installed completions ask the installed binary") {
  Installed inst;
  install(inst);
  test::TempDir work;
  copy_demo(inst, work / "demo-app");
  const std::string repo = (work / "demo-app").string();

  std::vector<std::string> commands = bash_complete(inst, {""});
  for (const char* c : {"analyze", "run", "status", "watch", "master-status", "stop", "stop-all", "recover",
                        "clean", "retry", "attach", "logs", "classify", "help"}) {
    INFO(c);
    CHECK(has(commands, c));
  }
  CHECK_FALSE(has(commands, "worker"));  // internal: started by the master
  // The same list as the overview's: both come from the command table.
  std::vector<std::string> overview;
  bool in_list = false;
  for (const std::string& line : lines_of(run({inst.bin().string(), "--help"}).out)) {
    if (line == "commands:") in_list = true;
    else if (in_list && line.empty()) break;
    else if (in_list) overview.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  overview.push_back("help");
  CHECK(commands == overview);
  CHECK(bash_complete(inst, {"stop"}) == std::vector<std::string>{"stop", "stop-all"});
  CHECK(has(bash_complete(inst, {"analyze", "--"}), "--json"));
  std::vector<std::string> orders = bash_complete(inst, {"analyze", "--order", ""});  // from the usage line
  CHECK(has(orders, "majors"));
  CHECK(has(orders, "strict"));
  CHECK(bash_complete(inst, {"analyze", "--order", "m"}) == std::vector<std::string>{"majors"});
  CHECK(bash_complete(inst, {"-C", repo, "status", ""}) == std::vector<std::string>{"demo"});
  std::vector<std::string> tasks = bash_complete(inst, {"retry", "-C", repo, "demo", ""});
  CHECK(has(tasks, "1.1"));
  CHECK_FALSE(tasks.empty());

  if (!on_path("zsh")) {
    MESSAGE("skipped: zsh completion (zsh is not installed)");
    return;
  }
  CHECK(has(zsh_complete(inst, {""}), "analyze:parse, validate and plan a spec's tasks.md"));
  std::vector<std::string> first_tasks;
  for (const std::string& line : zsh_complete(inst, {"-C", repo, "logs", "demo", "1."})) {
    first_tasks.push_back(line.substr(0, line.find(':')));
  }
  std::vector<std::string> expected;
  std::copy_if(tasks.begin(), tasks.end(), std::back_inserter(expected),
               [](const std::string& t) { return t.rfind("1.", 0) == 0; });
  CHECK(first_tasks == expected);
  CHECK(has(zsh_complete(inst, {"-C", repo, "logs", "demo", "1.1"}),
            "1.1:Create the package layout and the build script"));  // the title from tasks.md
  CHECK(zsh_complete(inst, {"-C", ""}) == std::vector<std::string>{":dirs"});
}

TEST_CASE("cpack -G DEB: a package that declares what it needs") {
  for (const char* tool : {"dpkg-deb", "dpkg-shlibdeps"}) {
    if (!on_path(tool)) {
      MESSAGE("skipped: cpack -G DEB needs " << tool << " (dpkg-dev)");
      return;
    }
  }
  test::TempDir out;
  auto pack = run({KP_CPACK, "-G", "DEB", "--config", std::string(KP_BUILD_DIR) + "/CPackConfig.cmake", "-B",
                   out.path().string()});
  INFO(pack.out << pack.err);
  REQUIRE(pack.ok());
  fs::path deb;
  for (const auto& e : fs::directory_iterator(out.path())) {
    if (e.path().extension() == ".deb") deb = e.path();
  }
  REQUIRE(!deb.empty());
  CHECK(deb.filename().string().rfind(std::string("kiro-parallel_") + KP_VERSION + "_", 0) == 0);

  auto info = run({"dpkg-deb", "-I", deb.string()});
  REQUIRE(info.ok());
  std::string depends;
  for (const std::string& line : lines_of(info.out)) {
    if (line.rfind(" Depends: ", 0) == 0) depends = line.substr(10);
  }
  INFO(info.out);
  std::vector<std::string> names;
  std::stringstream in(depends);
  for (std::string entry; std::getline(in, entry, ',');) {
    std::stringstream words(entry);
    std::string name;
    words >> name;
    names.push_back(name);
  }
  for (const char* needed : {"libgit2-1.5", "libfmt9", "libstdc++6", "libc6", "tmux", "git"}) {
    INFO(needed);
    CHECK(has(names, needed));
  }
  auto contents = run({"dpkg-deb", "-c", deb.string()});
  CHECK(contains(contents.out, "./usr/bin/kiro-parallel"));
  CHECK(contains(contents.out, "./usr/share/man/man1/kiro-parallel.1"));
  CHECK(contains(contents.out, "./usr/share/bash-completion/completions/kiro-parallel"));
  CHECK(contains(contents.out, "./usr/share/zsh/vendor-completions/_kiro-parallel"));  // Debian's zsh $fpath
  CHECK(contains(contents.out, "./usr/share/kiro-parallel/sim-agent"));
  // Stripped: a few MB installed, not the 45 MB of a build with debug information.
  for (const std::string& line : lines_of(info.out)) {
    if (line.rfind(" Installed-Size: ", 0) == 0) CHECK(std::stol(line.substr(17)) < 8000);  // KiB
  }
}
