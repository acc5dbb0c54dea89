"""``microgradnet playground``: a small local web server (standard library only).

It follows the rules of every local page the library serves (``microgradnet.localserver``):
loopback only, its own Host names only, a per-launch secret in the printed URL (kept as an
HttpOnly, SameSite=Strict cookie), same-origin JSON requests only, read and idle timeouts, a
bounded number of connections. ``GET /?token=...`` is the page (one self-contained HTML file:
its CSS and JavaScript are inlined, nothing is loaded from the network) and sets the cookie;
``GET /`` with the cookie is the page too. ``POST /api/session`` opens a session (one per tab,
each with its own model and training thread); ``POST /api/NAME`` with a JSON body
``{"sid": ..., ...}`` is one request of ``api.handle``. Sessions that nobody polled for
``idle_seconds`` (the tab was closed) are closed;
Ctrl-C stops the server and every thread within about a second.
"""

from __future__ import annotations

import collections
import secrets
import sys
import threading
import time
from typing import Any

from ..localserver import LocalHandler, LocalServer, RequestError
from .api import answer, choices, to_json
from .page import page_html
from .session import PlaygroundError, Session

HOST = "127.0.0.1"
MAX_SESSIONS = 32  # open at once; a new tab past it closes the session idle longest
NEW_SESSIONS_PER_MINUTE = 30  # a page reload opens one: 30 a minute is far beyond a teacher's pace
YIELD_AFTER = 3.0  # seconds unpolled before a session may be closed to make room (a playing tab polls)
CLOSE_SECONDS = 1.0  # Ctrl-C waits at most this long for the training threads


class PlaygroundServer(LocalServer):
    """The HTTP server holding the sessions."""

    name = "microgradnet playground"

    def __init__(self, port: int = 8000, *, idle_seconds: float = 120.0,
                 config: dict[str, Any] | None = None, host: str = HOST, **limits: Any) -> None:
        """``limits``: ``read_timeout``, ``idle_timeout``, ``max_connections`` (see LocalServer)."""
        self.sessions: dict[str, Session] = {}  # before binding: a failed bind calls server_close()
        self.sessions_lock = threading.Lock()
        self.idle_seconds = idle_seconds
        self.config = config or {}
        self.page = page_html().encode("utf-8")
        self._created: collections.deque[float] = collections.deque()
        self._building = 0  # sessions being built outside the lock: they count as open
        self._stop = threading.Event()
        super().__init__(host, port, _Handler, **limits)
        self._reaper = threading.Thread(target=self._reap, name="microgradnet-playground-reaper", daemon=True)
        self._reaper.start()

    def new_session(self) -> str:
        """Open a session: at most NEW_SESSIONS_PER_MINUTE a minute and MAX_SESSIONS at once; when
        full, the session unpolled longest yields (a closed tab's, or a paused one's), so a burst
        of new sessions never keeps a new tab of the teacher's out."""
        now = time.monotonic()
        with self.sessions_lock:
            while self._created and now - self._created[0] > 60.0:
                self._created.popleft()
            if len(self._created) >= NEW_SESSIONS_PER_MINUTE:
                raise RequestError(429, f"too many new playground tabs this minute "
                                        f"({NEW_SESSIONS_PER_MINUTE}); wait a few seconds and reload")
            victim = None
            if len(self.sessions) + self._building >= MAX_SESSIONS and self.sessions:
                sid_old, oldest = min(self.sessions.items(), key=lambda kv: kv[1].last_seen)
                if now - oldest.last_seen < YIELD_AFTER:
                    raise RequestError(503, f"too many open playground tabs ({MAX_SESSIONS}), all in use; "
                                            "close some and reload")
                victim = self.sessions.pop(sid_old)
            elif len(self.sessions) + self._building >= MAX_SESSIONS:
                raise RequestError(503, f"too many playground tabs ({MAX_SESSIONS}) opening at once; reload")
            self._created.append(now)
            self._building += 1
        try:
            if victim is not None:
                victim.close()
            session = Session(self.config)  # outside the lock: building the data and model takes a while
        finally:
            with self.sessions_lock:
                self._building -= 1
        sid = secrets.token_hex(8)
        with self.sessions_lock:
            self.sessions[sid] = session
        return sid

    def session(self, sid: Any) -> Session:
        with self.sessions_lock:
            s = self.sessions.get(sid) if isinstance(sid, str) else None
        if s is None:
            raise RequestError(410, "this page's session has ended (idle, or the server restarted); reload")
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

    def server_close(self) -> None:
        """Stop the reaper and every session's thread (together, at most CLOSE_SECONDS), then the
        socket. A thread still busy after that is a daemon: it ends with the process."""
        self._stop.set()
        with self.sessions_lock:
            sessions = list(self.sessions.values())
            self.sessions.clear()
        closers = [threading.Thread(target=s.close, daemon=True) for s in sessions]
        for t in closers:
            t.start()
        end = time.monotonic() + CLOSE_SECONDS
        for t in closers:
            t.join(max(0.0, end - time.monotonic()))
        super().server_close()


class _Handler(LocalHandler):
    server: PlaygroundServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path, _, query = self.path.partition("?")
        if path not in ("/", "/index.html"):
            if path == "/favicon.ico":
                self.send_body(204, b"", "image/x-icon")
            else:
                self.send_text(404, f"no page {path!r}; the playground is at /")
            return
        token = next((v for k, _, v in (p.partition("=") for p in query.split("&")) if k == "token"), None)
        if token is not None and self.server.has_secret(token):
            # the page, and the key as a cookie for its requests. Not a redirect to "/": when the
            # link is opened from another site (a chat, a slide, a file), the browser would not
            # send a SameSite=Strict cookie with the redirected request. The page's first script
            # takes the key out of the address bar instead (page.py)
            cookie = f"{self.server.cookie_name}={self.server.token}; Path=/; HttpOnly; SameSite=Strict"
            self.send_body(200, self.server.page, "text/html; charset=utf-8", {"Set-Cookie": cookie})
        elif self.server.has_secret(self.secret_cookie()):
            self.send_body(200, self.server.page, "text/html; charset=utf-8")
        else:
            self.send_text(403, "microgradnet playground: open the link printed in the terminal "
                                "(http://127.0.0.1:PORT/?token=...); it carries this launch's key")

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        if not path.startswith("/api/"):
            self.close_connection = True  # its body is unread: never parse it as a next request
            self.send_text(404, f"unknown address {path!r}")
            return
        name = path[len("/api/"):]
        body = None
        try:
            self.check_api()  # before reading the body: a refused request costs nothing
            body = self.read_json()
            status, obj = self._answer(name, body)
        except RequestError as e:
            status, obj = e.status, {"error": str(e)}
            if body is None:  # refused unread: close, or its body would be read as the next request
                self.close_connection = True
        self.send_body(status, to_json(obj).encode("utf-8"), "application/json; charset=utf-8")

    def _answer(self, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            if name == "session":
                return 200, {"sid": self.server.new_session(), **choices()}
            if name == "close":
                self.server.close_session(body.get("sid"))
                return 200, {"closed": True}
            return answer(self.server.session(body.get("sid")), name, body)
        except RequestError:
            raise
        except PlaygroundError as e:
            return 400, {"error": str(e)}
        except Exception as e:  # a bug must not cost the page its answer: say what happened
            return 500, {"error": f"{name} failed: {type(e).__name__}: {e}"}


def serve(port: int = 8000, *, open_browser: bool = True, config: dict[str, Any] | None = None,
          quiet: bool = False, host: str = HOST) -> None:
    """Run the playground until Ctrl-C (port 0: any free port); prints and opens its URL
    ``http://127.0.0.1:PORT/?token=...``. Returns after Ctrl-C, having stopped every thread."""
    # page requests get the interpreter between two training steps sooner (this process only)
    sys.setswitchinterval(0.001)
    server = PlaygroundServer(port, config=config, host=host)
    if not quiet:
        # the URL alone on the first line (its key makes it long): easy to copy, within 100 columns
        print(f"microgradnet playground: {server.url}", flush=True)
        print("open that link (it carries this launch's key); Ctrl-C stops the server", flush=True)
    if open_browser:
        import webbrowser

        opener = threading.Timer(0.3, webbrowser.open, args=(server.url,))
        opener.daemon = True  # a browser that never returns must not keep the process alive
        opener.start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if not quiet:
            print("microgradnet playground: stopped", flush=True)
