// The daemons' stop signals: SIGTERM, SIGINT and SIGHUP set a flag that the
// main loop polls (supervisors stop with TERM, then KILL); SIGPIPE is ignored.
#pragma once
#include <atomic>

namespace kp {

const std::atomic<bool>& install_stop_signals();

}  // namespace kp
