"""Gemini API for the scripted model server (see model_server.py's contract).

`:streamGenerateContent?alt=sse` answers SSE lines `data: <GenerateContentResponse>`;
`:generateContent` one JSON body. Script steps become functionCall parts with the
names the request declares (gemini-cli: write_file, run_shell_command). Side requests
(gemini-cli's next-speaker and loop checks ask for JSON with a responseSchema, or
declare no tools) get a short answer and never consume a step.
"""

import json

import tool_steps as S


def _text_of(parts):
    return "\n".join(p["text"] for p in parts or [] if isinstance(p, dict)
                     and isinstance(p.get("text"), str))


def _contents(body):
    c = body.get("contents") or []
    return [c] if isinstance(c, dict) else c


def _wants_json(body):
    cfg = body.get("generationConfig") or body.get("config") or {}
    return bool(cfg.get("responseSchema") or cfg.get("responseJsonSchema") or
                cfg.get("responseMimeType") == "application/json")


def _is_side(body):
    return _wants_json(body) or not _tools(body)


def conversation(body):
    """(user texts joined, prior model turns, is side request)."""
    contents = _contents(body)
    users = [_text_of(c.get("parts")) for c in contents if c.get("role", "user") == "user"]
    # a user turn made only of functionResponse parts is not a prompt
    users = [u for u in users if u]
    turns = sum(1 for c in contents if c.get("role") == "model")
    return S.pick_prompt(users), turns, _is_side(body)


def _tools(body):
    out = {}
    for t in body.get("tools") or []:
        for fn in (t or {}).get("functionDeclarations") or []:
            if fn.get("name"):
                out[fn["name"]] = fn.get("parameters") or fn.get("parametersJsonSchema") or {}
    return out


def _usage(body, out_text):
    inp, out = S.estimate_tokens(json.dumps(body)), S.estimate_tokens(out_text)
    return {"promptTokenCount": inp, "candidatesTokenCount": out, "totalTokenCount": inp + out}


def _response(parts, finish, usage, model):
    cand = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    data = {"candidates": [cand], "modelVersion": model}
    if usage:
        data["usageMetadata"] = usage
    return data


def _answers(body, act, model):
    """The responses that make up one answer: text in a few pieces, or one call."""
    if act[0] == "text":
        chunks = S.pieces(act[1], 48)
        for i, piece in enumerate(chunks):
            last = i == len(chunks) - 1
            yield _response([{"text": piece}], "STOP" if last else None,
                            _usage(body, act[1]) if last else None, model)
    else:
        out = json.dumps(act[2])
        yield _response([{"functionCall": {"name": act[1], "args": act[2]}}], "STOP",
                        _usage(body, out), model)


def _sse(body, act, model):
    for data in _answers(body, act, model):
        yield ("data: %s\r\n\r\n" % json.dumps(data)).encode()


def _merged(body, act, model):
    answers = list(_answers(body, act, model))
    parts = []
    for a in answers:
        parts.extend(a["candidates"][0]["content"]["parts"])
    if act[0] == "text":
        parts = [{"text": "".join(p["text"] for p in parts)}]
    return _response(parts, "STOP", answers[-1].get("usageMetadata"), model)


_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
           404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


def respond(body, ctx):
    _, _, side = conversation(body)
    model = getattr(ctx, "model", None) or "gemini-2.5-pro"
    if side or ctx.side:
        act = ("text", S.side_text(_wants_json(body), ctx))
    else:
        act = S.action(ctx.step, ctx, _tools(body), S.GEMINI_TOOLS, body_text=S.all_text(body))
    if act[0] == "error":
        list(S.sleep_then(ctx, []))
        status = act[1]
        return S.json_reply(status, {"error": {"code": status, "message": act[2],
                                               "status": _STATUS.get(status, "INTERNAL")}})
    ctx.log({"answer": act[0], "tool": act[1] if act[0] == "call" else None})
    if _streams(ctx, side):
        return S.sse_reply(S.sleep_then(ctx, _sse(body, act, model)))
    list(S.sleep_then(ctx, []))
    return S.json_reply(200, _merged(body, act, model))


def _streams(ctx, side):
    """SSE for :streamGenerateContent. The Ctx may carry the request path; without it,
    gemini-cli streams its main turns and asks side questions with :generateContent."""
    path = getattr(ctx, "path", None)
    if path:
        return ":streamGenerateContent" in path
    return not side
