// What one agent costs the machine, measured: the resident memory and CPU of
// its session's process tree, sampled while a task runs, recorded per
// profile in the spec's logs/footprints.jsonl, and read back by
// `--max-parallel auto` in place of the assumed ~300 MB and 1/3 core.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/machine_capacity.hpp"

namespace kp {

struct ProcessTreeSample {
  long long rss_bytes = 0;   // resident memory of the tree
  double cpu_seconds = 0;    // user + system time the tree's live processes used so far
  int processes = 0;
};

// One process's parent, resident pages and CPU ticks, from /proc/<pid>/stat.
struct ProcStat {
  pid_t pid = 0, ppid = 0;
  long long rss_pages = 0;
  long long cpu_ticks = 0;
};
std::optional<ProcStat> parse_proc_stat(const std::string& text);

// `root` and its descendants among `all` (pure; unit-tested with fake tables).
ProcessTreeSample sum_tree(pid_t root, const std::vector<ProcStat>& all, long page_bytes, long ticks_per_second);
// The same over this machine's /proc.
ProcessTreeSample sample_process_tree(pid_t root);

// Peak memory and average CPU over a task's samples.
class FootprintMeter {
 public:
  void add(const ProcessTreeSample& sample, double epoch_seconds);
  // Nothing until two samples at least 5 s apart: too short a look says nothing.
  std::optional<AgentFootprint> result() const;
  double wall_seconds() const { return last_at_ - first_at_; }

 private:
  long long peak_rss_ = 0;
  double first_at_ = 0, last_at_ = 0, first_cpu_ = 0, last_cpu_ = 0;
  int samples_ = 0;
};

struct FootprintRecord {
  std::string profile;
  std::string task;
  long long rss_bytes = 0;
  double cores = 0;
  double wall_s = 0;
};
std::filesystem::path footprint_log_path(const std::filesystem::path& logs_dir);
// One JSON line, appended whole (O_APPEND).
void append_footprint(const std::filesystem::path& log, const FootprintRecord& record);
// The median of the profile's last 20 records, with a source naming how
// many; std::nullopt when none.
std::optional<AgentFootprint> measured_footprint(const std::filesystem::path& log, const std::string& profile);
// What `--max-parallel auto` counts per agent: measured in the spec's
// logs/ when it can be, else assumed (and saying so).
AgentFootprint footprint_for(const std::filesystem::path& logs_dir, const std::string& profile);

}  // namespace kp
