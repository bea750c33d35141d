// Terminal escape sequences out of captured text: what is left is what a
// person reads on the screen.
#pragma once
#include <string>
#include <string_view>

namespace kp {

// Removes CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC
// strings, other two- and three-byte escapes, carriage returns and the other
// C0 control characters except newline and tab. UTF-8 text passes unchanged.
std::string strip_ansi(std::string_view text);

}  // namespace kp
