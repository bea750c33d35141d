// Shell completion computed by the binary itself (`kiro-parallel __complete`),
// so the bash and zsh scripts hold no list of commands or options: both come
// from the command table's declarations (master/command.hpp).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "master/command.hpp"

namespace kp {

struct CompletionCandidates {
  enum class Kind { words, directories, files } kind = Kind::words;
  std::vector<std::string> words;  // for Kind::words: the candidates
  std::map<std::string, std::string> descriptions;  // word -> summary, title, help (zsh shows them)
};

// The candidates for words[index] of a command line without the program name
// (words[index] is the partial word being completed; it may be empty).
// Spec names come from <repo>/.kiro/specs/ (repo: -C DIR or the working
// folder, or the nearest parent holding .kiro/specs), task ids from the
// spec's tasks.md. Never throws: what cannot be read completes to nothing.
CompletionCandidates complete_command_line(const std::vector<const Command*>& commands,
                                 const std::vector<std::string>& words, size_t index);

// `kiro-parallel __complete [--describe] INDEX WORD...`: prints the candidates,
// one a line (with --describe: "word<TAB>description"), or a single line
// ":directories" / ":files" for the shell to complete paths.
int run_complete(const std::vector<const Command*>& commands, const std::vector<std::string>& args);

}  // namespace kp
