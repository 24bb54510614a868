"""Local webhook receivers that answer as Slack (200 "ok") and Teams workflows (202) do, keep
every JSON body they accepted, and can be told to fail the next requests (500s, then success)."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Webhooks:
    def __init__(self):
        self.received: dict[str, list[dict]] = defaultdict(list)
        self.fail: dict[str, int] = defaultdict(int)  # path -> how many requests answer 500
        self.attempts: dict[str, int] = defaultdict(int)
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hooks.attempts[self.path] += 1
                if hooks.fail[self.path] > 0:
                    hooks.fail[self.path] -= 1
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"internal error")
                    return
                if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                    self.send_response(400)
                    self.end_headers()
                    return
                hooks.received[self.path].append(json.loads(body))
                teams = self.path.startswith("/teams")
                self.send_response(202 if teams else 200)
                self.end_headers()
                self.wfile.write(b"" if teams else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
