"""Script steps as tool calls, shared by api_openai.py and api_gemini.py.

A step (see model_server.py's script format) becomes one action:
  ('text', str)             a final answer that ends the turn
  ('call', name, args)      a function call, with the tool name and argument shape the
                            request offers (write_file/run_shell_command/exec_command/...)
  ('error', status, msg)    an HTTP error reply
"""

import json
import os
import re
import shlex
import sys
import time
import uuid
from collections import namedtuple

# Tool names by role, best first. codex: exec_command (unified exec) or shell;
# gemini-cli and qwen-code: write_file / run_shell_command; ask: gemini's ask_user.
OPENAI_TOOLS = {
    "shell": ["exec_command", "shell", "run_shell_command", "local_shell", "bash", "Bash"],
    "write": ["write_file", "Write"],
    "ask": ["ask_user", "ask_user_question", "AskUserQuestion"],  # codex: none outside Plan mode
}
GEMINI_TOOLS = OPENAI_TOOLS

_FallbackReply = namedtuple("Reply", "status headers chunks")


def _reply(status, headers, chunks, streaming):
    """model_server's Reply when it is loaded (looked up late: no import cycle)."""
    for name in ("model_server", "__main__"):
        cls = getattr(sys.modules.get(name), "Reply", None)
        if cls is not None:
            return cls(status, headers, chunks, streaming=streaming)
    return _FallbackReply(status, headers, chunks)


def sse_reply(chunks):
    return _reply(200, {"content-type": "text/event-stream", "cache-control": "no-cache"},
                  chunks, True)


def json_reply(status, obj):
    return _reply(status, {"content-type": "application/json"}, [json.dumps(obj).encode()],
                  False)


def new_id():
    return uuid.uuid4().hex[:24]


def estimate_tokens(text):
    """About four characters a token, never zero."""
    return max(1, len(text) // 4)


def pieces(text, size=24):
    """Text cut in a few deltas, as a model streams it."""
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def pick_prompt(user_texts):
    """All user texts joined: the agents put context blocks (AGENTS.md, environment,
    folder listings) in user messages before the prompt; the server's task_pattern
    finds the task in the first one that names it."""
    return "\n".join(t for t in user_texts if t)


_PATH = r"(/[A-Za-z0-9_.~+@%=,-][A-Za-z0-9_./~+@%=,-]*)"
_CWD_PATTERNS = [
    re.compile(r"<cwd>" + _PATH + r"</cwd>"),                                   # codex
    re.compile(r"Workspace Directories:\*\*\s*-\s*" + _PATH),                   # gemini
    re.compile(r"working in the directory:\s*" + _PATH),                        # qwen
    re.compile(r"(?:Primary )?[Ww]orking directory(?: is)?:?\s*`?" + _PATH),     # claude
    re.compile(r"[Cc]urrent working directory(?: is)?:?\s*`?" + _PATH),
]


def all_text(obj, limit=200000):
    """Every string in a request body, joined by newlines (JSON escapes would hide
    the line structure that the working-folder patterns rely on)."""
    out, size, stack = [], 0, [obj]
    while stack and size < limit:
        x = stack.pop()
        if isinstance(x, str):
            out.append(x)
            size += len(x)
        elif isinstance(x, dict):
            stack.extend(reversed(list(x.values())))
        elif isinstance(x, list):
            stack.extend(reversed(x))
    return "\n".join(out)


def find_cwd(text):
    for pat in _CWD_PATTERNS:
        m = pat.search(text)
        if m:
            return m.group(1).rstrip(".:,")
    return None


def _pick(tools, candidates):
    for name in candidates:
        if name in tools:
            return name
    return None


def _props(schema):
    return (schema or {}).get("properties") or {}


def _shell_args(schema, command, escalate=False):
    """Arguments for a shell tool in the shape its schema asks for. `escalate` asks
    codex to run the command outside its sandbox (it then shows an approval menu)."""
    props = _props(schema)
    if "cmd" in props:                                   # codex exec_command
        args = {"cmd": command}
        if escalate and "sandbox_permissions" in props:
            args.update(sandbox_permissions="require_escalated",
                        justification="Scripted step: run %s outside the sandbox?" % command)
        return args
    if (props.get("command") or {}).get("type") == "array":   # codex shell
        return {"command": ["bash", "-lc", command]}
    args = {"command": command}
    if "description" in props:
        args["description"] = "scripted step"
    return args


def _abs(path, cwd):
    if os.path.isabs(path) or not cwd:
        return path
    return os.path.join(cwd, path)


def _write_args(schema, path, content):
    props = _props(schema)
    key = next((k for k in ("file_path", "path", "absolute_path", "filePath") if k in props),
               "file_path")
    return {key: path, "content": content}


def write_command(path, content):
    """A shell command that writes content to path (argv-quoted, any bytes of text)."""
    parent = os.path.dirname(path)
    mk = "mkdir -p %s && " % shlex.quote(parent) if parent else ""
    return "%sprintf '%%s' %s > %s" % (mk, shlex.quote(content), shlex.quote(path))


def _ask_args(schema, question):
    """A question for a person in the asking tool's shape (gemini's ask_user takes a
    list of typed questions); None when the shape is unknown."""
    props = _props(schema)
    if "question" in props:
        return {"question": question}
    if "questions" in props:
        item = _props((props["questions"] or {}).get("items"))
        if "type" in item:  # gemini-cli ask_user
            return {"questions": [{"question": question, "header": "Question", "type": "text"}]}
        if "options" in item:  # qwen-code ask_user_question (Claude Code's shape)
            options = [{"label": "Yes", "description": "Go ahead."},
                       {"label": "No", "description": "Stop here."}]
            return {"questions": [{"question": question, "header": "Question",
                                   "options": options, "multiSelect": False}]}
    return None


def action(step, ctx, tools, names, body_text=""):
    """The script step as an action for a request that offers `tools` ({name: schema})."""
    cwd = getattr(ctx, "cwd", None) or find_cwd(body_text)
    ctx.cwd = cwd
    if step is None:
        return ("text", ctx.final_text())
    shell = _pick(tools, names["shell"])
    if "error" in step:
        err = step["error"] or {}
        return ("error", int(err.get("status", 500)), err.get("message", "scripted error"))
    if "write" in step:
        path = _abs(step["write"]["path"], cwd)
        content = step["write"].get("content", "")
        writer = _pick(tools, names["write"])
        if writer:
            return ("call", writer, _write_args(tools[writer], path, content))
        if shell:
            return ("call", shell, _shell_args(tools[shell], write_command(path, content)))
        return ("text", "No tool to write %s." % path)
    if "bash" in step or "tick" in step:
        cmd = step["bash"] if "bash" in step else ctx.tick_command()
        if shell:
            return ("call", shell, _shell_args(tools[shell], cmd, bool(step.get("escalate"))))
        return ("text", "No shell tool to run: %s" % cmd)
    if "ask" in step:
        asker = _pick(tools, names["ask"])
        args = _ask_args(tools.get(asker), step["ask"]) if asker else None
        return ("call", asker, args) if args else ("text", step["ask"])
    return ("text", ctx.final_text())


def side_text(want_json, ctx):
    """Answer to a side request (titles, next-speaker and loop checks)."""
    if want_json:
        return json.dumps({"reasoning": "The model finished its turn.", "next_speaker": "user",
                           "title": "Scripted session", "is_loop": False})
    return (getattr(ctx, "script", None) or {}).get("side_text") or "Scripted session"


def sleep_then(ctx, chunks):
    """Chunks after the step's sleep: the reply has begun, so the agent shows busy."""
    seconds = ctx.sleep_seconds() if hasattr(ctx, "sleep_seconds") else 0
    if seconds > 0:
        time.sleep(seconds)
    yield from chunks
