"""The options of a picture, checked in one place: every error is one line naming the option.

``Options.check`` validates everything ``draw_dot`` takes; the small checks below it (a choice
among names, a whole number, a finite real, a screen size) are the ones any picture's options
need (``labels.check_precision`` checks digits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .labels import check_precision

__all__ = ["Options", "SIZES", "choice", "whole", "real", "screen", "hidden_fields"]

SIZES = {"16:9": (1920, 1080), "4:3": (1024, 768)}  # size= for slides: the screen it fills, in px


@dataclass(frozen=True)
class Options:
    """draw_dot's options, checked once (:meth:`check`): every error names the option."""

    rankdir: str
    color: str | None
    hidden: frozenset[str]
    max_nodes: int | None
    collapse: str | None
    precision: int
    fields: tuple[str, ...]
    fontsize: float
    scale: float | None
    screen: tuple[int, int] | None
    layer: int | None

    @classmethod
    def check(cls, *, rankdir: Any, color: Any, hide: Any, answer_key: bool, max_nodes: Any, collapse: Any,
              precision: Any, fields: Any, fontsize: Any, scale: Any, size: Any, layer: Any) -> Options:
        choice("rankdir", rankdir, ("auto", "LR", "RL", "TB", "BT"))
        choice("color", color, (None, "grad", "data"))
        choice("collapse", collapse, (None, "neuron", "layer"))
        hidden = frozenset() if answer_key else hidden_fields(hide)
        if color is not None and color in hidden:
            raise ValueError(f"color={color!r} would give away the hidden {color} values; drop one of them")
        check_precision(precision)
        if max_nodes is not None and (not whole(max_nodes) or max_nodes < 1):
            raise ValueError(f"max_nodes must be a positive whole number or None, got {max_nodes!r}")
        shown = (fields,) if isinstance(fields, str) else tuple(fields)
        if not shown or set(shown) - {"data", "grad"}:
            raise ValueError(f"fields= takes 'data', 'grad' or both, got {fields!r}")
        if not real(fontsize) or not 4 <= fontsize <= 72:
            raise ValueError(f"fontsize must be a number of points from 4 to 72, got {fontsize!r}")
        if scale is not None and (not real(scale) or not 0.05 <= scale <= 20):
            raise ValueError(f"scale must be None (fit the cell) or a number from 0.05 to 20, got {scale!r}")
        if layer is not None and (not whole(layer) or layer < 1):
            raise ValueError(f"layer must be a layer number (1 for the first) or None, got {layer!r}")
        return cls(rankdir, color, hidden, max_nodes, collapse, precision, shown, float(fontsize), scale,
                   screen(size), layer)


def choice(name: str, value: Any, choices: tuple[Any, ...]) -> None:
    if value not in choices or isinstance(value, bool):
        raise ValueError(f"{name}= takes {', '.join(map(repr, choices))}; got {value!r}")


def whole(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def real(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def screen(size: Any) -> tuple[int, int] | None:
    """size=: None (a notebook cell), '16:9' (1,920×1,080), '4:3' (1,024×768) or 'WxH' in px."""
    if size is None:
        return None
    if isinstance(size, str) and size in SIZES:
        return SIZES[size]
    parts = size.lower().split("x") if isinstance(size, str) else []
    if len(parts) == 2 and all(p.strip().isdigit() and 100 <= int(p) <= 20_000 for p in parts):
        return int(parts[0]), int(parts[1])
    raise ValueError(f"size= takes None, '16:9', '4:3' or a screen like '1920x1080'; got {size!r}")



def hidden_fields(hide: Any) -> frozenset[str]:
    if hide is None:
        return frozenset()
    fields = {hide} if isinstance(hide, str) else set(hide)
    unknown = fields - {"grad", "data"}
    if unknown:
        raise ValueError(f"hide= takes 'grad', 'data' or both, got {sorted(unknown)!r}")
    return frozenset(fields)


