#include "common/policy_paths.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

namespace kp {

namespace fs = std::filesystem;

namespace {

fs::path resolved(const fs::path& p) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal() : out;
}

std::optional<fs::path> home_of_user(const std::string& user) {
  std::array<char, 4096> buf{};
  passwd pw{};
  passwd* found = nullptr;
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) return std::nullopt;
  return fs::path(found->pw_dir);
}

bool var_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// $VAR and ${VAR} expanded; nullopt on an unset variable or anything fancier.
std::optional<std::string> expand_variables(std::string_view word, const PolicyPlaces& places) {
  std::string out;
  for (size_t i = 0; i < word.size();) {
    if (word[i] != '$') {
      out += word[i++];
      continue;
    }
    std::string name;
    if (i + 1 < word.size() && word[i + 1] == '{') {
      const size_t close = word.find('}', i);
      if (close == std::string_view::npos) return std::nullopt;
      name = std::string(word.substr(i + 2, close - i - 2));
      i = close + 1;
    } else {
      size_t k = i + 1;
      while (k < word.size() && var_char(word[k])) ++k;
      name = std::string(word.substr(i + 1, k - i - 1));
      i = k;
    }
    if (name.empty() || !std::all_of(name.begin(), name.end(), var_char)) return std::nullopt;
    if (name == "HOME") {
      out += places.home.string();
    } else if (name == "PWD") {
      return std::nullopt;  // the shell's folder at that point: the caller's cwd is not known here
    } else if (const char* v = std::getenv(name.c_str()); v && *v) {
      out += v;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace

bool path_within(const fs::path& path, const fs::path& root) {
  if (root.empty()) return false;
  auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  if (r == root.end()) return true;
  // A trailing separator on root ends in an empty element.
  return std::next(r) == root.end() && r->empty();
}

PolicyPlaces resolve_places(const PolicyContext& context, const ApprovalSettings& settings) {
  PolicyPlaces places;
  std::error_code ec;
  fs::path home = context.home;
  if (home.empty()) {
    const char* h = std::getenv("HOME");
    home = h && *h ? fs::path(h) : fs::path("/nonexistent-home");
  }
  places.home = resolved(home);
  fs::path worktree = context.worktree.empty() ? fs::current_path(ec) : context.worktree;
  places.worktree = resolved(fs::absolute(worktree, ec));
  places.tmp = context.tmp.empty() ? fs::path() : resolved(context.tmp);
  for (const auto& p : context.extra_paths) places.extra.push_back(resolved(fs::absolute(p, ec)));
  for (const auto& p : settings.paths) {
    if (auto r = resolve_policy_path(p, places.worktree, places)) places.extra.push_back(*r);
  }
  return places;
}

std::optional<fs::path> resolve_policy_path(std::string_view word, const fs::path& cwd, const PolicyPlaces& places) {
  if (word.find("$(") != std::string_view::npos || word.find('`') != std::string_view::npos) return std::nullopt;
  std::string text(word);
  if (!text.empty() && text[0] == '~') {
    const size_t slash = text.find('/');
    const std::string user = text.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
    std::optional<fs::path> base = user.empty() ? std::optional<fs::path>(places.home) : home_of_user(user);
    if (!base) return std::nullopt;
    text = base->string() + (slash == std::string::npos ? "" : text.substr(slash));
  }
  auto expanded = expand_variables(text, places);
  if (!expanded) return std::nullopt;
  fs::path p(*expanded);
  if (p.is_relative()) p = cwd / p;
  return resolved(p);
}

PathPlace place_of(const fs::path& p, const PolicyPlaces& places) {
  static const char* const kDevices[] = {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero"};
  for (const char* d : kDevices) {
    if (p == fs::path(d)) return PathPlace::device;
  }
  static const char* const kStartup[] = {".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile",
                                         ".zshrc", ".zprofile", ".zshenv", ".zlogin", ".zlogout", ".cshrc",
                                         ".tcshrc", ".kshrc", ".config/fish", ".xprofile", ".xinitrc"};
  for (const char* s : kStartup) {
    if (path_within(p, places.home / s)) return PathPlace::startup;
  }
  static const char* const kKeys[] = {".ssh", ".aws", ".gnupg", ".netrc", ".git-credentials", ".npmrc",
                                      ".pypirc", ".docker/config.json", ".kube", ".config/gh", ".config/gcloud",
                                      ".azure", ".cargo/credentials", ".cargo/credentials.toml", ".password-store",
                                      ".claude/.credentials.json", ".codex/auth.json", ".gemini/oauth_creds.json"};
  for (const char* k : kKeys) {
    if (path_within(p, places.home / k)) return PathPlace::credentials;
  }
  if (path_within(p, places.worktree)) {
    const fs::path rel = p.lexically_relative(places.worktree);
    if (!rel.empty() && *rel.begin() == ".git") return PathPlace::git_internal;
    return PathPlace::worktree;
  }
  for (const auto& e : places.extra) {
    if (path_within(p, e)) return PathPlace::extra;
  }
  if (!places.tmp.empty() && path_within(p, places.tmp) && p != places.tmp) return PathPlace::tmp;
  if (p == fs::path("/etc/shells") || path_within(p, "/etc/profile") || path_within(p, "/etc/profile.d") ||
      p == fs::path("/etc/bash.bashrc") || p == fs::path("/etc/zshrc") || path_within(p, "/etc/zsh")) {
    return PathPlace::startup;
  }
  return PathPlace::outside;
}

}  // namespace kp
