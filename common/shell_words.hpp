// A small shell-word splitter for judging commands an agent asks to run: it
// reads a command line the way sh would split it (quotes, escapes, operators,
// redirections, $(...), backticks, <(...)) without running or expanding
// anything. It is for a safety policy, not an interpreter: what it cannot
// read it says so (`complete = false`), and the policy then asks a person.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace kp {

struct ShellRedirect {
  std::string op;      // ">", ">>", "<", "&>", ">|", "<<", "<<<", "<>"
  std::string target;  // the word after it (quotes removed)
};

struct SimpleCommand {
  std::vector<std::string> words;        // quotes and escapes removed
  std::vector<ShellRedirect> redirects;  // in order
  // Inner text of every $(...), `...` and <(...) / >(...) in this command.
  std::vector<std::string> substitutions;
  // What follows the command: "|", "|&", "&&", "||", ";", "&", "\n" or "" (end).
  std::string next_op;
};

struct ShellParse {
  std::vector<SimpleCommand> commands;  // in order; substitutions are not expanded here
  bool complete = true;  // false: an open quote, an unbalanced $( or `, a here-document
};

// Splits `text` into simple commands. A word keeps `$VAR`, `~` and globs as
// written (single-quoted text stays literal but is indistinguishable after
// splitting; the policy treats `$` in any word as an expansion).
ShellParse split_shell(std::string_view text);

}  // namespace kp
