"""The rules every local web page the library serves follows (today: ``microgradnet playground``).

A server on 127.0.0.1 is reachable by every program on the machine and, through the browser, by
every web page the user has open. So a ``LocalServer``:

- binds a loopback address only (127.0.0.1, localhost or ::1; anything else is a ValueError);
- answers only requests whose ``Host`` is its own (``127.0.0.1:PORT``, ``localhost:PORT``,
  ``[::1]:PORT``): a page that rebinds its own name to 127.0.0.1 gets 403 before any work;
- has a per-launch secret: the URL it prints (``http://127.0.0.1:PORT/?token=...``, as Jupyter
  does) is the page, and sets the secret as a cookie. The cookie is ``HttpOnly`` (the page's
  script never holds the secret) and ``SameSite=Strict`` (the browser attaches it to no request
  another site starts); the page then takes the secret out of the address bar a class is
  looking at. ``GET /`` without it shows only "open the link printed in the terminal";
- lets a state-changing request (``check_api``) through only with a same-origin ``Origin`` (or
  ``Sec-Fetch-Site: same-origin``), ``Content-Type: application/json`` (so a cross-site request
  needs a CORS preflight, never granted) and the secret; anything missing is 403;
- drops stalled and idle connections: a request (headers and body) must arrive within
  ``read_timeout`` seconds, a kept-alive connection may idle ``idle_timeout`` seconds; at most
  ``max_connections`` are open, and a new one closes the connection waiting longest (after a
  0.5 s grace: a browser sends its request at once), so a flood of stalled sockets never keeps
  the page's own requests out; with every connection busy, a new one waits up to 2 s, then 503;
- when out of file descriptors, backs off (never a busy loop), closes idle connections and says
  so on stderr (at most once a minute); listens with a backlog of 128;
- sends ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'`` (no framing by other sites) and
  no Python version in ``Server``.
"""

from __future__ import annotations

import errno
import hmac
import json
import math
import secrets
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOOPBACK = {"127.0.0.1": socket.AF_INET, "localhost": socket.AF_INET, "::1": socket.AF_INET6}
READ_TIMEOUT = 10.0  # seconds for a whole request (headers and body) to arrive
IDLE_TIMEOUT = 15.0  # seconds a kept-alive connection may wait for its next request
MAX_CONNECTIONS = 64  # open at once; further ones close the longest-idle connection
NEW_GRACE = 0.5  # seconds a new connection has to send its request before it may be cut for room
QUEUE_SECONDS = 2.0  # at capacity, how long a new connection may wait for room before it is refused
FD_RESERVE = 32  # file descriptors kept free for the application (imports, temporary files)
MAX_BODY = 1 << 20
MAX_JSON_DEPTH = 32
MAX_NUMBER_CHARS = 100  # a JSON number longer than this is refused (no 5,000-digit ints)
_FD_ERRORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


class RequestError(Exception):
    """A request the server answers with ``status`` and a one-line message (then goes on)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Conn:
    """One accepted connection: whether a request is being read (and since when) or handled."""

    __slots__ = ("sock", "lock", "busy", "deadline", "since", "requests", "cut")

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.lock = threading.Lock()
        self.busy = False  # a complete request is being handled: never cut then
        self.since = time.monotonic()
        self.deadline = deadline
        self.requests = 0
        self.cut = False  # the server stopped reading it (timeout, or room for a new connection)


def _fd_limit() -> int | None:
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        return None if soft == resource.RLIM_INFINITY else int(soft)
    except (ImportError, OSError, ValueError):  # Windows, or a limit the platform cannot say
        return None


def _check_depth(obj: Any) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH (checked without recursion)."""
    stack = [(obj, 1)]
    while stack:
        o, d = stack.pop()
        if isinstance(o, (dict, list)):
            if d > MAX_JSON_DEPTH:
                raise RequestError(400, f"the request is nested more than {MAX_JSON_DEPTH} levels deep")
            stack.extend((v, d + 1) for v in (o.values() if isinstance(o, dict) else o))


def _number(kind: type) -> Any:
    def parse(text: str) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            raise RequestError(400, f"a number in the request has {len(text)} characters "
                                    f"(at most {MAX_NUMBER_CHARS})")
        value = kind(text)
        if kind is float and not math.isfinite(value):  # 1e999 reads as inf: no setting wants one
            raise RequestError(400, f"a number in the request is too large for a float ({text})")
        return value
    return parse


def _no_constant(name: str) -> Any:
    raise RequestError(400, f"the request holds {name}, which JSON does not allow")


def parse_json(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object, or RequestError(400) saying what is wrong with it."""
    try:
        body = json.loads(raw.decode("utf-8") or "{}", parse_int=_number(int), parse_float=_number(float),
                          parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RequestError(400, f"the request is not valid JSON: {e}") from None
    except RecursionError:
        raise RequestError(400, f"the request is nested more than {MAX_JSON_DEPTH} levels deep") from None
    if not isinstance(body, dict):
        raise RequestError(400, "the request body must be a JSON object")
    _check_depth(body)
    return body


class LocalServer(ThreadingHTTPServer):
    """A threading HTTP server on loopback with the rules above; subclass it with a LocalHandler."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the listen backlog: 20 simultaneous page requests must not be reset
    name = "microgradnet"

    def __init__(self, host: str, port: int, handler: type[LocalHandler], *,
                 read_timeout: float = READ_TIMEOUT, idle_timeout: float = IDLE_TIMEOUT,
                 max_connections: int | None = None) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"{self.name}: host {host!r} is not a loopback address; "
                             f"choose one of {', '.join(LOOPBACK)} (local pages never listen on a network)")
        self.address_family = LOOPBACK[host]
        self.host = "127.0.0.1" if host == "localhost" else host
        self.read_timeout, self.idle_timeout = float(read_timeout), float(idle_timeout)
        limit = _fd_limit()
        room = MAX_CONNECTIONS if limit is None else max(4, min(MAX_CONNECTIONS, limit - FD_RESERVE))
        self.max_connections = room if max_connections is None else max_connections
        self.token = secrets.token_urlsafe(24)
        self._conns: dict[socket.socket, _Conn] = {}
        self._conns_lock = threading.Lock()
        self._stopping = threading.Event()
        self._fd_said = -math.inf  # when "out of file descriptors" was last printed
        self._backoff = 0.0
        super().__init__((self.host, port), handler)
        self._watchdog = threading.Thread(target=self._watch, name=f"{self.name}-watchdog", daemon=True)
        self._watchdog.start()

    # ---- addresses --------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The port listened on (useful with port 0)."""
        return int(self.server_address[1])

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` (``http://[::1]:PORT`` on ::1), without a slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The page with this launch's secret: ``http://127.0.0.1:PORT/?token=...`` (print and open it)."""
        return f"{self.origin}/?token={self.token}"

    @property
    def cookie_name(self) -> str:
        """The cookie carrying the secret; named after the port, since cookies ignore ports."""
        return f"microgradnet-{self.port}"

    def page_headers(self) -> dict[str, str]:
        """The headers the served page's requests carry, for a program in this process that
        talks to the server as the page does (a benchmark, a test): POST them to ``origin + "/api/..."``."""
        return {"Origin": self.origin, "Content-Type": "application/json",
                "Cookie": f"{self.cookie_name}={self.token}"}

    def allowed_hosts(self) -> set[str]:
        """The Host header values this server answers."""
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}", f"[::1]:{self.port}"}

    def has_secret(self, value: str | None) -> bool:
        """Whether ``value`` is this launch's secret (constant time)."""
        return value is not None and hmac.compare_digest(value.encode("utf-8", "replace"),
                                                         self.token.encode("ascii"))

    # ---- connections ------------------------------------------------------------------------
    def get_request(self) -> tuple[socket.socket, Any]:
        """accept(), backing off when out of file descriptors instead of retrying at once."""
        try:
            conn = super().get_request()
        except OSError as e:
            if e.errno in _FD_ERRORS:
                self._out_of_fds(e)
            raise  # socketserver skips this round
        self._backoff = 0.0
        return conn

    def _out_of_fds(self, e: OSError) -> None:
        now = time.monotonic()
        if now - self._fd_said >= 60.0:  # at most once a minute: a line per failed accept would flood
            self._fd_said = now
            limit = _fd_limit()
            print(f"{self.name}: out of file descriptors ({e.strerror}; limit {limit}); "
                  "closing idle connections and waiting", file=sys.stderr, flush=True)
        # the listening socket stays readable while the backlog is full: without a pause the
        # serve loop would call accept() again at once, forever (100 % CPU). Closing idle
        # connections frees descriptors within milliseconds; with none to close, wait longer
        if self._cut_idle(max(1, len(self._conns) // 4)):
            self._backoff = 0.02
        else:
            self._backoff = min(1.0, max(0.05, 2 * self._backoff))
        self._stopping.wait(self._backoff)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Register the connection. At capacity, make room by closing the connections waiting
        longest for a request (stalled or idle); if all are busy or brand new, wait briefly (new
        connections queue in the backlog meanwhile), then refuse this one."""
        end = time.monotonic() + QUEUE_SECONDS
        while True:
            with self._conns_lock:  # connections already cut are closing: they take no room
                over = 1 + sum(not o.cut for o in self._conns.values()) - self.max_connections
            if over <= 0 or self._cut_idle(over, older_than=NEW_GRACE) >= over:
                break
            if time.monotonic() >= end or self._stopping.is_set():
                self._refuse(request)
                return False  # socketserver closes it
            self._stopping.wait(0.01)
        with self._conns_lock:
            self._conns[request] = _Conn(request, time.monotonic() + self.read_timeout)
        return True

    def _refuse(self, sock: socket.socket) -> None:
        """Every connection is busy with a request: answer 503 (best effort, never blocking)."""
        text = (f"{self.name}: busy with {self.max_connections} requests; try again in a moment\n").encode()
        head = (f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Content-Length: {len(text)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n").encode()
        try:
            sock.setblocking(False)
            sock.send(head + text)
            sock.shutdown(socket.SHUT_WR)  # a FIN after the answer: the client reads it before the close
        except OSError:
            pass

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.pop(request, None)
        super().shutdown_request(request)

    def conn(self, sock: socket.socket) -> _Conn | None:
        with self._conns_lock:
            return self._conns.get(sock)

    def _cut(self, c: _Conn) -> bool:
        """Stop reading ``c`` if it is waiting for a request; its thread then answers or closes it."""
        with c.lock:
            if c.busy or c.cut:
                return False
            c.cut = True
        try:
            # SHUT_RD wakes the thread blocked in recv (it reads end of file) and leaves the
            # write side open, so that thread can still answer 408 to a half-sent request
            c.sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass
        return True

    def _cut_idle(self, n: int, older_than: float = 0.0) -> int:
        """Cut up to ``n`` connections waiting ``older_than`` seconds or more for a request, the
        longest waiting first (a browser sends its request right after connecting: a connection
        younger than that is most likely about to be served, not stalled)."""
        now = time.monotonic()
        with self._conns_lock:
            waiting = sorted((c for c in self._conns.values()
                              if not c.busy and not c.cut and now - c.since >= older_than),
                             key=lambda c: c.since)
        return sum(self._cut(c) for c in waiting[:n])

    def _watch(self) -> None:
        period = max(0.05, min(0.5, self.read_timeout / 4, self.idle_timeout / 4))
        while not self._stopping.wait(period):
            now = time.monotonic()
            with self._conns_lock:
                late = [c for c in self._conns.values() if not c.busy and not c.cut and now > c.deadline]
            for c in late:
                self._cut(c)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A dropped connection is normal (a tab closed); anything else is one line, no traceback."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            print(f"{self.name}: a request failed: {type(exc).__name__}: {exc}", file=sys.stderr)

    def server_close(self) -> None:
        """Stop the watchdog, stop reading every connection, close the socket."""
        self._stopping.set()
        with self._conns_lock:
            conns = list(self._conns.values())
        for c in conns:
            self._cut(c)
        super().server_close()


class LocalHandler(BaseHTTPRequestHandler):
    """Request handling with the rules of LocalServer; subclasses define ``do_GET``/``do_POST``."""

    server: LocalServer
    protocol_version = "HTTP/1.1"
    # headers and body go out in one write, and without Nagle's algorithm: otherwise the body
    # waits for the browser's delayed ACK (~40 ms) on a kept-alive connection
    disable_nagle_algorithm = True
    server_version = "microgradnet"
    sys_version = ""
    # an unparsable request line is answered with a status line (HTTP/0.9 answers have none)
    default_request_version = "HTTP/1.1"

    def version_string(self) -> str:  # no Python version: it only helps someone looking for holes
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal shows the URL only
        pass

    def setup(self) -> None:
        super().setup()
        # a backstop per socket operation (a response a client never reads), well past the
        # limits: the watchdog enforces those on whole requests
        self.connection.settimeout(2 * max(self.server.read_timeout, self.server.idle_timeout) + 10.0)
        self._conn = self.server.conn(self.connection)

    def handle_expect_100(self) -> bool:
        return True  # no "100 Continue" before the request is checked: the body must come anyway

    def send_response(self, code: int, message: str | None = None) -> None:
        """Every answer, errors included, forbids framing and sniffing."""
        super().send_response(code, message)
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Content-Security-Policy", "frame-ancestors 'none'")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")

    # ---- one request: read it within the deadline, check it, then handle it ------------------
    def handle_one_request(self) -> None:
        c = self._conn
        if c is not None:
            with c.lock:
                c.busy = False
                c.since = time.monotonic()
                wait = self.server.read_timeout if c.requests == 0 else self.server.idle_timeout
                c.deadline = c.since + wait
        try:
            self.raw_requestline = self.rfile.readline(65537)
            for _ in range(4):  # empty lines before a request line are to be ignored (RFC 9112 2.2)
                if self.raw_requestline not in (b"\r\n", b"\n"):
                    break
                self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        too_long, blank = len(self.raw_requestline) > 65536, not self.raw_requestline.strip()
        if too_long or blank:  # http.server would close a blank one without a word
            self.requestline, self.request_version, self.command = "", "", ""  # as http.server does
            self.close_connection = True
            self.send_error(414 if too_long else 400, None if too_long else "empty request line")
            return
        try:
            if not self.parse_request():
                return
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        if self._timed_out():
            return
        length = (self.headers.get("Content-Length") or "0").strip()
        has_body = length != "0" or self.headers.get("Transfer-Encoding") is not None
        if self.command != "POST" and has_body:
            self.close_connection = True  # a body nobody reads must not be taken for the next request
        try:
            method = getattr(self, f"do_{self.command}", None)
            if method is None:
                self.send_error(501, f"unsupported method ({self.command!r})")
                return
            if self.check_host():
                method()
            self.wfile.flush()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def _timed_out(self) -> bool:
        """After reading: True (having answered 408 and closed) if the server had stopped reading."""
        c = self._conn
        if c is None:
            return False
        with c.lock:
            if not c.cut:
                c.busy = True
                c.requests += 1
                return False
        self.close_connection = True
        self.send_text(408, f"{self.server.name}: the request did not arrive within "
                            f"{self.server.read_timeout:g} s; closing the connection")
        return True

    def check_host(self) -> bool:
        """Answer 403 unless Host is one of this server's names (DNS rebinding); True if allowed."""
        host = (self.headers.get("Host") or "").strip().lower()
        if host in self.server.allowed_hosts():
            return True
        self.close_connection = True
        self.send_text(403, f"{self.server.name}: refused: Host {host!r} is not this server "
                            f"(use {self.server.origin}/)")
        return False

    def secret_cookie(self) -> str | None:
        """This server's cookie from the Cookie header (parsed by hand: a malformed cookie of
        another local app must not hide ours)."""
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == self.server.cookie_name:
                return value.strip().strip('"')
        return None

    def check_api(self) -> None:
        """RequestError(403) unless the request comes from the served page (see the module)."""
        origin = self.headers.get("Origin")
        here = "http://" + (self.headers.get("Host") or "").strip().lower()
        if origin is not None:
            if origin.strip().lower() != here:
                raise RequestError(403, f"refused: a request from another site (Origin {origin!r}) "
                                        "cannot use this page's server")
        elif (self.headers.get("Sec-Fetch-Site") or "").lower() != "same-origin":
            raise RequestError(403, "refused: the request has no Origin (nor Sec-Fetch-Site: same-origin); "
                                    "only the page itself may call the server")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise RequestError(403, f"refused: requests must be Content-Type: application/json, "
                                    f"not {ctype or 'none'!r}")
        if not self.server.has_secret(self.secret_cookie()):
            raise RequestError(403, "refused: the request lacks this launch's key; "
                                    "open the link printed in the terminal")

    def read_json(self) -> dict[str, Any]:
        """The body as a JSON object: RequestError 400/408/411/413 if it is not one."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise RequestError(411, "send the request with a Content-Length (no chunked bodies)")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            raise RequestError(413, f"request too large (at most {MAX_BODY} bytes)")
        c = self._conn
        if c is not None and length:
            with c.lock:  # the body is still to come: the watchdog may cut it again
                c.busy = False
        try:
            raw = self.rfile.read(length) if length else b""
        except (TimeoutError, ConnectionError):
            raw = b""
        if c is not None:
            with c.lock:
                c.busy = not c.cut
        if len(raw) < length or (c is not None and c.cut):
            self.close_connection = True
            raise RequestError(408, f"the request body ({length} bytes) did not arrive within "
                                    f"{self.server.read_timeout:g} s")
        return parse_json(raw)

    # ---- answers ----------------------------------------------------------------------------
    def send_body(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        """One write for headers and body; a client gone mid-answer is no error."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self._headers_buffer.append(b"\r\n")
        data = b"".join(self._headers_buffer) + body
        self._headers_buffer = []
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    def send_text(self, status: int, text: str) -> None:
        """A one-line answer: JSON {"error": text} under /api/, plain text elsewhere."""
        if self.path.startswith("/api/"):
            body = json.dumps({"error": text}).encode("utf-8")
            self.send_body(status, body, "application/json; charset=utf-8")
        else:
            self.send_body(status, (text + "\n").encode("utf-8"), "text/plain; charset=utf-8")
