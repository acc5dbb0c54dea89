"""The playground inline in Jupyter: an anywidget running the page's own JavaScript.

Why anywidget: the widget's front end is the page's plain ES module, shipped as a string -
no JavaScript build step, no separate Jupyter extension to install or keep in step with the
Python package, and it runs in JupyterLab, Notebook 7, VS Code and Colab. Requests travel as
widget messages instead of HTTP (so it works on a remote Jupyter too) and are answered by the
same ``api.handle`` as the web server's.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from .api import answer, choices, clean
from .page import asset, script_text
from .session import Session

_ESM_TAIL = """
function mgnWidgetTransport(model) {
  let next = 1;
  const waiting = new Map();
  model.on("msg:custom", (msg) => {
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.status === 200) w.resolve(msg.result); else w.reject(new Error(msg.result.error));
  });
  function call(name, body) {
    const id = next++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      model.send({ id: id, name: name, body: body || {} });
    });
  }
  return { start: () => call("session", {}), call: call, close() {} };
}
export default {
  render({ model, el }) {
    el.innerHTML = model.get("_panel");
    const app = mgnPlayground(el.querySelector(".mgn-pg"), mgnWidgetTransport(model));
    return () => { app.alive = false; };
  },
};
"""


def _widget_class() -> Any:
    try:
        import anywidget
        import traitlets
    except ImportError:
        raise ImportError(
            'the Jupyter playground needs anywidget: pip install "microgradnet[playground]"'
        ) from None

    class PlaygroundWidget(anywidget.AnyWidget):
        """The playground page as a Jupyter widget; ``.session`` is its ``Session``."""

        _esm = traitlets.Unicode(script_text() + _ESM_TAIL).tag(sync=True)
        _css = traitlets.Unicode(asset("playground.css")).tag(sync=True)
        _panel = traitlets.Unicode(asset("panel.html")).tag(sync=True)

        def __init__(self, session: Session, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.session = session
            self.on_msg(self._on_msg)

        def __repr__(self) -> str:
            c = self.session.config
            sizes = "-".join(map(str, self.session.model.sizes))
            step = self.session.step_count
            return f"PlaygroundWidget({c['dataset']}, MLP {sizes} ({c['act']}), step {step})"

        def request(self, name: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
            """Answer one page request (what a message from the page does), as (status, result)."""
            if name == "session":
                return 200, {"sid": "widget", **choices()}
            if name == "play" and sys.platform == "emscripten":  # JupyterLite: no threads, asyncio chunks
                from .chunked import ChunkedPlay

                self._player = getattr(self, "_player", None) or ChunkedPlay(self.session)
                try:
                    return 200, self._player.play()
                except ValueError as e:
                    return 400, {"error": str(e)}
            return answer(self.session, name, body or {})

        def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
            if not isinstance(content, dict) or "id" not in content:
                return
            name, body = content.get("name"), content.get("body")

            def reply() -> None:
                status, result = self.request(str(name), body if isinstance(body, dict) else {})
                self.send({"id": content["id"], "status": status, "result": clean(result)})

            if sys.platform == "emscripten":  # Pyodide (JupyterLite) has no threads: answer in turn
                reply()
                return
            # slow requests (graphs, GIFs) must not block the kernel's message loop
            threading.Thread(target=reply, daemon=True).start()

        def close(self) -> None:
            """Stop training and close the widget."""
            self.session.close()
            super().close()

    return PlaygroundWidget


_CLASS: Any = None


def playground(**settings: Any) -> Any:
    """The playground inline in Jupyter, e.g. ``playground(dataset="circles", hidden=[4, 4])``.

    Keyword arguments are starting settings (``Session``'s: dataset, noise, points,
    train_percent, features, hidden, act, loss, optimizer, lr, momentum, batch_size, l2, seed); an
    impossible one raises ``PlaygroundError``. The returned widget's ``.session`` can be driven
    from Python too (``.session.step(100)``, ``.session.explain(...)``).
    """
    global _CLASS
    if _CLASS is None:
        _CLASS = _widget_class()
    return _CLASS(Session(settings))
