"""Training progress, shown wherever training runs.

``progress_bar(total)`` picks what suits the place the output goes to:

- **Jupyter** (an IPython kernel): a live progress bar widget with loss and accuracy
  (``tqdm.notebook``, which needs ``ipywidgets``); without ipywidgets, one HTML line updated in
  place (``IPython.display``), so a notebook never shows nothing or a warning.
- **A terminal** (stderr is a tty): tqdm's bar with loss and accuracy.
- **Anything else** (a pipe, a log file, CI): a plain line on stderr every few seconds, e.g.
  ``step 40/100  loss 0.412  acc 93%  (2.1 s)``, flushed at once; the first and the last
  step always get a line, so even a short run leaves a trace in the log.

Loss and accuracy read the same in all three (``fields``): the loss to 4 significant digits,
the accuracy in whole percent (99.5 % is not rounded up to 100 %, nor 0.4 % down to 0 %).
A terminal bar is at most ``MAX_COLUMNS`` wide, so it fits a projector's 100-column console.

``enabled=False`` (``fit(progress=False)``, ``microgradnet train --quiet``) shows nothing.
Every kind has the same two methods: ``update(step, loss, accuracy)`` after each step
(``step`` counts from 1) and ``close()``.
"""

from __future__ import annotations

import html
import os
import sys
import time
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from .notation import number

__all__ = [
    "Progress", "progress_bar", "LogLines", "in_notebook", "percent", "fields", "INTERVAL", "MAX_COLUMNS",
]

INTERVAL = 2.0  # seconds between two plain progress lines
MAX_COLUMNS = 100  # the terminal bar's width at most (and the CLI's lines)


class Progress(Protocol):
    """What ``fit`` calls: ``update`` after every step, ``close`` at the end."""

    def update(self, step: int, loss: float, accuracy: float) -> None: ...

    def close(self) -> None: ...


def percent(accuracy: float) -> str:
    """An accuracy (0..1) in whole percent, as every progress display and the CLI print it; a
    value that is not exactly 1 (or 0) never shows as 100 % (or 0 %): 0.996 → '99.6%'."""
    shown = f"{accuracy:.0%}"
    if (shown == "100%" and accuracy < 1) or (shown == "0%" and accuracy > 0):
        shown = f"{accuracy:.1%}"
        if shown in ("100.0%", "0.0%"):  # closer still: say so rather than claim the bound
            shown = ">99.9%" if accuracy > 0.5 else "<0.1%"
    return shown


def fields(loss: float, accuracy: float) -> str:
    """'loss 0.4123  acc 93%': the two numbers of a step, the same in a bar, a line and a notebook."""
    return f"loss {number(loss)}  acc {percent(accuracy)}"


def _line(step: int, total: int, loss: float, accuracy: float, elapsed: float) -> str:
    return f"step {step}/{total}  {fields(loss, accuracy)}  ({elapsed:.1f} s)"


class Silent:
    """No output at all."""

    def update(self, step: int, loss: float, accuracy: float) -> None:
        pass

    def close(self) -> None:
        pass


class LogLines:
    """A plain, flushed line every ``interval`` seconds (and at the first and the last step)."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        interval: float = INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.stream, self.interval, self.clock = total, stream, interval, clock
        self.start = clock()
        self.last_shown = -float("inf")
        self.pending: tuple[int, float, float] | None = None  # the latest step not printed yet

    def _show(self, step: int, loss: float, accuracy: float, now: float) -> None:
        try:
            self.stream.write(_line(step, self.total, loss, accuracy, now - self.start) + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe must not stop the training
            pass
        self.last_shown, self.pending = now, None

    def update(self, step: int, loss: float, accuracy: float) -> None:
        now = self.clock()
        # last_shown starts at -inf: the first step always gets a line, and so does the last
        if step >= self.total or now - self.last_shown >= self.interval:
            self._show(step, loss, accuracy, now)
        else:
            self.pending = (step, loss, accuracy)

    def close(self) -> None:
        if self.pending is not None:  # stopped early (a callback): say where
            self._show(*self.pending, self.clock())


class _Tqdm:
    """A tqdm bar (terminal or notebook widget) with loss and accuracy as its postfix."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def update(self, step: int, loss: float, accuracy: float) -> None:
        self.bar.set_postfix_str(fields(loss, accuracy), refresh=False)
        self.bar.update(step - self.bar.n)

    def close(self) -> None:
        self.bar.close()


class HtmlLine:
    """Jupyter without ipywidgets: one line of HTML, replaced in place a few times a second."""

    def __init__(self, total: int, clock: Callable[[], float] = time.monotonic) -> None:
        from IPython.display import HTML, display

        self.HTML, self.total, self.clock = HTML, total, clock
        self.start = self.last = clock()
        self.handle = display(self._html(0, None, None), display_id=True)
        self.pending: tuple[int, float, float] | None = None

    def _html(self, step: int, loss: float | None, accuracy: float | None) -> Any:
        fraction = step / self.total if self.total else 1.0
        text = "training" if loss is None else _line(step, self.total, loss, accuracy or 0.0,
                                                      self.clock() - self.start)
        return self.HTML(
            f'<div class="microgradnet-progress" style="font-family: monospace">'
            f'<progress value="{fraction:.4f}" max="1" style="width: 16em; vertical-align: middle">'
            f"</progress> {html.escape(text)}</div>"
        )

    def update(self, step: int, loss: float, accuracy: float) -> None:
        now = self.clock()
        if step >= self.total or now - self.last >= 0.2:
            self.handle.update(self._html(step, loss, accuracy))
            self.last, self.pending = now, None
        else:
            self.pending = (step, loss, accuracy)

    def close(self) -> None:
        if self.pending is not None:
            self.handle.update(self._html(*self.pending))


def in_notebook() -> bool:
    """True inside a Jupyter kernel (notebook, JupyterLab, VS Code, Colab, JupyterLite)."""
    if sys.platform == "emscripten":  # JupyterLite's Pyodide kernel: an IPython shell without ZMQ
        shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
        return shell is not None
    if "ipykernel" not in sys.modules:
        return False
    try:
        from ipykernel.zmqshell import ZMQInteractiveShell
        from IPython import get_ipython
    except ImportError:
        return False
    return isinstance(get_ipython(), ZMQInteractiveShell)


def _notebook_bar(total: int, desc: str) -> Progress:
    try:
        from tqdm import notebook

        if notebook.IProgress is None:  # ipywidgets missing
            raise ImportError("ipywidgets")
        if sys.platform == "emscripten":  # Pyodide has no threads: no tqdm monitor thread, no warning
            notebook.tqdm.monitor_interval = 0
        return _Tqdm(notebook.tqdm(total=total, desc=desc, unit="step", leave=True))
    except ImportError:
        return HtmlLine(total)


def _terminal_bar(total: int, desc: str, stream: TextIO) -> Progress:
    from tqdm import tqdm

    try:
        width = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        width = 0
    # a terminal that reports 0 columns (some CI ptys) would get an invisible bar; a wide one
    # a bar stretched across the screen (tqdm's dynamic width has no maximum)
    size: dict[str, Any] = {"ncols": min(width, MAX_COLUMNS) if width else 80}
    return _Tqdm(tqdm(total=total, desc=desc, unit="step", file=stream, leave=True, **size))


def progress_bar(total: int, enabled: bool = True, desc: str = "training") -> Progress:
    """The progress display for ``total`` steps that suits where the output goes (see above)."""
    if not enabled:
        return Silent()
    if in_notebook():
        return _notebook_bar(total, desc)
    stream = sys.stderr
    if stream is None:  # pythonw, some services
        return Silent()
    if getattr(stream, "isatty", lambda: False)():
        return _terminal_bar(total, desc, stream)
    return LogLines(total, stream)
