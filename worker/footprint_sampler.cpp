#include "worker/footprint_sampler.hpp"

#include <chrono>

#include "common/log.hpp"
#include "common/run_state.hpp"

namespace kp {

FootprintSampler::FootprintSampler(pid_t agent_pid, std::filesystem::path log, std::string profile, std::string task)
    : pid_(agent_pid), log_(std::move(log)), profile_(std::move(profile)), task_(std::move(task)),
      thread_([this] { run(); }) {}

FootprintSampler::~FootprintSampler() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  meter_.add(sample_process_tree(pid_), now_epoch());  // the end of the task: a look as long as it ran
  record();
}

void FootprintSampler::run() {
  // The first look once the agent has loaded, then every 10 s: a /proc scan
  // is cheap, but 64 workers make it 64 of them.
  auto wait = std::chrono::seconds(1);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, wait, [this] { return stopping_; })) {
    lock.unlock();
    const ProcessTreeSample sample = sample_process_tree(pid_);
    lock.lock();
    meter_.add(sample, now_epoch());
    wait = std::chrono::seconds(10);
  }
}

void FootprintSampler::record() const {
  auto measured = meter_.result();
  if (!measured) return;
  try {
    append_footprint(log_, {profile_, task_, measured->bytes, measured->cores, meter_.wall_seconds()});
  } catch (const std::exception& e) {
    log_info("task {}: cannot record the agent's footprint: {}", task_, e.what());
  }
}

}  // namespace kp
