#include "common/term_style.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace kp {

TermStyle::TermStyle(std::FILE* stream) {
  terminal_ = stream && ::isatty(::fileno(stream));
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  color_ = terminal_ && !(no_color && *no_color) && !(term && std::strcmp(term, "dumb") == 0);
}

std::string TermStyle::operator()(std::string_view text, Style style) const {
  if (!color_ || style == Style::plain) return std::string(text);
  const char* code = "";
  switch (style) {
    case Style::plain: break;
    case Style::bold: code = "1"; break;
    case Style::dim: code = "2"; break;
    case Style::red: code = "31"; break;
    case Style::green: code = "32"; break;
    case Style::yellow: code = "33"; break;
    case Style::blue: code = "34"; break;
    case Style::magenta: code = "35"; break;
    case Style::cyan: code = "36"; break;
    case Style::bold_red: code = "1;31"; break;
  }
  return std::string("\033[") + code + "m" + std::string(text) + "\033[0m";
}

}  // namespace kp
