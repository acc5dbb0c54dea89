"""The playground's requests, shared by the HTTP server and the Jupyter widget.

``handle(session, name, body)`` answers one request of the page with a JSON-able dict; every
``ValueError``/``TypeError`` a request provokes (an impossible setting, a bad index) becomes
``{"error": message}``, shown in the page, and the session stays as it was.
"""

from __future__ import annotations

import base64
from typing import Any

from . import config as _config
from .features import FEATURE_ROWS
from .session import Session

MAX_STEPS_PER_REQUEST = 1000
# a step request trains at most about this long (plus the step under way), so that no request
# runs for minutes (one of 1,000 steps at the largest settings took ~45 min): long runs are "play"
STEP_SECONDS = 1.0


def choices() -> dict[str, Any]:
    """What the page may offer, read from the registries now (so an activation declared with
    ``define_op`` in this process is offered): the choices, each activation's and each input
    feature's JavaScript (the page's heat maps run them), limits and defaults."""
    from .. import ops as _ops

    return {
        "datasets": _config.datasets(), "losses": _config.losses(), "optimizers": _config.optimizers(),
        "activations": _config.activations(),
        "activation_js": {name: _ops.activation_row(name).js for name in _config.activations()},
        "features": list(FEATURE_ROWS),
        "feature_js": {name: f.js for name, f in FEATURE_ROWS.items()},
        "feature_labels": {name: f.label for name, f in FEATURE_ROWS.items()},
        "momentum_optimizers": _config.momentum_optimizers(),
        "limits": _config.LIMITS, "defaults": _config.DEFAULTS,
    }


def _int(body: dict[str, Any], key: str, default: int | None = None) -> int:
    v = body.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{key}: expected a whole number, got {v!r}")
    return v


def handle(session: Session, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """Answer request ``name`` (``state``, ``configure``, ``play``, ...) for ``session``."""
    if not isinstance(body, dict):
        raise ValueError("the request body must be a JSON object")
    if name == "state":
        return session.state(_int(body, "since", 0))
    if name == "dataset":
        return session.dataset()
    if name == "configure":
        session.configure(body.get("changes"))
        return {"dataset": session.dataset(), "state": session.state(0)}
    if name == "play":
        session.play()
        return {"playing": True}
    if name == "pause":
        session.pause()
        return {"playing": False, "step": session.step_count}
    if name == "step":
        n = _int(body, "n", 1)
        if not 1 <= n <= MAX_STEPS_PER_REQUEST:
            raise ValueError(f"steps: from 1 to {MAX_STEPS_PER_REQUEST} per request, got {n}")
        session.pause()
        # a pause() from another request ends it early too, within one chunk of samples
        r = session.step(n, seconds=STEP_SECONDS)
        return {"step": r["step"], "done": r["done"], "asked": n}
    if name == "reset":
        session.pause()
        session.reset()
        return {"state": session.state(0)}
    if name == "explain":
        return session.explain(_int(body, "l"), _int(body, "i"), _int(body, "j"), _int(body, "sample"))
    if name == "neuron":
        l, i, sample = _int(body, "l"), _int(body, "i"), _int(body, "sample")
        return {"svg": session.neuron_svg(l, i, sample), "l": l, "i": i, "sample": sample}
    if name == "neuron_page":
        return {"html": session.neuron_page(_int(body, "l"), _int(body, "i"), _int(body, "sample"))}
    if name == "export":
        what = body.get("what")
        if what == "model":
            return {"filename": "model.json", "mime": "application/json", "text": session.model_json()}
        if what == "script":
            return {"filename": "playground_run.py", "mime": "text/x-python", "text": session.script()}
        if what == "gif":
            data = base64.b64encode(session.gif()).decode("ascii")
            return {"filename": "playground.gif", "mime": "image/gif", "base64": data}
        raise ValueError(f"export: unknown kind {what!r}; choose model, script or gif")
    raise LookupError(f"unknown request {name!r}")


def clean(obj: Any) -> Any:
    """``obj`` with every NaN or infinity replaced by None (JSON has no such numbers)."""
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    return obj


def to_json(obj: Any) -> str:
    """JSON text for the page; non-finite numbers become null."""
    import json

    try:
        return json.dumps(obj, allow_nan=False)
    except ValueError:
        return json.dumps(clean(obj), allow_nan=False)


def answer(session: Session, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """``handle`` with errors turned into (status, {"error": message})."""
    try:
        return 200, handle(session, name, body)
    except LookupError as e:
        return 404, {"error": str(e).strip("'\"")}
    except (ValueError, TypeError, ArithmeticError, RuntimeError) as e:
        return 400, {"error": str(e)}
