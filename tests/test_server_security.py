"""The playground server answers only the page it served (issue 19), against a real server.

Each attack is a plain HTTP request with the headers a browser (or a rebinding page) would send;
the test then checks the answer AND that nothing changed (no session opened, no step trained).
The headers of the genuine page are written here by hand, not taken from the server, so a
server that stopped checking one of them would be seen. The Chromium tests load the page from
the printed URL, and a page on another origin (a second local server, and a name that resolves
to 127.0.0.1 as after DNS rebinding) tries to drive the playground from a real browser.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from microgradnet.playground import server as server_module
from microgradnet.playground.server import PlaygroundServer
from tests.browser import chromium, needs_chromium, serving, wait_for

SMALL = {"hidden": [3, 2], "points": 40, "train_percent": 50}


@pytest.fixture
def server() -> Iterator[PlaygroundServer]:
    with serving(SMALL) as srv:
        yield srv


def request(srv: PlaygroundServer, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection, with exactly the headers given (Host included)."""
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    try:
        c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        if body is not None:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def page_headers(srv: PlaygroundServer, **changes: str | None) -> dict[str, str]:
    """What the served page's fetch() sends, spelled out; a change of None drops a header."""
    h: dict[str, str | None] = {
        "Host": f"127.0.0.1:{srv.port}", "Origin": f"http://127.0.0.1:{srv.port}",
        "Content-Type": "application/json", "Cookie": f"microgradnet-{srv.port}={srv.token}",
    }
    h.update(changes)
    return {k: v for k, v in h.items() if v is not None}


def api(srv: PlaygroundServer, name: str, body: dict[str, Any] | None = None, **changes: str | None
        ) -> tuple[int, dict[str, Any]]:
    status, _, data = request(srv, "POST", f"/api/{name}", json.dumps(body or {}).encode(),
                              page_headers(srv, **changes))
    return status, json.loads(data)


def one_line_refusal(status: int, answer: dict[str, Any], *words: str) -> None:
    assert status == 403, answer
    assert "\n" not in answer["error"] and "refused" in answer["error"]
    for w in words:
        assert w in answer["error"], answer


# ---- the genuine page works ----------------------------------------------------------------------
def test_the_page_with_its_headers_opens_a_session_and_trains(server):
    status, r = api(server, "session")
    assert status == 200 and len(server.sessions) == 1
    status, st = api(server, "step", {"sid": r["sid"], "n": 2})
    assert (status, st["step"]) == (200, 2)


def test_the_printed_url_sets_the_key_as_a_strict_httponly_cookie_and_hides_it(server):
    assert server.url == f"http://127.0.0.1:{server.port}/?token={server.token}"
    here = {"Host": f"127.0.0.1:{server.port}"}
    status, h, first = request(server, "GET", f"/?token={server.token}", headers=here)
    assert status == 200 and b"mgnPlayground(" in first
    cookie = [p.strip() for p in h["set-cookie"].split(";")]
    assert cookie[0] == f"microgradnet-{server.port}={server.token}"
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= set(cookie)
    assert h["referrer-policy"] == "no-referrer"  # the key in the URL never travels in a Referer
    status, _, page = request(server, "GET", "/", headers=page_headers(server, Origin=None))
    assert status == 200 and page == first
    assert server.token.encode() not in page  # the page's script never holds the key


@pytest.mark.parametrize("query", ["", "?token=", "?token=wrong", "?tok=x"])
def test_the_page_without_the_key_says_where_to_find_it_and_reveals_nothing(server, query):
    status, _, body = request(server, "GET", "/" + query, headers={"Host": f"127.0.0.1:{server.port}"})
    assert status == 403
    assert b"printed in the terminal" in body and b"mgnPlayground" not in body
    assert server.token.encode() not in body


# ---- attacks -----------------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1:1", "localhost",
                                  "127.0.0.1.nip.io:{port}", "", "0.0.0.0:{port}"])
def test_a_foreign_host_is_refused_before_any_work(server, host):
    """DNS rebinding: the attacker's name now points at 127.0.0.1, the browser sends its Host."""
    host = host.format(port=server.port)
    origin = f"http://{host}"
    status, h, body = request(server, "GET", "/", headers={"Host": host})
    assert status == 403 and b"is not this server" in body and len(body.splitlines()) == 1
    # even with the key and a matching (rebound) Origin: no session, no page
    status, r = api(server, "session", Host=host, Origin=origin)
    one_line_refusal(status, r, "is not this server")
    assert server.sessions == {}


def test_a_request_without_host_is_refused(server):
    status, _, body = request(server, "GET", "/", headers={})
    assert status == 403 and server.sessions == {}


@pytest.mark.parametrize("ctype", ["text/plain", "application/json"])
def test_a_cross_origin_post_is_refused_and_opens_no_session(server, ctype):
    """A page on another site posts to the playground (with the key even, as if it leaked)."""
    status, r = api(server, "session", Origin="http://evil.example", **{"Content-Type": ctype})
    one_line_refusal(status, r, "another site")
    status, r = api(server, "session", Origin="null", **{"Content-Type": ctype})  # a sandboxed frame
    one_line_refusal(status, r, "another site")
    status, r = api(server, "session", Origin=f"http://localhost:{server.port + 1}")  # another local port
    one_line_refusal(status, r, "another site")
    assert server.sessions == {}


@pytest.mark.parametrize("ctype", [None, "text/plain", "text/plain;charset=UTF-8",
                                   "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                   "application/jsonx"])
def test_a_request_that_is_not_json_is_refused_even_from_the_page(server, ctype):
    status, r = api(server, "session", **{"Content-Type": ctype})
    one_line_refusal(status, r, "application/json")
    assert server.sessions == {}


@pytest.mark.parametrize("cookie", [None, "microgradnet-1=abc", "microgradnet-{port}=",
                                    "microgradnet-{port}=x", "other=1; microgradnet-{port}={token}x"])
def test_a_request_without_the_key_is_refused_and_changes_nothing(server, cookie):
    sid = api(server, "session")[1]["sid"]
    if cookie is not None:
        cookie = cookie.format(port=server.port, token=server.token)
    for name, body in (("step", {"sid": sid, "n": 3}), ("session", {}), ("close", {"sid": sid}),
                       ("state", {"sid": sid}), ("export", {"sid": sid, "what": "model"})):
        status, r = api(server, name, body, Cookie=cookie)
        one_line_refusal(status, r, "key")
    assert list(server.sessions) == [sid] and server.sessions[sid].step_count == 0


def test_the_key_among_other_cookies_is_found(server):
    cookie = f'a=1; broken"=x; microgradnet-{server.port}={server.token}; z=2'
    assert api(server, "session", Cookie=cookie)[0] == 200


def test_sec_fetch_site_stands_in_for_a_missing_origin_only_when_same_origin(server):
    assert api(server, "session", Origin=None)[0] == 403  # neither header: not from the page
    one_line_refusal(*api(server, "session", Origin=None, **{"Sec-Fetch-Site": "cross-site"}), "Origin")
    assert server.sessions == {}
    assert api(server, "session", Origin=None, **{"Sec-Fetch-Site": "same-origin"})[0] == 200


def test_the_body_of_a_refused_request_is_never_read_as_a_second_request(server):
    """A cross-site POST whose body is itself an HTTP request: one answer (403), then close."""
    inner = f"GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
    here = f"http://127.0.0.1:{server.port}"
    for path, origin in (("/api/session", "http://evil.example"), ("/elsewhere", here)):
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nOrigin: {origin}\r\n"
                f"Content-Type: text/plain\r\nContent-Length: {len(inner)}\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(head + inner)
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        assert answer.count(b"HTTP/1.1 ") == 1 and answer.split(b" ")[1] in (b"403", b"404"), answer
    # a GET with a body (never read) closes the connection after its answer, whatever the framing
    for framing in (f"Content-Length: {len(inner)}", "Transfer-Encoding: chunked"):
        head = f"GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n{framing}\r\n\r\n".encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(head + (inner if "Length" in framing else f"{len(inner):x}\r\n".encode() + inner))
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        assert answer.count(b"HTTP/1.1 ") == 1 and answer.startswith(b"HTTP/1.1 204 "), answer


def test_a_flood_from_a_foreign_origin_leaves_the_pages_session_working(server):
    sid = api(server, "session")[1]["sid"]
    answers: list[int] = []

    def attack() -> None:
        for _ in range(10):
            answers.append(api(server, "session", Origin="http://evil.example",
                               **{"Content-Type": "text/plain"})[0])

    threads = [threading.Thread(target=attack) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert answers == [403] * 100
    assert list(server.sessions) == [sid]
    assert api(server, "step", {"sid": sid, "n": 2})[1]["step"] == 2


def test_new_sessions_are_bounded_per_minute_and_the_busy_tab_is_never_the_one_to_yield(server, monkeypatch):
    monkeypatch.setattr(server_module, "MAX_SESSIONS", 3)
    monkeypatch.setattr(server_module, "NEW_SESSIONS_PER_MINUTE", 6)
    monkeypatch.setattr(server_module, "YIELD_AFTER", 0.2)
    mine = api(server, "session")[1]["sid"]
    opened = []
    for _ in range(5):  # a flood with the key (another tab of the teacher's, a script)
        time.sleep(0.3)
        api(server, "state", {"sid": mine})  # the teacher's tab keeps polling
        status, r = api(server, "session")
        assert status == 200, r
        opened.append(r["sid"])
    assert len(server.sessions) == 3 and mine in server.sessions  # the idle ones yielded
    status, r = api(server, "session")
    assert status == 429 and "this minute" in r["error"]  # the 7th in a minute
    assert api(server, "step", {"sid": mine, "n": 1})[0] == 200


def test_when_every_session_is_in_use_a_new_one_is_refused_not_evicting_a_busy_one(server, monkeypatch):
    monkeypatch.setattr(server_module, "MAX_SESSIONS", 2)
    monkeypatch.setattr(server_module, "YIELD_AFTER", 60.0)
    a, b = (api(server, "session")[1]["sid"] for _ in range(2))
    status, r = api(server, "session")
    assert status == 503 and "all in use" in r["error"]
    assert set(server.sessions) == {a, b}


# ---- headers on every answer ---------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path", "host"), [
    ("GET", "/", "ok"), ("GET", "/?token=x", "ok"), ("GET", "/nothing", "ok"), ("GET", "/", "evil.example"),
    ("POST", "/api/state", "ok"), ("PUT", "/", "ok"),
])
def test_every_answer_forbids_framing_and_names_no_python_version(server, method, path, host):
    host = f"127.0.0.1:{server.port}" if host == "ok" else host
    _, h, _ = request(server, method, path, b"{}" if method != "GET" else None, {"Host": host})
    assert h["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"
    assert "python" not in h["server"].lower() and not any(ch.isdigit() for ch in h["server"])


def test_the_server_refuses_a_non_loopback_address():
    with pytest.raises(ValueError, match="not a loopback address"):
        PlaygroundServer(0, host="0.0.0.0")


def test_the_command_listens_on_loopback_only_and_says_so():
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    cmd = [sys.executable, "-m", "microgradnet", "playground", "--no-browser", "--port", "0"]
    out = subprocess.run([*cmd, "--host", "0.0.0.0"], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and "--host" in out.stderr
    helptext = " ".join(subprocess.run([*cmd, "--help"], capture_output=True, text=True, env=env,
                                       timeout=60).stdout.split())
    assert "loopback" in helptext and "never a network address" in helptext


# ---- in a real browser -------------------------------------------------------------------------
class _EvilPage(BaseHTTPRequestHandler):
    """Another origin on this machine: its page tries to use the playground whose port it knows."""

    target = 0

    def do_GET(self) -> None:  # noqa: N802
        script = f"""
        window.results = [];
        const url = "http://127.0.0.1:{self.target}/api/session";
        const flood = {{method: "POST", body: "{{}}", headers: {{"Content-Type": "text/plain"}},
                        credentials: "include", mode: "no-cors"}};
        const tries = [
          {{method: "POST", body: "{{}}", headers: {{"Content-Type": "application/json"}},
            credentials: "include"}},
          ...Array(100).fill(flood),  // 100 "simple" requests: sent without asking, answers unreadable
        ];
        Promise.all(tries.map((t) => fetch(url, t).then((r) => "status " + r.status, (e) => "error " + e)))
          .then((r) => {{ window.results = r; window.done = true; }});
        """
        body = f"<!DOCTYPE html><html><body><script>{script}</script></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _rebinding_chromium() -> Any:
    """tests/browser.py's headless Chromium, with every name under .test resolving to 127.0.0.1
    (what a DNS-rebinding site arranges for its own name; and a second site to link from)."""
    return chromium(1024, 768, extra_flags=("--host-resolver-rules=MAP *.test 127.0.0.1",))


@needs_chromium
def test_in_chromium_another_origin_and_a_rebound_name_cannot_use_the_playground(server):
    evil_handler = type("Evil", (_EvilPage,), {"target": server.port})
    evil = ThreadingHTTPServer(("127.0.0.1", 0), evil_handler)
    threading.Thread(target=evil.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with _rebinding_chromium() as d:
            d.get(server.url)  # the teacher's tab: the printed URL, then the page trains
            wait_for(d, "return window.mgnPlaygrounds && window.mgnPlaygrounds[0].ready")
            assert d.current_url == f"http://127.0.0.1:{server.port}/"  # the key left the address bar
            (sid,) = server.sessions
            d.execute_script("document.querySelector('[data-k=\"step\"]').click()")
            wait_for(d, "return window.mgnPlaygrounds[0].st.step === 1")
            # in another tab, the same browser (holding the key's cookie) visits another origin
            d.switch_to.new_window("tab")
            d.get(f"http://127.0.0.1:{evil.server_address[1]}/")
            wait_for(d, "return window.done")
            results = d.execute_script("return window.results")
            assert results[0].startswith("error")  # the JSON post needs a preflight: never granted
            assert results[1:] == ["status 0"] * 100  # no-cors: opaque, and refused by the server
            assert list(server.sessions) == [sid]
            # DNS rebinding: a name the browser resolves to 127.0.0.1 (as a rebound one does)
            d.get(f"http://rebound.test:{server.port}/")
            text = d.find_element("css selector", "body").text
            assert "is not this server" in text and "mgnPlayground" not in d.page_source
            assert list(server.sessions) == [sid] and server.sessions[sid].step_count == 1
            d.switch_to.window(d.window_handles[0])  # the teacher's tab still trains
            d.execute_script("document.querySelector('[data-k=\"step\"]').click()")
            wait_for(d, "return window.mgnPlaygrounds[0].st.step === 2")
    finally:
        evil.shutdown()
        evil.server_close()


class _LinkPage(BaseHTTPRequestHandler):
    """A page on another site (a chat, the course's page) with the printed link in it."""

    link = ""

    def do_GET(self) -> None:  # noqa: N802
        body = f'<!DOCTYPE html><a id="link" href="{self.link}">the playground</a>'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@needs_chromium
def test_in_chromium_the_printed_link_works_when_opened_from_another_site(server):
    """A SameSite=Strict cookie is not sent on a request another site started: the link must
    still open a working page (it once redirected, and the redirected page got no cookie)."""
    other = ThreadingHTTPServer(("127.0.0.1", 0), type("Link", (_LinkPage,), {"link": server.url}))
    threading.Thread(target=other.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with _rebinding_chromium() as d:
            d.get(f"http://course.test:{other.server_address[1]}/")
            d.find_element("id", "link").click()
            wait_for(d, "return window.mgnPlaygrounds && window.mgnPlaygrounds[0].ready")
            d.execute_script("document.querySelector('[data-k=\"step\"]').click()")
            wait_for(d, "return window.mgnPlaygrounds[0].st.step === 1")
            assert "token" not in d.current_url
            d.refresh()  # the address without the key: the cookie opens it
            wait_for(d, "return window.mgnPlaygrounds && window.mgnPlaygrounds[0].ready")
    finally:
        other.shutdown()
        other.server_close()

