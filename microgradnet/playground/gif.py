"""The run as an animated GIF: the decision boundary at every recorded frame, with the points.

Needs numpy (the grid forward pass, vectorised) and Pillow (the GIF): ``pip install
"microgradnet[playground]"``. Without them a clear ``PlaygroundError`` names the extra.
"""

from __future__ import annotations

import io
import math
from typing import Any

from .. import ops as _ops
from .features import FEATURES, PlaygroundError

_POS = (33, 102, 172)  # class 1 (blue), as on the page
_NEG = (230, 120, 30)  # class 0 (orange)
_WHITE = (255, 255, 255)


def _need() -> tuple[Any, Any]:
    try:
        import numpy as np
        from PIL import Image, ImageDraw
    except ImportError:
        raise PlaygroundError(
            'the GIF export needs numpy and Pillow: pip install "microgradnet[playground]"'
        ) from None
    return np, (Image, ImageDraw)


def make_gif(frames: list[tuple[int, list[float]]], sizes: list[int], config: dict[str, Any],
             domain: list[float], points: list[list[float]], labels: list[int], size: int = 200) -> bytes:
    """GIF bytes: one picture per frame (step, flat parameters in ``model.parameters()`` order)."""
    np, (Image, ImageDraw) = _need()
    n = max(16, min(int(size), 400))
    x0, x1, y0, y1 = domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y1, y0, n))
    columns = [np.vectorize(FEATURES[f])(gx, gy) if f.startswith("sin") else FEATURES[f](gx, gy)
               for f in config["features"]]
    feats = np.stack(columns, axis=-1).reshape(-1, len(columns))
    # the activation's numpy kernel from its row of the table (declared activations too)
    phi = _ops.numpy_forward(config["act"])
    images = []
    for step, flat in frames:
        out, k = feats, 0
        for layer, (nin, nout) in enumerate(zip(sizes, sizes[1:]), start=1):
            W = np.empty((nout, nin))
            B = np.empty(nout)
            for i in range(nout):  # parameters(): per neuron w_1..w_n, then b
                W[i] = flat[k:k + nin]
                B[i] = flat[k + nin]
                k += nin + 1
            out = out @ W.T + B
            if layer < len(sizes) - 1:
                out = phi(out)
        score = np.tanh(out[:, 0]).reshape(n, n)
        t = np.abs(score)[..., None] * 0.8
        colour = np.where(score[..., None] > 0, np.array(_POS), np.array(_NEG))
        rgb = (np.array(_WHITE) * (1 - t) + colour * t).astype(np.uint8)
        img = Image.fromarray(rgb, "RGB")
        draw = ImageDraw.Draw(img)
        for (px, py), v in zip(points, labels):
            cx = (px - x0) / (x1 - x0) * (n - 1)
            cy = (y1 - py) / (y1 - y0) * (n - 1)
            draw.ellipse([cx - 2.5, cy - 2.5, cx + 2.5, cy + 2.5], fill=_POS if v == 1 else _NEG,
                         outline=(255, 255, 255))
        draw.text((4, 3), f"step {step}", fill=(0, 0, 0))
        images.append(img.convert("P", palette=Image.Palette.ADAPTIVE, colors=64))
    buf = io.BytesIO()
    duration = max(40, min(200, math.ceil(4000 / len(images))))
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=duration, loop=0)
    return buf.getvalue()
