"""Anthropic Messages API for model_server.py (contract in its docstring).

Streaming (SSE: message_start, content_block_start/delta/stop, message_delta
with stop_reason and usage, message_stop) and one-shot JSON replies; script
steps become tool_use blocks for the tools the request lists (Write, Bash,
AskUserQuestion), named as the request names them.
"""

import json
import time
import uuid

try:
    from model_server import Reply, json_reply
except ImportError:  # loaded as a module of the running __main__
    from __main__ import Reply, json_reply  # type: ignore

ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
               500: "api_error", 529: "overloaded_error"}


def text_of(content) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if isinstance(block, dict) and block.get("type") == "text":
            parts.append(block.get("text", ""))
    return "\n".join(parts)


def user_text(content) -> str:
    """A user message's own text: Claude Code's <system-reminder> blocks (CLAUDE.md, git status) left out."""
    if isinstance(content, str):
        return content
    return "\n".join(t for t in (text_of([b]) for b in content or [])
                     if t and not t.lstrip().startswith("<system-reminder>"))


def conversation(body: dict):
    messages = body.get("messages") or []
    first = next((user_text(m.get("content")) for m in messages if m.get("role") == "user"), "")
    turns, previous = 0, None
    for m in messages:  # consecutive assistant messages are one turn
        if m.get("role") == "assistant" and previous != "assistant":
            turns += 1
        previous = m.get("role")
    return first, turns, is_side_request(body)


def is_side_request(body: dict) -> bool:
    """Claude Code's session-title, topic and quota calls: no tools offered, or a tiny budget."""
    if not body.get("tools"):
        return True
    return int(body.get("max_tokens") or 0) <= 1


def tool_name(body: dict, wanted: str) -> str:
    for tool in body.get("tools") or []:
        name = tool.get("name", "")
        if name.lower() == wanted.lower():
            return name
    return wanted


def ask_input(body: dict, question: str) -> dict:
    schema = {}
    for tool in body.get("tools") or []:
        if tool.get("name", "").lower() == "askuserquestion":
            schema = tool.get("input_schema") or {}
    if "questions" in (schema.get("properties") or {}) or not schema:
        return {"questions": [{"question": question, "header": "Question", "multiSelect": False,
                               "options": [{"label": "Yes", "description": "Go ahead"},
                                           {"label": "No", "description": "Stop here"}]}]}
    return {"question": question}


def blocks_for(body: dict, ctx) -> tuple:
    """(content blocks, stop_reason) for this request's step; a tool step's "say" is a text block before it."""
    blocks, stop = step_blocks(body, ctx)
    say = (ctx.step or {}).get("say")
    if say and stop == "tool_use":
        blocks.insert(0, {"type": "text", "text": str(say)})
    return blocks, stop


def step_blocks(body: dict, ctx) -> tuple:
    step = ctx.step
    if ctx.side:
        return [{"type": "text", "text": ctx.script.get("side_text", "Scripted session")}], "end_turn"
    if step is None or "text" in step:
        return [{"type": "text", "text": ctx.final_text()}], "end_turn"
    if "write" in step:
        w = step["write"]
        inp = {"file_path": ctx.abs_path(w["path"]), "content": w.get("content", "")}
        return [tool_use(tool_name(body, "Write"), inp)], "tool_use"
    if "bash" in step:
        inp = {"command": step["bash"], "description": step.get("description", "Run a scripted command")}
        return [tool_use(tool_name(body, "Bash"), inp)], "tool_use"
    if "tick" in step:
        inp = {"command": ctx.tick_command(), "description": "Tick the task's checkbox"}
        return [tool_use(tool_name(body, "Bash"), inp)], "tool_use"
    if "ask" in step:
        return [tool_use(tool_name(body, "AskUserQuestion"), ask_input(body, step["ask"]))], "tool_use"
    return [{"type": "text", "text": ctx.final_text()}], "end_turn"


def tool_use(name: str, inp: dict) -> dict:
    return {"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:24], "name": name, "input": inp}


def usage_for(body: dict, blocks: list) -> dict:
    """Rough but plausible token counts (about four characters a token)."""
    inp = max(1, len(json.dumps(body.get("messages", ""))) // 4 + len(json.dumps(body.get("system", ""))) // 4)
    out = max(1, len(json.dumps(blocks)) // 4)
    return {"input_tokens": inp, "output_tokens": out,
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def error_reply(step: dict) -> Reply:
    err = step["error"]
    status = int(err.get("status", 500))
    headers = {"request-id": "req_" + uuid.uuid4().hex[:20]}
    if "retry_after" in err:
        headers["retry-after"] = str(err["retry_after"])
    if "should_retry" in err:
        headers["x-should-retry"] = "true" if err["should_retry"] else "false"
    message = err.get("message", f"scripted error {status}")
    return json_reply(status, {"type": "error", "error": {"type": ERROR_TYPES.get(status, "api_error"),
                                                          "message": message}}, headers)


def respond(body: dict, ctx) -> Reply:
    step = ctx.step or {}
    if "error" in step and not ctx.side:
        if ctx.sleep_seconds():
            time.sleep(ctx.sleep_seconds())
        return error_reply(step)
    blocks, stop = blocks_for(body, ctx)
    usage = usage_for(body, blocks)
    message = {"id": "msg_" + uuid.uuid4().hex[:24], "type": "message", "role": "assistant",
               "model": body.get("model", "claude-scripted"), "content": blocks,
               "stop_reason": stop, "stop_sequence": None, "usage": usage}
    ctx.log({"event": "reply", "stop_reason": stop, "content": blocks, "usage": usage})
    if not body.get("stream"):
        if ctx.sleep_seconds():
            time.sleep(ctx.sleep_seconds())
        return json_reply(200, message, {"request-id": "req_" + uuid.uuid4().hex[:20]})
    headers = {"content-type": "text/event-stream", "cache-control": "no-cache",
               "request-id": "req_" + uuid.uuid4().hex[:20]}
    return Reply(200, headers, sse_events(message, ctx.sleep_seconds()), streaming=True)


def sse(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def sse_events(message: dict, sleep: float):
    start = dict(message, content=[], stop_reason=None,
                 usage=dict(message["usage"], output_tokens=1))
    yield sse("message_start", {"type": "message_start", "message": start})
    yield sse("ping", {"type": "ping"})
    while sleep > 0:  # the agent shows its busy screen meanwhile; pings keep the stream alive
        time.sleep(min(sleep, 2.0))
        sleep -= 2.0
        yield sse("ping", {"type": "ping"})
    for i, block in enumerate(message["content"]):
        if block["type"] == "text":
            yield sse("content_block_start", {"type": "content_block_start", "index": i,
                                              "content_block": {"type": "text", "text": ""}})
            text = block["text"]
            for at in range(0, len(text), 40):
                yield sse("content_block_delta", {"type": "content_block_delta", "index": i,
                                                  "delta": {"type": "text_delta", "text": text[at:at + 40]}})
        else:
            yield sse("content_block_start", {"type": "content_block_start", "index": i,
                                              "content_block": dict(block, input={})})
            yield sse("content_block_delta", {"type": "content_block_delta", "index": i,
                                              "delta": {"type": "input_json_delta",
                                                        "partial_json": json.dumps(block["input"])}})
        yield sse("content_block_stop", {"type": "content_block_stop", "index": i})
    yield sse("message_delta", {"type": "message_delta",
                                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                                "usage": {"output_tokens": message["usage"]["output_tokens"]}})
    yield sse("message_stop", {"type": "message_stop"})
