#include "worker/screen_source.hpp"

#include <sstream>

#include "common/error.hpp"
#include "common/tmux_control.hpp"

namespace kp {

namespace {

class TmuxScreenSource final : public ScreenSource {
 public:
  TmuxScreenSource(const TmuxClient& tmux, std::string session, std::function<void(const std::string&)> log)
      : tmux_(tmux), session_(std::move(session)), log_(std::move(log)) {
    control_ = std::make_unique<TmuxControl>(tmux_, session_);
  }

  bool wait_for_output(std::chrono::milliseconds timeout) override { return control_->wait_for_output(timeout); }

  bool alive() override {
    if (control_->alive()) return true;
    if (!tmux_.has_session(session_) || reconnects_ >= 50) return false;
    ++reconnects_;
    if (log_) log_("the tmux control connection dropped; connecting again");
    control_ = std::make_unique<TmuxControl>(tmux_, session_);
    return control_->alive();
  }

  std::string capture() override { return control_->capture(); }

  std::string capture_history(int lines) override {
    RunResult r = tmux_.run({"capture-pane", "-p", "-J", "-S", "-" + std::to_string(lines), "-t",
                             tmux_pane_target(session_)});
    if (!r.ok()) throw RuntimeError("tmux capture-pane failed: " + r.err);
    return r.out;
  }

  PaneFacts facts() override {
    PaneFacts f;
    std::string dead = control_->command("display-message -p -t " + control_->pane_id() + " '#{pane_dead}'");
    f.dead = dead.rfind("1", 0) == 0;
    std::istringstream clients(control_->command("list-clients -F '#{client_control_mode}|#{client_session}'"));
    for (std::string line; std::getline(clients, line);) {
      auto bar = line.find('|');
      if (bar != std::string::npos && line.substr(0, bar) == "0" && line.substr(bar + 1) == session_) ++f.people;
    }
    return f;
  }

  // A constant command through the control channel: no fork on the hot path.
  void press_enter() override { control_->command("send-keys -t " + control_->pane_id() + " Enter"); }
  void press_escape() override { control_->command("send-keys -t " + control_->pane_id() + " Escape"); }

  // User text never meets tmux's parser: argv and send-keys -l.
  void type_literal(const std::string& text) override { tmux_.send_literal(session_, text); }

 private:
  const TmuxClient& tmux_;
  std::string session_;
  std::function<void(const std::string&)> log_;
  std::unique_ptr<TmuxControl> control_;
  int reconnects_ = 0;
};

}  // namespace

std::unique_ptr<ScreenSource> tmux_screen_source(const TmuxClient& tmux, const std::string& session,
                                                 std::function<void(const std::string&)> log) {
  return std::make_unique<TmuxScreenSource>(tmux, session, std::move(log));
}

}  // namespace kp
