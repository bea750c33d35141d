#include "common/shell_policy.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <regex>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "common/shell_words.hpp"

namespace kp {

namespace fs = std::filesystem;

namespace {

using Words = std::vector<std::string>;

std::string base_name(const std::string& word) {
  const size_t slash = word.rfind('/');
  return slash == std::string::npos ? word : word.substr(slash + 1);
}

std::string join(const Words& words, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < words.size(); ++i) {
    if (i > from) out += ' ';
    out += words[i];
  }
  return out;
}

bool is_one_of(const std::string& s, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return s == n; });
}

// A short option cluster ("-rf", "-xdf") holding the letter.
bool has_short_flag(const std::string& word, char letter) {
  return word.size() > 1 && word[0] == '-' && word[1] != '-' && word.find(letter) != std::string::npos;
}

bool any_arg(const Words& w, size_t from, const std::function<bool(const std::string&)>& pred) {
  return std::any_of(w.begin() + static_cast<long>(std::min(from, w.size())), w.end(), pred);
}

bool is_assignment(const std::string& w) {
  const size_t eq = w.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  return std::all_of(w.begin(), w.begin() + static_cast<long>(eq),
                     [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// Drops what only wraps the real command: VAR=value, env, nohup, time,
// nice, timeout, xargs, command, exec, and the reserved words of compound commands.
Words strip_wrappers(Words w) {
  size_t i = 0;
  while (i < w.size()) {
    const std::string name = base_name(w[i]);
    if (is_assignment(w[i]) || is_one_of(w[i], {"!", "{", "}", "then", "do", "else", "elif", "if", "while",
                                                "until", "done", "fi"})) {
      ++i;
    } else if (is_one_of(name, {"env", "nohup", "time", "command", "builtin", "exec", "stdbuf", "unbuffer"})) {
      ++i;
      while (i < w.size() && w[i].size() > 1 && w[i][0] == '-') ++i;
    } else if (is_one_of(name, {"nice", "ionice", "timeout", "xargs", "parallel"})) {
      ++i;
      while (i < w.size() && w[i].size() > 1 && w[i][0] == '-') {
        const bool takes_value = is_one_of(w[i], {"-n", "-I", "-P", "-L", "-d", "-s", "-E", "-k", "-c", "--signal",
                                                  "--kill-after"});
        i += takes_value ? 2 : 1;
      }
      if (name == "timeout" && i < w.size()) ++i;  // the duration
    } else {
      break;
    }
  }
  return Words(w.begin() + static_cast<long>(std::min(i, w.size())), w.end());
}

const char* const kShells[] = {"sh", "bash", "zsh", "dash", "ksh", "mksh", "fish", "ash", "busybox"};
const char* const kInterpreters[] = {"sh",     "bash", "zsh",  "dash", "ksh",  "fish", "ash",    "python",
                                     "python2", "python3", "perl", "ruby", "node", "php",  "pwsh", "lua",
                                     "deno",   "bun",  "tclsh", "source", ".",  "eval", "osascript"};
const char* const kDownloaders[] = {"curl", "wget", "fetch", "aria2c", "http", "https", "xh", "lwp-request", "GET"};

bool in_list(const std::string& name, const char* const* begin, const char* const* end) {
  return std::any_of(begin, end, [&](const char* n) { return name == n; });
}
bool is_shell(const std::string& n) { return in_list(n, std::begin(kShells), std::end(kShells)); }
bool is_interpreter(const std::string& n) {
  return in_list(n, std::begin(kInterpreters), std::end(kInterpreters)) || n.starts_with("python3.");
}
bool is_downloader(const std::string& n) { return in_list(n, std::begin(kDownloaders), std::end(kDownloaders)); }

// "$GITHUB_TOKEN", "${AWS_SECRET_ACCESS_KEY}": a variable that holds a secret.
bool names_secret_variable(const std::string& word) {
  static const std::regex secret(R"(\$\{?[A-Za-z_]*(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|CREDENTIAL|PRIVATE_KEY|ACCESS_KEY)[A-Za-z_]*)",
                                 std::regex::icase);
  return word.find('$') != std::string::npos && std::regex_search(word, secret);
}

// Words that name a file: absolute, ~, $HOME/..., ./ ../ or holding a slash; URLs and options are not.
std::optional<std::string> path_word(const std::string& word) {
  std::string w = word;
  if (w.starts_with("-") || (is_assignment(w) && w.find('=') != std::string::npos)) {
    const size_t eq = w.find('=');
    if (eq == std::string::npos) return std::nullopt;
    w = w.substr(eq + 1);
  }
  if (w.empty() || w.find("://") != std::string::npos) return std::nullopt;
  if (w[0] == '/' || w[0] == '~' || w == "." || w == ".." || w.starts_with("./") || w.starts_with("../")) return w;
  if (w[0] == '$') {
    if (w.find('/') != std::string::npos || w == "$HOME" || w == "${HOME}") return w;
    return std::nullopt;
  }
  if (w.find('/') != std::string::npos && w.find('$') == std::string::npos) return w;
  return std::nullopt;
}

struct RuleText {
  const char* rule;
  const char* reason;
};

const RuleText kRules[] = {
    {"privilege", "runs with another user's rights (sudo, su, doas)"},
    {"git_push", "publishes commits or deletes remote branches (git push)"},
    {"git_reset_hard", "throws away work (git reset --hard)"},
    {"git_clean_force", "deletes untracked files (git clean -f)"},
    {"git_discard_changes", "throws away changes in the working tree (git checkout --, git restore)"},
    {"git_branch_delete", "deletes or force-moves a branch"},
    {"git_history_rewrite", "rewrites history or drops stashes"},
    {"git_worktree_change", "removes or moves git worktrees"},
    {"git_config_global", "changes the user's global git configuration"},
    {"rm_outside_worktree", "deletes recursively or by force outside the task's worktree"},
    {"rm_worktree_root", "deletes the task's whole worktree"},
    {"download_to_shell", "runs a download in a shell or an interpreter"},
    {"shell_startup_file", "changes a shell start-up file"},
    {"credentials", "touches keys, tokens or credentials"},
    {"git_internals", "writes into the repository's .git"},
    {"package_publish", "publishes a package or an image"},
    {"chmod_outside_worktree", "changes permissions or owners outside the worktree"},
    {"system_admin", "changes disks, the machine's state or scheduled jobs"},
    {"path_outside_worktree", "names a path outside the worktree and the temp folder"},
    {"runs_outside_worktree", "runs in a folder outside the worktree"},
    {"unknown_path", "names a path the policy cannot resolve"},
    {"inline_code", "runs inline interpreter code that deletes, publishes or starts processes"},
    {"unparsed_command", "is a command the policy cannot read completely"},
    {"nested_too_deep", "nests shells too deeply to read"},
};

Decision make(Decision::Verdict verdict, const std::string& rule, const std::string& detail = {}) {
  std::string reason = rule;
  for (const auto& r : kRules) {
    if (rule == r.rule) reason = r.reason;
  }
  reason = "the command " + reason;
  if (!detail.empty()) reason += ": " + detail;
  return {verdict, rule, reason};
}

// The git subcommand and its arguments after global options (-C DIR, -c k=v, ...).
struct GitCall {
  std::string sub;
  Words args;
};

GitCall git_call(const Words& w) {
  size_t i = 1;
  while (i < w.size() && w[i].starts_with("-")) {
    const bool valued = is_one_of(w[i], {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path",
                                          "--config-env"});
    i += valued ? 2 : 1;
  }
  GitCall call;
  if (i < w.size()) {
    call.sub = w[i];
    call.args.assign(w.begin() + static_cast<long>(i) + 1, w.end());
  }
  return call;
}

std::optional<std::string> git_rule(const Words& w) {
  const GitCall g = git_call(w);
  auto has = [&](std::initializer_list<const char*> opts) {
    return any_arg(g.args, 0, [&](const std::string& a) { return is_one_of(a, opts); });
  };
  auto flag = [&](char letter) { return any_arg(g.args, 0, [&](const std::string& a) { return has_short_flag(a, letter); }); };
  if (g.sub == "push" || g.sub == "send-pack") return "git_push";
  if (g.sub == "reset" && has({"--hard", "--merge", "--keep"})) return "git_reset_hard";
  if (g.sub == "clean" && (flag('f') || has({"--force"}))) return "git_clean_force";
  if (g.sub == "checkout" && (has({"--", ".", "--force", "--ours", "--theirs"}) || flag('f'))) return "git_discard_changes";
  if (g.sub == "restore") {
    const bool staged_only = has({"--staged", "-S"}) && !has({"--worktree", "-W"});
    if (!staged_only) return "git_discard_changes";
  }
  if (g.sub == "switch" && (has({"--discard-changes", "--force"}) || flag('f'))) return "git_discard_changes";
  if (g.sub == "branch" && (has({"--delete", "--force"}) || flag('d') || flag('D') || flag('M') || flag('f'))) {
    return "git_branch_delete";
  }
  if (g.sub == "update-ref" && has({"-d", "--stdin"})) return "git_branch_delete";
  if (g.sub == "tag" && (flag('d') || has({"--delete"}))) return "git_branch_delete";
  if (is_one_of(g.sub, {"filter-branch", "filter-repo", "replace"})) return "git_history_rewrite";
  if (g.sub == "stash" && !g.args.empty() && is_one_of(g.args[0], {"drop", "clear"})) return "git_history_rewrite";
  if (g.sub == "reflog" && !g.args.empty() && g.args[0] == "expire") return "git_history_rewrite";
  if (g.sub == "worktree" && !g.args.empty() && is_one_of(g.args[0], {"remove", "move", "prune"})) {
    return "git_worktree_change";
  }
  if (g.sub == "config" && has({"--global", "--system"})) return "git_config_global";
  return std::nullopt;
}

std::optional<std::string> publish_rule(const std::string& name, const Words& w) {
  const std::string sub = w.size() > 1 ? w[1] : "";
  if (is_one_of(name, {"npm", "yarn", "pnpm", "bun"}) && is_one_of(sub, {"publish", "unpublish", "deprecate"})) {
    return "package_publish";
  }
  if (is_one_of(name, {"cargo", "poetry", "flit", "hatch", "uv"}) && is_one_of(sub, {"publish", "yank"})) {
    return "package_publish";
  }
  if ((name == "twine" && sub == "upload") || (name == "gem" && sub == "push")) return "package_publish";
  if (is_one_of(name, {"docker", "podman", "buildah"}) && sub == "push") return "package_publish";
  if (name.starts_with("python") && join(w).find("-m twine upload") != std::string::npos) return "package_publish";
  if (name == "gh" && is_one_of(sub, {"release", "repo"}) && w.size() > 2 &&
      is_one_of(w[2], {"create", "upload", "delete", "edit"})) {
    return "package_publish";
  }
  return std::nullopt;
}

std::optional<std::string> system_rule(const std::string& name, const Words& w) {
  if (name.starts_with("mkfs") || is_one_of(name, {"fdisk", "sfdisk", "parted", "wipefs", "shutdown", "reboot",
                                                   "halt", "poweroff", "crontab", "chsh", "passwd", "visudo",
                                                   "useradd", "userdel", "usermod", "mount", "umount"})) {
    return "system_admin";
  }
  if (name == "systemctl" && w.size() > 1 && is_one_of(w[1], {"poweroff", "reboot", "halt", "enable", "disable",
                                                              "mask", "stop", "kill"})) {
    return "system_admin";
  }
  if (is_one_of(name, {"sudo", "su", "doas", "pkexec", "runuser", "run0", "sudoedit"})) return "privilege";
  return std::nullopt;
}

// Everything the judge keeps while it walks a command line.
class ShellJudge {
 public:
  ShellJudge(const PolicyPlaces& places, const ApprovalSettings& settings) : places_(places), settings_(settings) {}

  Decision judge(std::string_view command);

 private:
  void scan(std::string_view text, std::optional<fs::path> cwd, int depth);
  void scan_one(const std::vector<SimpleCommand>& cmds, size_t i, std::optional<fs::path>& cwd, int depth);
  void check_allow(const SimpleCommand& cmd, const Words& w);
  void check_named_rules(const std::vector<SimpleCommand>& cmds, size_t i, const Words& w,
                         const std::optional<fs::path>& cwd);
  void check_deletes(const std::string& name, const Words& w, const std::optional<fs::path>& cwd);
  void check_download(const std::vector<SimpleCommand>& cmds, size_t i, const Words& w);
  void check_inline_code(const std::string& name, const Words& w);
  void check_paths(const SimpleCommand& cmd, const Words& w, const std::optional<fs::path>& cwd);
  void rescan_nested(const Words& w, const std::optional<fs::path>& cwd, int depth);
  void follow_cd(const Words& w, std::optional<fs::path>& cwd);
  std::optional<PathPlace> place(const std::string& word, const std::optional<fs::path>& cwd,
                                 std::optional<fs::path>* resolved = nullptr) const;
  void refuse(const std::string& rule, const std::string& detail = {}) {
    if (!refusal_) refusal_ = make(Decision::refuse, rule, detail);
  }
  void ask(const std::string& rule, const std::string& detail = {}) {
    if (!question_) question_ = make(Decision::ask, rule, detail);
  }

  const PolicyPlaces& places_;
  const ApprovalSettings& settings_;
  std::optional<Decision> refusal_, question_;
  bool all_user_allowed_ = true, all_allowed_ = true, any_command_ = false;
  std::string first_user_allow_;
};

std::optional<PathPlace> ShellJudge::place(const std::string& word, const std::optional<fs::path>& cwd,
                                           std::optional<fs::path>* resolved) const {
  if (!cwd && !word.starts_with("/") && !word.starts_with("~") && !word.starts_with("$")) return std::nullopt;
  auto p = resolve_policy_path(word, cwd.value_or(places_.worktree), places_);
  if (resolved) *resolved = p;
  if (!p) return std::nullopt;
  return place_of(*p, places_);
}

Decision ShellJudge::judge(std::string_view command) {
  for (const auto& d : settings_.deny) {
    if (std::regex_search(command.begin(), command.end(), d.regex)) {
      return {Decision::refuse, "deny:" + d.source, "the command matches approve.deny " + d.source};
    }
  }
  scan(command, places_.worktree, 0);
  if (refusal_) return *refusal_;
  if (any_command_ && all_user_allowed_ && !first_user_allow_.empty()) {
    return {Decision::approve, "allow:" + first_user_allow_, "the command matches approve.allow " + first_user_allow_};
  }
  if (question_) return *question_;
  if (settings_.mode == ApprovalSettings::allowlist) {
    if (any_command_ && all_allowed_) return {Decision::approve, "allow_list", "every part of the command is on the allow list"};
    return {Decision::ask, "not_in_allowlist", "the command is not on the allow list (approve.mode allowlist)"};
  }
  return {Decision::approve, "shell_default", "the command matches no deny rule and stays in the worktree"};
}

void ShellJudge::scan(std::string_view text, std::optional<fs::path> cwd, int depth) {
  if (depth > 6) return ask("nested_too_deep");
  const ShellParse parsed = split_shell(text);
  if (!parsed.complete) ask("unparsed_command");
  for (size_t i = 0; i < parsed.commands.size(); ++i) scan_one(parsed.commands, i, cwd, depth);
}

void ShellJudge::scan_one(const std::vector<SimpleCommand>& cmds, size_t i, std::optional<fs::path>& cwd, int depth) {
  const SimpleCommand& cmd = cmds[i];
  for (const auto& inner : cmd.substitutions) scan(inner, cwd, depth + 1);
  const Words w = strip_wrappers(cmd.words);
  any_command_ = true;
  const std::string text = join(w);
  for (const auto& d : settings_.deny) {
    if (std::regex_search(text, d.regex)) refuse("deny:" + d.source, text);
  }
  check_allow(cmd, w);
  if (!settings_.replace_deny && !w.empty()) check_named_rules(cmds, i, w, cwd);
  const bool changes_folder = !w.empty() && is_one_of(base_name(w[0]), {"cd", "pushd", "popd"});
  if (!changes_folder) check_paths(cmd, w, cwd);  // a cd is judged by what runs there
  if (w.empty()) return;
  rescan_nested(w, cwd, depth);
  if (changes_folder) {
    follow_cd(w, cwd);
  } else if (cwd) {
    const PathPlace where = place_of(*cwd, places_);
    if (*cwd != places_.tmp && where != PathPlace::worktree && where != PathPlace::tmp && where != PathPlace::extra) {
      ask("runs_outside_worktree", cwd->string());
    }
  } else {
    ask("runs_outside_worktree", "an unknown folder");
  }
}

void ShellJudge::check_allow(const SimpleCommand& cmd, const Words& w) {
  std::string text = join(w);
  for (const auto& r : cmd.redirects) text += " " + r.op + " " + r.target;
  bool user = false;
  for (const auto& a : settings_.allow) {
    if (std::regex_search(text, a.regex)) {
      user = true;
      if (first_user_allow_.empty()) first_user_allow_ = a.source;
      break;
    }
  }
  bool builtin = false;
  if (!settings_.replace_allow) {
    for (const auto& a : builtin_allow_patterns()) {
      if (std::regex_search(text, a.regex)) {
        builtin = true;
        break;
      }
    }
  }
  if (!user) all_user_allowed_ = false;
  if (!user && !builtin) all_allowed_ = false;
}

void ShellJudge::check_named_rules(const std::vector<SimpleCommand>& cmds, size_t i, const Words& w,
                                   const std::optional<fs::path>& cwd) {
  const std::string name = base_name(w[0]);
  std::optional<std::string> rule;
  if (name == "git") rule = git_rule(w);
  if (!rule) rule = publish_rule(name, w);
  if (!rule) rule = system_rule(name, w);
  if (rule) refuse(*rule, join(w));
  check_deletes(name, w, cwd);
  check_download(cmds, i, w);
  check_inline_code(name, w);
  if (name == "printenv" && any_arg(w, 1, [](const std::string& a) { return names_secret_variable("$" + a); })) {
    refuse("credentials", join(w));
  }
}

// rm -r/-f, find -delete, chmod/chown: every target must stay in the worktree.
void ShellJudge::check_deletes(const std::string& name, const Words& w, const std::optional<fs::path>& cwd) {
  Words targets;
  std::string rule;
  if (is_one_of(name, {"rm", "shred", "unlink", "rmdir"})) {
    const bool forceful = name != "rm" || any_arg(w, 1, [](const std::string& a) {
      return has_short_flag(a, 'r') || has_short_flag(a, 'R') || has_short_flag(a, 'f') ||
             is_one_of(a, {"--recursive", "--force"});
    });
    if (!forceful) return;
    bool options = true;
    for (size_t k = 1; k < w.size(); ++k) {
      if (options && w[k] == "--") options = false;
      else if (!options || !w[k].starts_with("-")) targets.push_back(w[k]);
    }
    rule = "rm_outside_worktree";
  } else if (name == "find" && any_arg(w, 1, [](const std::string& a) { return is_one_of(a, {"-delete", "-exec", "-execdir", "-ok"}); })) {
    for (size_t k = 1; k < w.size() && !w[k].starts_with("-") && w[k] != "(" && w[k] != "!"; ++k) targets.push_back(w[k]);
    if (targets.empty()) targets.push_back(".");
    rule = "rm_outside_worktree";
  } else if (is_one_of(name, {"chmod", "chown", "chgrp", "chattr", "setfacl"})) {
    // The first operand is the mode or owner ("-x" and "+i" are modes, not options).
    static const std::regex mode_like(R"(^[-+=][rwxXstugoaAiecdj]+$)");
    bool mode_seen = false;
    for (size_t k = 1; k < w.size(); ++k) {
      const bool option = w[k].starts_with("-") && !(!mode_seen && std::regex_match(w[k], mode_like));
      if (option) continue;
      if (mode_seen) targets.push_back(w[k]);
      mode_seen = true;
    }
    rule = "chmod_outside_worktree";
  } else {
    return;
  }
  for (const auto& t : targets) {
    std::optional<fs::path> resolved;
    const auto where = place(t, cwd, &resolved);
    if (!where) {
      refuse(rule, t + " (cannot be resolved)");
    } else if (*where == PathPlace::worktree && resolved && *resolved == places_.worktree && name != "find" &&
               rule != "chmod_outside_worktree") {  // find filters what it deletes under its root
      refuse("rm_worktree_root", t);
    } else if (*where != PathPlace::worktree && *where != PathPlace::tmp && *where != PathPlace::extra) {
      refuse(rule, t + " is " + resolved->string());
    }
  }
}

bool downloads_inside(const std::vector<std::string>& substitutions) {
  for (const auto& s : substitutions) {
    for (const auto& c : split_shell(s).commands) {
      const Words w = strip_wrappers(c.words);
      if (!w.empty() && is_downloader(base_name(w[0]))) return true;
    }
  }
  return false;
}

void ShellJudge::check_download(const std::vector<SimpleCommand>& cmds, size_t i, const Words& w) {
  const std::string name = base_name(w[0]);
  if (is_interpreter(name) && downloads_inside(cmds[i].substitutions)) {
    return refuse("download_to_shell", join(w));
  }
  if (!is_downloader(name)) return;
  for (size_t k = i; k + 1 < cmds.size() && (cmds[k].next_op == "|" || cmds[k].next_op == "|&"); ++k) {
    Words next = strip_wrappers(cmds[k + 1].words);
    if (!next.empty() && is_one_of(base_name(next[0]), {"sudo", "doas"})) next.erase(next.begin());
    while (!next.empty() && next[0].starts_with("-")) next.erase(next.begin());
    if (!next.empty() && is_interpreter(base_name(next[0]))) {
      return refuse("download_to_shell", join(w) + " | " + join(next));
    }
  }
}

// python -c, node -e, perl -e, ruby -e, php -r: the code cannot be read as a
// shell command; code that starts processes, deletes trees or pushes asks.
void ShellJudge::check_inline_code(const std::string& name, const Words& w) {
  static const std::regex risky(
      R"(os\.system|subprocess|Popen|shutil\.rmtree|os\.remove|os\.unlink|rmSync|rmdirSync|unlinkSync|child_process|execSync|spawn|exec\(|system\(|`|git\s+push|rm\s+-|sudo|urlopen|requests\.|fetch\(|https?://)");
  const bool interpreter = name.starts_with("python") || is_one_of(name, {"node", "perl", "ruby", "php", "deno", "bun", "lua"});
  if (!interpreter) return;
  for (size_t k = 1; k + 1 < w.size(); ++k) {
    if (!is_one_of(w[k], {"-c", "-e", "-r", "-E", "--eval", "-p", "--print"})) continue;
    if (std::regex_search(w[k + 1], risky)) ask("inline_code", w[k + 1]);
  }
}

void ShellJudge::check_paths(const SimpleCommand& cmd, const Words& w, const std::optional<fs::path>& cwd) {
  const bool reader = !w.empty() && is_one_of(base_name(w[0]), {"cat", "less", "more", "head", "tail", "grep", "rg",
                                                                "wc", "ls", "stat", "file", "diff", "cmp", "md5sum",
                                                                "sha256sum", "bat", "source", "."});
  auto judge_place = [&](const std::string& word, bool writes) {
    std::optional<fs::path> resolved;
    const auto where = place(word, cwd, &resolved);
    if (!where) return ask("unknown_path", word);
    const std::string shown = resolved ? resolved->string() : word;
    switch (*where) {
      case PathPlace::startup: return writes ? refuse("shell_startup_file", shown) : ask("path_outside_worktree", shown);
      case PathPlace::credentials: return refuse("credentials", shown);
      case PathPlace::git_internal: return writes ? refuse("git_internals", shown) : void();
      case PathPlace::outside: return ask("path_outside_worktree", shown);
      default: return;
    }
  };
  for (const auto& r : cmd.redirects) {
    if (r.op.starts_with("<<")) continue;
    judge_place(r.target, r.op != "<");
  }
  for (size_t k = 1; k < w.size(); ++k) {
    if (names_secret_variable(w[k])) refuse("credentials", w[k]);
    if (auto p = path_word(w[k])) judge_place(*p, !reader);
  }
}

// bash -c "...", sh -c, eval ..., find -exec ... ;: the inner command is judged too.
void ShellJudge::rescan_nested(const Words& w, const std::optional<fs::path>& cwd, int depth) {
  const std::string name = base_name(w[0]);
  if (is_shell(name)) {
    for (size_t k = 1; k + 1 < w.size(); ++k) {
      if (has_short_flag(w[k], 'c') && !w[k].starts_with("--")) return scan(w[k + 1], cwd, depth + 1);
    }
  } else if (name == "eval") {
    scan(join(w, 1), cwd, depth + 1);
  } else if (name == "find") {
    for (size_t k = 1; k < w.size(); ++k) {
      if (!is_one_of(w[k], {"-exec", "-execdir", "-ok", "-okdir"})) continue;
      Words inner;
      // "{}" is a file find found under its root (whose place the find rule
      // judges): a path below the folder, never the folder itself.
      for (++k; k < w.size() && w[k] != ";" && w[k] != "+"; ++k) inner.push_back(w[k] == "{}" ? "./found" : w[k]);
      scan(join(inner), cwd, depth + 1);
    }
  }
}

void ShellJudge::follow_cd(const Words& w, std::optional<fs::path>& cwd) {
  const std::string name = base_name(w[0]);
  if (name == "popd") {
    cwd.reset();
    return;
  }
  std::string target = "~";
  for (size_t k = 1; k < w.size(); ++k) {
    if (!is_one_of(w[k], {"-L", "-P", "-e", "-@", "--"})) {
      target = w[k];
      break;
    }
  }
  if (target == "-") {
    cwd.reset();
    return;
  }
  if (!cwd && !target.starts_with("/") && !target.starts_with("~")) return;
  cwd = resolve_policy_path(target, cwd.value_or(places_.worktree), places_);
}

std::vector<PolicyPattern> compile_builtin_allow() {
  static const char* const kSources[] = {
      R"(^(ls|cat|head|tail|wc|grep|egrep|rg|ag|find|fd|pwd|echo|printf|true|false|which|type|file|stat|tree|du|df|sort|uniq|cut|tr|diff|cmp|basename|dirname|realpath|readlink|date|env|printenv|id|whoami|uname|test|\[)( |$))",
      R"(^git (status|diff|log|show|add|commit|rev-parse|ls-files|blame|grep|branch --show-current|describe|shortlog|stash list)( |$))",
      R"(^(make|ninja|cmake|ctest|meson|bazel|pytest|tox|nox|jest|vitest|mocha|go (build|test|vet|run)|cargo (build|test|check|clippy|fmt|run)|npm (test|run|ci|install)|yarn( test| run| install|$)|pnpm (test|run|install)|python3? -m (pytest|unittest)|gradle|mvn (test|package|verify|compile)|dotnet (build|test))( |$))",
      R"(^(mkdir|touch|cp|mv|sed|awk|tee|chmod \+x|clang-format|black|ruff|eslint|prettier|tsc)( |$))",
  };
  std::vector<PolicyPattern> out;
  for (const char* s : kSources) out.push_back({s, std::regex(s, std::regex::ECMAScript | std::regex::optimize)});
  return out;
}

}  // namespace

const std::vector<PolicyPattern>& builtin_allow_patterns() {
  static const std::vector<PolicyPattern> patterns = compile_builtin_allow();
  return patterns;
}

Decision judge_shell_command(std::string_view command, const PolicyPlaces& places, const ApprovalSettings& settings) {
  return ShellJudge(places, settings).judge(command);
}

}  // namespace kp
