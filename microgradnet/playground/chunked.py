"""Playing without threads: training in short chunks on asyncio's loop (Pyodide).

``Session.play`` trains in a background thread, which Pyodide (the zero-install site's Web
Worker, JupyterLite's kernel) cannot start. ``ChunkedPlay`` trains the same session instead in
chunks of about ``CHUNK_SECONDS`` on the running asyncio loop, yielding between chunks, so the
page's requests (``pause``, ``state``, an explanation) are answered between two chunks: a pause
answers within one chunk. It keeps to the page's speed setting (steps per second) and reports
``steps_per_second`` as the thread does.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .features import PlaygroundError
from .session import Session

__all__ = ["CHUNK_SECONDS", "ChunkedPlay"]

CHUNK_SECONDS = 0.03  # training between two looks at the page's messages
MAX_CHUNK_STEPS = 10_000  # Session.step's own bound; the time bound ends a chunk first


class ChunkedPlay:
    """``play`` for one ``Session`` where threads are unavailable (see the module docstring)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._recent: list[tuple[float, int]] = []  # (time, steps) of the last second's chunks
        self._task: asyncio.Future[None] | None = None

    def play(self) -> dict[str, Any]:
        """Start (or continue) training on the running asyncio loop; the page's answer."""
        s = self.session
        if s.closed:
            raise PlaygroundError("this session was closed; reload the page")
        if s.trainer.error:
            raise PlaygroundError(s.trainer.error)
        s.playing = True
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())
        return {"playing": True}

    def chunk(self) -> float:
        """Train for at most CHUNK_SECONDS at the speed setting; the milliseconds to wait before
        the next chunk, or -1 when playing has stopped (paused, closed, or an error)."""
        s = self.session
        if not s.playing or s.closed:
            return -1.0
        speed = float(s.trainer.config["speed"])
        started = time.perf_counter()
        try:
            steps = min(MAX_CHUNK_STEPS, max(1, int(speed * CHUNK_SECONDS)))
            done = s.step(steps, seconds=CHUNK_SECONDS)["done"]
        except Exception as exc:  # shown by the page from state(), as the thread does
            s.trainer.error = s.trainer.error or f"training stopped: {type(exc).__name__}: {exc}"
            done = 0
        now = time.perf_counter()
        self._recent = [(t, n) for t, n in self._recent if now - t < 1.0] + [(now, done)]
        s.steps_per_second = float(sum(n for _, n in self._recent))
        if s.trainer.error:
            s.playing = False
            return -1.0
        return 1000 * max(done / speed - (now - started), 0.0)

    async def _run(self) -> None:
        while (wait_ms := self.chunk()) >= 0:
            await asyncio.sleep(wait_ms / 1000)  # also lets the page's messages in
