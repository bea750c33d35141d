// `--max-parallel auto`: how many agents this machine can carry at once, from
// its cores and free memory and an agent's footprint, capped by how many tasks
// the plan can ever run together. The arithmetic is pure (fake facts in unit
// tests); read_machine_facts is the one place that asks the system.
#pragma once
#include <string>
#include <string_view>

namespace kp {

struct MachineFacts {
  int cores = 0;                   // usable by this process (sched_getaffinity); 0 unknown
  long long available_bytes = 0;   // /proc/meminfo MemAvailable; 0 unknown
};

// The cores in this process's affinity mask (else the online ones) and MemAvailable.
MachineFacts read_machine_facts();

struct AgentFootprint {
  long long bytes = 300LL << 20;  // resident memory of one agent
  double cores = 1.0 / 3;         // CPU it keeps busy on average
  std::string source;             // "assumed for claude", ...
};

// Not measured yet: every profile is taken to need what a real Claude Code
// does, about 300 MB and a third of a core, and says so.
AgentFootprint assumed_footprint(std::string_view profile);

struct AutoWorkers {
  int workers = 1;
  std::string reason;  // "auto: 8 cores, 20 GB free, ~300 MB and 1/3 core per agent (assumed for claude)"
};

// min(cores / footprint cores, free memory / footprint bytes, plan width), at
// least 1 and at most 256; an unknown fact does not limit.
AutoWorkers choose_workers(const MachineFacts& machine, const AgentFootprint& agent, int plan_width);

}  // namespace kp
