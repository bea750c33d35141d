#!/usr/bin/env python3
"""Scripted model server for the real-agent tests (Python 3 standard library only).

Run:  model_server.py --port-file F [--log F] [--script F] [--max-seconds N]

Listens on 127.0.0.1 on a free port, writes that port to --port-file once it
listens, logs every request as one JSON line to --log, re-reads --script
(JSON) on every request so a test can change it mid-run, exits cleanly on
SIGTERM/SIGINT and by itself after --max-seconds (default 3600).

Routing by path:
  POST /v1/messages[?beta=true]                  -> api_anthropic.py
  POST /v1/responses, /v1/chat/completions       -> api_openai.py
  POST /v1beta/models/<m>:(stream)GenerateContent -> api_gemini.py
  HEAD / and GET of anything unknown              -> 200 {}
An API module that is absent answers 501.

API module contract (stable; every api_*.py module exports both):
  conversation(body: dict) -> (first_user_text: str, prior_assistant_turns: int,
                               is_side_request: bool)
  respond(body: dict, ctx: Ctx) -> Reply
Ctx (defined here) carries:
  step   the script step (dict) for this request, or None when the script is
         exhausted (answer the final text "Done.") or for a side request;
  index  the step index (= prior assistant turns), task (task id or None),
  cwd    the agent's working folder when found in the request (module sets
         it with ctx.cwd = ... if the server could not; see find_cwd),
  side   True for a side request (session title, quota check): answer a short
         text and never consume a step;
  log(dict) appends an event line to the request log;
  helpers: final_text(), abs_path(p), tick_command(), sleep_seconds().
Reply(status, headers, chunks): chunks is an iterable of bytes; when
  streaming is True they are sent as they come (chunked, for SSE), otherwise
  joined into one body with a Content-Length.

Stateless step choice: a request's step index is the number of assistant
turns already in its history, so concurrent sessions and retries need no
server state. The task is found in the first user message with the script's
task_pattern (default DEFAULT_TASK_PATTERN, group 1 = task id).

Script: {"task_pattern": "...", "marker_pattern": "...", "side_text": "...",
         "default": [steps], "tasks": {"1.1": [steps], ...}}
Steps:
  {"text": "..."}                               final text, ends the turn
  {"write": {"path": "rel/or/abs", "content": "..."}}  Write tool call
  {"bash": "command"}                           Bash tool call
  {"tick": {"spec": "demo", "task": "1.1"}}     Bash call ticking "- [ ] 1.1"
                                                in .kiro/specs/<spec>/tasks.md
  {"ask": "question"}                           a question for a person
  {"error": {"status": 400|429|500|529, "message": "...", "retry_after": s}}
  a tool step may hold {"say": "text"} (a text block before the tool call);
  any step may hold {"sleep": seconds} (delay before answering) and a text
  step {"marker": true} (append the completion marker line the prompt asks
  for, found with marker_pattern) or {"marker": "literal line"}.
A step list that does not end with a text step gets a final "Done." text.
"""

import argparse
import dataclasses
import importlib
import json
import os
import re
import shlex
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Optional

# "/kiro-impl demo 1.1" typed as prose, or as Claude Code records a slash command:
# "<command-name>/kiro-impl</command-name>\n<command-args>demo 1.1</command-args>".
DEFAULT_TASK_PATTERN = r"(?:kiro-impl|spec-impl)(?:</command-name>\s*<command-args>|\s+)\S+\s+([0-9][0-9.]*[0-9]|[0-9])"
# The completion marker: the first `backquoted` text after "print"/"output"/"end with"
# in the prompt, unless the script gives marker_pattern (group 1 = the line).
DEFAULT_MARKER_PATTERN = r"(?:print|output|end (?:your answer )?with|reply with)[^`\n]{0,200}`([^`\n]+)`"
FINAL_DONE = {"text": "Done."}

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@dataclasses.dataclass
class Reply:
    status: int
    headers: dict
    chunks: Iterable[bytes]
    streaming: bool = False


def json_reply(status: int, obj: Any, headers: Optional[dict] = None) -> Reply:
    h = {"content-type": "application/json"}
    h.update(headers or {})
    return Reply(status, h, [json.dumps(obj).encode()])


@dataclasses.dataclass
class Ctx:
    step: Optional[dict]
    index: int
    task: Optional[str]
    cwd: Optional[str]
    side: bool
    first_user_text: str
    script: dict
    log: Callable[[dict], None]

    def final_text(self) -> str:
        """The text of a text step (or "Done."), with the marker line when asked."""
        step = self.step or FINAL_DONE
        text = str(step.get("text", "Done."))
        marker = step.get("marker")
        if isinstance(marker, str):
            text += "\n" + marker
        elif marker:
            found = find_marker(self.first_user_text, self.script)
            if found:
                text += "\n" + found
            else:
                self.log({"event": "marker_not_found"})
        return text

    def abs_path(self, path: str) -> str:
        if os.path.isabs(path) or not self.cwd:
            return path
        return os.path.join(self.cwd, path)

    def tick_command(self) -> str:
        tick = (self.step or {}).get("tick") or {}
        return tick_command(str(tick.get("spec", "")), str(tick.get("task", self.task or "")))

    def sleep_seconds(self) -> float:
        try:
            return float((self.step or {}).get("sleep", 0))
        except (TypeError, ValueError):
            return 0.0


def tick_command(spec: str, task: str) -> str:
    """A sed call that ticks '- [ ] <task>' (also '- [ ]* <task>' and a major's '- [ ] <task>.') in the spec's tasks.md."""
    if not re.fullmatch(r"[A-Za-z0-9._-]+", spec) or not re.fullmatch(r"[0-9][0-9.]*", task):
        raise ValueError(f"tick: bad spec or task: {spec!r} {task!r}")
    expr = r"s/^([[:space:]]*- )\[ \](\*?[[:space:]]+" + re.escape(task).replace("\\.", "[.]") + \
        r"[.]?([[:space:]]|$))/\1[x]\2/"
    return "sed -i -E " + shlex.quote(expr) + " " + shlex.quote(f".kiro/specs/{spec}/tasks.md")


def find_marker(text: str, script: dict) -> Optional[str]:
    m = re.search(script.get("marker_pattern") or DEFAULT_MARKER_PATTERN, text, re.I)
    return m.group(1) if m else None


def find_cwd(text: str) -> Optional[str]:
    """The working folder as agents state it in their system prompt."""
    for pattern in (r"(?:Primary )?[Ww]orking directory:\s*(/\S+)",
                    r"[Cc]urrent working directory(?: is)?:?\s*`?(/[^\s`]+)"):
        m = re.search(pattern, text)
        if m:
            return m.group(1).rstrip(".,")
    return None


def strings_in(obj, limit=2000):
    """Every string in a decoded JSON body (depth-first, at most `limit` of them)."""
    out, stack = [], [obj]
    while stack and len(out) < limit:
        o = stack.pop()
        if isinstance(o, str):
            out.append(o)
        elif isinstance(o, dict):
            stack.extend(reversed(list(o.values())))
        elif isinstance(o, list):
            stack.extend(reversed(o))
    return out


def find_cwd_in(body: dict) -> Optional[str]:
    for text in strings_in(body):
        if "orking directory" in text:
            found = find_cwd(text)
            if found:
                return found
    return None


def steps_for(script: dict, task: Optional[str]) -> list:
    tasks = script.get("tasks") or {}
    steps = list(tasks.get(task) if task in tasks else script.get("default") or [])
    if not steps or "text" not in steps[-1] or "error" in steps[-1]:
        steps.append(dict(FINAL_DONE))
    return steps


def choose_step(script: dict, first_user_text: str, turns: int) -> tuple:
    m = re.search(script.get("task_pattern") or DEFAULT_TASK_PATTERN, first_user_text)
    task = m.group(1) if m else None
    if task:
        task = task.strip("`'\".,")
    steps = steps_for(script, task)
    return task, (steps[turns] if turns < len(steps) else None)


class Server:
    def __init__(self, args):
        self.args = args
        self.log_lock = threading.Lock()
        self.modules = {}

    def load_script(self) -> dict:
        if not self.args.script:
            return {}
        try:
            with open(self.args.script, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            self.log({"event": "script_error", "error": str(e)})
            return {}

    def log(self, entry: dict) -> None:
        if not self.args.log:
            return
        entry = {"time": round(time.time(), 3), **entry}
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self.log_lock, open(self.args.log, "a", encoding="utf-8") as f:
            f.write(line)

    def module(self, name: str):
        if name not in self.modules:
            try:
                self.modules[name] = importlib.import_module(name)
            except ImportError:
                self.modules[name] = None
        return self.modules[name]


def route(path: str) -> Optional[str]:
    p = path.split("?", 1)[0]
    if p.rstrip("/").endswith("/v1/messages"):
        return "api_anthropic"
    if p.endswith("/v1/responses") or p.endswith("/chat/completions"):
        return "api_openai"
    if re.search(r"/models/[^/]+:(?:stream)?[gG]enerateContent$", p):
        return "api_gemini"
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kp-model-server/1"
    srv: Server = None  # set by main

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def read_body(self) -> Any:
        n = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(n) if n else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        if reply.streaming:
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for chunk in reply.chunks:
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        else:
            body = b"".join(reply.chunks)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        self.wfile.flush()

    def do_HEAD(self):
        self.srv.log({"method": "HEAD", "path": self.path})
        self.send(json_reply(200, {}))

    def do_GET(self):
        self.srv.log({"method": "GET", "path": self.path})
        self.send(json_reply(200, {}))

    def do_POST(self):
        body = self.read_body()
        name = route(self.path)
        entry = {"method": "POST", "path": self.path, "body": body}
        mod = self.srv.module(name) if name else None
        if name is None or not isinstance(body, dict):
            self.srv.log(entry)
            return self.send(json_reply(200, {}))
        if mod is None:
            self.srv.log({**entry, "error": f"{name}.py is not available"})
            return self.send(json_reply(501, {"error": {"message": f"{name}.py is not available"}}))
        try:
            self.send(self.answer(mod, body, entry))
        except (BrokenPipeError, ConnectionResetError):
            self.srv.log({"event": "client_gone", "path": self.path})

    def answer(self, mod, body: dict, entry: dict) -> Reply:
        script = self.srv.load_script()
        first, turns, side = mod.conversation(body)
        task, step = (None, None) if side else choose_step(script, first, turns)
        cwd = find_cwd_in(body)
        ctx = Ctx(step=step, index=turns, task=task, cwd=cwd, side=side, first_user_text=first,
                  script=script, log=lambda d: self.srv.log({"path": self.path, "task": task, **d}))
        self.srv.log({**entry, "api": mod.__name__, "side": side, "task": task, "index": turns,
                      "step": step, "cwd": cwd})
        try:
            return mod.respond(body, ctx)
        except Exception as e:  # a bad script step must not kill the server
            ctx.log({"event": "respond_error", "error": repr(e)})
            return json_reply(500, {"type": "error", "error": {"type": "api_error", "message": repr(e)}})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Scripted model server for real-agent tests")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--script")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--max-seconds", type=float, default=3600)
    args = ap.parse_args(argv)
    srv = Server(args)
    Handler.srv = srv
    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    httpd.daemon_threads = True
    stop = threading.Event()

    def on_signal(signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    port = httpd.server_address[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, args.port_file)
    srv.log({"event": "listening", "port": port, "pid": os.getpid()})
    stop.wait(args.max_seconds)
    srv.log({"event": "stopping", "reason": "signal" if stop.is_set() else "max-seconds"})
    httpd.shutdown()
    httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
