// Samples the agent's process tree while its task runs (a thread: after
// 1 s, then every 10 s, and once more at the end) and, when the look was
// long enough (5 s), appends what one agent of this
// profile costs to the spec's logs/footprints.jsonl.
#pragma once
#include <sys/types.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include "common/agent_footprint.hpp"

namespace kp {

class FootprintSampler {
 public:
  FootprintSampler(pid_t agent_pid, std::filesystem::path log, std::string profile, std::string task);
  ~FootprintSampler();  // stops sampling and records
  FootprintSampler(const FootprintSampler&) = delete;
  FootprintSampler& operator=(const FootprintSampler&) = delete;

 private:
  void run();
  void record() const;

  pid_t pid_;
  std::filesystem::path log_;
  std::string profile_, task_;
  FootprintMeter meter_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once every member is ready
};

}  // namespace kp
