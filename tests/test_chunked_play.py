"""ChunkedPlay: the playground's "play" without threads (Pyodide), run here on CPython's asyncio."""

from __future__ import annotations

import asyncio
import time

import pytest

from microgradnet.playground.chunked import ChunkedPlay
from microgradnet.playground.features import PlaygroundError
from microgradnet.playground.session import Session

SMALL = {"hidden": [3, 2], "points": 40, "train_percent": 50}


def _run_for(seconds: float, until=lambda: False) -> None:
    """Let the event loop run (the chunks train) for ``seconds`` or until ``until()``."""

    async def wait() -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not until():
            await asyncio.sleep(0.01)

    asyncio.get_event_loop().run_until_complete(wait())


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


def test_play_trains_in_chunks_and_pause_stops_it(loop):
    s = Session(SMALL)
    player = ChunkedPlay(s)
    assert player.play() == {"playing": True}
    assert s.step_count == 0  # nothing trains until the loop runs
    _run_for(30, until=lambda: s.step_count >= 20)
    assert s.step_count >= 20 and s.state(0)["playing"]
    s.pause()
    _run_for(0.1)  # the chunk under way, if any, ends
    stopped = s.step_count
    _run_for(0.2)
    assert s.step_count == stopped and not s.playing
    assert player.chunk() == -1.0  # nothing to do when paused


def test_the_speed_setting_bounds_the_steps_per_chunk(loop):
    s = Session({**SMALL, "speed": 1})
    player = ChunkedPlay(s)
    player.play()
    before = s.step_count
    wait_ms = player.chunk()
    assert s.step_count == before + 1  # one step per chunk at 1 step/s
    assert 0 < wait_ms <= 1000  # then it waits out the rest of the second
    s.pause()
    _run_for(0.05)  # the loop's task sees the pause and ends


def test_a_closed_session_or_an_error_refuses_to_play(loop):
    s = Session(SMALL)
    s.trainer.error = "diverged: lower the learning rate"
    with pytest.raises(PlaygroundError, match="diverged"):
        ChunkedPlay(s).play()
    s.close()
    with pytest.raises(PlaygroundError, match="closed"):
        ChunkedPlay(s).play()
