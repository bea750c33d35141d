#include "common/shell_words.hpp"

#include <algorithm>
#include <cctype>

namespace kp {

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// One left-to-right pass over the text; state is the word and command being built.
class Splitter {
 public:
  explicit Splitter(std::string_view text) : t_(text) {}

  ShellParse run() {
    while (i_ < t_.size()) step();
    end_command("");
    return std::move(out_);
  }

 private:
  char at(size_t k) const { return k < t_.size() ? t_[k] : '\0'; }

  void step() {
    const char c = t_[i_];
    if (c == ' ' || c == '\t') {
      end_word();
      ++i_;
    } else if (c == '\n') {
      end_command("\n");
      ++i_;
    } else if (c == '#' && !in_word_) {
      while (i_ < t_.size() && t_[i_] != '\n') ++i_;
    } else if (c == '\\') {
      if (at(i_ + 1) != '\n' && i_ + 1 < t_.size()) append(std::string(1, t_[i_ + 1]));
      i_ += 2;
    } else if (c == '\'') {
      single_quoted();
    } else if (c == '"') {
      double_quoted();
    } else if (c == '`' || (c == '$' && at(i_ + 1) == '(') ||
               ((c == '<' || c == '>') && at(i_ + 1) == '(' && !in_word_)) {
      substitution();
    } else if (c == '$' && at(i_ + 1) == '{') {
      const size_t close = t_.find('}', i_);
      const size_t end = close == std::string_view::npos ? t_.size() : close + 1;
      append(std::string(t_.substr(i_, end - i_)));
      i_ = end;
    } else if (c == '|' || c == '&' || c == ';' || c == '(' || c == ')') {
      operator_at(c);
    } else if (c == '<' || c == '>') {
      redirection();
    } else {
      append(std::string(1, c));
      ++i_;
    }
  }

  void append(const std::string& s) {
    word_ += s;
    in_word_ = true;
  }

  void end_word() {
    if (!in_word_) return;
    if (!pending_redirect_.empty()) {
      const bool dup = pending_redirect_ == ">&" || pending_redirect_ == "<&";
      if (!(dup && (all_digits(word_) || word_ == "-"))) {
        cur_.redirects.push_back({dup ? std::string(1, pending_redirect_[0]) : pending_redirect_, word_});
      }
      pending_redirect_.clear();
    } else {
      cur_.words.push_back(word_);
    }
    word_.clear();
    in_word_ = false;
  }

  void end_command(const std::string& op) {
    end_word();
    if (!pending_redirect_.empty()) {  // "echo >" with no target
      out_.complete = false;
      pending_redirect_.clear();
    }
    if (cur_.words.empty() && cur_.redirects.empty() && cur_.substitutions.empty()) {
      // "(a) | b": the operator after a parenthesis belongs to the command before it.
      if (!op.empty() && !out_.commands.empty() && out_.commands.back().next_op.empty()) {
        out_.commands.back().next_op = op;
      }
      return;
    }
    cur_.next_op = op;
    out_.commands.push_back(std::move(cur_));
    cur_ = SimpleCommand{};
  }

  void operator_at(char c) {
    const char n = at(i_ + 1);
    if (c == '(' || c == ')') {
      end_command("");
      ++i_;
    } else if (c == '&' && n == '>') {  // &> and &>> redirect both streams
      redirection();
    } else if ((c == '|' && (n == '|' || n == '&')) || (c == '&' && n == '&') || (c == ';' && n == ';')) {
      end_command(c == ';' ? ";" : std::string{c, n});
      i_ += 2;
    } else {
      end_command(std::string(1, c));
      ++i_;
    }
  }

  void redirection() {
    if (in_word_ && all_digits(word_) && pending_redirect_.empty()) {  // "2>": a descriptor number
      word_.clear();
      in_word_ = false;
    } else {
      end_word();
    }
    static const char* const kOps[] = {"&>>", "&>", "<<<", "<<-", ">>", ">|", ">&", "<<", "<>", "<&", ">", "<"};
    for (const char* op : kOps) {
      if (t_.substr(i_).starts_with(op)) {
        pending_redirect_ = op;
        i_ += std::string_view(op).size();
        if (pending_redirect_ == "&>>") pending_redirect_ = ">>";
        if (pending_redirect_ == "&>" || pending_redirect_ == ">|") pending_redirect_ = ">";
        if (pending_redirect_ == "<<-") pending_redirect_ = "<<";
        return;
      }
    }
    ++i_;  // unreachable: the caller saw '<' or '>'
  }

  void single_quoted() {
    const size_t close = t_.find('\'', i_ + 1);
    if (close == std::string_view::npos) {
      out_.complete = false;
      append(std::string(t_.substr(i_ + 1)));
      i_ = t_.size();
      return;
    }
    append(std::string(t_.substr(i_ + 1, close - i_ - 1)));
    i_ = close + 1;
  }

  void double_quoted() {
    ++i_;
    in_word_ = true;  // "" is an (empty) word
    while (i_ < t_.size()) {
      const char c = t_[i_];
      if (c == '"') {
        ++i_;
        return;
      }
      if (c == '\\' && i_ + 1 < t_.size()) {
        const char n = t_[i_ + 1];
        if (n == '$' || n == '`' || n == '"' || n == '\\') word_ += n;
        else if (n != '\n') word_ += {c, n};
        i_ += 2;
      } else if (c == '`' || (c == '$' && at(i_ + 1) == '(')) {
        substitution();
      } else {
        word_ += c;
        ++i_;
      }
    }
    out_.complete = false;  // no closing quote
  }

  // $(...), `...`, <(...), >(...): the inner text is kept for the policy to
  // split again; the word keeps it as written. $((...)) is arithmetic.
  void substitution() {
    const size_t start = i_;
    std::string inner;
    bool closed = false;
    if (t_[i_] == '`') {
      size_t k = i_ + 1;
      for (; k < t_.size() && t_[k] != '`'; ++k) {
        if (t_[k] == '\\' && k + 1 < t_.size()) ++k;
      }
      closed = k < t_.size();
      inner = std::string(t_.substr(i_ + 1, std::min(k, t_.size()) - i_ - 1));
      i_ = closed ? k + 1 : t_.size();
    } else {
      const bool arithmetic = t_[i_] == '$' && at(i_ + 2) == '(';
      size_t k = i_ + 2;
      closed = balanced_close(k);
      inner = std::string(t_.substr(i_ + 2, (closed ? k : t_.size()) - i_ - 2));
      i_ = closed ? k + 1 : t_.size();
      if (arithmetic) inner.clear();
    }
    if (!closed) out_.complete = false;
    if (!inner.empty()) cur_.substitutions.push_back(inner);
    append(std::string(t_.substr(start, i_ - start)));
  }

  // Moves k to the ')' closing the '(' just before it; false when none.
  bool balanced_close(size_t& k) const {
    int depth = 1;
    for (; k < t_.size(); ++k) {
      const char c = t_[k];
      if (c == '\\') {
        ++k;
      } else if (c == '\'') {
        k = t_.find('\'', k + 1);
        if (k == std::string_view::npos) return false;
      } else if (c == '"') {
        for (++k; k < t_.size() && t_[k] != '"'; ++k) {
          if (t_[k] == '\\') ++k;
        }
        if (k >= t_.size()) return false;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')' && --depth == 0) {
        return true;
      }
    }
    return false;
  }

  std::string_view t_;
  size_t i_ = 0;
  ShellParse out_;
  SimpleCommand cur_;
  std::string word_;
  bool in_word_ = false;
  std::string pending_redirect_;
};

}  // namespace

ShellParse split_shell(std::string_view text) { return Splitter(text).run(); }

}  // namespace kp
