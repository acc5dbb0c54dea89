"""The playground's session inside a Pyodide Web Worker (the zero-install site).

worker.js loads Pyodide and microgradnet, runs this file once, then calls ``handle`` for each
message of the page. A worker has no threads, so "play" is ``ChunkedPlay`` (training in short
chunks on asyncio's loop, messages answered in between), not ``Session.play``'s thread; every
other request goes through ``microgradnet.playground.api``, as the HTTP server's do.
"""

from __future__ import annotations

import json
from typing import Any

from microgradnet.playground import api
from microgradnet.playground.chunked import ChunkedPlay
from microgradnet.playground.session import Session

SID = "worker"  # one page, one worker, one session

_session: Session | None = None
_player: ChunkedPlay | None = None


def _answer(name: str, body: dict[str, Any]) -> dict[str, Any]:
    global _session, _player
    if name == "session":
        if _session is not None:
            _session.close()
        _session = Session()
        _player = ChunkedPlay(_session)
        return {"sid": SID, **api.choices()}
    if _session is None or _player is None:
        return {"error": f"{name}: no session yet (the page starts one first)"}
    if name == "close":
        _session.close()
        _session = _player = None
        return {"closed": True}
    if name == "play":
        return _player.play()
    return api.answer(_session, name, body)[1]


def handle(name: str, body_json: str) -> str:
    """The JSON answer to the page's request ``name`` with JSON body ``body_json``."""
    try:
        body = json.loads(body_json)
    except ValueError:
        return json.dumps({"error": f"{name}: the request body is not JSON"})
    try:
        return api.to_json(_answer(name, body))
    except Exception as exc:  # a bug or a refused setting must not cost the page its answer
        return json.dumps({"error": f"{name}: {exc}"})
