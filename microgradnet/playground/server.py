"""``microgradnet playground``: a small local web server (standard library only).

Binds to 127.0.0.1 only. ``GET /`` is the page (one self-contained HTML file: its CSS and
JavaScript are inlined, nothing is loaded from the network). ``POST /api/session`` opens a
session (one per tab, each with its own model and training thread); ``POST /api/NAME`` with a
JSON body ``{"sid": ..., ...}`` is one request of ``api.handle``. Sessions that nobody polled
for ``idle_seconds`` (the tab was closed) are closed; Ctrl-C stops the server and every thread.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .api import answer, choices, to_json
from .page import page_html
from .session import PlaygroundError, Session

HOST = "127.0.0.1"
MAX_BODY = 1 << 20
MAX_SESSIONS = 32


class PlaygroundServer(ThreadingHTTPServer):
    """The HTTP server holding the sessions."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 8000, *, idle_seconds: float = 120.0,
                 config: dict[str, Any] | None = None) -> None:
        self.sessions: dict[str, Session] = {}  # before binding: a failed bind calls server_close()
        self.sessions_lock = threading.Lock()
        self.idle_seconds = idle_seconds
        self.config = config or {}
        self.page = page_html().encode("utf-8")
        self._stop = threading.Event()
        super().__init__((HOST, port), _Handler)
        self._reaper = threading.Thread(target=self._reap, name="microgradnet-playground-reaper", daemon=True)
        self._reaper.start()

    @property
    def url(self) -> str:
        """Where the page is, e.g. http://127.0.0.1:8000/."""
        return f"http://{HOST}:{self.server_address[1]}/"

    def new_session(self) -> str:
        with self.sessions_lock:
            if len(self.sessions) >= MAX_SESSIONS:
                raise PlaygroundError(f"too many open playground tabs ({MAX_SESSIONS}); close some, reload")
            sid = secrets.token_hex(8)
            self.sessions[sid] = Session(self.config)
            return sid

    def session(self, sid: Any) -> Session:
        with self.sessions_lock:
            s = self.sessions.get(sid) if isinstance(sid, str) else None
        if s is None:
            raise PlaygroundError("this page's session has ended (idle, or the server restarted); reload")
        return s

    def close_session(self, sid: Any) -> None:
        with self.sessions_lock:
            s = self.sessions.pop(sid, None) if isinstance(sid, str) else None
        if s is not None:
            s.close()

    def _reap(self) -> None:
        while not self._stop.wait(5.0):
            now = time.monotonic()
            with self.sessions_lock:
                idle = [sid for sid, s in self.sessions.items() if now - s.last_seen > self.idle_seconds]
            for sid in idle:
                self.close_session(sid)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A dropped connection is normal (a tab closed); anything else is one line, no traceback."""
        import sys

        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            print(f"microgradnet playground: a request failed: {type(exc).__name__}: {exc}", file=sys.stderr)

    def server_close(self) -> None:
        """Stop the reaper and every session's thread, then close the socket."""
        self._stop.set()
        with self.sessions_lock:
            sessions = list(self.sessions.values())
            self.sessions.clear()
        for s in sessions:
            s.close()
        super().server_close()


class _Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle's algorithm holds the body
    # back until the browser's delayed ACK (~40 ms) on a kept-alive connection
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal shows the URL only
        pass

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        # end_headers() would write the headers on their own: one write for headers and body
        self._headers_buffer.append(b"\r\n")
        data = b"".join(self._headers_buffer) + body
        self._headers_buffer = []
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the tab went away mid-answer: nothing to do
            self.close_connection = True

    def _json(self, status: int, obj: dict[str, Any]) -> None:
        self._send(status, to_json(obj).encode("utf-8"), "application/json; charset=utf-8")

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            self._send(200, self.server.page, "text/html; charset=utf-8")
        elif path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
        else:
            self._json(404, {"error": f"no page {path!r}; the playground is at /"})

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        if not path.startswith("/api/"):
            self._json(404, {"error": f"unknown address {path!r}"})
            return
        name = path[len("/api/"):]
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._json(413, {"error": f"request too large (at most {MAX_BODY} bytes)"})
            self.close_connection = True
            return
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            self._json(400, {"error": f"the request is not valid JSON: {e}"})
            return
        if not isinstance(body, dict):
            self._json(400, {"error": "the request body must be a JSON object"})
            return
        try:
            if name == "session":
                self._json(200, {"sid": self.server.new_session(), **choices()})
                return
            if name == "close":
                self.server.close_session(body.get("sid"))
                self._json(200, {"closed": True})
                return
            session = self.server.session(body.get("sid"))
        except PlaygroundError as e:
            self._json(410 if "ended" in str(e) else 503, {"error": str(e)})
            return
        try:
            status, obj = answer(session, name, body)
        except Exception as e:  # a bug must not cost the page its answer: say what happened
            status, obj = 500, {"error": f"{name} failed: {type(e).__name__}: {e}"}
        self._json(status, obj)


def serve(port: int = 8000, *, open_browser: bool = True, config: dict[str, Any] | None = None,
          quiet: bool = False) -> None:
    """Run the playground at http://127.0.0.1:PORT/ until Ctrl-C (port 0: any free port)."""
    import sys

    # page requests get the interpreter between two training steps sooner (this process only)
    sys.setswitchinterval(0.001)
    server = PlaygroundServer(port, config=config)
    if not quiet:
        print(f"microgradnet playground: {server.url}  (Ctrl-C to stop)", flush=True)
    if open_browser:
        import webbrowser

        threading.Timer(0.3, webbrowser.open, args=(server.url,)).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if not quiet:
            print("microgradnet playground: stopped", flush=True)
