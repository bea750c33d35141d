// The interactive watch in a real pseudo-terminal: `kiro-parallel watch` runs
// in a pane of a second private tmux server (the person's terminal); the test
// types keys with send-keys and reads the pane with capture-pane, while the
// run's agents (the simulated agent) live on the fixture's own tmux server.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "common/event_journal.hpp"
#include "common/file_lock.hpp"
#include "common/subprocess.hpp"
#include "common/tmux_client.hpp"
#include "common/run_state.hpp"
#include "run_fixture.hpp"
#include "tmux_wait.hpp"

using namespace kp;
using kp::test::RunFixture;
using kp::test::TmuxServer;

namespace {

// The person's terminal: a tmux server of its own with watch in its one pane.
class WatchPane {
 public:
  WatchPane(const RunFixture& f, const std::vector<std::string>& args) {
    // remain-on-exit: the pane stays when watch exits, its last screen readable. A
    // python wrapper writes watch's exit status to a file (tmux 3.3a does not
    // always fill #{pane_dead_status}).
    std::vector<std::string> cmd{"start-server", ";", "set", "-g", "remain-on-exit", "on", ";",
                                 "new-session", "-d", "-s", "person", "-x", "132", "-y", "30", "env",
                                 "KIRO_PARALLEL_TMUX_SOCKET=" + f.tmux().socket(), "python3", "-c",
                                 "import subprocess, sys; code = subprocess.call(sys.argv[2:]); "
                                 "open(sys.argv[1], 'w').write('%d\\n' % code)",
                                 status_.string(), test::kp_binary().string()};
    cmd.insert(cmd.end(), args.begin(), args.end());
    cmd.insert(cmd.end(), {"-C", f.repo().string()});
    RunResult r = ui_.tmux(cmd);
    REQUIRE_MESSAGE(r.ok(), r.err);
  }
  std::string screen() const { return ui_.tmux({"capture-pane", "-p", "-t", "=person:"}).out; }
  bool shows(const std::string& text, std::chrono::seconds timeout = std::chrono::seconds(30)) const {
    return test::wait_until([&] { return screen().find(text) != std::string::npos; }, timeout,
                            std::chrono::milliseconds(100));
  }
  void keys(const std::vector<std::string>& keys) const {
    std::vector<std::string> args{"send-keys", "-t", "=person:"};
    args.insert(args.end(), keys.begin(), keys.end());
    ui_.tmux(args);
  }
  // watch has exited (and its wrapper wrote the status).
  bool dead() const { return std::filesystem::exists(status_) && !exit_status().empty(); }
  // "3\n" for exit 3.
  std::string exit_status() const { return test::read_text(status_); }

 private:
  test::TempDir dir_;
  std::filesystem::path status_ = dir_ / "watch-exit-status";
  test::TmuxServer ui_;
};

TaskStatus status_of(const RunFixture& f, const std::string& id) {
  auto s = read_run_state(f.paths().state_json);
  const TaskState* t = s ? s->find(id) : nullptr;
  return t ? t->status : TaskStatus::pending;
}

std::string journal_text(const RunFixture& f) { return test::read_text(journal_path(f.paths())); }

}  // namespace

TEST_CASE("interactive watch: approve once, attach and come back, log, stop, quit — keys sent to a real terminal") {
  RunFixture f(test::kTwoMajors,
               R"({"style": "new", "tasks": {
                    "1.1": {"duration": 1, "menus": [{"kind": "bash", "command": "git push --force origin main"}]},
                    "2.1": {"duration": 1, "wait_for": "GATE"}}})");
  REQUIRE(f.start(2).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "needs choice: refused by"); }));
  WatchPane pane(f, {"watch", "app", "--interval", "0.2"});
  REQUIRE_MESSAGE(pane.shows("y approve once"), pane.screen());  // the footer lists the keys
  CHECK_MESSAGE(pane.shows("> !! 1.1"), pane.screen());           // the task waiting on a person comes first, selected

  // y: the worker approves exactly that prompt, once; the journal says who.
  pane.keys({"y"});
  REQUIRE_MESSAGE(RunFixture::wait_for([&] { return status_of(f, "1.1") == TaskStatus::completed; }),
                  pane.screen() << f.explain());
  CHECK(f.sim_log_count({"ran", "git push --force origin main"}) == 1);
  const std::string journal = journal_text(f);
  CHECK(journal.find("\"event\":\"answer_requested\"") != std::string::npos);
  CHECK_MESSAGE(journal.find("approved once by a person") != std::string::npos, journal);

  // Up from 1.1 (now completed, last) selects 2.1; Enter attaches to its session.
  REQUIRE(pane.shows("> ✓  1.1"));
  pane.keys({"Up"});
  REQUIRE_MESSAGE(pane.shows("> ▶  2.1"), pane.screen());
  pane.keys({"Enter"});
  REQUIRE_MESSAGE(pane.shows("Working"), pane.screen());  // the agent's own screen, through tmux attach
  CHECK(pane.screen().find("y approve once") == std::string::npos);
  f.tmux().tmux({"detach-client", "-s", "=app-task-2-1"});  // the person detaches
  REQUIRE_MESSAGE(pane.shows("back from app-task-2-1"), pane.screen());

  pane.keys({"l"});
  REQUIRE_MESSAGE(pane.shows("log of task 2.1"), pane.screen());
  pane.keys({"q"});
  REQUIRE(pane.shows("y approve once"));

  // s asks again; s s stops the task through `kiro-parallel stop`.
  pane.keys({"s"});
  REQUIRE_MESSAGE(pane.shows("press s again"), pane.screen());
  CHECK(status_of(f, "2.1") == TaskStatus::running);
  pane.keys({"s"});
  REQUIRE_MESSAGE(RunFixture::wait_for([&] { return status_of(f, "2.1") == TaskStatus::stopped; }),
                  pane.screen() << f.explain());
  CHECK_MESSAGE(pane.shows("stopped task 2.1"), pane.screen());
  // Nothing is left to run: the watch stays, saying how the run ended.
  REQUIRE_MESSAGE(pane.shows("nothing more can run: 0 failed, 1 stopped"), pane.screen());

  pane.keys({"q"});
  REQUIRE_MESSAGE(test::wait_until([&] { return pane.dead(); }, std::chrono::seconds(20)), pane.screen());
  CHECK(pane.exit_status() == "3\n");  // over, with a task stopped: the plain watch's status
  CHECK(f.kp({"stop-all", "app"}).exit_code == 0);
}

TEST_CASE("interactive watch: n refuses the pending prompt; y on a task with no approval pending changes nothing") {
  RunFixture f("- [ ] 1. Only\n- [ ] 1.1 The task\n",
               R"({"style": "new", "tasks": {
                    "1.1": {"duration": 1, "menus": [{"kind": "bash", "command": "git push origin main"}]}}})");
  REQUIRE(f.start(1).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "needs choice: refused by"); }));
  WatchPane pane(f, {"watch", "app", "--interval", "0.2"});
  REQUIRE(pane.shows("> !! 1.1"));
  pane.keys({"n"});
  REQUIRE_MESSAGE(RunFixture::wait_for([&] { return f.sim_log_count({"rejected", "task=1.1"}) == 1; }),
                  pane.screen() << f.explain());
  CHECK(f.sim_log_count({"ran", "git push"}) == 0);
  CHECK_MESSAGE(journal_text(f).find("refused by a person") != std::string::npos, journal_text(f));
  // The refused agent ends its turn without the work: the task fails; y now has nothing to approve.
  REQUIRE(RunFixture::wait_for([&] { return status_of(f, "1.1") == TaskStatus::failed; }));
  pane.keys({"y"});
  CHECK_MESSAGE(pane.shows("waits on no approval now"), pane.screen());
  CHECK(f.sim_log_count({"ran", "git push"}) == 0);
  // r: `kiro-parallel retry` puts it back and starts a master; the agent asks again.
  pane.keys({"r"});
  REQUIRE_MESSAGE(RunFixture::wait_for([&] { return journal_text(f).find("\"event\":\"retried\"") != std::string::npos; }),
                  pane.screen());
  CHECK_MESSAGE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "needs choice: refused by"); }),
                pane.screen() << f.explain());
  pane.keys({"q"});
  CHECK(test::wait_until([&] { return pane.dead(); }, std::chrono::seconds(20)));
  CHECK(pane.exit_status() == "0\n");  // quit while the run moves
  CHECK(f.kp({"stop-all", "app"}).exit_code == 0);
}

TEST_CASE("interactive watch: a run that ends with every task done ends the watch, the summary left on the screen") {
  RunFixture f("- [ ] 1. Only\n- [ ] 1.1 The task\n", R"({"style": "new", "tasks": {"1.1": {"duration": 1, "wait_for": "GATE"}}})");
  REQUIRE(f.start(1).exit_code == 0);
  WatchPane pane(f, {"watch", "app", "--interval", "0.2"});
  REQUIRE_MESSAGE(pane.shows("> ▶  1.1"), pane.screen());
  f.open_gate();
  REQUIRE_MESSAGE(test::wait_until([&] { return pane.dead(); }, std::chrono::seconds(60)), pane.screen() << f.explain());
  const std::string screen = pane.screen();
  CHECK_MESSAGE(pane.exit_status() == "0\n", screen);
  CHECK_MESSAGE(screen.find("all tasks completed") != std::string::npos, screen);
  CHECK(screen.find("speedup") != std::string::npos);            // the run summary
  CHECK(screen.find("y approve once") == std::string::npos);     // the alternate screen is gone
}

TEST_CASE("interactive watch inside tmux on the run's own server: Enter switches the person's client to the task") {
  RunFixture f("- [ ] 1. Only\n- [ ] 1.1 The task\n", R"({"style": "new", "tasks": {"1.1": {"duration": 1, "wait_for": "GATE"}}})");
  REQUIRE(f.start(1).exit_code == 0);
  REQUIRE(RunFixture::wait_for([&] { return f.task_phase_contains("1.1", "busy"); }));
  const TmuxServer& tmux = f.tmux();
  // The watch in a session of the run's server (not a task's: stop-all leaves it alone)...
  RunResult made = tmux.tmux({"new-session", "-d", "-s", "person", "-x", "120", "-y", "30", "env",
                              "KIRO_PARALLEL_TMUX_SOCKET=" + tmux.socket(), test::kp_binary().string(), "watch", "app",
                              "--interval", "0.2", "-C", f.repo().string()});
  REQUIRE_MESSAGE(made.ok(), made.err);
  // ... and a person's client attached to it, on a pseudo-terminal of its own.
  // The session the person's client shows (the workers' control clients are listed too: skipped).
  auto person_client_on = [&] {
    std::istringstream lines(tmux.tmux({"list-clients", "-F", "#{client_control_mode} #{client_session}"}).out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("0 ", 0) == 0) return line.substr(2);
    }
    return std::string();
  };
  ChildProcess client;
  {
    FileLock lifecycle = lock_tmux_lifecycle(tmux.socket());  // tmux 3.3a: no client comes while another connects
    client = spawn_program({"python3", "-c",
                            "import fcntl, os, pty, struct, sys, termios\n"
                            "pid, fd = pty.fork()\n"
                            "if pid == 0:\n"
                            "    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 30, 120, 0, 0))\n"
                            "    os.environ.pop('TMUX', None)\n"
                            "    os.execvp('tmux', sys.argv[1:])\n"
                            "while True:\n"
                            "    try:\n"
                            "        if not os.read(fd, 65536): break\n"
                            "    except OSError: break\n",
                            "tmux", "-L", tmux.socket(), "attach", "-t", "=person"});
    REQUIRE_MESSAGE(test::wait_until([&] { return person_client_on() == "person"; }),
                    tmux.tmux({"list-clients", "-F", "#{client_control_mode} #{client_session}"}).out);
  }
  auto screen = [&] { return tmux.tmux({"capture-pane", "-p", "-t", "=person:"}).out; };
  REQUIRE_MESSAGE(test::wait_until([&] { return screen().find("> ▶  1.1") != std::string::npos; }), screen());
  tmux.tmux({"send-keys", "-t", "=person:", "Enter"});
  CHECK_MESSAGE(test::wait_until([&] { return person_client_on() == "app-task-1-1"; }), person_client_on() << screen());
  CHECK_MESSAGE(test::wait_until([&] { return screen().find("switched to app-task-1-1") != std::string::npos; }), screen());
  tmux.tmux({"send-keys", "-t", "=person:", "q"});
  CHECK(test::wait_until([&] { return tmux.tmux({"has-session", "-t", "=person"}).exit_code != 0; }));
  CHECK(f.kp({"stop-all", "app"}).exit_code == 0);
  client.terminate_group(std::chrono::seconds(2));
}
