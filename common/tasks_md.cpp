#include "common/tasks_md.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <future>
#include <new>
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

static_assert(std::is_trivially_destructible_v<Task>);  // a TaskList's blocks are raw memory

TaskList::TaskList(const TaskList& other) {
  reserve(other.size_);
  std::copy(other.begin(), other.end(), data_);
  size_ = other.size_;
}

TaskList& TaskList::operator=(const TaskList& other) {
  if (this != &other) *this = TaskList(other);
  return *this;
}

TaskList::TaskList(TaskList&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)), owns_(std::exchange(other.owns_, true)) {}

TaskList& TaskList::operator=(TaskList&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    owns_ = std::exchange(other.owns_, true);
  }
  return *this;
}

TaskList TaskList::in_room(Task* at, size_t count) {
  TaskList list;
  list.data_ = at;
  list.capacity_ = count;
  list.owns_ = false;
  return list;
}

void TaskList::release() {
  if (owns_) ::operator delete(data_);
  data_ = nullptr;
  size_ = capacity_ = 0;
  owns_ = true;
}

void TaskList::reserve(size_t count) {
  if (count <= capacity_) return;
  // Raw memory, not value-initialised Tasks: room never used is never touched.
  auto* block = static_cast<Task*>(::operator new(count * sizeof(Task)));
  if (size_ > 0) std::memcpy(static_cast<void*>(block), data_, size_ * sizeof(Task));
  const size_t size = size_;
  release();
  data_ = block;
  size_ = size;
  capacity_ = count;
}

Task& TaskList::emplace_back() {
  if (size_ == capacity_) reserve(std::max<size_t>(16, 2 * capacity_));
  return *::new (static_cast<void*>(data_ + size_++)) Task();
}

void TaskList::append_shifted(const Task* tasks, size_t count, int shift) {
  const bool within = tasks >= data_ + size_ && tasks < data_ + capacity_;
  if (!within && size_ + count > capacity_) reserve(std::max(size_ + count, 2 * capacity_));
  // Forward, one Task at a time: a part further on in this block moves down
  // (its tasks start at or past the end of this list, so none is overwritten before it is read).
  Task* to = data_ + size_;
  for (size_t j = 0; j < count; ++j) {
    if (to + j != tasks + j) std::memcpy(static_cast<void*>(to + j), tasks + j, sizeof(Task));
    if (to[j].parent >= 0) to[j].parent += shift;
  }
  size_ += count;
}

void TaskIndex::reserve(const TaskList& tasks, size_t count) {
  size_t slots = 16;
  while (slots < 2 * count) slots *= 2;  // at most half full
  if (slots > slots_.size()) grow(tasks, slots);
}

void TaskIndex::grow(const TaskList& tasks, size_t slots) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(slots, Slot{});
  for (const Slot& entry : old) {
    if (entry.task < 0) continue;
    size_t at = hash_of(tasks[size_t(entry.task)].id) & (slots - 1);
    while (slots_[at].task >= 0) at = (at + 1) & (slots - 1);
    slots_[at] = entry;
  }
}

int TaskIndex::insert(const TaskList& tasks, int i, size_t hash) {
  if (2 * (used_ + 1) > slots_.size()) grow(tasks, std::max<size_t>(16, 2 * slots_.size()));
  const uint32_t tag = tag_of(hash);
  size_t at = hash & (slots_.size() - 1);
  for (; slots_[at].task >= 0; at = (at + 1) & (slots_.size() - 1)) {
    // The ids are read only when the tags agree: a new id touches no task.
    if (slots_[at].tag == tag && tasks[size_t(slots_[at].task)].id == tasks[size_t(i)].id) return slots_[at].task;
  }
  slots_[at] = {i, tag};
  ++used_;
  return i;
}

int TaskIndex::find(const TaskList& tasks, std::string_view id) const {
  if (slots_.empty()) return -1;
  const size_t hash = hash_of(id);
  const uint32_t tag = tag_of(hash);
  for (size_t at = hash & (slots_.size() - 1); slots_[at].task >= 0; at = (at + 1) & (slots_.size() - 1)) {
    const size_t i = size_t(slots_[at].task);
    if (slots_[at].tag == tag && i < tasks.size() && tasks[i].id == id) return slots_[at].task;
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

// '\n' in `text`, for the second part's first line number (std::count took
// 2 ms over half of a 12 MB file): sixteen bytes a step, each lane counting
// up to 255 steps (baseline x86-64 has no popcount instruction: the libgcc
// call per step cost 15 M instructions at 12 MB).
size_t count_newlines(std::string_view text) {
  size_t count = 0, i = 0;
#if defined(__SSE2__)
  const __m128i newline = _mm_set1_epi8('\n');
  while (i + 16 <= text.size()) {
    __m128i lanes = _mm_setzero_si128();  // per byte lane, up to 255 steps
    for (const size_t stop = std::min(text.size() - 15, i + 255 * 16); i < stop; i += 16)
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i)), newline));
    const __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
    count += static_cast<size_t>(_mm_cvtsi128_si32(sums)) + static_cast<size_t>(_mm_extract_epi16(sums, 4));
  }
#endif
  for (; i < text.size(); ++i) count += text[i] == '\n';
  return count;
}

// What makes a file binary, counted over a piece of it: the pieces of a file
// add up to the whole file's count (for the parts read on two threads).
struct BinaryBytes {
  bool nul = false;
  size_t bad = 0;  // control bytes text does not hold, invalid UTF-8
  BinaryBytes& operator+=(const BinaryBytes& other) {
    nul = nul || other.nul;
    bad += other.bad;
    return *this;
  }
};

BinaryBytes count_binary_bytes(std::string_view bytes);
// count_binary_bytes from `at` to the end of the character that holds byte
// `until` - 1; returns where it stopped (past `until` when a character crosses it).
size_t count_binary_bytes_from(std::string_view bytes, size_t at, size_t until, BinaryBytes& count);

#if defined(__SSE2__)
// True when sixteen bytes are all printable ASCII or controls that text holds
// (tab, newlines, form feed, vertical tab, escape): nothing in them for the
// binary check to count. Signed: below a space is every control and every
// byte from 0x80.
bool plain_text_step(__m128i x) {
  auto is = [&](char c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(c)); };
  const __m128i text_controls = _mm_or_si128(_mm_or_si128(_mm_or_si128(is('\t'), is('\n')), _mm_or_si128(is('\r'), is('\f'))),
                                             _mm_or_si128(is('\v'), is('\x1b')));
  return _mm_movemask_epi8(_mm_andnot_si128(text_controls, _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)))) == 0;
}
#endif

// One pass over a large part before it is read: about how many tasks it
// holds and its binary bytes. The tasks: its '[' and '#' bytes, which every
// task line holds one of (a box or a heading), and links and other headings
// besides; room reserved close to what is used keeps each task array next to
// the one after it (measured at 100,000 tasks: room for a task every 32 bytes
// left the arrays' ends apart in half-used huge pages, 22 MB more memory to
// fault in). The binary bytes in the same pass: sixteen-byte steps of
// printable ASCII need no more, the others are counted byte by byte
// (measured: a second pass over the part cost 24 M instructions at 12 MB).
struct PartScan {
  size_t expected_tasks = 16;
  BinaryBytes binary;
};

PartScan scan_part(std::string_view text) {
  PartScan scan;
  size_t marks = 0, i = 0, checked = 0;  // checked: bytes before it are counted as binary or not
#if defined(__SSE2__)
  const __m128i bracket = _mm_set1_epi8('['), hash = _mm_set1_epi8('#');
  while (i + 16 <= text.size()) {
    __m128i lanes = _mm_setzero_si128();  // per byte lane, up to 255 steps
    for (const size_t stop = std::min(text.size() - 15, i + 255 * 16); i < stop; i += 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
      lanes = _mm_sub_epi8(lanes, _mm_or_si128(_mm_cmpeq_epi8(x, bracket), _mm_cmpeq_epi8(x, hash)));
      if (checked >= i + 16) continue;  // a character read byte by byte reached past this step
      if (checked <= i && plain_text_step(x)) {
        checked = i + 16;
        continue;
      }
      checked = count_binary_bytes_from(text, std::max(checked, i), i + 16, scan.binary);
    }
    const __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
    marks += static_cast<size_t>(_mm_cvtsi128_si32(sums)) + static_cast<size_t>(_mm_extract_epi16(sums, 4));
  }
#endif
  for (; i < text.size(); ++i) marks += text[i] == '[' || text[i] == '#';
  if (checked < text.size()) count_binary_bytes_from(text, checked, text.size(), scan.binary);
  scan.expected_tasks = marks + 16;
  return scan;
}

// A stray Latin-1 byte is still text; a NUL, or bad bytes over a tenth, is not.
bool is_binary(const BinaryBytes& count, size_t size) { return count.nul || (count.bad > 0 && count.bad * 10 > size); }

// The text's tasks; with `binary`, its bytes counted as well, beside the parse.
TaskFile parse_text(std::shared_ptr<TaskFileText> text, std::string path, BinaryBytes* binary) {
  // Room for a task every 32 bytes in a small file, about twice what files
  // hold: capacity never touched costs no memory, and the task arrays are
  // not grown. A large file's parts count theirs (scan_part).
  const std::string_view source = text->source;
  const size_t boxes = source.size() / 32;
  std::string_view body = source;
  if (body.size() >= 3 && body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  const size_t cut = body.size() >= kTwoPartsFrom ? second_part_start(body) : std::string_view::npos;
  if (cut == std::string_view::npos) {
    Builder only(text, source, path, boxes + 16);
    only.read(body, 1);
    only.end_part();
    if (binary) *binary = count_binary_bytes(source);
    return only.finish();
  }
  // Two parts on two threads. Each counts its own lines' bytes; the second
  // counts the lines before it for its first line's number, while the first
  // part is read.
  Builder first(text, source, path, 0);
  const std::string_view first_part = source.substr(0, static_cast<size_t>(body.data() - source.data()) + cut);
  const std::string_view second_part = body.substr(cut);
  Builder second(std::make_shared<TaskFileText>(), source, path, 0);
  BinaryBytes second_binary;
  std::exception_ptr failed;
  // Both parts' tasks in one block: the first part's room, then the second's,
  // made once both parts have counted theirs (TaskList).
  TaskList block;
  std::promise<size_t> second_room;
  std::promise<Task*> second_room_at;
  std::thread reader([&, room_at = second_room_at.get_future()]() mutable {
    bool room_told = false;  // else the first part would wait for it forever
    try {
      const PartScan scan = scan_part(second_part);
      second_binary = scan.binary;
      second_room.set_value(scan.expected_tasks);
      room_told = true;
      const int second_line = 1 + static_cast<int>(count_newlines(body.substr(0, cut)));
      second.read_tasks_into(room_at.get(), scan.expected_tasks);
      second.reserve(scan.expected_tasks);
      second.read(second_part, second_line);
      second.end_part();
    } catch (...) {
      failed = std::current_exception();
      if (!room_told) second_room.set_exception(failed);
    }
  });
  const PartScan first_scan = scan_part(first_part);
  try {
    block.reserve(first_scan.expected_tasks + second_room.get_future().get());
  } catch (...) {
    second_room_at.set_exception(std::current_exception());
    reader.join();
    throw;
  }
  advise_huge_pages(block.data(), block.capacity() * sizeof(Task));  // ~30 MB at 100,000 tasks
  second_room_at.set_value(block.data() + first_scan.expected_tasks);
  first.read_tasks_into(block.data(), first_scan.expected_tasks);
  // The first part takes the second's lists in: room for both, about equal
  // by bytes (more tasks in the second grow them once, at the join).
  first.reserve(2 * first_scan.expected_tasks);
  first.read(body.substr(0, cut), 1);
  // The first part's lists are made while the second is still read, when it
  // ends in a state its join allows (nearly always).
  const bool may_join = first.may_join();
  if (may_join) first.end_part();
  if (binary) *binary = first_scan.binary;
  reader.join();
  if (failed) std::rethrow_exception(failed);
  if (binary) *binary += second_binary;
  if (may_join && first.can_join(second)) {
    first.keep_task_block(block);
    first.join(std::move(second));  // the second part's tasks move down to follow the first's
    return first.finish();
  }
  // Rare: the second part would have started in another state (inside a
  // fence, the notes, a heading its fences read). The file is read again, in
  // order, on one thread, into a text of its own.
  const size_t bom = static_cast<size_t>(body.data() - source.data());
  auto whole_text = std::make_shared<TaskFileText>();
  whole_text->read = std::move(text->read);
  whole_text->mapped = std::move(text->mapped);
  whole_text->source = whole_text->mapped ? whole_text->mapped.bytes() : std::string_view(whole_text->read);
  const std::string_view whole_source = whole_text->source;
  Builder whole(whole_text, whole_source, std::move(path), boxes + 16);
  whole.read(whole_source.substr(bom), 1);
  whole.end_part();
  return whole.finish();
}

}  // namespace

TaskFile parse_tasks_md(std::string source, std::string path) {
  auto text = std::make_shared<TaskFileText>();
  text->read = std::move(source);
  text->source = text->read;
  return parse_text(std::move(text), std::move(path), nullptr);
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

namespace {

size_t count_binary_bytes_from(std::string_view bytes, size_t at, size_t until, BinaryBytes& count) {
  size_t i = at;
  while (i < until) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x80) {  // printable ASCII, nearly every byte: nothing to check
      ++i;
      continue;
    }
    if (c < 0x80) {
      if (c == 0) count.nul = true;
      else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b) ++count.bad;
      ++i;
      continue;
    }
    Utf8Char ch = decode_utf8(bytes, i);
    if (!ch.valid) ++count.bad;
    i += ch.length;
  }
  return i;
}

BinaryBytes count_binary_bytes(std::string_view bytes) {
  if (bytes.find('\0') != std::string_view::npos) return {true, 0};
  BinaryBytes count;
  for (size_t i = 0; i < bytes.size();) {
#if defined(__SSE2__)
    // Sixteen bytes a step while all are ASCII and every control among them
    // is one text holds (measured at 100,000 tasks: eight-byte words, which a
    // line's end breaks, made this check 4% of analyze's instructions).
    if (i + 16 <= bytes.size() && plain_text_step(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes.data() + i)))) {
      i += 16;
      continue;
    }
#endif
    if (i + 8 <= bytes.size()) {  // eight printable ASCII bytes, nearly every word: skipped whole
      uint64_t w = ascii_words::load(bytes, i);
      if (!ascii_words::has_below(w, 0x20) && !ascii_words::has_non_ascii(w)) {
        i += 8;
        continue;
      }
    }
    i = count_binary_bytes_from(bytes, i, i + 1, count);  // one character
  }
  return count;
}

}  // namespace

bool looks_binary(std::string_view bytes) { return is_binary(count_binary_bytes(bytes), bytes.size()); }

TaskFile load_tasks_md(const fs::path& path, TasksMdAccess access) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (!fs::exists(status)) throw UsageError(fmt::format("{}: no such file", path.string()));
  if (fs::is_directory(status)) throw UsageError(fmt::format("{}: is a folder, not a tasks.md file", path.string()));
  auto parsed_text = std::make_shared<TaskFileText>();
  try {
    const bool map = access == TasksMdAccess::map_large && fs::is_regular_file(status) &&
                     fs::file_size(path, ec) >= kTwoPartsFrom && !ec;
    std::optional<MappedFile> mapped = map ? MappedFile::open(path) : std::nullopt;
    std::optional<std::string> text = map ? std::nullopt : read_file(path);
    if (!mapped && !text) throw UsageError(fmt::format("{}: no such file", path.string()));
    if (mapped) parsed_text->mapped = std::move(*mapped);
    else parsed_text->read = std::move(*text);
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw UsageError(fmt::format("{}: cannot read: {}", path.string(), e.what()));
  }
  parsed_text->source = parsed_text->mapped ? parsed_text->mapped.bytes() : std::string_view(parsed_text->read);
  auto binary_error = [&] {
    return UsageError(fmt::format("{}: not a text file (binary data); expected a markdown tasks.md", path.string()));
  };
  const size_t size = parsed_text->source.size();
  if (size < kTwoPartsFrom) {
    if (looks_binary(parsed_text->source)) throw binary_error();
    return parse_text(std::move(parsed_text), path.string(), nullptr);
  }
  // A large file is checked beside its parse, each part by the thread that
  // reads it (the check is ~5 ms at 12 MB); the parse of a binary file is thrown away.
  BinaryBytes binary;
  TaskFile file = parse_text(std::move(parsed_text), path.string(), &binary);
  if (is_binary(binary, size)) throw binary_error();
  return file;
}

std::string format_diagnostic(const TaskFile& file, const Diagnostic& d) {
  if (d.line <= 0) return fmt::format("{}: {}", file.path, d.message);
  return fmt::format("{}:{}: {}", file.path, d.line, d.message);
}

}  // namespace kp
