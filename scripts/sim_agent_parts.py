"""The simulated agent's pieces (see sim-agent for what it does): its log, its
plan, the Claude-format transcript, Claude Code's hooks, the terminal and
the permission menus. Python 3 standard library only."""

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import termios
import time
import unicodedata
import uuid


SPINNER = "·✢✳✶✻✽"
FRAME_SECONDS = 0.2  # at most 5 redraws a second while something moves


def now_iso():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def log(what, **fields):
    path = os.environ.get("KP_SIM_LOG")
    if not path:
        return
    parts = [now_iso(), "pid=%d" % os.getpid(), what]
    for key, value in fields.items():
        text = str(value).replace("\n", "\\n")
        parts.append("%s=%s" % (key, text))
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(" ".join(parts) + "\n")
    except OSError:
        pass


def char_width(ch):
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text):
    return sum(char_width(c) for c in text)


def fit(text, width):
    """Cuts text to at most `width` terminal columns."""
    out, used = [], 0
    for ch in text:
        w = char_width(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out)


def pad(text, width):
    text = fit(text, width)
    return text + " " * (width - text_width(text))


class Plan:
    def __init__(self, data):
        self.data = data if isinstance(data, dict) else {}
        self.default = self.data.get("default") or {}
        self.tasks = self.data.get("tasks") or {}

    @staticmethod
    def load(path):
        if not path or not os.path.exists(path):
            return Plan({})
        with open(path, encoding="utf-8") as f:
            return Plan(json.load(f))

    def top(self, key, fallback):
        if key in self.data:
            return self.data[key]
        return self.default.get(key, fallback)

    def task(self, task_id):
        merged = dict(self.default)
        merged.update(self.tasks.get(task_id) or {})
        return merged


class Transcript:
    """A Claude Code session transcript (JSONL): one row per message."""

    def __init__(self, session_id, cwd):
        folder = os.environ.get("KP_SIM_TRANSCRIPT_DIR") or os.path.join(tempfile.gettempdir(),
                                                                           "sim-agent-transcripts")
        os.makedirs(folder, exist_ok=True)
        self.path = os.path.join(folder, session_id + ".jsonl")
        self.session_id = session_id
        self.cwd = cwd
        self.parent = None

    def row(self, kind, message, **extra):
        entry = {"type": kind, "uuid": str(uuid.uuid4()), "parentUuid": self.parent,
                 "sessionId": self.session_id, "cwd": self.cwd, "timestamp": now_iso(), "message": message}
        entry.update(extra)
        self.parent = entry["uuid"]
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def user(self, text):
        self.row("user", {"role": "user", "content": text})

    def assistant(self, text, error=False):
        usage = {"input_tokens": 0 if error else 1200, "output_tokens": 0 if error else len(text.split()) + 20,
                 "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
        message = {"id": "msg_sim_" + uuid.uuid4().hex[:16], "type": "message", "role": "assistant",
                   "model": "sim-agent", "content": [{"type": "text", "text": text}], "usage": usage}
        extra = {"isApiErrorMessage": True} if error else {}
        self.row("assistant", message, **extra)


class Hooks:
    """Claude Code's hooks from --settings: run each matching command with the event's JSON."""

    def __init__(self, settings, cwd):
        self.table = (settings or {}).get("hooks") or {}
        self.cwd = cwd
        self.session_id = str(uuid.uuid4())
        self.transcript = Transcript(self.session_id, cwd) if self.table else None

    def active(self):
        return bool(self.table)

    def commands(self, event, tool=None):
        for entry in self.table.get(event) or []:
            matcher = entry.get("matcher") or "*"
            if tool is not None and matcher != "*" and not re.fullmatch(matcher, tool):
                continue
            for hook in entry.get("hooks") or []:
                if hook.get("type", "command") == "command" and hook.get("command"):
                    yield hook

    def run(self, event, tool=None, **fields):
        """Runs the event's hooks; returns the last JSON answer printed (or {})."""
        if not self.table:
            return {}
        payload = {"session_id": self.session_id, "transcript_path": self.transcript.path, "cwd": self.cwd,
                   "permission_mode": "default", "hook_event_name": event}
        payload.update(fields)
        answer = {}
        for hook in self.commands(event, tool):
            # What a shell would do with kiro-parallel's own command text.
            argv = [os.path.expandvars(word) for word in shlex.split(hook["command"])]
            started = time.monotonic()
            try:
                done = subprocess.run(argv, input=json.dumps(payload), capture_output=True, text=True,
                                      cwd=self.cwd, timeout=float(hook.get("timeout", 60)))
                rc, out = done.returncode, done.stdout
            except (OSError, subprocess.TimeoutExpired) as e:
                rc, out = -1, ""
                log("hook_failed", event=event, error=type(e).__name__)
            decision = None
            if rc == 0 and out.strip():
                try:
                    answer = json.loads(out)
                    decision = (answer.get("hookSpecificOutput") or {}).get("permissionDecision")
                except ValueError:
                    pass
            fields_out = {"event": event, "ms": int((time.monotonic() - started) * 1000), "rc": rc}
            if decision:
                fields_out["decision"] = decision
            log("hook", **fields_out)
        return answer


def load_settings(text):
    """--settings takes JSON text or a file name, as Claude Code's does."""
    if text is None:
        return {}
    if text.lstrip().startswith("{"):
        return json.loads(text)
    with open(text, encoding="utf-8") as f:
        return json.load(f)


class Terminal:
    """Raw-ish input (no echo, no line editing, no signals from keys) on a tty."""

    def __init__(self):
        self.fd = sys.stdin.fileno()
        self.saved = None
        if os.isatty(self.fd):
            self.saved = termios.tcgetattr(self.fd)
            mode = termios.tcgetattr(self.fd)
            mode[0] &= ~(termios.ICRNL | termios.IXON | termios.INLCR | termios.IGNCR)
            mode[3] &= ~(termios.ECHO | termios.ICANON | termios.ISIG | termios.IEXTEN)
            mode[6][termios.VMIN] = 1
            mode[6][termios.VTIME] = 0
            termios.tcsetattr(self.fd, termios.TCSANOW, mode)
        self.write("\x1b[?25l")  # hide the cursor: the screen is drawn, not typed

    def size(self):
        try:
            size = os.get_terminal_size(sys.stdout.fileno())
            return max(size.columns, 20), max(size.lines, 5)
        except OSError:
            return 80, 24

    def write(self, text):
        data = text.encode("utf-8")
        while data:
            try:
                n = os.write(sys.stdout.fileno(), data)
            except InterruptedError:
                continue
            except OSError:
                return
            data = data[n:]

    def restore(self):
        self.write("\x1b[?25h")
        if self.saved is not None:
            try:
                termios.tcsetattr(self.fd, termios.TCSANOW, self.saved)
            except termios.error:
                pass
            self.saved = None


class Menu:
    def __init__(self, kind, number, task_id, cwd):
        self.spec = kind if isinstance(kind, dict) else None  # a menu from the plan's "menus"
        if self.spec is not None:
            kind = "planned_" + str(self.spec.get("kind", "bash"))
        self.kind = kind
        self.number = number
        self.cursor = 3 if kind == "danger" else 1
        if self.spec is not None:
            self.planned(self.spec, cwd)
        elif kind == "create":
            name = "task-%s.txt" % task_id
            self.tool = "Write(sim-output/%s)" % name
            self.title = " Create file"
            self.body = [" sim-output/%s" % name]
            self.question = " Do you want to create %s?" % name
            self.options = ["Yes", "Yes, allow all edits during this session (shift+tab)",
                            "No, and tell Claude what to do differently (esc)"]
        else:
            command = "mkdir -p sim-output" if kind == "proceed" else "rm -rf build/ sim-cache/"
            self.tool = "Bash(%s)" % command
            self.title = " Bash command"
            self.body = ["", "   " + command,
                         "   Prepare the output folder" if kind == "proceed" else
                         "   Remove generated files", ""]
            self.question = " Do you want to proceed?"
            self.options = ["Yes", "Yes, and don't ask again for %s commands in %s"
                            % (command.split()[0], cwd),
                            "No, and tell Claude what to do differently (esc)"]

    def planned(self, spec, cwd):
        kind = str(spec.get("kind", "bash"))
        if kind in ("write", "edit"):
            path = str(spec.get("path", ""))
            name = os.path.basename(path)
            self.tool = "%s(%s)" % ("Write" if kind == "write" else "Update", path)
            self.title = " Create file" if kind == "write" else " Edit file"
            self.body = [" " + path, "╌" * 40, "  1 written by sim-agent", "╌" * 40]
            self.question = (" Do you want to create %s?" if kind == "write"
                             else " Do you want to make this edit to %s?") % name
            self.options = ["Yes", "Yes, allow all edits during this session (shift+tab)",
                            "No, and tell Claude what to do differently (esc)"]
        else:
            command = str(spec.get("command", ""))
            self.tool = "Bash(%s)" % command
            self.title = " Bash command"
            self.body = ["", "   " + command, "   " + str(spec.get("description", "Run the command")), ""]
            self.question = " Do you want to proceed?"
            self.options = ["Yes", "Yes, and don't ask again for %s commands in %s"
                            % ((command.split() or [""])[0], cwd),
                            "No, and tell Claude what to do differently (esc)"]

    def tool_call(self, cwd):
        """The tool name and input a PreToolUse hook is given for this menu."""
        if self.spec is not None and self.kind in ("planned_write", "planned_edit"):
            path = os.path.join(cwd, os.path.expanduser(str(self.spec.get("path", ""))))
            if self.kind == "planned_write":
                return "Write", {"file_path": path, "content": "written by sim-agent\n"}
            return "Edit", {"file_path": path, "old_string": "", "new_string": "written by sim-agent\n"}
        if self.tool.startswith("Write("):
            return "Write", {"file_path": os.path.join(cwd, self.tool[len("Write("):-1]),
                             "content": "implemented by sim-agent\n"}
        command = self.tool[len("Bash("):-1]
        return "Bash", {"command": command, "description": self.body[2].strip() if len(self.body) > 2 else ""}

    def carry_out(self, cwd):
        """What Yes on a planned menu does: write/edit write the file; bash is only logged."""
        if self.spec is None:
            return
        if self.kind in ("planned_write", "planned_edit"):
            path = os.path.join(cwd, os.path.expanduser(str(self.spec.get("path", ""))))
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            with open(path, "a") as f:
                f.write("written by sim-agent\n")
            log("wrote", path=path)
        else:
            log("ran", command=str(self.spec.get("command", "")))

    def lines(self, width):
        out = ["", "─" * width, self.title] + self.body + ["", self.question]
        for i, option in enumerate(self.options, start=1):
            mark = "❯" if i == self.cursor else " "
            out.append(" %s %d. %s" % (mark, i, option))
        out += ["", " Esc to cancel"]
        return out


class Task:
    def __init__(self, spec, task_id, behaviour):
        self.spec = spec
        self.id = task_id
        self.b = behaviour
        self.duration = float(behaviour.get("duration", 1.0))
        self.worked = 0.0  # seconds of work so far (menus pause the clock)
        self.checkpoints = []
        menus = int(behaviour.get("prompts", 0))
        for i in range(1, menus + 1):
            kind = "proceed" if i % 2 == 1 else "create"
            self.checkpoints.append((self.duration * i / (menus + 2), "menu", kind))
        if behaviour.get("danger_menu"):
            self.checkpoints.append((self.duration * (menus + 1) / (menus + 2), "menu", "danger"))
        planned = behaviour.get("menus") or []
        for i, spec in enumerate(planned, start=1):
            self.checkpoints.append((self.duration * i / (len(planned) + 2), "menu", dict(spec)))
        if behaviour.get("crash"):
            self.checkpoints = [c for c in self.checkpoints if c[0] <= self.duration / 2]
            self.checkpoints.append((self.duration / 2, "crash", None))
        elif behaviour.get("error"):
            at = float(behaviour.get("error_after", 0.5))
            self.checkpoints = [c for c in self.checkpoints if c[0] < at]
            self.checkpoints.append((at, "error", str(behaviour["error"])))
        elif not behaviour.get("hang"):
            self.checkpoints.append((self.duration, "finish", None))
        self.checkpoints.sort(key=lambda c: c[0])
        self.menus_shown = 0
