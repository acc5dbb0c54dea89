"""The step-through as slides: one picture per step (SVG or PNG) and an animated GIF.

``step_images(root, folder)`` writes ``step_00.png``, ``step_01.png``, … — the same steps as the
step-through page (``to_html``): the forward pass, each node's value appearing with its formula
and numbers, then ``backward()``, one chain-rule update per picture. Paste them into a deck.
``step_gif(root, path)`` puts the same pictures into one animated GIF.

Each picture is a Graphviz drawing (through ``microgradnet.viz.render``: the system ``dot`` or
graphviz-pure, which also writes PNG) of the graph in micrograd's style, the current node in
orange, its children in green, nodes already done outlined in blue, values not yet computed
blank, and the explanation printed above the graph. Every field keeps its width from picture to
picture, so the layout stands still while the numbers change. The GIF is assembled by Pillow
(installed with matplotlib, the ``plot`` extra). Every file is written atomically.

Made for a slide deck: by default every picture is a 16:9 frame of 1920 × 1080 pixels (``size``),
the graph as large as fits below its caption and centred, left to right as in micrograd's
notebook unless top to bottom shows the text clearly larger. ``size=None`` keeps the drawing's
own size.
"""

from __future__ import annotations

import io
import math
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import graphviz

from .._files import write_bytes
from ..engine import Value
from ..notation import number
from . import labels as L
from .render import Digraph, choose_engine, pipe
from .step_through import MAX_NODES, page_data

__all__ = ["step_images", "step_gif", "step_graphs", "SLIDE"]

SLIDE = (1920, 1080)  # px: a 16:9 slide, the default frame of every picture
_PAD = 0.25  # inches of margin around the drawing

_CURRENT, _CURRENT_BG = "#e8590c", "#fff0e0"
_CHILD, _CHILD_BG = "#0b7a5a", "#fff3bf"
_DONE = "#5c7cfa"
_FORWARD, _BACKWARD = "#1c7ed6", "#e8590c"
_MONO = "DejaVu Sans Mono,Menlo,Consolas,monospace"
_NBSP = "\u00a0"  # Graphviz keeps it (it trims ordinary spaces): pads fields to a fixed width
_FORMATS = ("svg", "png")


def _check_size(size: object, who: str) -> tuple[int, int] | None:
    if size is None:
        return None
    ok = isinstance(size, tuple) and len(size) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) and 64 <= v <= 8000 for v in size)
    if not ok:
        raise ValueError(f"{who}: size must be (width, height) in pixels, 64 to 8000, or None, got {size!r}")
    return size  # type: ignore[return-value]


def step_graphs(root: Value, *, forward: bool = True, rankdir: str = "auto",
                size: tuple[int, int] | None = SLIDE) -> list[Digraph]:
    """One ``graphviz.Digraph`` per step of the step-through page, in order (start of the forward
    pass, each forward step, start of backward, each backward step).

    ``rankdir``: 'LR' (micrograd's picture, output on the right), 'TB' (top to bottom), or
    'auto': left to right unless top to bottom shows the text at least 10 % larger in the frame
    (``size``; without one, whichever comes closer to 16:9). ``size=(w, h)`` pixels: every
    picture is drawn into exactly that frame (at 96 dpi), centred, with white margins.
    """
    if rankdir not in ("LR", "TB", "auto"):
        raise ValueError(f"step slides: rankdir must be 'LR', 'TB' or 'auto', got {rankdir!r}")
    frame = _check_size(size, "step slides")
    data = page_data(root, forward=forward, max_nodes=MAX_NODES)
    states = _states(data)
    lines = [[L.clean(line, 200) for line in caption] for _, caption in states]
    # one blank line below the longest caption: room between the words and the graph
    shape = (max(map(len, lines)) + 1, max(len(line) for caption in lines for line in caption))
    widths = _widths(data)

    def deck(direction: str) -> tuple[list[Digraph], tuple[float, float]]:
        graphs = [_graph(data, state, direction, caption, shape, widths)
                  for (state, _), caption in zip(states, lines)]
        return graphs, _size_pt(graphs[-1])  # every picture of a deck has the same size

    if rankdir != "auto":
        graphs, natural = deck(rankdir)
    else:
        graphs, natural = deck("LR")
        tall, tall_natural = deck("TB")
        if _prefer_tall(natural, tall_natural, frame):
            graphs, natural = tall, tall_natural
    if frame is not None:
        _fit(graphs, natural, frame)
    return graphs


def _prefer_tall(wide: tuple[float, float], tall: tuple[float, float], frame: tuple[int, int] | None) -> bool:
    """Top to bottom instead of micrograd's left to right? Only when it shows the text clearly
    larger in the frame (or, without a frame, comes clearly closer to 16:9)."""
    if frame is not None:
        def fitted(size: tuple[float, float]) -> float:
            return min(frame[0] * 0.75 / size[0], frame[1] * 0.75 / size[1])  # px → pt: × 0.75

        return fitted(tall) > 1.1 * fitted(wide)
    w, h = wide
    if w / h <= 2.5:  # close enough to 16:9 (1.78) already: keep micrograd's left-to-right picture
        return False
    tw, th = tall
    return abs(math.log((tw / th) / (16 / 9))) < abs(math.log((w / h) / (16 / 9)))


def _fit(graphs: list[Digraph], natural: tuple[float, float], frame: tuple[int, int]) -> None:
    """Draw every picture into ``frame`` pixels: widen the margin on two sides to the frame's
    shape, then let Graphviz scale the whole (up or down) to the frame."""
    w, h = natural  # points, margins included
    shape = frame[0] / frame[1]
    pad_x = _PAD + max(0.0, shape * h - w) / 2 / 72
    pad_y = _PAD + max(0.0, w / shape - h) / 2 / 72
    for g in graphs:
        g.attr(pad=f"{pad_x:.4f},{pad_y:.4f}", size=f"{frame[0] / 96:.4f},{frame[1] / 96:.4f}!")


def _size_pt(graph: Digraph) -> tuple[float, float]:
    """The picture's width and height in points (72 per inch), from its SVG."""
    head = pipe(graph.source, "svg")[:4000].decode("utf-8", "replace")
    m = re.search(r'<svg[^>]*?width="([\d.]+)pt"[^>]*?height="([\d.]+)pt"', head, re.S)
    if not m:
        raise RuntimeError("step slides: could not read the picture's size from Graphviz's SVG")
    return max(float(m.group(1)), 1.0), max(float(m.group(2)), 1.0)


def step_images(
    root: Value,
    folder: str | os.PathLike[str],
    format: str = "png",
    *,
    forward: bool = True,
    rankdir: str = "auto",
    prefix: str = "step",
    size: tuple[int, int] | None = SLIDE,
) -> list[Path]:
    """Write one picture per step into ``folder`` (created if missing) and return their paths.

    Files are named ``{prefix}_00.{format}``, ``{prefix}_01.{format}``, … (``format``: 'png' or
    'svg'); older files of the same pattern left from a longer run are removed, so the folder
    holds exactly this deck. ``forward=False``: the backward pass only. ``size``: the frame in
    pixels, 1920 × 1080 (16:9) unless you say otherwise; None: the drawing's own size.
    """
    fmt = _check_format(format)
    if not isinstance(prefix, str) or not re.fullmatch(r"[\w.-]+", prefix):
        raise ValueError(f"step_images: prefix must be a plain file-name part like 'step', got {prefix!r}")
    frame = _check_size(size, "step_images")
    graphs = step_graphs(root, forward=forward, rankdir=rankdir, size=frame)
    choose_engine(fmt)  # a missing engine is one clear error before any work
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"step_images: {str(target)!r} is a file, not a folder")
    target.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(len(graphs) - 1)))
    paths = [target / f"{prefix}_{k:0{width}d}.{fmt}" for k in range(len(graphs))]
    for path, picture in zip(paths, _draw(graphs, fmt, frame)):
        write_bytes(path, picture)
    mine = {p.name for p in paths}
    pattern = re.compile(rf"{re.escape(prefix)}_\d+\.{fmt}")
    for old in target.iterdir():
        if old.name not in mine and pattern.fullmatch(old.name):
            old.unlink()
    return paths


def step_gif(
    root: Value,
    path: str | os.PathLike[str],
    *,
    forward: bool = True,
    seconds: float = 1.6,
    hold_last: float = 4.0,
    max_width: int = 1920,
    loop: int = 0,
    rankdir: str = "auto",
    size: tuple[int, int] | None = SLIDE,
) -> Path:
    """Write the steps as one animated GIF (``seconds`` per step, the last one held for
    ``hold_last``; ``loop=0`` repeats forever). Frames are ``size`` pixels (1920 × 1080, 16:9),
    scaled down to ``max_width`` if wider; ``size=None``: the drawing's own size, at most
    ``max_width``. Needs Pillow (``pip install "microgradnet[plot]"``). Returns the path."""
    for name, value in (("seconds", seconds), ("hold_last", hold_last)):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.02 <= value <= 600:
            raise ValueError(f"step_gif: {name} must be a number of seconds from 0.02 to 600, got {value!r}")
    if not isinstance(max_width, int) or isinstance(max_width, bool) or max_width < 64:
        raise ValueError(f"step_gif: max_width must be a whole number of pixels >= 64, got {max_width!r}")
    if not isinstance(loop, int) or isinstance(loop, bool) or loop < 0:
        raise ValueError(f"step_gif: loop must be 0 (forever) or a positive count, got {loop!r}")
    frame = _check_size(size, "step_gif")
    if frame is not None and frame[0] > max_width:  # draw at the size the GIF needs, not big then shrunk
        frame = (max_width, max(64, round(frame[1] * max_width / frame[0])))
    target = Path(path)
    if target.suffix.lower() != ".gif":
        raise ValueError(f"step_gif: the file name must end in .gif, got {str(target)!r}")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"step_gif: the folder {str(target.parent)!r} does not exist")
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            'step_gif needs Pillow: pip install "microgradnet[plot]" (or pip install pillow)'
        ) from None
    graphs = step_graphs(root, forward=forward, rankdir=rankdir, size=frame)
    choose_engine("png")
    if frame is None:
        natural = _size_pt(graphs[0])[0] * 96 / 72  # pixels at Graphviz's default 96 dpi
        if natural > max_width:
            for g in graphs:
                g.attr(dpi=f"{96 * max_width / natural:.2f}")
    frames = [Image.open(io.BytesIO(png)).convert("RGB") for png in _draw(graphs, "png", frame)]
    width = max(f.width for f in frames)
    height = max(f.height for f in frames)
    frames_p = []
    for picture in frames:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(picture, (0, 0))
        frames_p.append(canvas.quantize(colors=255, method=getattr(Image, "Quantize", Image).FASTOCTREE))
    durations = [round(seconds * 1000)] * (len(frames_p) - 1) + [round(hold_last * 1000)]
    buffer = io.BytesIO()
    frames_p[0].save(
        buffer, format="GIF", save_all=True, append_images=frames_p[1:], duration=durations, loop=loop
    )
    write_bytes(target, buffer.getvalue())
    return target


# ---- the states the page goes through, replayed -----------------------------------------
def _check_format(format: object) -> str:
    fmt = str(format).lower().lstrip(".") if isinstance(format, str) else ""
    if fmt not in _FORMATS:
        raise ValueError(f"step_images: format must be 'png' or 'svg', got {format!r}")
    return fmt


def _states(data: dict[str, Any]) -> list[tuple[dict[str, Any], list[str]]]:
    """(what the picture shows, caption lines) for every position of the page's timeline."""
    nodes, fwd, steps = data["nodes"], data["forward"], data["steps"]
    n_f, n_b = len(fwd), len(steps)
    values: list[str | None] = [n["data"][0] if (n["leaf"] or not fwd) else None for n in nodes]
    grads: list[str | None] = [None if fwd else n["grad"][0] for n in nodes]
    done: set[int] = set()
    out: list[tuple[dict[str, Any], list[str]]] = []

    def snap(current: int | None, kids: list[int], edges: list[int], caption: list[str], pass_: str) -> None:
        state = {
            "values": list(values),
            "grads": list(grads),
            "done": set(done),
            "current": current,
            "children": set(kids),
            "edges": set(edges),
            "pass": pass_,
        }
        out.append((state, caption))

    if fwd:
        snap(
            None,
            [],
            [],
            [f"Forward pass · start (0 of {n_f})", "The inputs are given; every other value is still blank."],
            "forward",
        )
        for i, f in enumerate(fwd, start=1):
            values[f["node"]] = f["value"][0]
            done.add(f["node"])
            name, op = nodes[f["node"]]["name"], nodes[f["node"]]["op"]
            snap(
                f["node"],
                f["children"],
                f["edges"],
                [
                    f"Forward pass · step {i} of {n_f}: the value of {name} (op {op})",
                    f"{f['formula']} {f['numbers']}",
                ],
                "forward",
            )
        done.clear()
    root = nodes[data["root"]]
    r = root["name"]
    grads = [n["grad"][0] for n in nodes]
    snap(
        data["root"],
        [],
        [],
        # numbers as every other caption writes them (notation.number: "1", never "1.0")
        [f"Backward pass · start (0 of {n_b})",
         f"{r}.grad = {number(1.0)} (∂{r}/∂{r}), every other grad = {number(0.0)}"],
        "backward",
    )
    for j, s in enumerate(steps, start=1):
        for u in s["updates"]:
            grads[u["child"]] = u["after"][0]
        done.add(s["node"])
        name, op = nodes[s["node"]]["name"], nodes[s["node"]]["op"]
        head = f"Backward pass · step {j} of {n_b}: the chain rule at {name} (op {op}), "
        head += f"{name}.grad = {s['grad']}"
        caption = [head] + [f"{u['formula']} {u['numbers']}" for u in s["updates"]]
        kids, edges = [u["child"] for u in s["updates"]], [u["edge"] for u in s["updates"]]
        snap(s["node"], kids, edges, caption, "backward")
    return out


# ---- one picture ------------------------------------------------------------------------
def _widths(data: dict[str, Any]) -> tuple[list[int], list[int]]:
    """The widest text each node's data and grad field ever shows (fields never change size)."""
    nodes = data["nodes"]
    dw = [len(n["data"][0]) for n in nodes]
    gw = [len(n["grad"][0]) for n in nodes]
    for s in data["steps"]:
        for u in s["updates"]:
            gw[u["child"]] = max(gw[u["child"]], len(u["after"][0]))
    return dw, gw


def _escape(text: str) -> str:
    """A caption line for a Graphviz label (as labels.plain, without its length limit)."""
    return L.clean(text, 400).replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')


def _pad(text: str, width: int) -> str:
    return text + _NBSP * max(0, width - len(text))


def _graph(
    data: dict[str, Any],
    state: dict[str, Any],
    rankdir: str,
    caption: list[str],
    size: tuple[int, int],
    widths: tuple[list[int], list[int]],
) -> Digraph:
    """One picture; ``size`` (lines, characters) and ``widths`` are the deck's largest, so every
    picture of a deck has the same layout."""
    dw, gw = widths
    lines, wide = size
    nodes, edges = data["nodes"], data["edges"]
    layout = {"rankdir": rankdir, "nodesep": "0.25", "ranksep": "0.35", "pad": "0.25"}
    g = Digraph(name="step", graph_attr=layout)
    g.attr("node", shape="record", fontname=_MONO, fontsize="14")
    g.attr("edge", color="#9aa3b2", arrowsize="0.7")
    pass_color = _FORWARD if state["pass"] == "forward" else _BACKWARD
    body = caption + [""] * (lines - len(caption))
    text = "\\l".join(_escape(_pad(line, wide)) for line in body) + "\\l"
    g.attr(label=graphviz.nohtml(text), labelloc="t", labeljust="l", fontname=_MONO, fontsize="18",
           fontcolor=pass_color)
    for i, n in enumerate(nodes):
        value, grad = state["values"][i], state["grads"][i]
        fields = [
            L.record_field(n["text"]),
            L.record_field("data" + _NBSP + _pad("" if value is None else value, dw[i])),
            L.record_field("grad" + _NBSP + _pad("" if grad is None else grad, gw[i])),
        ]
        attrs = {"color": "#50596a", "penwidth": "1.2"}
        if i == state["current"]:
            attrs = {"color": _CURRENT, "penwidth": "3.5", "style": "filled", "fillcolor": _CURRENT_BG}
        elif i in state["children"]:
            attrs = {"color": _CHILD, "penwidth": "3", "style": "filled", "fillcolor": _CHILD_BG}
        elif i in state["done"]:
            attrs = {"color": _DONE, "penwidth": "2.2"}
        g.node(f"v{i}", L.record(*fields), **attrs)
        if n["op"]:
            op_attrs = {"shape": "ellipse", "fontname": _MONO, "fontsize": "14", "margin": "0.04,0.02"}
            if i == state["current"]:
                op_attrs.update(color=_CURRENT, penwidth="3", style="filled", fillcolor=_CURRENT_BG)
            g.node(f"v{i}op", L.plain(n["op"]), **op_attrs)
            g.edge(f"v{i}op", f"v{i}")
    for e, (child, parent, _) in enumerate(edges):
        attrs = {"color": _CURRENT, "penwidth": "3"} if e in state["edges"] else {}
        g.edge(f"v{child}", f"v{parent}op", **attrs)
    return g


def _draw(graphs: list[Digraph], fmt: str, frame: tuple[int, int] | None = None) -> list[bytes]:
    """Render every picture (a few Graphviz processes at a time), each exactly ``frame`` pixels
    when one is given."""
    engine = choose_engine(fmt)

    def draw(g: Digraph) -> bytes:
        source = g.source
        if fmt == "png":
            if frame is not None:  # 96 dpi: the frame's inches are its pixels / 96
                source = source.rstrip().rstrip("}") + "\tdpi=96\n}\n"
            if engine == "graphviz-pure":  # its built-in fonts: Courier is its monospace face
                source = source.replace(f'fontname="{_MONO}"', 'fontname="Courier"')
        picture = pipe(source, fmt, engine=engine)
        return _exact(picture, fmt, frame) if frame is not None else picture

    if sys.platform == "emscripten":  # Pyodide starts no threads: one picture after another
        return [draw(g) for g in graphs]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(draw, graphs))


def _exact(picture: bytes, fmt: str, frame: tuple[int, int]) -> bytes:
    """The picture as exactly ``frame`` pixels, centred: Graphviz builds that honour ``pad``
    and ``size`` get there by themselves; for the others SVG gets a wider viewBox, PNG a white
    canvas (when Pillow is installed)."""
    if fmt == "svg":
        text = picture.decode("utf-8")
        m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"\s+viewBox="([-\d. ]+)"', text)
        if not m:
            return picture
        x0, y0, vw, vh = (float(v) for v in m.group(3).split())
        want = frame[0] / frame[1]
        if abs(vw / vh - want) < 0.005:
            return picture
        nw, nh = max(vw, vh * want), max(vh, vw / want)
        box = f"{x0 - (nw - vw) / 2:.2f} {y0 - (nh - vh) / 2:.2f} {nw:.2f} {nh:.2f}"
        head = f'<svg width="{frame[0] * 0.75:g}pt" height="{frame[1] * 0.75:g}pt"\n viewBox="{box}"'
        return (text[: m.start()] + head + text[m.end():]).encode("utf-8")
    try:
        from PIL import Image
    except ImportError:
        return picture
    image = Image.open(io.BytesIO(picture))
    if image.size == frame:
        return picture
    scale = min(frame[0] / image.width, frame[1] / image.height)
    fitted = image.convert("RGB").resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    canvas = Image.new("RGB", frame, "white")
    canvas.paste(fitted, ((frame[0] - fitted.width) // 2, (frame[1] - fitted.height) // 2))
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()
