"""The playground's session inside a Pyodide Web Worker (the zero-install site).

worker.js loads Pyodide and microgradnet, runs this file once, then calls ``handle`` for each
message of the page and ``train_chunk`` between messages while playing. A worker has no threads,
so "play" is not ``Session.play`` (a training thread): the worker trains in chunks of about
``CHUNK_SECONDS`` and lets the page's messages in between, so a pause answers within one chunk.
Every other request goes through ``microgradnet.playground.api``, as the HTTP server's do.
"""

from __future__ import annotations

import json
import time
from typing import Any

from microgradnet.playground import api
from microgradnet.playground.session import Session

CHUNK_SECONDS = 0.03  # training between two looks at the page's messages
SID = "worker"  # one page, one worker, one session

_session: Session | None = None
_playing = False
_recent: list[tuple[float, int]] = []  # (time, steps) of the last second's chunks


def _answer(name: str, body: dict[str, Any]) -> dict[str, Any]:
    global _session, _playing
    if name == "session":
        if _session is not None:
            _session.close()
        _session, _playing = Session(), False
        return {"sid": SID, **api.choices()}
    if _session is None:
        return {"error": f"{name}: no session yet (the page starts one first)"}
    if name == "close":
        _session.close()
        _session, _playing = None, False
        return {"closed": True}
    if name == "play":
        # what Session.play checks, without its thread
        if _session.trainer.error:
            return {"error": _session.trainer.error}
        _session.playing = _playing = True
        return {"playing": True}
    if name in ("pause", "step", "reset", "configure"):
        _session.playing = _playing = False
    return api.answer(_session, name, body)[1]


def handle(name: str, body_json: str) -> str:
    """The JSON answer to the page's request ``name`` with JSON body ``body_json``."""
    try:
        body = json.loads(body_json)
    except ValueError:
        return json.dumps({"error": f"{name}: the request body is not JSON"})
    try:
        return api.to_json(_answer(name, body))
    except Exception as exc:  # a bug must not cost the page its answer: say what happened
        return json.dumps({"error": f"{name}: {type(exc).__name__}: {exc}"})


def train_chunk() -> float:
    """Train for at most CHUNK_SECONDS at the page's speed setting (steps per second, as the
    session's thread does); the milliseconds to wait before the next chunk, or -1 to stop."""
    global _playing, _recent
    if not _playing or _session is None:
        return -1.0
    speed = float(_session.trainer.config["speed"])
    started = time.perf_counter()
    try:
        done = _session.step(max(1, int(speed * CHUNK_SECONDS)), seconds=CHUNK_SECONDS)["done"]
    except Exception as exc:  # the page reads the error from state(); training stops
        _session.trainer.error = _session.trainer.error or f"training stopped: {type(exc).__name__}: {exc}"
        done = 0
    now = time.perf_counter()
    # steps in the last second, for the page's "steps/s" (the thread's own count, here per chunk)
    _recent = [(t, n) for t, n in _recent if now - t < 1.0] + [(now, done)]
    _session.steps_per_second = float(sum(n for _, n in _recent))
    if _session.trainer.error:
        _session.playing = _playing = False
        return -1.0
    return 1000 * max(done / speed - (now - started), 0.0)
