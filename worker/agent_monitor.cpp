#include "worker/agent_monitor.hpp"

#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "common/ansi.hpp"
#include "common/error.hpp"

namespace kp {

namespace {

using Clock = ScreenSource::Clock;
using namespace std::chrono_literals;

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// The first characters of the prompt: what its echo or the input line shows.
std::string prompt_head(const std::string& prompt) { return trim(prompt).substr(0, 20); }

// Whether the screen shows the prompt anywhere (its echo in the history, when
// the input line itself is empty).
bool shows_echo(const std::string& screen, const std::string& prompt) {
  const std::string head = prompt_head(prompt);
  return !head.empty() && strip_ansi(screen).find(head) != std::string::npos;
}

long long seconds(Clock::duration d) { return std::chrono::duration_cast<std::chrono::seconds>(d).count(); }

enum class Stage { waiting_ready, delivering, working };

class Monitor {
 public:
  Monitor(ScreenSource& source, const AgentProfile& profile, const MonitorSettings& settings,
          const MonitorEvents& events, const std::atomic<bool>& stop)
      : src_(source), profile_(profile), s_(settings), ev_(events), stop_(stop) {
    start_ = src_.now();
    stage_ = s_.prompt_sent ? Stage::working : Stage::waiting_ready;
    const char* trace = std::getenv("KIRO_PARALLEL_TRACE");
    trace_ = trace && *trace && std::string_view(trace) != "0";
  }

  MonitorResult run() {
    while (true) {
      if (stop_) return end(MonitorOutcome::interrupted, "stopped");
      const bool fresh = read_screen();
      // On every wake, not only after a capture: a Stop must not wait for the screen.
      if (auto r = read_signals()) return *r;
      if (!fresh) {
        if (!src_.alive()) return end(MonitorOutcome::session_gone, "the tmux session ended");
        continue;
      }
      if (src_.now() - start_ > s_.task_timeout) {
        return end(MonitorOutcome::timed_out, fmt::format("no result after {} minutes", s_.task_timeout.count() / 60));
      }
      if (auto r = step()) return *r;
    }
  }

 private:
  // ---- Reading the screen: once per settled burst of output ----

  // Output comes in bursts (one redraw is many writes): capture once a burst
  // has settled, or every kMaxDirty during an endless stream, so that the
  // last screen read is never a half-drawn one. False: nothing to look at yet.
  bool read_screen() {
    constexpr auto kNever = Clock::time_point::max();
    constexpr auto kQuiet = 30ms, kMaxDirty = 150ms, kStopPoll = 50ms;
    auto wait = s_.poll_interval;
    // Idle at the prompt, the Stop signal due: look at the channel often.
    if (s_.signals && stage_ == Stage::working && done_since_) wait = std::min(wait, std::chrono::milliseconds(kStopPoll));
    if (capture_now_) wait = 0ms;
    // A settle that ends before the next poll is looked at when it ends, not a poll later.
    if (settle_ends_ && *settle_ends_ > src_.now()) {
      wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(*settle_ends_ - src_.now()));
    }
    if (dirty_since_ != kNever) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(
          std::min(last_output_ + kQuiet, dirty_since_ + kMaxDirty) - src_.now());
      wait = std::max(1ms, std::min(wait, left));  // rounded up: never spin
    }
    const bool output = src_.wait_for_output(wait);
    if (!src_.alive()) return false;
    const auto now = src_.now();
    if (output) {
      if (dirty_since_ == kNever) dirty_since_ = now;
      last_output_ = now;
    }
    const bool settled = dirty_since_ != kNever && (now - last_output_ >= kQuiet || now - dirty_since_ >= kMaxDirty);
    const bool periodic = now - last_facts_at_ >= 1s;
    if (!settled && !periodic && !recheck_ && !capture_now_) return false;
    if (settled) dirty_since_ = kNever;
    recheck_ = false;
    capture_now_ = false;
    try {
      if (periodic) {
        facts_ = src_.facts();
        last_facts_at_ = now;
      }
      screen_ = src_.capture();
    } catch (const RuntimeError&) {
      if (!src_.alive()) return false;
      throw;
    }
    if (screen_ != result_.last_screen) {
      result_.last_screen = screen_;
      last_change_ = now;
      if (ev_.screen_changed) ev_.screen_changed(screen_);
    }
    return true;
  }

  // ---- The agent's own signals ----

  std::optional<MonitorResult> read_signals() {
    if (!s_.signals) return std::nullopt;
    for (const AgentSignal& sig : s_.signals->read_new()) {
      if (ev_.signal) ev_.signal(sig);
      if (sig.event == "UserPromptSubmit" && stage_ == Stage::delivering) delivered("the agent's UserPromptSubmit signal");
      if ((sig.event == "Stop" || sig.event == "StopFailure") && stage_ != Stage::waiting_ready) {
        stop_signal_at_ = src_.now();
        capture_now_ = true;  // the screen decides at once whether the turn is over
        result_.transcript_path = sig.transcript_path;
        result_.last_words = sig.last_message;
      }
      if (sig.event == "StopFailure" && stage_ != Stage::waiting_ready) {
        // Claude Code's turn ended in an API error (it fires no Stop then).
        result_.transient = sig.error == "rate_limit" || sig.error == "server_error" || sig.error == "overloaded";
        return end(MonitorOutcome::error, fmt::format("the agent's turn ended in an error ({}): {}", sig.error,
                                                      sig.last_message.substr(0, 300)));
      }
      if (sig.event == "Notification") recheck_ = true;
    }
    return std::nullopt;
  }

  // ---- One screen, by stage ----

  std::optional<MonitorResult> step() {
    ClassifyContext ctx;
    ctx.prompt_sent = stage_ != Stage::waiting_ready;
    ctx.pane_dead = facts_.dead;
    ctx.prompt = s_.prompt;
    const Classification c = classify_screen(screen_, profile_, ctx);
    why_ = fmt::format("{} (line {}: {})", c.rule, c.line, trim(c.text));
    if (trace_) log(fmt::format("trace: {} {}", to_string(c.cls), why_));
    if (c.cls == ScreenClass::exited) return end(MonitorOutcome::exited, "the agent exited: " + why_);
    if (c.cls == ScreenClass::needs_input) {
      if (stage_ == Stage::delivering) delivered("a prompt screen after it");
      answer_prompt();
      return std::nullopt;
    }
    if (c.cls == ScreenClass::needs_choice) {
      if (stage_ == Stage::delivering) delivered("a question after it");
      set_phase("needs choice: " + trim(c.text));
      log_choice_once("needs a person's choice: " + why_);
      return std::nullopt;
    }
    switch (stage_) {
      case Stage::waiting_ready: return before_prompt(c);
      case Stage::delivering: return while_delivering(c);
      case Stage::working: return while_working(c);
    }
    return std::nullopt;
  }

  std::optional<MonitorResult> before_prompt(const Classification& c) {
    const auto now = src_.now();
    if (c.cls == ScreenClass::error) return error_end(c, "before the prompt was sent");
    if (s_.adopted_session && (c.cls == ScreenClass::busy || c.cls == ScreenClass::ready) && prompt_echoed()) {
      // The agent took the prompt before this worker resumed (the worker that
      // sent it died before the state heard): typing it again would do the task twice.
      log("the task prompt is on the screen already, sent before this worker resumed; watching the agent");
      stage_ = Stage::working;
      sent_at_ = enter_at_ = now;
      if (ev_.prompt_sent) ev_.prompt_sent();
      if (ev_.prompt_delivered) ev_.prompt_delivered();
      recheck_ = true;  // judged again as a screen after the prompt
      return c.cls == ScreenClass::busy ? while_working(c) : std::nullopt;
    }
    if (c.cls != ScreenClass::ready) {
      ready_since_.reset();
      set_phase("starting agent");
      if (now - start_ > s_.startup_timeout) {
        return end(MonitorOutcome::timed_out, "the agent did not show its input prompt: " + why_);
      }
      return std::nullopt;
    }
    auto typed = input_line_text(screen_, profile_);
    if (typed && !s_.prompt.empty() && trim(*typed) == trim(s_.prompt) && !person_blocks_keys()) {
      // Exactly our prompt: typed by a worker that died before its Enter
      // reached the state. Submitting it is what that worker was doing.
      log("the task prompt already sits in the input line (typed before this worker resumed); pressing Enter");
      submit_typed_prompt();
      return std::nullopt;
    }
    if ((typed && !trim(*typed).empty()) || person_blocks_keys()) {
      ready_since_.reset();
      set_phase(person_blocks_keys() ? "waiting: a person is attached" : "waiting: text in the input line");
      return std::nullopt;
    }
    if (!ready_seen_) {
      ready_seen_ = true;
      if (ev_.agent_ready) ev_.agent_ready();
    }
    // Typed only into a screen that stayed ready: no dialog drawn over it
    // (codex's trust dialog), no "Initializing" (gemini loses prompts then).
    if (!ready_since_) ready_since_ = now;
    if (now - *ready_since_ < s_.ready_settle) {
      recheck_ = true;
      settle_ends_ = *ready_since_ + s_.ready_settle;
      return std::nullopt;
    }
    type_prompt();
    return std::nullopt;
  }

  std::optional<MonitorResult> while_delivering(const Classification& c) {
    const auto now = src_.now();
    if (c.cls == ScreenClass::busy) {
      delivered("the agent went busy");
      return while_working(c);
    }
    if (c.cls == ScreenClass::error) return error_end(c, "right after the prompt");
    if (c.cls == ScreenClass::unsent) {
      // Still in the input line: the Enter was swallowed, or became a newline.
      if (now - enter_at_ > 1200ms && enters_ <= s_.enter_retries && !person_blocks_keys()) {
        src_.press_enter();
        ++enters_;
        enter_at_ = now;
        log("the prompt still sits in the input line after Enter; sent Enter again");
      }
    } else if (c.cls == ScreenClass::done && shows_echo(screen_, s_.prompt)) {
      delivered("its echo above the input line");
      return while_working(c);
    } else if (c.cls == ScreenClass::done && now - enter_at_ > 5s && retypes_ < s_.retypes && !person_blocks_keys()) {
      ++retypes_;
      log("the prompt vanished without a trace (lost while the agent was starting?); typing it again");
      type_prompt();
      return std::nullopt;
    }
    if (now - sent_at_ > s_.delivery_timeout) {
      return end(MonitorOutcome::undelivered,
                 fmt::format("the agent never showed it took the prompt within {} s (screen: {})",
                             s_.delivery_timeout.count(), why_));
    }
    recheck_ = true;
    return std::nullopt;
  }

  std::optional<MonitorResult> while_working(const Classification& c) {
    const auto now = src_.now();
    if (c.cls != ScreenClass::done) done_since_.reset();
    if (c.cls != ScreenClass::error) error_since_.reset();
    // An error on the screen is judged as an error even after a Stop.
    if (stop_signal_at_ && c.cls != ScreenClass::busy && c.cls != ScreenClass::error) {
      result_.by_signal = true;
      return end(MonitorOutcome::turn_ended, "the agent's Stop signal; screen: " + why_);
    }
    switch (c.cls) {
      case ScreenClass::busy:
        if (stop_signal_at_ && now - *stop_signal_at_ > 3s) {
          result_.by_signal = true;
          return end(MonitorOutcome::turn_ended, "the agent's Stop signal (the screen still looked busy)");
        }
        set_phase(now - last_change_ > s_.stuck_after
                      ? fmt::format("possibly stuck: screen unchanged for {} s", seconds(now - last_change_))
                      : std::string("agent busy"));
        return std::nullopt;
      case ScreenClass::error:
        // An error line must stay (not a frame between the agent's own retries).
        if (!error_since_) error_since_ = now;
        if (now - *error_since_ < 1s) {
          recheck_ = true;
          return std::nullopt;
        }
        return error_end(c, "");
      case ScreenClass::done: return on_idle(now);
      default:
        set_phase("agent working");
        return std::nullopt;
    }
  }

  // Back at the idle prompt: the turn is over once that has lasted (a frame
  // caught mid-redraw is not the end), and the Stop signal came when the
  // agent sends one.
  std::optional<MonitorResult> on_idle(Clock::time_point now) {
    auto typed = input_line_text(screen_, profile_);
    if (typed && !trim(*typed).empty()) {
      done_since_.reset();
      set_phase("waiting: text in the input line");
      return std::nullopt;
    }
    if (!done_since_) done_since_ = now;
    recheck_ = true;
    if (now - *done_since_ < s_.done_settle) {
      settle_ends_ = *done_since_ + s_.done_settle;
      return std::nullopt;
    }
    if (s_.expect_stop_signal && now - *done_since_ < s_.done_settle + s_.signal_grace) return std::nullopt;
    if (s_.expect_stop_signal) log("the agent is idle but sent no Stop signal; judging from the screen");
    return end(MonitorOutcome::turn_ended, why_);
  }

  // The prompt's whole first line in the history above an empty input line.
  bool prompt_echoed() const {
    auto typed = input_line_text(screen_, profile_);
    if (typed && !trim(*typed).empty()) return false;
    const std::string first = trim(s_.prompt.substr(0, s_.prompt.find('\n')));
    return !first.empty() && strip_ansi(screen_).find(first) != std::string::npos;
  }

  // ---- Actions ----

  void type_prompt() {
    src_.type_literal(s_.prompt);
    // Enter only once the text shows in the input line; a fast Enter can be swallowed.
    const std::string head = prompt_head(s_.prompt);
    for (int i = 0; i < 40; ++i) {
      src_.wait_for_output(50ms);
      auto typed = input_line_text(src_.capture(), profile_);
      if (typed && trim(*typed).find(head) != std::string::npos) break;
    }
    if (s_.enter_delay.count() > 0) src_.wait_for_output(s_.enter_delay);
    submit_typed_prompt();
    log(fmt::format("typed the task prompt '{}' and Enter; screen was {}", s_.prompt, why_));
  }

  // Enter under the prompt in the input line; from here it is being delivered.
  void submit_typed_prompt() {
    src_.press_enter();
    enters_ = 1;
    enter_at_ = src_.now();
    if (stage_ == Stage::waiting_ready) {
      sent_at_ = enter_at_;
      if (ev_.prompt_sent) ev_.prompt_sent();
    }
    stage_ = Stage::delivering;
    set_phase("prompt sent");
    recheck_ = true;
  }

  void delivered(const std::string& how) {
    if (stage_ != Stage::delivering) return;
    stage_ = Stage::working;
    log("the prompt was delivered: " + how);
    if (ev_.prompt_delivered) ev_.prompt_delivered();
  }

  void answer_prompt() {
    if (screen_ == answered_screen_) {
      // One Enter per prompt screen; but a screen that stayed exactly as it
      // was for 3 s did not get it (Claude Code drops an Enter that comes
      // right as its menu is drawn): once or twice more.
      const auto now = src_.now();
      if (now - answered_at_ > 3s && last_change_ <= answered_at_ && reenters_ < 2 && !person_blocks_keys()) {
        src_.press_enter();
        answered_at_ = now;
        ++reenters_;
        log(fmt::format("the prompt screen did not change after Enter; pressed Enter again ({})", why_));
      }
      return;
    }
    if (person_blocks_keys()) {
      set_phase("needs input: a person is attached");
      return;
    }
    ApprovalAnswer answer = s_.approve ? s_.approve(screen_) : ApprovalAnswer{};
    if (answer.verdict == ApprovalAnswer::refuse && answer.reject) {
      src_.press_escape();
      answered_screen_ = screen_;
      log(fmt::format("refused by rule {}: {}; answered No (Esc) ({})", answer.rule, answer.what, why_));
      set_phase("refused a prompt");
      recheck_ = true;
      return;
    }
    if (answer.verdict != ApprovalAnswer::approve) {
      const char* verb = answer.verdict == ApprovalAnswer::refuse ? "refused" : "not approved";
      set_phase(fmt::format("needs choice: {} by {}: {}", verb, answer.rule, answer.what));
      log_choice_once(fmt::format("approval {} by rule {}: {} ({})", verb, answer.rule, answer.what, why_));
      if (auto yes = s_.person_answer ? s_.person_answer(phase_) : std::nullopt) deliver_person_answer(*yes, answer);
      return;
    }
    src_.press_enter();
    answered_screen_ = screen_;
    answered_at_ = src_.now();
    reenters_ = 0;
    log(answer.rule.empty() ? fmt::format("pressed Enter: {}", why_)
                            : fmt::format("approved by rule {}: {}; pressed Enter ({})", answer.rule, answer.what, why_));
    set_phase("answered a prompt");
    recheck_ = true;
  }

  // The person's answer to this very prompt (the worker checked it names the
  // phase now pending). A refusal is never followed by the Enter retry below.
  void deliver_person_answer(bool approve, const ApprovalAnswer& answer) {
    answered_screen_ = screen_;
    if (approve) {
      src_.press_enter();
      answered_at_ = src_.now();
      reenters_ = 0;
      log(fmt::format("a person approved once: {}; pressed Enter ({})", answer.what, why_));
      set_phase("answered a prompt: approved once by a person: " + answer.what);
    } else {
      src_.press_escape();
      log(fmt::format("a person refused: {}; answered No (Esc) ({})", answer.what, why_));
      set_phase("refused a prompt: refused by a person: " + answer.what);
    }
    recheck_ = true;
  }

  // ---- Helpers ----

  std::optional<MonitorResult> error_end(const Classification& c, const std::string& when) {
    result_.transient = c.transient;
    return end(MonitorOutcome::error,
               fmt::format("the agent reported an error{}{}: {}", when.empty() ? "" : " ", when, trim(c.text)));
  }

  MonitorResult end(MonitorOutcome outcome, std::string detail) {
    result_.outcome = outcome;
    result_.detail = std::move(detail);
    return result_;
  }

  bool person_blocks_keys() const { return facts_.people > 0 && !s_.enter_while_attached; }

  void set_phase(const std::string& p) {
    if (p == phase_) return;
    phase_ = p;
    if (ev_.phase) ev_.phase(p);
  }

  void log(const std::string& line) {
    if (ev_.log) ev_.log(line);
  }

  void log_choice_once(const std::string& line) {
    if (screen_ == choice_logged_screen_) return;
    choice_logged_screen_ = screen_;
    log(line + "\n--- screen ---\n" + screen_ + "\n--------------");
  }

  ScreenSource& src_;
  const AgentProfile& profile_;
  const MonitorSettings& s_;
  const MonitorEvents& ev_;
  const std::atomic<bool>& stop_;
  bool trace_ = false;

  Stage stage_;
  MonitorResult result_;
  std::string screen_, why_, phase_, answered_screen_, choice_logged_screen_;
  PaneFacts facts_;
  Clock::time_point start_, sent_at_, enter_at_, last_change_;
  Clock::time_point last_facts_at_{}, dirty_since_ = Clock::time_point::max(), last_output_ = Clock::time_point::max();
  std::optional<Clock::time_point> ready_since_, done_since_, error_since_, stop_signal_at_;
  int enters_ = 0, retypes_ = 0, reenters_ = 0;
  Clock::time_point answered_at_{};
  bool recheck_ = true;
  bool capture_now_ = false;  // capture without waiting (a Stop signal came)
  bool ready_seen_ = false;
  std::optional<Clock::time_point> settle_ends_;  // when a ready or done settle now running ends
};

}  // namespace

std::string_view to_string(MonitorOutcome outcome) {
  switch (outcome) {
    case MonitorOutcome::turn_ended: return "turn ended";
    case MonitorOutcome::error: return "error";
    case MonitorOutcome::undelivered: return "prompt not delivered";
    case MonitorOutcome::exited: return "exited";
    case MonitorOutcome::timed_out: return "timed out";
    case MonitorOutcome::interrupted: return "interrupted";
    case MonitorOutcome::session_gone: return "session gone";
  }
  return "?";
}

MonitorResult monitor_agent(ScreenSource& screen, const AgentProfile& profile, const MonitorSettings& settings,
                            const MonitorEvents& events, const std::atomic<bool>& stop) {
  Monitor monitor(screen, profile, settings, events, stop);
  return monitor.run();
}

// A screen line as a person reads it: no box borders around it.
std::string without_borders(std::string line) {
  line = trim(line);
  for (const char* border : {"│", "┃"}) {
    const std::string b(border);
    if (line.rfind(b, 0) == 0) line = trim(line.substr(b.size()));
    if (line.size() >= b.size() && line.compare(line.size() - b.size(), b.size(), b) == 0) {
      line = trim(line.substr(0, line.size() - b.size()));
    }
  }
  return line;
}

std::string last_words(const std::string& screen, const AgentProfile& profile, size_t max_chars) {
  std::vector<std::string> lines;
  std::istringstream in(strip_ansi(screen));
  for (std::string l; std::getline(in, l);) lines.push_back(without_borders(l));
  auto is_prompt = [&](const std::string& text) {
    if (!profile.compiled) return false;
    for (const auto& p : profile.compiled->input_prompt) {
      if (pattern_matches(p, text)) return true;
    }
    return false;
  };
  auto is_chrome = [](const std::string& t) {
    return t.empty() || t.find("───") != std::string::npos || t.find("━━━") != std::string::npos ||
           t.rfind("╭", 0) == 0 || t.rfind("╰", 0) == 0;
  };
  // The input line is the last prompt-looking line; the words are above it,
  // back to the echo of the prompt that began the turn.
  size_t i = lines.size();
  while (i > 0 && !is_prompt(lines[i - 1])) --i;
  if (i == 0) i = lines.size() + 1;
  std::vector<std::string> words;
  for (size_t j = i - 1; j > 0 && words.size() < 4; --j) {
    const std::string& t = lines[j - 1];
    if (is_prompt(t)) break;
    if (!is_chrome(t)) words.insert(words.begin(), t);
  }
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " / ") + w;
  if (out.size() > max_chars) out = out.substr(0, max_chars) + "…";
  return out;
}

}  // namespace kp
