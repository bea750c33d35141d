#include "common/agent_processes.hpp"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "common/subprocess.hpp"

namespace kp {

namespace fs = std::filesystem;

namespace {

bool inside(const fs::path& path, const fs::path& folder) {
  const std::string p = path.string(), f = folder.string();
  return p == f || (p.size() > f.size() && p.compare(0, f.size(), f) == 0 && p[f.size()] == '/');
}

template <typename Match>
std::vector<pid_t> scan_processes(Match&& match) {
  std::vector<pid_t> out;
  std::error_code ec;
  const pid_t self = ::getpid();
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid != self && match(it->path())) out.push_back(pid);
  }
  return out;
}

}  // namespace

std::string spec_mark(const fs::path& repo_root, const std::string& spec) { return repo_root.string() + "#" + spec + "/"; }
std::string task_mark(const fs::path& repo_root, const std::string& spec, const std::string& task_id) {
  return spec_mark(repo_root, spec) + task_id;
}

namespace {

// Processes with an environment entry KIRO_PARALLEL_TASK=<mark> (exact) or
// starting with it (`prefix`).
std::vector<pid_t> processes_marked(const std::string& mark, bool prefix) {
  const std::string entry = std::string(kTaskMarkEnv) + "=" + mark;
  return scan_processes([&](const fs::path& proc) {
    std::ifstream in(proc / "environ", std::ios::binary);
    std::string env((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t start = 0; start < env.size();) {
      size_t end = env.find('\0', start);
      if (end == std::string::npos) end = env.size();
      const size_t len = end - start;
      if (prefix ? len >= entry.size() && env.compare(start, entry.size(), entry) == 0
                 : env.compare(start, len, entry) == 0) {
        return true;
      }
      start = end + 1;
    }
    return false;
  });
}

}  // namespace

std::vector<pid_t> processes_with_mark(const std::string& mark) { return processes_marked(mark, false); }

std::vector<pid_t> processes_working_in(const fs::path& folder) {
  std::error_code ec;
  const fs::path target = fs::weakly_canonical(folder, ec);
  if (ec || target.empty() || target == "/") return {};
  return scan_processes([&](const fs::path& proc) {
    std::error_code link_ec;
    const fs::path cwd = fs::read_symlink(proc / "cwd", link_ec);
    return !link_ec && inside(cwd, target);
  });
}

int stop_processes(const std::vector<pid_t>& pids, std::chrono::milliseconds grace) {
  for (pid_t p : pids) ::kill(p, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto running = [&] {
    int n = 0;
    for (pid_t p : pids) n += process_running(p) ? 1 : 0;
    return n;
  };
  int left = running();
  while (left > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    left = running();
  }
  for (pid_t p : pids) {
    if (process_running(p)) ::kill(p, SIGKILL);
  }
  return left;
}

int stop_task_processes(const std::string& mark, std::chrono::milliseconds grace) {
  auto pids = processes_with_mark(mark);
  if (!pids.empty()) stop_processes(pids, grace);
  return static_cast<int>(pids.size());
}

}  // namespace kp

namespace kp {

int stop_spec_processes(const fs::path& repo_root, const std::string& spec, std::chrono::milliseconds grace) {
  auto pids = processes_marked(spec_mark(repo_root, spec), true);
  if (!pids.empty()) stop_processes(pids, grace);
  return static_cast<int>(pids.size());
}

}  // namespace kp
