"""The teaching link: Equation 8 for one weight and one sample, and one neuron's scalar graph.

Both read the session's model without changing it (the graph is built from copies) and name
things in the article's notation, typeset (``w²₁,₃``) as the pictures are, so the page shows
one notation.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from .. import equations as _equations
from .. import notation
from .. import ops as _ops
from ..engine import Value
from ..equations.explain import wrap as _wrap
from .features import PlaygroundError
from .trainer import Trainer

__all__ = ["check_index", "check_sample", "explain", "neuron_graph", "neuron_svg", "neuron_page"]


def check_sample(t: Trainer, sample: Any) -> int:
    """``sample`` as a point number, or ``PlaygroundError`` naming the range."""
    if isinstance(sample, bool) or not isinstance(sample, int) or not 0 <= sample < len(t.points):
        last = len(t.points) - 1
        raise PlaygroundError(f"sample must be a point number from 0 to {last}, got {sample!r}")
    return sample


def check_index(t: Trainer, l: Any, i: Any, j: Any = None) -> None:
    """Layer ``l`` (1..N), neuron ``i`` of it and input ``j`` (0 = bias), or ``PlaygroundError``."""
    sizes = t.model.sizes
    N = len(sizes) - 1
    for name, v in (("layer", l), ("neuron", i)) + ((("input", j),) if j is not None else ()):
        if isinstance(v, bool) or not isinstance(v, int):
            raise PlaygroundError(f"{name}: expected a whole number, got {v!r}")
    if not 1 <= l <= N:
        raise PlaygroundError(f"layer must be from 1 to {N}, got {l}")
    if not 1 <= i <= sizes[l]:
        raise PlaygroundError(f"layer {l} has neurons 1 to {sizes[l]}, got {i}")
    if j is not None and not 0 <= j <= sizes[l - 1]:
        raise PlaygroundError(f"neuron {i} of layer {l} has inputs 0 (bias) to {sizes[l - 1]}, got {j}")


def explain(t: Trainer, l: int, i: int, j: int, sample: int) -> dict[str, Any]:
    """∂e/∂w^ℓ_{i,j} for one sample by Equation 8 (``equations.explanation``: the arithmetic,
    numbers filled in) and by ``backward()`` on the model's own Values; ``text`` typeset."""
    check_index(t, l, i, j)
    k = check_sample(t, sample)
    ex = _equations.explanation(t.model, t.inputs[k], t.signed[k], t.config["loss"], l, i, j, width=None)
    neuron = t.model.layers[l - 1].neurons[i - 1]
    weight = neuron.b.data if j == 0 else neuron.w[j - 1].data
    return {
        "l": l, "i": i, "j": j, "sample": k, "name": notation.typeset(ex.name), "plain_name": ex.name,
        "text": _panel_lines(_typeset(str(ex))), "equation8": ex.value, "backward": ex.autograd,
        "de_do": ex.de_do, "phi_prime": ex.phi_prime, "o_prev": ex.o_prev, "weight": weight,
        "step": t.step_count, "loss": t.point_losses[k] if t.pending is None else None,
    }


# the panel's <pre> holds 58 characters at 1,024 px and 61 at 1,920 (also in presentation mode
# there), 46 in presentation mode at 1,024 px: a projector's, where no line may break again
PANEL_COLUMNS = 46


def _panel_lines(text: str) -> str:
    """Long sums and lists broken where they read well (``equations.explain.wrap``), measured
    after typesetting (w²₁,₃ is shorter than w^2_{1,3}), before the browser breaks them anywhere."""
    return "\n".join(part for line in text.split("\n") for part in _wrap(line, PANEL_COLUMNS))


_LETTER_INDEX = re.compile(r"_([a-z])(?![\w{])")  # Σ_k, o³_k: a one-letter index, unbraced


def _typeset(text: str) -> str:
    """The explanation in the page's one notation: ``notation.typeset``, and its one-letter
    indices (Σ_k, ∂e/∂o³_i) lowered by the same table (``_{k}`` → ``ₖ``)."""
    return _LETTER_INDEX.sub(lambda m: notation.typeset("_{" + m.group(1) + "}"), notation.typeset(text))


def _input_name(t: Trainer, l: int, j: int) -> str:
    if l > 1:
        return notation.activation(l - 1, j)
    feature = t.config["features"][j - 1]
    plain = f"x_{j}"
    return plain if feature == f"x{j}" else f"{plain} = {feature}"


def neuron_graph(t: Trainer, l: int, i: int, sample: int) -> Value:
    """Neuron i of layer l for one sample as micrograd's scalar graph, ending in o·∂e/∂o: its
    inputs o^{ℓ-1}_j are leaves holding this sample's values, and ∂e/∂o^ℓ_i (Equations 9 and
    12, from the layers above) is a constant leaf, so after ``backward()`` every weight's grad
    is its ∂e/∂w for this sample. Copies: the model is not touched."""
    check_index(t, l, i)
    k = check_sample(t, sample)
    bp = _equations.backprop(t.model, t.inputs[k], t.signed[k], t.config["loss"])
    neuron = t.model.layers[l - 1].neurons[i - 1]
    ins = [Value(bp.fp.o(l - 1, j), label=_input_name(t, l, j)) for j in range(1, len(neuron.w) + 1)]
    ws = [Value(w.data, label=w.label) for w in neuron.w]
    z = Value(neuron.b.data, label=neuron.b.label)
    for w, xj in zip(ws, ins):  # micrograd's order: b + w1·x1 + w2·x2 + ...
        z = z + w * xj
    z.label = notation.pre_activation(l, i)
    method = None if l == len(t.model.sizes) - 1 else _ops.activations()[t.config["act"]]
    o = z if method is None else getattr(z, method)()  # the last layer is linear
    o.label = notation.activation(l, i)
    g = Value(bp.de_do(l, i), label=f"∂e/∂{notation.activation(l, i)}")
    root = o * g
    root.label = f"{notation.activation(l, i)}·∂e/∂{notation.activation(l, i)}"
    root.backward()
    return root


def neuron_svg(t: Trainer, l: int, i: int, sample: int) -> str:
    """The neuron's scalar graph (``draw_dot``) as SVG text."""
    from ..viz import draw_dot
    from ..viz.render import svg

    return svg(draw_dot(neuron_graph(t, l, i, sample)))


def neuron_page(t: Trainer, l: int, i: int, sample: int) -> str:
    """The step-through page (``viz.to_html``) of the neuron's graph, as HTML text."""
    from ..viz import to_html

    root = neuron_graph(t, l, i, sample)
    with tempfile.TemporaryDirectory(prefix="mgn-playground-") as d:
        path = to_html(root, Path(d) / "neuron.html",
                       title=f"backward() through neuron {i} of layer {l}, sample {sample}")
        return path.read_text(encoding="utf-8")
