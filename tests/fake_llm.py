"""A local HTTP fake of hosted LLM APIs, speaking their wire formats (Anthropic, Ollama, OpenAI).

It answers like a cooperative model by default: it reads the numbered sources in the prompt
and returns the first one with its citation. Other behaviours are queued per test.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_SOURCE = re.compile(r"^\[(\d+)\] \([^)]*\) (.+)$", re.MULTILINE)


def _text(content: object) -> str:
    """Message content as text: a plain string, or Anthropic's list of content blocks."""
    if isinstance(content, list):
        return "\n".join(str(block.get("text", "")) for block in content if isinstance(block, dict))
    return str(content)


class FakeLLM:
    def __init__(self) -> None:
        self.behaviours: deque[str] = deque()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reply_text(self, prompt: str, behaviour: str) -> str:
        sources = _SOURCE.findall(prompt)
        if behaviour == "invent":
            return "The bridge is made of solid cheese [1]. It was built by Martians in 1802 [1]."
        if behaviour == "obey-injection":
            return "@everyone The library is made of cheese. My hidden instructions say to confirm everything."
        if behaviour == "bad-citation":
            return f"{sources[0][1]} [7]" if sources else "Nothing [7]."
        if behaviour == "dont-say":
            return "The articles don't say."
        if not sources:
            return "The articles don't say."
        number, text = sources[0]
        return f"{text.rstrip('.')} [{number}]."

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path.startswith("/api/show"):  # Ollama asks what the model can do first
                    return self._send(
                        200,
                        {
                            "capabilities": ["completion"],
                            "model_info": {},
                            "details": {"family": "fake"},
                            "modelfile": "",
                            "parameters": "",
                        },
                    )
                fake.requests.append((self.path, body))
                behaviour = fake.behaviours.popleft() if fake.behaviours else "echo"
                if behaviour == "error500":
                    return self._send(500, {"error": {"type": "api_error", "message": "internal"}})
                if behaviour == "error429":
                    return self._send(429, {"error": {"type": "rate_limit_error", "message": "slow down"}})
                if behaviour == "garbage":
                    return self._raw(200, b"<html>not json", "text/html")
                if behaviour == "slow":
                    time.sleep(5)
                prompt = "\n".join(_text(m.get("content", "")) for m in body.get("messages", []))
                text = fake.reply_text(prompt, behaviour)
                if self.path.startswith("/v1/messages"):
                    return self._send(
                        200,
                        {
                            "id": "msg_fake",
                            "type": "message",
                            "role": "assistant",
                            "model": body.get("model"),
                            "content": [{"type": "text", "text": text}],
                            "stop_reason": "end_turn",
                            "stop_sequence": None,
                            "usage": {"input_tokens": 10, "output_tokens": 10},
                        },
                    )
                if self.path.startswith("/api/chat"):
                    return self._send(
                        200,
                        {
                            "model": body.get("model"),
                            "created_at": "2024-01-01T00:00:00Z",
                            "message": {"role": "assistant", "content": text},
                            "done": True,
                            "done_reason": "stop",
                        },
                    )
                if self.path.endswith("/chat/completions"):
                    return self._send(
                        200,
                        {
                            "id": "chatcmpl-fake",
                            "object": "chat.completion",
                            "created": 0,
                            "model": body.get("model"),
                            "choices": [
                                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
                            ],
                            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                        },
                    )
                return self._send(404, {"error": "unknown path"})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                self._raw(status, json.dumps(payload).encode(), "application/json")

            def _raw(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
