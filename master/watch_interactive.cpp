#include "master/watch_interactive.hpp"

#include <signal.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/notify.hpp"
#include "common/person_answer.hpp"
#include "common/run_state.hpp"
#include "common/term_style.hpp"
#include "master/run_display.hpp"
#include "master/signal_catcher.hpp"
#include "master/watch_actions.hpp"
#include "master/watch_keys.hpp"
#include "master/watch_loop.hpp"
#include "master/watch_terminal.hpp"
#include "master/watch_view.hpp"

namespace kp {

namespace {

class InteractiveWatch {
 public:
  InteractiveWatch(const SpecPaths& paths, const InteractiveWatchOptions& options)
      : paths_(paths), options_(options), style_(stdout) {}

  int run() {
    SignalCatcher signals;
    int code = 0;
    {
      RawTerminal terminal;
      terminal_ = &terminal;
      code = loop(terminal);
    }
    if (finished_) {
      // Back on the main screen: the last frame, how it ended and the summary stay readable.
      TermStyle style(stdout);
      const TermSize size = terminal_size();
      std::string out = render_run(view_->state, completions_, view_->facts, style, size.width, 0);
      out += style(ending_, Style::green) + "\n";
      for (const auto& line : summary_lines(summarize_for_view(paths_, view_->state, view_->facts.now))) out += line + "\n";
      RawTerminal::write_out(out);
    }
    return code;
  }

 private:
  int loop(RawTerminal& terminal) {
    while (true) {
      refresh();
      draw();
      std::string bytes = terminal.read_input(static_cast<int>(options_.interval * 1000));
      pending_ += bytes;
      for (const WatchKey& key : decode_keys(pending_, bytes.empty())) {
        if (auto code = on_key(key)) return finish(*code);
      }
      if (SignalCatcher::caught()) return finish(SignalCatcher::caught() == SIGINT ? 130 : 128 + SignalCatcher::caught());
      if (terminal.hung_up()) return finish(kExitOk);
      if (finished_) return finish(kExitOk);
    }
  }

  // Reads the run again; notes the end of a background command and of the run.
  void refresh() {
    view_ = read_run_view(paths_, [](const SpecPaths& p) {
      auto s = read_run_state(p.state_json);
      if (!s) throw RuntimeError(fmt::format("the run state of spec {} was removed", p.spec));
      return std::move(*s);
    });
    completions_ = read_completions(paths_.completed_json);
    if (command_) {
      if (auto result = command_->result()) {
        message_ = *result;
        command_.reset();
      }
    }
    const RunState& state = view_->state;
    if (!bell_events_.observe(state).empty() && options_.bell) RawTerminal::write_out("\a");
    outcome_ = run_outcome(state, view_->facts);
    const bool over = outcome_ != RunOutcome::moving && !view_->facts.master_running && !view_->facts.any_worker_alive();
    if (over && !over_ && options_.bell) RawTerminal::write_out("\a");
    ending_ = over ? run_final_line(state, outcome_) : std::string();
    // All done: nothing to act on, so the watch ends as the plain one does;
    // stuck: it stays, for a person to retry, attach or read logs.
    finished_ = over && outcome_ == RunOutcome::all_done;
    over_ = over;
    selected_ = move_selection(state, selected_, 0);
  }

  void draw() {
    TermSize size = terminal_size();
    const int height = size.height - 1;  // the last row stays free: the frame never scrolls
    std::string frame;
    if (log_view_) {
      auto text = read_file(paths_.task_latest_log(selected_));
      frame = render_log_view(selected_, paths_.task_latest_log(selected_).string(), text ? &*text : nullptr, style_,
                              size.width, height);
    } else {
      frame = render_watch_frame({&view_->state, &completions_, &view_->facts, selected_, message_, ending_}, style_,
                                 size.width, height);
    }
    RawTerminal::write_out(in_place_frame(frame));
  }

  int finish(int code) {
    terminal_ = nullptr;
    return code;
  }

  // An exit status to leave with, or nullopt to go on.
  std::optional<int> on_key(const WatchKey& key) {
    if (key.kind == WatchKey::interrupt) return 130;
    if (log_view_) {
      if (key.kind == WatchKey::escape || (key.kind == WatchKey::character && key.ch == 'q')) log_view_ = false;
      return std::nullopt;
    }
    const bool confirming = confirm_stop_ == selected_ && !selected_.empty();
    confirm_stop_.clear();
    switch (key.kind) {
      case WatchKey::up: selected_ = move_selection(view_->state, selected_, -1); break;
      case WatchKey::down: selected_ = move_selection(view_->state, selected_, 1); break;
      case WatchKey::page_up: selected_ = move_selection(view_->state, selected_, -10); break;
      case WatchKey::page_down: selected_ = move_selection(view_->state, selected_, 10); break;
      case WatchKey::enter: attach(); break;
      case WatchKey::character: return on_char(key.ch, confirming);
      default: break;
    }
    return std::nullopt;
  }

  std::optional<int> on_char(char c, bool confirming) {
    switch (c) {
      case 'q': return over_ ? run_exit_code(outcome_) : kExitOk;
      case 'k': selected_ = move_selection(view_->state, selected_, -1); break;
      case 'j': selected_ = move_selection(view_->state, selected_, 1); break;
      case 'a': attach(); break;
      case 'l': log_view_ = !selected_.empty(); break;
      case 's': stop(confirming); break;
      case 'r': background({"retry", paths_.spec, selected_, "-C", paths_.repo_root.string()}, "retrying"); break;
      case 'y':
      case 'n': answer(c == 'y'); break;
      default: break;
    }
    return std::nullopt;
  }

  const TaskState* selected_task() const { return view_->state.find(selected_); }

  void attach() {
    if (const TaskState* t = selected_task()) message_ = attach_to_task(*terminal_, view_->state, *t);
  }

  void stop(bool confirmed) {
    if (selected_.empty()) return;
    if (!confirmed) {
      confirm_stop_ = selected_;
      message_ = fmt::format("press s again to stop task {} (its worktree and work stay); any other key: no", selected_);
      return;
    }
    background({"stop", paths_.spec, selected_, "-C", paths_.repo_root.string()}, "stopping");
  }

  void background(std::vector<std::string> args, const char* doing) {
    if (selected_.empty()) return;
    if (command_) {
      message_ = "still busy with the last command; wait a moment";
      return;
    }
    message_ = fmt::format("{} task {}…", doing, selected_);
    command_ = std::make_unique<BackgroundCommand>(std::move(args));
  }

  void answer(bool approve) {
    const TaskState* t = selected_task();
    if (!t) return;
    std::string why = request_person_answer(paths_, *t, approve, "watch");
    message_ = why.empty() ? fmt::format("{} for task {}: {} (its worker answers the prompt)",
                                         approve ? "approve once" : "refuse", t->id, phase_detail_of_text(t->phase))
                           : why;
  }

  const SpecPaths& paths_;
  InteractiveWatchOptions options_;
  TermStyle style_;
  RawTerminal* terminal_ = nullptr;
  std::optional<RunView> view_;
  std::vector<Completion> completions_;
  NotifyTracker bell_events_;
  RunOutcome outcome_ = RunOutcome::moving;
  bool over_ = false;
  bool finished_ = false;
  bool log_view_ = false;
  std::string selected_, message_, ending_, confirm_stop_, pending_;
  std::unique_ptr<BackgroundCommand> command_;
};

}  // namespace

int run_interactive_watch(const SpecPaths& paths, const InteractiveWatchOptions& options) {
  InteractiveWatch watch(paths, options);
  return watch.run();
}

}  // namespace kp
