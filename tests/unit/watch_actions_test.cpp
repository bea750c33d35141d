// Where the watch's attach goes: switch-client only inside tmux on the run's own server.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "master/watch_actions.hpp"

using namespace kp;

TEST_CASE("watch attach: the run's tmux socket path, and whether $TMUX is a client of that server") {
  const char* saved = std::getenv("TMUX_TMPDIR");
  std::string keep = saved ? saved : "";
  ::setenv("TMUX_TMPDIR", "/tmp", 1);
  const std::string uid = std::to_string(::getuid());
  CHECK(tmux_socket_path("") == "/tmp/tmux-" + uid + "/default");
  CHECK(tmux_socket_path("kp-x") == "/tmp/tmux-" + uid + "/kp-x");
  ::unsetenv("TMUX_TMPDIR");
  CHECK(tmux_socket_path("kp-x") == "/tmp/tmux-" + uid + "/kp-x");
  if (saved) ::setenv("TMUX_TMPDIR", keep.c_str(), 1);

  const std::string run_server = "/tmp/tmux-" + uid + "/kp-x";
  CHECK(inside_tmux_server(("/tmp/tmux-" + uid + "/kp-x,4242,0").c_str(), run_server));
  CHECK_FALSE(inside_tmux_server(("/tmp/tmux-" + uid + "/default,4242,0").c_str(), run_server));
  CHECK_FALSE(inside_tmux_server("", run_server));
  CHECK_FALSE(inside_tmux_server(nullptr, run_server));
}
