#include "common/cc_sdd.hpp"

#include <fstream>
#include <system_error>

#include <fmt/format.h>

namespace kp {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSkill = "/kiro-impl {spec} {task}";
constexpr const char* kCodexSkill = "$kiro-impl {spec} {task}";
constexpr const char* kCommand = "/kiro:spec-impl {spec} {task}";

// File names as cc-sdd 3.0.2 writes them (checked by running each flag).
const std::vector<ImplFlavour>& flavours() {
  static const std::vector<ImplFlavour> all = {
      {"claude",
       {{".claude/skills/kiro-impl/SKILL.md", kSkill, "cc-sdd skill"},
        {".claude/commands/kiro/spec-impl.md", kCommand, "cc-sdd command"}},
       "npx cc-sdd@latest --claude-skills"},
      {"codex", {{".agents/skills/kiro-impl/SKILL.md", kCodexSkill, "cc-sdd skill"}}, "npx cc-sdd@latest --codex-skills"},
      {"gemini",
       {{".gemini/skills/kiro-impl/SKILL.md", kSkill, "cc-sdd skill"},
        {".gemini/commands/kiro/spec-impl.toml", kCommand, "cc-sdd command"}},
       "npx cc-sdd@latest --gemini-skills"},
      {"qwen",
       {{".qwen/commands/kiro/spec-impl.toml", kCommand, "cc-sdd command"},
        {".qwen/commands/kiro/spec-impl.md", kCommand, "cc-sdd command"}},
       "npx cc-sdd@latest --qwen"},
  };
  return all;
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::string first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\n')) line.pop_back();
  return line;
}

// The command word of a prompt template: "/kiro-impl", "$kiro-impl",
// "/kiro:spec-impl"; empty when it names no kiro command.
std::string kiro_command(std::string_view tmpl) {
  auto start = tmpl.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  std::string_view word = tmpl.substr(start);
  word = word.substr(0, word.find_first_of(" \t\n"));
  if (word == "/kiro-impl" || word == "$kiro-impl" || word == "/kiro:spec-impl") return std::string(word);
  return {};
}

std::string install_hints_for(const std::string& command) {
  std::string out;
  for (const auto& f : flavours()) {
    for (const auto& l : f.layouts) {
      if (kiro_command(l.prompt_template) == command && out.find(f.install_hint) == std::string::npos) {
        out += (out.empty() ? "" : " or ") + f.install_hint;
        break;
      }
    }
  }
  return out;
}

// A template that names a kiro command nobody installed: which files were looked for.
std::optional<std::string> missing_command(const std::vector<fs::path>& roots, const std::string& command) {
  std::string looked;
  for (const auto& f : flavours()) {
    for (const auto& l : f.layouts) {
      if (kiro_command(l.prompt_template) != command) continue;
      for (const auto& root : roots) {
        if (is_file(root / l.path)) return std::nullopt;
      }
      looked += (looked.empty() ? "" : ", ") + l.path;
    }
  }
  return looked;
}

}  // namespace

std::optional<ImplFlavour> impl_flavour(std::string_view agent) {
  for (const auto& f : flavours()) {
    if (f.agent == agent) return f;
  }
  return std::nullopt;
}

std::vector<fs::path> checkouts_to_search(const fs::path& repo_root) {
  std::vector<fs::path> roots{repo_root};
  fs::path dot_git = repo_root / ".git";
  if (!is_file(dot_git)) return roots;
  std::string line = first_line(dot_git);
  if (line.rfind("gitdir:", 0) != 0) return roots;
  std::string_view rest = std::string_view(line).substr(7);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  fs::path gitdir{std::string(rest)};
  if (gitdir.is_relative()) gitdir = repo_root / gitdir;
  fs::path common = gitdir;
  if (is_file(gitdir / "commondir")) {
    fs::path rel = first_line(gitdir / "commondir");
    common = rel.is_relative() ? gitdir / rel : rel;
  }
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(common, ec);
  if (ec) canonical = common.lexically_normal();
  if (canonical.filename() == ".git" && canonical.parent_path() != repo_root) roots.push_back(canonical.parent_path());
  return roots;
}

std::optional<FoundLayout> find_layout(const std::vector<fs::path>& roots, const ImplFlavour& flavour) {
  for (const auto& layout : flavour.layouts) {
    for (const auto& root : roots) {
      if (is_file(root / layout.path)) return FoundLayout{layout, root / layout.path};
    }
  }
  return std::nullopt;
}

std::optional<std::string> settings_prompt(const nlohmann::json& settings, std::string_view profile_name) {
  if (!settings.is_object()) return std::nullopt;
  auto agent = settings.find("agent");
  if (agent != settings.end() && agent->is_object()) {
    auto p = agent->find("prompt");
    if (p != agent->end() && p->is_string()) return p->get<std::string>();
  }
  auto profiles = settings.find("profiles");
  if (profiles != settings.end() && profiles->is_object()) {
    auto entry = profiles->find(std::string(profile_name));
    if (entry != profiles->end() && entry->is_object()) {
      auto p = entry->find("prompt");
      if (p != entry->end() && p->is_string()) return p->get<std::string>();
    }
  }
  return std::nullopt;
}

PromptChoice choose_prompt(const fs::path& repo_root, std::string_view profile_name, const std::string& profile_template,
                           const std::optional<std::string>& user_prompt) {
  PromptChoice choice;
  if (user_prompt) {
    choice.prompt_template = *user_prompt;
    choice.source = "the prompt set in the settings";
    return choice;
  }
  auto roots = checkouts_to_search(repo_root);
  if (auto flavour = impl_flavour(profile_name)) {
    choice.install_hint = flavour->install_hint;
    if (auto found = find_layout(roots, *flavour)) {
      choice.prompt_template = found->layout.prompt_template;
      choice.found = found->file.string();
      choice.found_relative = found->layout.path;
      choice.source = fmt::format("{} {}", found->layout.kind, found->layout.path);
      return choice;
    }
    std::string looked;
    for (const auto& l : flavour->layouts) looked += (looked.empty() ? "" : ", ") + l.path;
    choice.missing = true;
    choice.refusal = fmt::format(
        "run: cc-sdd's implementation command for {} is not installed in {} (looked for {}).\n"
        "  Install it:   {}\n"
        "  or set the prompt a task gets in .kiro/settings/parallel.json: {{\"agent\": {{\"prompt\": \"... {{spec}} {{task}}\"}}}}",
        profile_name, repo_root.string(), looked, flavour->install_hint);
    return choice;
  }
  choice.prompt_template = profile_template;
  choice.source = fmt::format("the built-in prompt of profile {}", profile_name);
  std::string command = kiro_command(profile_template);
  if (command.empty()) return choice;
  choice.install_hint = install_hints_for(command);
  if (auto looked = missing_command(roots, command)) {
    choice.missing = true;
    choice.refusal = fmt::format(
        "run: the prompt of profile {} sends {}, which is not installed in {} (looked for {}).\n"
        "  Install it:   {}\n"
        "  or set the prompt a task gets in .kiro/settings/parallel.json: {{\"agent\": {{\"prompt\": \"... {{spec}} {{task}}\"}}}}",
        profile_name, command, repo_root.string(), *looked, choice.install_hint);
  } else {
    choice.source += " (" + command + " is installed)";
  }
  return choice;
}

}  // namespace kp
