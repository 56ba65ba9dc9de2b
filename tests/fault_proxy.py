"""A fault-injecting HTTP proxy in front of a real server, for transport tests.

Each POST takes the next fault from a script: "ok" forwards to the upstream server,
"429" answers Too Many Requests with Retry-After, "503" answers Service Unavailable,
"drop" closes the connection without a reply, "hang" sleeps past any client timeout,
"truncate" forwards but sends only half the body. Every request's headers are recorded.
"""

from __future__ import annotations

import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


class FaultProxy:
    def __init__(self, upstream: str, retry_after: str = "1", hang_seconds: float = 30.0) -> None:
        self.upstream = upstream.rstrip("/")  # e.g. http://127.0.0.1:PORT (no /v1)
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.script: deque[str] = deque()
        self.seen: list[str] = []  # fault applied to each POST, in order
        self.headers: list[dict] = []
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                response = httpx.get(proxy.upstream + self.path, timeout=30)
                self._reply(response.status_code, response.content)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with proxy._lock:
                    fault = proxy.script.popleft() if proxy.script else "ok"
                    proxy.seen.append(fault)
                    proxy.headers.append({k.lower(): v for k, v in self.headers.items()})
                    proxy.bodies.append(body)
                if fault == "429":
                    self._reply(429, b'{"error": "rate limited"}', {"Retry-After": proxy.retry_after})
                elif fault == "503":
                    self._reply(503, b'{"error": "loading"}')
                elif fault == "drop":
                    self.close_connection = True
                elif fault == "hang":
                    proxy._stop.wait(proxy.hang_seconds)
                    self.close_connection = True
                else:
                    headers = {k: v for k, v in self.headers.items() if k.lower() in {"content-type", "authorization"}}
                    response = httpx.post(proxy.upstream + self.path, content=body, headers=headers, timeout=120)
                    content = response.content
                    if fault == "truncate":
                        self.send_response(response.status_code)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(content)))
                        self.end_headers()
                        self.wfile.write(content[: len(content) // 2])
                        self.close_connection = True
                    else:
                        self._reply(response.status_code, content)

            def _reply(self, status: int, content: bytes, extra: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(content)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "FaultProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def inject(self, *faults: str) -> None:
        with self._lock:
            self.script.extend(faults)
