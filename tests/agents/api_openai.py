"""OpenAI wire formats for the scripted model server (see model_server.py's contract).

Two APIs share this module, told apart by the request body:
  - the Responses API (`input` list, codex with wire_api="responses"): SSE events
    response.created / output_item.added / output_text.delta / output_item.done /
    response.completed (usage in the last one);
  - Chat Completions (`messages` list, qwen-code and other OpenAI-compatible CLIs):
    chat.completion.chunk SSE ending in `data: [DONE]`, or one JSON body when
    `stream` is false.
Script steps become tool calls with the tool names and parameter shapes that the
request itself offers (codex offers only `exec_command` for an unknown model, so a
`write` step becomes a shell command there).
"""

import json
import time

import tool_steps as S


# ---------------------------------------------------------------- conversation

def _text_of(content):
    """Text of a message content: a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    out = []
    for part in content or []:
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            out.append(part["text"])
    return "\n".join(out)


def _is_responses(body):
    return isinstance(body.get("input"), (list, str))


def _responses_turns(items):
    """(user texts, assistant turns) of a Responses `input` list.

    One model answer is either a message or a group of function calls, so a run of
    consecutive assistant items counts as one turn."""
    users, turns, in_turn = [], 0, False
    for item in items:
        kind = item.get("type", "message")
        role = item.get("role")
        if kind in ("function_call", "custom_tool_call", "local_shell_call") or \
                (kind == "message" and role == "assistant"):
            if not in_turn:
                turns += 1
            in_turn = True
        elif kind == "reasoning":
            continue
        else:
            in_turn = False
            if kind == "message" and role == "user":
                users.append(_text_of(item.get("content")))
    return users, turns


def _chat_turns(messages):
    users = [_text_of(m.get("content")) for m in messages if m.get("role") == "user"]
    turns = sum(1 for m in messages if m.get("role") == "assistant")
    return users, turns


SIDE_MARKERS = ("[SUGGESTION MODE:",)  # qwen-code's follow-up suggestion call


def _is_side(body, users):
    """Requests that are not the agent's main turn: no tools offered, a JSON answer
    wanted (codex's title), or a known side prompt as the last user text."""
    if users and any(users[-1].lstrip().startswith(m) for m in SIDE_MARKERS):
        return True
    if _is_responses(body):
        tools = body.get("tools") or []
        fmt = ((body.get("text") or {}).get("format") or {}).get("type")
        return not tools or fmt == "json_schema"
    tools = body.get("tools") or []
    fmt = (body.get("response_format") or {}).get("type")
    return not tools or fmt in ("json_schema", "json_object")


def _wants_json(body):
    fmt = ((body.get("text") or {}).get("format") or {}).get("type") if _is_responses(body) \
        else (body.get("response_format") or {}).get("type")
    return fmt in ("json_schema", "json_object")


def conversation(body):
    """(first user text that names a task, prior assistant turns, is side request)."""
    if _is_responses(body):
        items = body.get("input")
        if isinstance(items, str):
            items = [{"type": "message", "role": "user", "content": items}]
        users, turns = _responses_turns(items)
    else:
        users, turns = _chat_turns(body.get("messages") or [])
    # codex and qwen put environment/context blocks in early user messages: the
    # first one that names a task is the prompt; else the last real one.
    first = S.pick_prompt(users)
    return first, turns, _is_side(body, users)


# ---------------------------------------------------------------- tools

def _tools(body):
    """{name: parameters schema} of the function tools in the request."""
    out = {}
    for t in body.get("tools") or []:
        if not isinstance(t, dict):
            continue
        fn = t.get("function") if isinstance(t.get("function"), dict) else t
        name = fn.get("name")
        if name:
            out[name] = fn.get("parameters") or {}
    return out


def _action(step, ctx, tools, body):
    """The scripted step as ('text', str) | ('call', name, args) | ('error', status, msg)."""
    return S.action(step, ctx, tools, S.OPENAI_TOOLS, body_text=S.all_text(body))


# ---------------------------------------------------------------- Responses API

def _sse(event, data):
    return ("event: %s\ndata: %s\n\n" % (event, json.dumps(data))).encode()


def _usage_responses(body, out_text):
    inp, out = S.estimate_tokens(json.dumps(body)), S.estimate_tokens(out_text)
    return {"input_tokens": inp, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": out, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": inp + out}


def _responses_item(act, rid):
    if act[0] == "text":
        return {"type": "message", "id": "msg_" + rid, "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": act[1], "annotations": []}]}
    return {"type": "function_call", "id": "fc_" + rid, "call_id": "call_" + rid,
            "name": act[1], "arguments": json.dumps(act[2]), "status": "completed"}


def _responses_stream(body, act, rid):
    model = body.get("model", "scripted")
    item = _responses_item(act, rid)
    resp = {"id": "resp_" + rid, "object": "response", "created_at": int(time.time()),
            "model": model, "status": "in_progress", "output": []}
    yield _sse("response.created", {"type": "response.created", "response": resp})
    yield _sse("response.in_progress", {"type": "response.in_progress", "response": resp})
    added = dict(item, status="in_progress")
    if act[0] == "text":
        added["content"] = []
    else:
        added["arguments"] = ""
    yield _sse("response.output_item.added",
               {"type": "response.output_item.added", "output_index": 0, "item": added})
    if act[0] == "text":
        for piece in S.pieces(act[1]):
            yield _sse("response.output_text.delta",
                       {"type": "response.output_text.delta", "item_id": item["id"],
                        "output_index": 0, "content_index": 0, "delta": piece})
    else:
        yield _sse("response.function_call_arguments.delta",
                   {"type": "response.function_call_arguments.delta", "item_id": item["id"],
                    "output_index": 0, "delta": item["arguments"]})
    yield _sse("response.output_item.done",
               {"type": "response.output_item.done", "output_index": 0, "item": item})
    done = dict(resp, status="completed", output=[item],
                usage=_usage_responses(body, act[1] if act[0] == "text" else item["arguments"]))
    yield _sse("response.completed", {"type": "response.completed", "response": done})


# ---------------------------------------------------------------- Chat Completions

def _usage_chat(body, out_text):
    inp, out = S.estimate_tokens(json.dumps(body)), S.estimate_tokens(out_text)
    return {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out}


def _chunk(rid, model, delta, finish=None, usage=None):
    data = {"id": "chatcmpl-" + rid, "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if usage is not None:
        data["choices"], data["usage"] = [], usage
    return ("data: %s\n\n" % json.dumps(data)).encode()


def _chat_stream(body, act, rid):
    model = body.get("model", "scripted")
    yield _chunk(rid, model, {"role": "assistant", "content": ""})
    if act[0] == "text":
        for piece in S.pieces(act[1]):
            yield _chunk(rid, model, {"content": piece})
        finish, out = "stop", act[1]
    else:
        out = json.dumps(act[2])
        call = {"index": 0, "id": "call_" + rid, "type": "function",
                "function": {"name": act[1], "arguments": out}}
        yield _chunk(rid, model, {"tool_calls": [call]})
        finish = "tool_calls"
    yield _chunk(rid, model, {}, finish)
    yield _chunk(rid, model, {}, usage=_usage_chat(body, out))
    yield b"data: [DONE]\n\n"


def _chat_once(body, act, rid):
    msg = {"role": "assistant", "content": None}
    if act[0] == "text":
        msg["content"], finish, out = act[1], "stop", act[1]
    else:
        out = json.dumps(act[2])
        msg["tool_calls"] = [{"id": "call_" + rid, "type": "function",
                              "function": {"name": act[1], "arguments": out}}]
        finish = "tool_calls"
    return {"id": "chatcmpl-" + rid, "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "scripted"),
            "choices": [{"index": 0, "message": msg, "finish_reason": finish}],
            "usage": _usage_chat(body, out)}


# ---------------------------------------------------------------- entry point

def _error_body(status, message):
    kinds = {400: "invalid_request_error", 401: "authentication_error",
             429: "rate_limit_exceeded", 500: "server_error", 503: "server_error"}
    return {"error": {"message": message, "type": kinds.get(status, "server_error"),
                      "code": kinds.get(status, "server_error"), "param": None}}


def respond(body, ctx):
    tools = _tools(body)
    _, _, side = conversation(body)
    if side or ctx.side:
        act = ("text", S.side_text(_wants_json(body), ctx))
    else:
        act = _action(ctx.step, ctx, tools, body)
    if act[0] == "error":
        list(S.sleep_then(ctx, []))
        return S.json_reply(act[1], _error_body(act[1], act[2]))
    rid = S.new_id()
    ctx.log({"answer": act[0], "tool": act[1] if act[0] == "call" else None})
    if _is_responses(body):
        return S.sse_reply(S.sleep_then(ctx, _responses_stream(body, act, rid)))
    if body.get("stream"):
        return S.sse_reply(S.sleep_then(ctx, _chat_stream(body, act, rid)))
    list(S.sleep_then(ctx, []))
    return S.json_reply(200, _chat_once(body, act, rid))
