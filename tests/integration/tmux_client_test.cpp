// The tmux client and control-mode connection against a private tmux server.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "common/tmux_client.hpp"
#include "common/tmux_control.hpp"
#include "integration/tmux_wait.hpp"
#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A python3 program that appends every line it reads from its terminal to argv[1].
const char* kLineRecorder =
    "import sys\n"
    "out = open(sys.argv[1], 'a', encoding='utf-8')\n"
    "sys.stdout.write('READY\\n'); sys.stdout.flush()\n"
    "for line in sys.stdin:\n"
    "    out.write(line); out.flush()\n";

// A real (non-control) tmux client on a pseudo-terminal: `tmux attach` needs a
// tty. posix_openpt keeps this inside libc; the client is killed and reaped at the end.
class PtyClient {
 public:
  PtyClient(const TmuxClient& tmux, const std::string& session) {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(master_ >= 0);
    REQUIRE(::grantpt(master_) == 0);
    REQUIRE(::unlockpt(master_) == 0);
    std::string slave = ::ptsname(master_);
    std::vector<std::string> argv = tmux.base_argv();
    argv.insert(argv.end(), {"attach-session", "-t", "=" + session});
    std::vector<char*> c_argv;
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::setsid();
      int fd = ::open(slave.c_str(), O_RDWR);  // becomes the controlling terminal
      if (fd < 0) _exit(127);
      ::dup2(fd, 0);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setenv("TERM", "xterm", 1);
      ::unsetenv("TMUX");
      ::execvp(c_argv[0], c_argv.data());
      _exit(127);
    }
  }
  ~PtyClient() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    ::close(master_);
  }
  // The client writes its screen to the terminal; keep the pipe from filling.
  void drain() {
    char buf[4096];
    ::fcntl(master_, F_SETFL, O_NONBLOCK);
    while (::read(master_, buf, sizeof buf) > 0) {
    }
  }

 private:
  int master_ = -1;
  pid_t pid_ = -1;
};

std::string window_width(const test::TmuxServer& server, const std::string& session) {
  auto r = server.tmux({"display-message", "-p", "-t", "=" + session + ":", "#{window_width}"});
  REQUIRE(r.exit_code == 0);
  return r.out;
}

}  // namespace

TEST_CASE("tmux_literal_arg protects a trailing ';' from tmux's command splitting") {
  CHECK(tmux_literal_arg("plain") == "plain");
  CHECK(tmux_literal_arg("") == "");
  CHECK(tmux_literal_arg("a;") == "a\\;");
  CHECK(tmux_literal_arg(";") == "\\;");
  CHECK(tmux_literal_arg("a;b") == "a;b");
}

TEST_CASE("names and folders with tmux format syntax stay literal and run nothing") {
  CHECK(tmux_format_literal("a#b##") == "a##b####");
  test::TmuxServer server;
  test::TempDir dir;
  TmuxClient tmux(server.socket());
  const std::string name = "x#(touch pwned-by-name)#{pid}";
  fs::path folder = dir / "w#(touch pwned-by-cwd)#{pane_id}";
  fs::create_directories(folder);
  tmux.new_session(name, folder, {"python3", "-c", "import os, time; print(os.getcwd(), flush=True); time.sleep(1000)"});
  CHECK(tmux.list_sessions() == std::vector<std::string>{name});
  CHECK(tmux.has_session(name));
  CHECK(test::wait_for_text(tmux, name, folder.string()));
  CHECK_FALSE(fs::exists(dir / "pwned-by-name"));
  CHECK_FALSE(fs::exists(folder / "pwned-by-cwd"));
  CHECK_FALSE(fs::exists(fs::current_path() / "pwned-by-name"));
  tmux.kill_session(name, 200ms);
  CHECK_FALSE(tmux.has_session(name));
}

TEST_CASE("no server: nothing runs, nothing is listed") {
  test::TmuxServer server;
  TmuxClient tmux(server.socket());
  CHECK(tmux.base_argv() == std::vector<std::string>{"tmux", "-L", server.socket()});
  CHECK(TmuxClient("").base_argv() == std::vector<std::string>{"tmux"});
  CHECK_FALSE(tmux.server_running());
  CHECK(tmux.list_sessions().empty());
  CHECK_FALSE(tmux.has_session("x"));
  CHECK_FALSE(tmux.pane_dead("x"));
  CHECK_FALSE(tmux.pane_pid("x").has_value());
  CHECK(tmux.attached_people("x") == 0);
  CHECK_NOTHROW(tmux.kill_session("x"));
  CHECK_THROWS_AS(TmuxControl(tmux, "x"), RuntimeError);
}

TEST_CASE("a tmux that cannot answer is an error, never 'no sessions'") {
  // A socket path tmux cannot connect to for a reason other than "no server".
  TmuxClient tmux(std::string(200, 'k'));
  CHECK_THROWS_WITH_AS(tmux.list_sessions(), doctest::Contains("cannot list the tmux sessions"), RuntimeError);
  CHECK_THROWS_WITH_AS(tmux.list_sessions_with_owner(), doctest::Contains("File name too long"), RuntimeError);
  CHECK_THROWS_WITH_AS(tmux.has_session("x"), doctest::Contains("cannot tell whether"), RuntimeError);
}

TEST_CASE("sessions: exact names, literal text reaches the program unchanged") {
  test::TmuxServer server;
  test::TempDir dir;
  TmuxClient tmux(server.socket());
  const std::string name = "demo-task-1-2";
  fs::path record = dir / "lines.txt";
  tmux.new_session(name, dir.path(), {"python3", "-c", kLineRecorder, record.string()},
                   {{"KP_PROBE", "x y;"}});
  CHECK(tmux.server_running());
  CHECK(tmux.has_session(name));
  CHECK_FALSE(tmux.has_session("demo-task-1"));  // a prefix is not the session
  CHECK(tmux.list_sessions() == std::vector<std::string>{name});
  CHECK_THROWS_AS(tmux.new_session(name, dir.path(), {"true"}), RuntimeError);
  REQUIRE(test::wait_for_text(tmux, name, "READY"));
  CHECK(window_width(server, name) == "200\n");

  const std::vector<std::string> texts = {
      "it's \"quoted\"; $(touch pwned) `touch pwned2` a  b",
      "ends with a semicolon;",
      "backslash then semicolon\\;",
      ";",
      "-l --not-an-option #{pane_id} ~ {x}",
      "タスク 1.2: 日本語のタイトル",
  };
  std::string expected;
  for (const auto& text : texts) {
    tmux.send_literal(name, text);
    tmux.send_enter(name);
    expected += text + "\n";
  }
  REQUIRE(test::wait_until([&] { return test::read_text(record) == expected; }));
  CHECK(test::read_text(record) == expected);
  CHECK_FALSE(fs::exists(dir / "pwned"));
  CHECK_FALSE(fs::exists(dir / "pwned2"));
  CHECK(tmux.capture(name).find("日本語のタイトル") != std::string::npos);

  // Named keys: C-c ends the recorder; remain-on-exit keeps the pane.
  tmux.send_keys(name, {"C-c"});
  REQUIRE(test::wait_until([&] { return tmux.pane_dead(name); }));
  CHECK(tmux.has_session(name));
  CHECK(tmux.capture(name).find("KeyboardInterrupt") != std::string::npos);
  tmux.kill_session(name);
  CHECK_FALSE(tmux.has_session(name));
}

TEST_CASE("a one-word command runs without a shell; the environment reaches it") {
  test::TmuxServer server;
  test::TempDir dir;
  TmuxClient tmux(server.socket());
  // Were this run through `sh -c`, the shell would expand $HOME.
  // (tmux may drop the output of a pane process that exits at once, so the
  // script waits for an Enter before it exits.)
  test::write_text(dir / "$HOME", "#!/bin/sh\necho \"probe=$KP_PROBE\"\nread answer\n");
  fs::permissions(dir / "$HOME", fs::perms::owner_all);
  tmux.new_session("one", dir.path(), {(dir / "$HOME").string()}, {{"KP_PROBE", "a b;"}});
  CHECK(test::wait_for_text(tmux, "one", "probe=a b;"));
  tmux.send_enter("one");
  REQUIRE(test::wait_until([&] { return tmux.pane_exit_status("one").has_value(); }));
  CHECK(tmux.pane_dead("one"));
  CHECK(tmux.pane_exit_status("one") == 0);
}

TEST_CASE("a dead pane keeps its last screen and exit status; kill_session removes it") {
  test::TmuxServer server;
  test::TempDir dir;
  TmuxClient tmux(server.socket());
  // tmux scrolls the screen up one line to print "Pane is dead" at the bottom:
  // the text starts on the second line so that it stays visible.
  tmux.new_session("dead", dir.path(),
                   {"python3", "-c", "print('\\nlast words', flush=True); input(); raise SystemExit(7)"});
  REQUIRE(test::wait_for_text(tmux, "dead", "last words"));
  CHECK_FALSE(tmux.pane_dead("dead"));
  tmux.send_enter("dead");
  REQUIRE(test::wait_until([&] { return tmux.pane_exit_status("dead").has_value(); }));
  CHECK(tmux.pane_dead("dead"));
  CHECK(tmux.pane_exit_status("dead") == 7);
  std::string last = tmux.capture("dead");
  CHECK_MESSAGE(last.find("last words") != std::string::npos, last);
  tmux.kill_session("dead");
  CHECK_FALSE(tmux.has_session("dead"));
}

TEST_CASE("kill_session ends the pane's whole process tree, also a child ignoring SIGTERM") {
  test::TmuxServer server;
  test::TempDir dir;
  TmuxClient tmux(server.socket());
  fs::path pids = dir / "pids.txt";
  const char* tree =
      "import os, signal, sys, time\n"
      "child = os.fork()\n"
      "if child == 0:\n"
      "    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
      "    grandchild = os.fork()\n"
      "    if grandchild == 0:\n"
      "        time.sleep(1000)\n"
      "        os._exit(0)\n"
      "    open(sys.argv[1], 'a').write('%d %d\\n' % (os.getpid(), grandchild))\n"
      "    time.sleep(1000)\n"
      "    os._exit(0)\n"
      "time.sleep(1000)\n";
  tmux.new_session("tree", dir.path(), {"python3", "-c", tree, pids.string()});
  REQUIRE(test::wait_until([&] { return test::read_text(pids).find('\n') != std::string::npos; }));
  auto pane = tmux.pane_pid("tree");
  REQUIRE(pane.has_value());
  int child = 0, grandchild = 0;
  REQUIRE(std::sscanf(test::read_text(pids).c_str(), "%d %d", &child, &grandchild) == 2);
  CHECK(process_running(*pane));
  CHECK(process_running(child));
  CHECK(process_running(grandchild));
  auto descendants = process_descendants(*pane);
  CHECK(descendants.size() == 2);

  tmux.kill_session("tree", 300ms);
  CHECK_FALSE(tmux.has_session("tree"));
  // The pane process is reaped by tmux, the others by init: wait for that.
  CHECK(test::wait_until([&] {
    return !process_running(*pane) && !process_running(child) && !process_running(grandchild);
  }, 10s));
}

TEST_CASE("control mode: wakes on output, times out on silence, captures like the CLI") {
  test::TmuxServer server;
  test::TempDir dir;
  TmuxClient tmux(server.socket());
  fs::path record = dir / "lines.txt";
  tmux.new_session("ctl", dir.path(), {"python3", "-c", kLineRecorder, record.string()});
  REQUIRE(test::wait_for_text(tmux, "ctl", "READY"));

  TmuxControl control(tmux, "ctl");
  CHECK(control.alive());
  CHECK(control.fd() >= 0);
  CHECK(control.pane_id().rfind('%', 0) == 0);
  // The control client is a client, but not a person, and does not shrink the window.
  auto clients = server.tmux({"list-clients", "-F", "#{client_control_mode}"});
  CHECK(clients.out == "1\n");
  CHECK(tmux.attached_people("ctl") == 0);
  CHECK(window_width(server, "ctl") == "200\n");
  CHECK(control.command("display-message -p '#{window_width}x#{window_height}'") == "200x50\n");

  // Drain what attaching produced; the recorder is silent now.
  control.wait_for_output(200ms);
  CHECK_FALSE(control.wait_for_output(300ms));

  tmux.send_literal("ctl", "hello from the test");
  CHECK(control.wait_for_output(10s));
  // Pane lines that look like protocol lines must not end the capture's block.
  for (const char* fake : {"%end 1 2 1", "%error 1 2 1", "%begin 1 2 1", "%exit"}) {
    tmux.send_enter("ctl");
    tmux.send_literal("ctl", fake);
  }
  REQUIRE(test::wait_for_text(tmux, "ctl", "%exit"));
  std::string via_control = control.capture();
  CHECK(via_control == tmux.capture("ctl"));
  CHECK(via_control.find("hello from the test") != std::string::npos);
  CHECK(via_control.find("%end 1 2 1\n%error 1 2 1\n%begin 1 2 1\n%exit") != std::string::npos);
  CHECK(control.alive());

  CHECK_THROWS_AS(control.command("no-such-tmux-command"), RuntimeError);
  CHECK(control.alive());  // an error answer does not end the connection

  tmux.kill_session("ctl");
  CHECK(control.wait_for_output(10s));  // the end of the session wakes the waiter
  CHECK(test::wait_until([&] {
    control.wait_for_output(100ms);
    return !control.alive();
  }));
  CHECK_THROWS_AS(control.capture(), RuntimeError);
}

TEST_CASE("control mode: a command after the client has gone is an error, not SIGPIPE") {
  test::TmuxServer server;
  test::TempDir dir;
  TmuxClient tmux(server.socket());
  tmux.new_session("gone", dir.path(), {"python3", "-c", "import time; time.sleep(1000)"});
  TmuxControl control(tmux, "gone");
  tmux.kill_session("gone", 200ms);
  // Wait (without reading) until the control client has exited and closed its end.
  bool hung_up = test::wait_until([&] {
    pollfd p{control.fd(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
  });
  REQUIRE(hung_up);
  CHECK_THROWS_AS(control.command("display-message -p x"), RuntimeError);
  CHECK_FALSE(control.alive());
}

TEST_CASE("attached_people counts a real client on a terminal") {
  test::TmuxServer server;
  test::TempDir dir;
  TmuxClient tmux(server.socket());
  tmux.new_session("seen", dir.path(), {"python3", "-c", "import time; time.sleep(1000)"});
  TmuxControl control(tmux, "seen");
  CHECK(tmux.attached_people("seen") == 0);
  {
    PtyClient person(tmux, "seen");
    bool attached = test::wait_until([&] {
      person.drain();
      return tmux.attached_people("seen") == 1;
    });
    CHECK(attached);
    CHECK(window_width(server, "seen") != "");
  }
  CHECK(test::wait_until([&] { return tmux.attached_people("seen") == 0; }));
  tmux.kill_session("seen", 200ms);
}
