// Human output that knows whether it writes to a terminal: colour only on a
// terminal, never with NO_COLOR set or TERM=dumb.
#pragma once
#include <cstdio>
#include <string>
#include <string_view>

namespace kp {

enum class Style { plain, bold, dim, red, green, yellow, blue, magenta, cyan, bold_red };

class TermStyle {
 public:
  explicit TermStyle(std::FILE* stream);
  // For tests and --no-color style overrides.
  explicit TermStyle(bool color) : color_(color), terminal_(color) {}
  bool color() const { return color_; }
  bool terminal() const { return terminal_; }
  std::string operator()(std::string_view text, Style style) const;

 private:
  bool color_ = false;
  bool terminal_ = false;
};

}  // namespace kp
