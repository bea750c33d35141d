#include "common/agent_footprint.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/median.hpp"
#include "common/unique_fd.hpp"

namespace kp {

namespace fs = std::filesystem;

std::optional<ProcStat> parse_proc_stat(const std::string& text) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  ProcStat s;
  s.pid = static_cast<pid_t>(std::atol(text.c_str()));
  std::istringstream in(text.substr(close + 1));
  std::vector<std::string> f;
  for (std::string w; in >> w;) f.push_back(w);
  // After comm: state(0) ppid(1) ... utime(11) stime(12) ... rss(21).
  if (f.size() < 22 || s.pid <= 0) return std::nullopt;
  s.ppid = static_cast<pid_t>(std::atol(f[1].c_str()));
  s.cpu_ticks = std::atoll(f[11].c_str()) + std::atoll(f[12].c_str());
  s.rss_pages = std::atoll(f[21].c_str());
  return s;
}

ProcessTreeSample sum_tree(pid_t root, const std::vector<ProcStat>& all, long page_bytes, long ticks_per_second) {
  std::multimap<pid_t, const ProcStat*> children;
  const ProcStat* top = nullptr;
  for (const auto& p : all) {
    children.emplace(p.ppid, &p);
    if (p.pid == root) top = &p;
  }
  ProcessTreeSample out;
  if (!top) return out;
  std::vector<const ProcStat*> todo = {top};
  while (!todo.empty()) {
    const ProcStat* p = todo.back();
    todo.pop_back();
    ++out.processes;
    out.rss_bytes += p->rss_pages * page_bytes;
    out.cpu_seconds += static_cast<double>(p->cpu_ticks) / static_cast<double>(ticks_per_second);
    auto [from, to] = children.equal_range(p->pid);
    for (auto it = from; it != to; ++it) todo.push_back(it->second);
  }
  return out;
}

ProcessTreeSample sample_process_tree(pid_t root) {
  std::vector<ProcStat> all;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  if (!proc) return {};
  while (dirent* entry = ::readdir(proc.get())) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    if (auto text = read_file(fs::path("/proc") / entry->d_name / "stat")) {
      if (auto s = parse_proc_stat(*text)) all.push_back(*s);
    }
  }
  return sum_tree(root, all, ::sysconf(_SC_PAGESIZE), ::sysconf(_SC_CLK_TCK));
}

void FootprintMeter::add(const ProcessTreeSample& sample, double epoch_seconds) {
  if (sample.processes == 0) return;
  if (samples_++ == 0) {
    first_at_ = epoch_seconds;
    first_cpu_ = sample.cpu_seconds;
  }
  last_at_ = epoch_seconds;
  last_cpu_ = std::max(last_cpu_, sample.cpu_seconds);
  peak_rss_ = std::max(peak_rss_, sample.rss_bytes);
}

std::optional<AgentFootprint> FootprintMeter::result() const {
  const double wall = last_at_ - first_at_;
  if (samples_ < 2 || wall < 5) return std::nullopt;
  AgentFootprint f;
  f.bytes = peak_rss_;
  f.cores = std::max(0.0, last_cpu_ - first_cpu_) / wall;
  f.source = "measured";
  return f;
}

fs::path footprint_log_path(const fs::path& logs_dir) { return logs_dir / "footprints.jsonl"; }

void append_footprint(const fs::path& log, const FootprintRecord& r) {
  nlohmann::ordered_json j;
  j["profile"] = r.profile;
  j["task"] = r.task;
  j["rss_bytes"] = r.rss_bytes;
  j["cores"] = r.cores;
  j["wall_s"] = r.wall_s;
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  UniqueFd fd(::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) throw RuntimeError(fmt::format("{}: cannot open: {}", log.string(), std::strerror(errno)));
  // One write of one line: whole lines even with several workers appending.
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    throw RuntimeError(fmt::format("{}: cannot append: {}", log.string(), std::strerror(errno)));
  }
}

std::optional<AgentFootprint> measured_footprint(const fs::path& log, const std::string& profile) {
  std::ifstream in(log);
  std::vector<long long> bytes;
  std::vector<double> cores;
  for (std::string line; std::getline(in, line);) {
    try {
      auto j = nlohmann::json::parse(line);
      if (j.value("profile", "") != profile) continue;
      bytes.push_back(j.value("rss_bytes", 0LL));
      cores.push_back(j.value("cores", 0.0));
    } catch (const std::exception&) {
      // A torn or hand-edited line is no measurement.
    }
  }
  if (bytes.empty()) return std::nullopt;
  constexpr size_t kLast = 20;
  if (bytes.size() > kLast) {
    bytes.erase(bytes.begin(), bytes.end() - kLast);
    cores.erase(cores.begin(), cores.end() - kLast);
  }
  AgentFootprint f;
  f.bytes = std::max(median_of(bytes), 1LL << 20);
  f.cores = std::max(median_of(cores), 0.01);
  f.source = fmt::format("measured for {} over {} task{}", profile, bytes.size(), bytes.size() == 1 ? "" : "s");
  return f;
}

AgentFootprint footprint_for(const fs::path& logs_dir, const std::string& profile) {
  if (auto measured = measured_footprint(footprint_log_path(logs_dir), profile)) return *measured;
  return assumed_footprint(profile);
}

}  // namespace kp
