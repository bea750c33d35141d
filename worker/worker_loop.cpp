#include "worker/worker_loop.hpp"

namespace kp {

int run_worker(const WorkerOptions&) { return 1; }

}  // namespace kp
