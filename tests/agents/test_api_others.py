#!/usr/bin/env python3
"""Tests of api_openai.py and api_gemini.py through a running model_server.py.

Run: python3 tests/agents/test_api_others.py   (standard library only, no agent CLI)
The request bodies are trimmed copies of what codex 0.171, qwen-code 0.24 and
gemini-cli 0.61 sent (see README-others.md).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = "/home/user/repo"

SCRIPT = {
    "default": [{"write": {"path": "hello.txt", "content": "hi 'there'\n"}}, {"bash": "ls -la"},
                {"tick": {"spec": "demo", "task": "1.1"}}, {"text": "All done.", "marker": True}],
    "tasks": {"3.2": [{"error": {"status": 400, "message": "scripted bad request"}}],
              "6.1": [{"ask": "Which database?"}],
              "2.1": [{"bash": "touch /opt/x", "escalate": True}]},
}
PROMPT = "Run /kiro-impl demo %s and print `KP-DONE %s` at the end."

CODEX_TOOLS = [{"type": "function", "name": "exec_command", "parameters": {
    "type": "object", "properties": {"cmd": {"type": "string"}, "justification": {"type": "string"},
                                     "sandbox_permissions": {"type": "string"}}}},
    {"type": "function", "name": "request_user_input", "parameters": {
        "type": "object", "properties": {"questions": {"type": "array"}}}}]
SHELL_SCHEMA = {"type": "object", "properties": {"command": {"type": "string"},
                                                  "description": {"type": "string"}}}
WRITE_SCHEMA = {"type": "object", "properties": {"file_path": {"type": "string"},
                                                  "content": {"type": "string"}}}
QWEN_TOOLS = [{"type": "function", "function": {"name": "write_file", "parameters": WRITE_SCHEMA}},
              {"type": "function", "function": {"name": "run_shell_command", "parameters": SHELL_SCHEMA}},
              {"type": "function", "function": {"name": "ask_user_question", "parameters": {
                  "type": "object", "properties": {"questions": {"type": "array", "items": {
                      "type": "object", "properties": {"question": {}, "header": {}, "options": {}}}}}}}}]
GEMINI_TOOLS = [{"functionDeclarations": [
    {"name": "write_file", "parametersJsonSchema": WRITE_SCHEMA},
    {"name": "run_shell_command", "parametersJsonSchema": SHELL_SCHEMA},
    {"name": "ask_user", "parametersJsonSchema": {"type": "object", "properties": {"questions": {
        "type": "array", "items": {"type": "object", "properties": {
            "question": {}, "header": {}, "type": {}}}}}}}]}]


def codex_body(task, history=()):
    items = [{"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "You are Codex."}]},
             {"type": "message", "role": "user", "content": [{"type": "input_text", "text":
                 "<environment_context>\n  <cwd>%s</cwd>\n</environment_context>" % REPO}]},
             {"type": "message", "role": "user", "content": [{"type": "input_text", "text": PROMPT % (task, task)}]}]
    return {"model": "scripted-model", "stream": True, "input": items + list(history), "tools": CODEX_TOOLS}


def qwen_body(task, history=()):
    msgs = [{"role": "system", "content": "I'm currently working in the directory: %s\n" % REPO},
            {"role": "user", "content": [{"type": "text", "text": PROMPT % (task, task)}]}]
    return {"model": "scripted-model", "stream": True, "stream_options": {"include_usage": True},
            "messages": msgs + list(history), "tools": QWEN_TOOLS}


def gemini_body(task, history=()):
    contents = [{"role": "user", "parts": [{"text": "<session_context>\n- **Workspace Directories:**\n  - %s\n"
                                                    "</session_context>" % REPO}]},
                {"role": "user", "parts": [{"text": PROMPT % (task, task)}]}]
    return {"contents": contents + list(history), "tools": GEMINI_TOOLS,
            "systemInstruction": {"parts": [{"text": "You are Gemini CLI."}]}}


def sse_data(raw):
    """The JSON payloads of an SSE body (skips [DONE])."""
    out = []
    for line in raw.decode().splitlines():
        if line.startswith("data: ") and line[6:].strip() != "[DONE]":
            out.append(json.loads(line[6:]))
    return out


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        with open(os.path.join(d, "script.json"), "w") as f:
            json.dump(SCRIPT, f)
        port_file = os.path.join(d, "port")
        cls.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "model_server.py"),
                                     "--port-file", port_file, "--log", os.path.join(d, "log.jsonl"),
                                     "--script", os.path.join(d, "script.json"), "--max-seconds", "120"])
        for _ in range(100):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        with open(port_file) as f:
            cls.base = "http://127.0.0.1:%s" % f.read().strip()

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(10)
        cls.tmp.cleanup()

    def post(self, path, body):
        req = urllib.request.Request(self.base + path, json.dumps(body).encode(),
                                     {"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()


class ResponsesApiTest(ServerTest):
    def call(self, body):
        status, raw = self.post("/v1/responses", body)
        self.assertEqual(status, 200)
        events = sse_data(raw)
        self.assertEqual(events[0]["type"], "response.created")
        self.assertEqual(events[-1]["type"], "response.completed")
        self.assertGreater(events[-1]["response"]["usage"]["input_tokens"], 0)
        return [e["item"] for e in events if e["type"] == "response.output_item.done"][0]

    def test_write_step_is_a_shell_command_with_an_absolute_path(self):
        item = self.call(codex_body("1.1"))
        self.assertEqual(item["type"], "function_call")
        self.assertEqual(item["name"], "exec_command")
        cmd = json.loads(item["arguments"])["cmd"]
        self.assertIn(REPO + "/hello.txt", cmd)
        out = subprocess.run(["bash", "-c", cmd.replace(REPO, self.tmp.name)], capture_output=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        with open(os.path.join(self.tmp.name, "hello.txt")) as f:
            self.assertEqual(f.read(), "hi 'there'\n")

    def test_step_follows_the_history_and_ends_with_the_marker(self):
        turn = [{"type": "function_call", "name": "exec_command", "arguments": "{}", "call_id": "c"},
                {"type": "function_call_output", "call_id": "c", "output": "ok"}]
        item = self.call(codex_body("1.1", turn * 3))
        self.assertEqual(item["type"], "message")
        self.assertEqual(item["content"][0]["text"], "All done.\nKP-DONE 1.1")

    def test_escalated_bash_asks_to_leave_the_sandbox(self):
        args = json.loads(self.call(codex_body("2.1"))["arguments"])
        self.assertEqual(args["sandbox_permissions"], "require_escalated")

    def test_ask_is_text_for_codex(self):
        self.assertEqual(self.call(codex_body("6.1"))["type"], "message")

    def test_error_step_is_an_http_error(self):
        status, raw = self.post("/v1/responses", codex_body("3.2"))
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(raw)["error"]["message"], "scripted bad request")

    def test_title_request_without_tools_is_a_side_request(self):
        body = codex_body("1.1")
        body["tools"] = []
        item = self.call(body)
        self.assertEqual(item["type"], "message")


class ChatCompletionsTest(ServerTest):
    def call(self, body):
        status, raw = self.post("/v1/chat/completions", body)
        self.assertEqual(status, 200)
        self.assertTrue(raw.rstrip().endswith(b"data: [DONE]"))
        chunks = sse_data(raw)
        self.assertGreater(chunks[-1]["usage"]["total_tokens"], 0)
        return [c["choices"][0]["delta"] for c in chunks if c["choices"]]

    def test_write_step_uses_write_file(self):
        call = [d for d in self.call(qwen_body("1.1")) if "tool_calls" in d][0]["tool_calls"][0]
        self.assertEqual(call["function"]["name"], "write_file")
        args = json.loads(call["function"]["arguments"])
        self.assertEqual(args["file_path"], REPO + "/hello.txt")

    def test_tick_step_is_a_shell_command(self):
        history = [{"role": "assistant", "tool_calls": [{"id": "c"}]}, {"role": "tool", "content": "ok"}]
        call = [d for d in self.call(qwen_body("1.1", history * 2)) if "tool_calls" in d][0]["tool_calls"][0]
        self.assertEqual(call["function"]["name"], "run_shell_command")
        self.assertIn("sed -i", json.loads(call["function"]["arguments"])["command"])

    def test_ask_uses_ask_user_question(self):
        call = [d for d in self.call(qwen_body("6.1")) if "tool_calls" in d][0]["tool_calls"][0]
        args = json.loads(call["function"]["arguments"])
        self.assertEqual(args["questions"][0]["question"], "Which database?")

    def test_suggestion_request_does_not_use_a_step(self):
        body = qwen_body("1.1", [{"role": "user", "content": "[SUGGESTION MODE: Suggest what ...]"}])
        text = "".join(d.get("content") or "" for d in self.call(body))
        self.assertNotIn("tool_calls", json.dumps(self.call(body)))
        self.assertTrue(text)

    def test_non_streaming_reply(self):
        body = qwen_body("1.1")
        body["stream"] = False
        status, raw = self.post("/v1/chat/completions", body)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(raw)["choices"][0]["finish_reason"], "tool_calls")


class GeminiApiTest(ServerTest):
    PATH = "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"

    def call(self, body):
        status, raw = self.post(self.PATH, body)
        self.assertEqual(status, 200)
        chunks = sse_data(raw)
        self.assertGreater(chunks[-1]["usageMetadata"]["totalTokenCount"], 0)
        return [p for c in chunks for p in c["candidates"][0]["content"]["parts"]]

    def test_write_step_is_a_function_call_with_an_absolute_path(self):
        call = self.call(gemini_body("1.1"))[0]["functionCall"]
        self.assertEqual(call["name"], "write_file")
        self.assertEqual(call["args"]["file_path"], REPO + "/hello.txt")

    def test_final_text_after_three_model_turns(self):
        turn = [{"role": "model", "parts": [{"functionCall": {"name": "x", "args": {}}}]},
                {"role": "user", "parts": [{"functionResponse": {"name": "x", "response": {}}}]}]
        text = "".join(p.get("text", "") for p in self.call(gemini_body("1.1", turn * 3)))
        self.assertEqual(text, "All done.\nKP-DONE 1.1")

    def test_ask_uses_ask_user(self):
        call = self.call(gemini_body("6.1"))[0]["functionCall"]
        self.assertEqual(call["args"]["questions"][0]["type"], "text")

    def test_error_step_is_an_http_error_with_a_status_name(self):
        status, raw = self.post(self.PATH, gemini_body("3.2"))
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(raw)["error"]["status"], "INVALID_ARGUMENT")

    def test_router_request_gets_json(self):
        body = gemini_body("1.1")
        del body["tools"]
        body["generationConfig"] = {"responseMimeType": "application/json"}
        status, raw = self.post("/v1beta/models/flash:generateContent", body)
        self.assertEqual(status, 200)
        text = json.loads(raw)["candidates"][0]["content"]["parts"][0]["text"]
        self.assertIn("next_speaker", json.loads(text))


if __name__ == "__main__":
    unittest.main()
