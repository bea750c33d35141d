#include "common/event_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace kp {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

fs::path journal_path(const SpecPaths& paths) { return paths.logs_dir / "events.jsonl"; }

std::string journal_line(const JournalEvent& e) {
  ordered_json j;
  j["ts"] = e.ts;
  j["event"] = e.event;
  j["task"] = e.task;
  j["worker"] = e.worker < 0 ? ordered_json(nullptr) : ordered_json(e.worker);
  j["attempt"] = e.attempt;
  j["phase"] = e.phase;
  j["detail"] = e.detail;
  if (!e.evidence.empty()) j["evidence"] = e.evidence;
  if (!e.error.empty()) j["error"] = e.error;
  // Invalid UTF-8 from an agent's screen is replaced, never a throw mid-transition.
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!e.state.empty()) {
    line.pop_back();  // the closing brace: the state is already JSON text
    line += ",\"state\":" + e.state + "}";
  }
  return line;
}

bool is_transition(const JournalEvent& event) { return event.event != "state" && event.event != "run_state"; }

std::optional<JournalEvent> parse_journal_line(std::string_view line) {
  try {
    auto j = nlohmann::json::parse(line);
    if (!j.is_object() || !j.contains("event") || !j.contains("task")) return std::nullopt;
    JournalEvent e;
    auto text = [&](const char* key) {
      auto it = j.find(key);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    e.ts = text("ts");
    e.event = text("event");
    e.task = text("task");
    e.worker = j.contains("worker") && j["worker"].is_number_integer() ? j["worker"].get<int>() : -1;
    e.attempt = j.contains("attempt") && j["attempt"].is_number_integer() ? j["attempt"].get<int>() : 0;
    e.phase = text("phase");
    e.detail = text("detail");
    e.evidence = text("evidence");
    e.error = text("error");
    return e;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void append_journal(const fs::path& path, const std::vector<JournalEvent>& events) {
  if (events.empty()) return;
  std::string text;
  for (const auto& e : events) text += journal_line(e) + "\n";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) throw RuntimeError(fmt::format("{}: cannot open the event journal: {}", path.string(), std::strerror(errno)));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw RuntimeError(fmt::format("{}: cannot append to the event journal: {}", path.string(), std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    throw RuntimeError(fmt::format("{}: cannot fsync the event journal: {}", path.string(), std::strerror(errno)));
  }
}

std::vector<JournalEvent> read_journal_from(const fs::path& path, std::uintmax_t& offset) {
  std::vector<JournalEvent> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  in.seekg(static_cast<std::streamoff>(offset));
  std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t start = 0;
  for (size_t nl = rest.find('\n'); nl != std::string::npos; nl = rest.find('\n', start)) {
    auto e = parse_journal_line(std::string_view(rest).substr(start, nl - start));
    if (e && is_transition(*e)) out.push_back(std::move(*e));
    start = nl + 1;
  }
  offset += start;
  return out;
}

std::string iso8601_utc_ms(double epoch_seconds) {
  double whole = std::floor(epoch_seconds);
  int ms = static_cast<int>((epoch_seconds - whole) * 1000);
  std::time_t t = static_cast<std::time_t>(whole);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buf, std::min(ms, 999));
}

}  // namespace kp
