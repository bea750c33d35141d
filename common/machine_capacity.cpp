#include "common/machine_capacity.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace kp {

MachineFacts read_machine_facts() {
  MachineFacts facts;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) facts.cores = CPU_COUNT(&set);
  if (facts.cores <= 0) facts.cores = static_cast<int>(std::max(::sysconf(_SC_NPROCESSORS_ONLN), 0L));
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream in(line.substr(13));
    long long kib = 0;
    if (in >> kib) facts.available_bytes = kib * 1024;
    break;
  }
  return facts;
}

AgentFootprint assumed_footprint(std::string_view profile) {
  AgentFootprint f;
  f.source = fmt::format("assumed for {}", profile.empty() ? "the agent" : std::string(profile));
  return f;
}

namespace {

std::string size_text(long long bytes) {
  double gib = static_cast<double>(bytes) / (1LL << 30);
  if (gib >= 10) return fmt::format("{:.0f} GB", gib);
  if (gib >= 1) return fmt::format("{:.1f} GB", gib);
  return fmt::format("{} MB", bytes >> 20);
}

std::string cores_text(double cores) {
  if (std::abs(cores - 1.0 / 3) < 1e-6) return "1/3 core";
  return fmt::format("{:.2g} core{}", cores, cores == 1 ? "" : "s");
}

}  // namespace

AutoWorkers choose_workers(const MachineFacts& machine, const AgentFootprint& agent, int plan_width) {
  constexpr int kMost = 256;
  int by_cores = kMost, by_memory = kMost;
  if (machine.cores > 0 && agent.cores > 0) by_cores = static_cast<int>(std::floor(machine.cores / agent.cores + 1e-9));
  if (machine.available_bytes > 0 && agent.bytes > 0)
    by_memory = static_cast<int>(std::min<long long>(machine.available_bytes / agent.bytes, kMost));
  int width = plan_width > 0 ? plan_width : kMost;
  AutoWorkers out;
  out.workers = std::clamp(std::min({by_cores, by_memory, width}), 1, kMost);
  std::string cores = machine.cores > 0 ? fmt::format("{} cores", machine.cores) : "cores unknown";
  std::string memory = machine.available_bytes > 0 ? size_text(machine.available_bytes) + " free" : "free memory unknown";
  std::string limit;
  if (out.workers == width && width < std::min(by_cores, by_memory)) limit = fmt::format(", the plan runs at most {} at once", width);
  else if (out.workers == by_memory && by_memory < by_cores) limit = ", memory-bound";
  out.reason = fmt::format("auto: {}, {}, ~{} and {} per agent ({}){}", cores, memory, size_text(agent.bytes),
                           cores_text(agent.cores), agent.source, limit);
  return out;
}

}  // namespace kp
