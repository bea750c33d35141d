#include "common/tasks_md.hpp"

#include <algorithm>
#include <exception>
#include <future>
#include <system_error>
#include <thread>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fmt/format.h>

#include "common/ascii_words.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/huge_pages.hpp"
#include "common/tasks_md_builder.hpp"
#include "common/tasks_md_lines.hpp"
#include "common/tasks_md_waves.hpp"
#include "common/text_width.hpp"

namespace kp {

namespace fs = std::filesystem;
using namespace tasks_md;

void TaskIndex::reserve(size_t tasks) {
  size_t slots = 16;
  while (slots < 2 * tasks) slots *= 2;  // at most half full
  if (slots > slots_.size()) grow(slots);
}

void TaskIndex::grow(size_t slots) {
  std::vector<int> old_slots = std::move(slots_);
  std::vector<size_t> old_hashes = std::move(hashes_);
  slots_.assign(slots, -1);
  hashes_.assign(slots, 0);
  for (size_t k = 0; k < old_slots.size(); ++k) {
    if (old_slots[k] < 0) continue;
    size_t at = old_hashes[k] & (slots - 1);
    while (slots_[at] >= 0) at = (at + 1) & (slots - 1);
    slots_[at] = old_slots[k];
    hashes_[at] = old_hashes[k];
  }
}

int TaskIndex::insert(const std::vector<Task>& tasks, int i) {
  if (2 * (used_ + 1) > slots_.size()) grow(std::max<size_t>(16, 2 * slots_.size()));
  const std::string_view id = tasks[size_t(i)].id;
  const size_t hash = std::hash<std::string_view>{}(id);
  size_t at = hash & (slots_.size() - 1);
  for (; slots_[at] >= 0; at = (at + 1) & (slots_.size() - 1)) {
    if (hashes_[at] == hash && tasks[size_t(slots_[at])].id == id) return slots_[at];
  }
  slots_[at] = i;
  hashes_[at] = hash;
  ++used_;
  return i;
}

int TaskIndex::find(const std::vector<Task>& tasks, std::string_view id) const {
  if (slots_.empty()) return -1;
  const size_t hash = std::hash<std::string_view>{}(id);
  for (size_t at = hash & (slots_.size() - 1); slots_[at] >= 0; at = (at + 1) & (slots_.size() - 1)) {
    const size_t i = size_t(slots_[at]);
    if (hashes_[at] == hash && i < tasks.size() && tasks[i].id == id) return slots_[at];
  }
  return -1;
}

int TaskFile::find(std::string_view id) const {
  if (int i = index.find(tasks, id); i >= 0) return i;
  if (auto key = TaskId::parse(id)) {
    if (int i = index.find(tasks, key->str()); i >= 0) return i;
  }
  return -1;
}

namespace {

// Where a large file may be read as two parts: the start of a top-level
// numbered task line ("- [ ] 51. ...") at or after the middle; npos if none.
// Such a line starts a task whatever came before it, unless a fence or the
// notes are open there, which Builder::can_join checks afterwards.
size_t second_part_start(std::string_view text) {
  for (size_t at = text.find("\n- [", text.size() / 2); at != std::string_view::npos; at = text.find("\n- [", at + 1)) {
    std::string_view line = text.substr(at + 1, std::min<size_t>(80, text.size() - at - 1));
    line = line.substr(0, line.find('\n'));
    auto item = parse_list_item(line);
    auto box = item ? parse_checkbox(item->rest) : std::nullopt;
    if (box && !box->number.empty()) return at + 1;
  }
  return std::string_view::npos;
}

// Big enough that a second thread pays for itself (a 1 MB file is ~10,000 tasks).
constexpr size_t kTwoPartsFrom = 1 << 20;

}  // namespace

TaskFile parse_tasks_md(std::string source, std::string path) {
  // Room for a task every 32 bytes, about twice what files hold: capacity
  // never touched costs no memory, and the task arrays are not grown.
  const size_t boxes = source.size() / 32;
  auto text = std::make_shared<TaskFileText>();
  text->source = std::move(source);
  std::string_view body = text->source;
  if (body.size() >= 3 && body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  Builder first(text, text->source, path, boxes + 16);
  const size_t cut = body.size() >= kTwoPartsFrom ? second_part_start(body) : std::string_view::npos;
  if (cut == std::string_view::npos) {
    first.read(body, 1);
    first.end_part();
    return first.finish();
  }
  // Two parts on two threads; the second is kept only if the first ends where
  // reading on would have started it the same way, else read again in order.
  const int second_line = 1 + static_cast<int>(std::count(body.begin(), body.begin() + static_cast<long>(cut), '\n'));
  Builder second(std::make_shared<TaskFileText>(), text->source, path, boxes + 16);
  std::exception_ptr failed;
  std::thread reader([&] {
    try {
      second.read(body.substr(cut), second_line);
      second.end_part();
    } catch (...) {
      failed = std::current_exception();
    }
  });
  first.read(body.substr(0, cut), 1);
  reader.join();
  if (failed) std::rethrow_exception(failed);
  const bool joined = first.can_join(second);
  if (!joined) first.read(body.substr(cut), second_line);  // rare: the second part goes unused
  first.end_part();
  if (joined) first.join(std::move(second));
  return first.finish();
}

std::optional<double> parse_duration_seconds(std::string_view text) {
  std::string s = lower_ascii(trim(text));
  size_t i = 0;
  auto number = [&]() -> std::optional<double> {
    size_t start = i;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == start) return std::nullopt;
    try {
      return std::stod(s.substr(start, i - start));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  auto skip = [&]() { while (i < s.size() && (s[i] == ' ' || s[i] == '~')) ++i; };
  skip();
  auto a = number();
  if (!a) return std::nullopt;
  double value = *a;
  skip();
  if (i < s.size() && (s[i] == '-' || s.compare(i, 2, "to") == 0)) {
    i += s[i] == '-' ? 1 : 2;
    skip();
    auto b = number();
    if (!b) return std::nullopt;
    value = (value + *b) / 2;
    skip();
  }
  std::string unit = s.substr(i, s.find_first_of(" (,;", i) == std::string::npos ? std::string::npos
                                                                                 : s.find_first_of(" (,;", i) - i);
  double scale = 0;
  if (unit == "s" || unit == "sec" || unit == "secs" || unit == "second" || unit == "seconds") scale = 1;
  else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" || unit == "minutes") scale = 60;
  else if (unit == "h" || unit == "hr" || unit == "hrs" || unit == "hour" || unit == "hours") scale = 3600;
  else if (unit == "d" || unit == "day" || unit == "days") scale = 86400;
  if (scale == 0 || value <= 0) return std::nullopt;
  return value * scale;
}

bool looks_binary(std::string_view bytes) {
  if (bytes.find('\0') != std::string_view::npos) return true;
  size_t bad = 0;
  for (size_t i = 0; i < bytes.size();) {
#if defined(__SSE2__)
    // Sixteen bytes a step while all are ASCII and every control among them
    // is one text holds (measured at 100,000 tasks: eight-byte words, which a
    // line's end breaks, made this check 4% of analyze's instructions).
    if (i + 16 <= bytes.size()) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes.data() + i));
      auto is = [&](char c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(c)); };
      const __m128i below_space = _mm_cmplt_epi8(x, _mm_set1_epi8(0x20));  // signed: every byte from 0x80 too
      const __m128i text_controls = _mm_or_si128(_mm_or_si128(_mm_or_si128(is('\t'), is('\n')), _mm_or_si128(is('\r'), is('\f'))),
                                                 _mm_or_si128(is('\v'), is('\x1b')));
      if (_mm_movemask_epi8(_mm_andnot_si128(text_controls, below_space)) == 0) {
        i += 16;
        continue;
      }
    }
#endif
    if (i + 8 <= bytes.size()) {  // eight printable ASCII bytes, nearly every word: skipped whole
      uint64_t w = ascii_words::load(bytes, i);
      if (!ascii_words::has_below(w, 0x20) && !ascii_words::has_non_ascii(w)) {
        i += 8;
        continue;
      }
    }
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x80) {  // printable ASCII, nearly every byte: nothing to check
      ++i;
      continue;
    }
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b) ++bad;
      ++i;
      continue;
    }
    Utf8Char ch = decode_utf8(bytes, i);
    if (!ch.valid) ++bad;
    i += ch.length;
  }
  return bad > 0 && bad * 10 > bytes.size();  // a stray Latin-1 byte is still text
}

TaskFile load_tasks_md(const fs::path& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (!fs::exists(status)) throw UsageError(fmt::format("{}: no such file", path.string()));
  if (fs::is_directory(status)) throw UsageError(fmt::format("{}: is a folder, not a tasks.md file", path.string()));
  std::optional<std::string> text;
  try {
    text = read_file(path);
  } catch (const std::exception& e) {
    throw UsageError(fmt::format("{}: cannot read: {}", path.string(), e.what()));
  }
  if (!text) throw UsageError(fmt::format("{}: no such file", path.string()));
  auto binary_error = [&] {
    return UsageError(fmt::format("{}: not a text file (binary data); expected a markdown tasks.md", path.string()));
  };
  if (text->size() < (1 << 20)) {
    if (looks_binary(*text)) throw binary_error();
    return parse_tasks_md(std::move(*text), path.string());
  }
  // A large file is checked beside its parse (each ~10 ms at 9 MB); the parse
  // of a binary one is thrown away. Moving the string keeps its bytes in place.
  const std::string_view bytes = *text;
  auto binary = std::async(std::launch::async, [bytes] { return looks_binary(bytes); });
  TaskFile file = parse_tasks_md(std::move(*text), path.string());
  if (binary.get()) throw binary_error();
  return file;
}

std::string format_diagnostic(const TaskFile& file, const Diagnostic& d) {
  if (d.line <= 0) return fmt::format("{}: {}", file.path, d.message);
  return fmt::format("{}:{}: {}", file.path, d.line, d.message);
}

}  // namespace kp
