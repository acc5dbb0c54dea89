"""Compiled replay (microgradnet.compile): the same numbers as eager backward(), without Values."""

from __future__ import annotations

import gc
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgradnet.engine as engine
from microgradnet import Value, no_grad
from microgradnet.compile import CompileError, GraphChangedError, compile_step
from microgradnet.compile.codegen import helpers, template_for
from microgradnet.engine import value_sum
from microgradnet.nn import MLP
from microgradnet.ops import OPS, activations, op_key, op_parameter
from tests.oracles import central_difference, close

ACTS = list(activations())  # every built-in activation (read from the table), and linear


def identical(a: float, b: float) -> bool:
    """Bit for bit (the same formula in the same order), NaN included."""
    return a == b or (a != a and b != b)


def same(a: float, b: float, tol: float = 1e-12) -> bool:
    return a == b or abs(a - b) <= tol * max(1.0, abs(a), abs(b))


# ---- the replay templates (from the table of operations) agree with the engine -------------
def _engine_op_classes() -> list[type]:
    return [c for c in vars(engine).values() if isinstance(c, type) and issubclass(c, Value) and c._op]


def test_every_engine_operation_has_a_replay_template():
    """An operation without a replay template in ops.OPS fails here (sum and dot are generated)."""
    for cls in _engine_op_classes():
        key = cls._key
        assert key in ("sum", "dot") or OPS[key].replay, f"no replay template for {key!r}"


def _nodes_for(op: str, x: float, y: float) -> list[Value]:
    """Nodes of one operation on inputs derived from x and y (those the engine accepts)."""
    a, b = Value(x), Value(y)
    pos, bpos = Value(abs(x) + 0.1), Value(abs(y) + 0.1)
    makers = {
        "+": [lambda: a + b],
        "-": [lambda: a - b],
        "*": [lambda: a * b],
        "/": [lambda: a / b, lambda: a / bpos],
        "**": [lambda: pos ** Value(y), lambda: pos**b, lambda: Value(abs(x)) ** b],
        "**p": [lambda: a**2, lambda: a**3, lambda: pos**0.5, lambda: pos**-1.5, lambda: a**0,
                lambda: Value(0.0) ** 0.5, lambda: a**-2, lambda: Value(abs(x)) ** 0.5],
        "neg": [lambda: -a],
        "abs": [lambda: abs(a), lambda: abs(Value(0.0))],
        "relu": [lambda: a.relu(), lambda: Value(0.0).relu(), lambda: Value(-0.0).relu()],
        "leaky_relu": [lambda: a.leaky_relu(), lambda: (-pos).leaky_relu(0.2), lambda: pos.leaky_relu(0.3)],
        "tanh": [lambda: a.tanh()],
        "sigmoid": [lambda: a.sigmoid()],
        "softplus": [lambda: a.softplus()],
        "gelu": [lambda: a.gelu(), lambda: Value(25.0 * (1 if x >= 0 else -1)).gelu()],
        "exp": [lambda: Value(x / 100).exp(), lambda: b.exp()],
        "log": [lambda: pos.log(), lambda: Value(abs(x)).log()],
        "sqrt": [lambda: pos.sqrt(), lambda: Value(0.0).sqrt(), lambda: Value(abs(x)).sqrt()],
        "max": [lambda: a.max(b), lambda: b.max(a), lambda: a.max(a), lambda: a.max(Value(float("nan")))],
        "detach": [lambda: a.detach()],
        "sin": [lambda: a.sin(), lambda: Value(x * 1e6).sin()],
        "cos": [lambda: a.cos(), lambda: Value(x * 1e6).cos()],
    }[op]
    nodes = []
    for make in makers:
        try:
            nodes.append(make())
        except (ArithmeticError, ValueError):  # outside the operation's domain: the engine refuses
            pass
    return nodes


BUILT_IN = [k for k in OPS if k not in ("sum", "dot") and k in {c._key for c in _engine_op_classes()}]


def test_every_built_in_operation_is_exercised_below():
    for op in BUILT_IN:
        assert _nodes_for(op, 1.5, -0.5), op


@settings(max_examples=40)
@given(
    st.floats(-30, 30, allow_nan=False).filter(lambda v: abs(v) > 1e-3)
    | st.sampled_from([1e-200, -3.5e-201, 7e-300, 1e150]),
    st.floats(-3, 3, allow_nan=False).filter(lambda v: abs(v) > 1e-3) | st.sampled_from([3.5e-201, -1e-170]),
)
def test_each_template_gives_the_engines_own_value_and_local_derivatives(x, y):
    """For every built-in row, bit for bit: forward template == node.data, locals == node._local_grads."""
    for op in BUILT_IN:
        for node in _nodes_for(op, x, y):
            assert op_key(node) == op
            key, forward, locals_ = template_for(node)
            env = helpers()
            names = {"a": "a_", "b": "b_", "out": "out_", "p": "p_"}
            children = node._prev
            env["a_"] = children[0].data
            if len(children) > 1:
                env["b_"] = children[1].data
            env["p_"] = op_parameter(node)
            # evaluating our own fixed templates (not user input) on numbers
            out = eval(forward.format(**names), {"__builtins__": {"abs": abs}}, env)  # noqa: S307
            env["out_"] = out
            assert identical(out, node.data), (op, x, y)
            for template, want in zip(locals_, node._local_grads, strict=True):
                got = eval(template.format(**names), {"__builtins__": {"abs": abs}}, env)  # noqa: S307
                assert identical(got, want), (op, template, x, y, got, want)


# ---- compiled == eager --------------------------------------------------------------------
def _losses():
    def mse(scores, y):
        return value_sum([(s - t) ** 2 for s, t in zip(scores, y)]) * (1.0 / len(y))

    def hinge(scores, y):
        return sum((1 + -t * s).relu() for s, t in zip(scores, y)) * (1.0 / len(y))

    def logistic(scores, y):  # built from exp and log, divisions and abs
        return value_sum([(1 + (-(t * s)).exp()).log() / 2 + abs(s) * 0.01 for s, t in zip(scores, y)])

    def smooth(scores, y):
        return value_sum([((s - t) ** 2 + 1.0).sqrt() - 1.0 for s, t in zip(scores, y)])

    return {"mse": mse, "hinge": hinge, "logistic": logistic, "smooth": smooth}


LOSSES = _losses()


def _setup(seed: int, nin: int, hidden: list[int], act: str, n: int):
    rng = random.Random(seed)
    model = MLP(nin, hidden + [1], act=act, rng=rng)
    X = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]
    y = [rng.choice([-1.0, 1.0]) for _ in range(n)]
    return model, X, y


def _eager(model, loss, X, y, reg=1e-3):
    model.zero_grad()
    scores = [model([Value(v) for v in x]) for x in X]
    L = loss(scores, [Value(t) for t in y]) + reg * value_sum([p * p for p in model.parameters()])
    L.backward()
    return L.data, [p.grad for p in model.parameters()]


def _fn(model, loss, reg=1e-3):
    def fn(X, y):
        scores = [model(x) for x in X]
        return loss(scores, y) + reg * value_sum([p * p for p in model.parameters()])

    return fn


@settings(max_examples=25)
@given(
    seed=st.integers(0, 10**6),
    nin=st.integers(1, 3),
    hidden=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    act=st.sampled_from(ACTS),
    loss=st.sampled_from(sorted(LOSSES)),
    n=st.integers(1, 5),
)
def test_a_compiled_step_gives_the_eager_loss_and_gradients(seed, nin, hidden, act, loss, n):
    """Random MLPs, batches and losses: compiled loss and every gradient equal eager to 1e-12."""
    model, X, y = _setup(seed, nin, hidden, act, n)
    want_loss, want_grads = _eager(model, LOSSES[loss], X, y)
    params = model.parameters()
    step = compile_step(_fn(model, LOSSES[loss]), X, y, params=params)
    # a different batch of the same shape reuses the recording
    rng = random.Random(seed + 1)
    X2 = [[rng.uniform(-2, 2) for _ in x] for x in X]
    for batch in (X, X2):
        want_loss, want_grads = _eager(model, LOSSES[loss], batch, y)
        model.zero_grad()
        got = step(batch, y)
        assert same(got, want_loss)
        for p, g in zip(params, want_grads):
            assert same(p.grad, g)
    assert step.recordings == 1


def test_without_params_every_leaf_is_live_and_gradients_still_match():
    model, X, y = _setup(3, 2, [3], "tanh", 4)
    want_loss, want_grads = _eager(model, LOSSES["mse"], X, y)
    step = compile_step(_fn(model, LOSSES["mse"]), X, y)
    model.zero_grad()
    assert same(step(X, y), want_loss)
    assert all(same(p.grad, g) for p, g in zip(model.parameters(), want_grads))


def test_compiled_gradients_match_central_finite_differences():
    """An independent oracle: d loss / d weight by central differences of the loss."""
    model, X, y = _setup(11, 2, [3], "tanh", 3)
    params = model.parameters()
    step = compile_step(_fn(model, LOSSES["logistic"]), X, y, params=params)
    model.zero_grad()
    step(X, y)
    grads = [p.grad for p in params]

    def f(ws: list[float]) -> float:
        saved = [p.data for p in params]
        for p, w in zip(params, ws):
            p.data = w
        out = step(X, y, backward=False)
        for p, w in zip(params, saved):
            p.data = w
        return out

    numeric = central_difference(f, [p.data for p in params])
    for g, n in zip(grads, numeric):
        assert close(g, n)


def test_gradients_accumulate_like_backward_when_not_zeroed():
    model, X, y = _setup(5, 2, [4], "relu", 3)
    params = model.parameters()
    step = compile_step(_fn(model, LOSSES["hinge"]), X, y, params=params)
    _, once = _eager(model, LOSSES["hinge"], X, y)
    model.zero_grad()
    step(X, y)
    step(X, y)
    assert all(same(p.grad, 2 * g) for p, g in zip(params, once))


def test_a_compiled_training_run_follows_the_eager_run_step_by_step():
    """micrograd's demo loop (SVM loss + L2, SGD with decaying lr), 25 steps, both ways."""
    def train(compiled: bool) -> tuple[list[float], list[float]]:
        random.seed(1337)
        model = MLP(2, [8, 8, 1])
        rng = random.Random(0)
        X = [[rng.uniform(-1.5, 2.5), rng.uniform(-1, 1.5)] for _ in range(20)]
        y = [1 if x[1] > 0.5 * math.sin(2 * x[0]) else -1 for x in X]
        params = model.parameters()

        def loss_fn(inputs, labels):
            scores = list(map(model, inputs))
            losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
            return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)

        step = compile_step(loss_fn, X, y, params=params) if compiled else None
        history = []
        for k in range(25):
            model.zero_grad()
            if step is not None:
                history.append(step(X, y))
            else:
                loss = loss_fn([list(map(Value, x)) for x in X], y)
                loss.backward()
                history.append(loss.data)
            for p in params:
                p.data -= (1.0 - 0.9 * k / 25) * p.grad
        return history, [p.data for p in params]

    eager_hist, eager_w = train(False)
    comp_hist, comp_w = train(True)
    assert all(same(a, b) for a, b in zip(eager_hist, comp_hist))
    assert all(same(a, b) for a, b in zip(eager_w, comp_w))
    assert eager_hist[-1] < eager_hist[0]  # it did train


def test_compiled_gradients_match_pytorch_float64():
    torch = pytest.importorskip("torch")
    model, X, y = _setup(21, 3, [4, 3], "tanh", 4)
    params = model.parameters()
    step = compile_step(_fn(model, LOSSES["mse"], reg=0.0), X, y, params=params)
    model.zero_grad()
    loss = step(X, y)
    Ws, Bs = [], []
    for layer in model.layers:
        Ws.append(torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64,
                               requires_grad=True))
        Bs.append(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True))
    out = torch.tensor(X, dtype=torch.float64)
    for k, (W, B) in enumerate(zip(Ws, Bs)):
        out = out @ W.T + B
        if k < len(Ws) - 1:
            out = torch.tanh(out)
    t_loss = ((out[:, 0] - torch.tensor(y, dtype=torch.float64)) ** 2).mean()
    t_loss.backward()
    assert abs(t_loss.item() - loss) < 1e-12
    want = []
    for W, B in zip(Ws, Bs):
        for i in range(W.shape[0]):
            want += W.grad[i].tolist() + [B.grad[i].item()]
    assert all(abs(p.grad - g) < 1e-12 for p, g in zip(params, want))


# ---- the interface ------------------------------------------------------------------------
def test_extra_outputs_come_back_as_floats_in_the_same_shape():
    model, X, y = _setup(2, 2, [3], "relu", 3)

    def fn(X, y):
        scores = [model(x) for x in X]
        return LOSSES["mse"](scores, y), scores, "tag"

    step = compile_step(fn, X, y, params=model.parameters())
    loss, scores, tag = step(X, y)
    with no_grad():
        want = [model(x).data for x in X]
    assert scores == want and tag == "tag" and isinstance(loss, float)


def test_forward_only_leaves_gradients_untouched():
    model, X, y = _setup(4, 2, [3], "relu", 3)
    step = compile_step(_fn(model, LOSSES["mse"]), X, y, params=model.parameters())
    model.zero_grad()
    loss = step(X, y, backward=False)
    assert all(p.grad == 0.0 for p in model.parameters())
    assert same(loss, _eager(model, LOSSES["mse"], X, y)[0])


def test_a_replay_creates_no_values():
    model, X, y = _setup(6, 2, [4], "relu", 5)
    step = compile_step(_fn(model, LOSSES["hinge"]), X, y, params=model.parameters())
    step(X, y)
    gc.collect()
    before = sum(issubclass(type(o), Value) for o in gc.get_objects())
    for _ in range(3):
        step(X, y)
    gc.collect()
    assert sum(issubclass(type(o), Value) for o in gc.get_objects()) == before


def test_a_new_input_shape_is_recorded_again_and_stays_correct():
    model, X, y = _setup(7, 2, [3], "tanh", 4)
    step = compile_step(_fn(model, LOSSES["mse"]), X, y, params=model.parameters())
    X3, y3 = X[:3], y[:3]
    model.zero_grad()
    got = step(X3, y3)
    assert step.recordings == 2
    assert same(got, _eager(model, LOSSES["mse"], X3, y3)[0])


def test_static_arguments_such_as_class_indices_pass_through_unchanged():
    """Cross-entropy picks a logit by class index: the labels are static (part of the shape)."""
    rng = random.Random(0)
    model = MLP(2, [4, 3], rng=rng)
    X = [[0.5, -1.0], [1.0, 2.0]]

    def ce(X, labels):
        total = 0.0
        for x, c in zip(X, labels):
            z = model(x)
            total = total + value_sum([v.exp() for v in z]).log() - z[c]
        return total

    step = compile_step(ce, X, (0, 2), params=model.parameters(), static_argnums=(1,))
    model.zero_grad()
    got = step(X, (0, 2))
    want = ce([[Value(v) for v in x] for x in X], (0, 2))
    grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    want.backward()
    assert same(got, want.data)
    assert all(same(p.grad, g) for p, g in zip(model.parameters(), grads))
    step(X, [1, 1])
    assert step.recordings == 2


def test_leaky_relu_keeps_its_slope_when_recorded_on_the_negative_side():
    def fn(xs):
        return value_sum([x.leaky_relu(0.2) for x in xs])

    step = compile_step(fn, [-1.0, -2.0])
    assert same(step([-3.0, 4.0], backward=False), -0.6 + 4.0)


def test_leaky_relu_keeps_its_slope_when_recorded_on_the_positive_side():
    """The slope is read from the operation (op_parameter), never guessed: recorded where
    x > 0 (no trace of the slope in the numbers), replayed where x < 0."""
    def fn(xs):
        return value_sum([x.leaky_relu(0.3) for x in xs])

    step = compile_step(fn, [1.0, 2.0])
    assert step([-1.0, -2.0], backward=False) == -0.3 + -0.6
    assert op_parameter(Value(1.0).leaky_relu(0.3)) == 0.3


# ---- the contract: detecting a graph that depends on the data -----------------------------
def _branchy(w: Value):
    def fn(xs):
        x = xs[0]
        return x * w if x.data > 0 else (x * w).exp()  # a Python `if` on the data: not allowed

    return fn


def test_recording_refuses_a_python_if_on_the_data_and_names_the_line():
    w = Value(0.5)
    where = r"reads a Value's \.data at .*test_compile\.py:\d+ \(return x \* w if"
    with pytest.raises(CompileError, match=where):
        compile_step(_branchy(w), [1.0], params=[w])


def test_recording_refuses_a_number_taken_from_data_such_as_a_softmax_shift():
    """m = max(z.data) would be frozen: later replays would shift by a stale number."""

    def logsumexp(zs):
        m = max(z.data for z in zs)
        return value_sum([(z - m).exp() for z in zs]).log() + m

    with pytest.raises(CompileError, match="frozen"):
        compile_step(logsumexp, [1.0, 2.0])


def test_verify_detects_a_python_if_on_the_data_when_reads_are_allowed():
    w = Value(0.5)
    step = compile_step(_branchy(w), [1.0], params=[w], allow_data_reads=True)
    step.verify([2.0])  # same branch: fine
    with pytest.raises(GraphChangedError, match="structure must not depend"):
        step.verify([-1.0])


def test_check_true_verifies_every_call():
    w = Value(0.5)
    step = compile_step(_branchy(w), [1.0], params=[w], check=True, allow_data_reads=True)
    assert same(step([3.0]), 1.5)
    with pytest.raises(GraphChangedError):
        step([-1.0])


def test_reading_data_outside_recording_is_untouched():
    """The watch on .data lasts only while recording: Value.data is the plain slot again."""
    w = Value(0.5)
    with pytest.raises(CompileError):
        compile_step(_branchy(w), [1.0], params=[w])
    assert not isinstance(Value.__dict__["data"], property)
    v = Value(2.0) * 3
    v.data = 7.0
    assert v.data == 7.0


def test_verify_detects_a_changed_value_that_was_not_listed_in_params():
    w, hidden = Value(0.5), Value(2.0)
    step = compile_step(lambda xs: xs[0] * w * hidden, [1.0], params=[w])
    step.verify([1.0])
    hidden.data = 3.0
    with pytest.raises(GraphChangedError, match="not in `params`"):
        step.verify([1.0])


def test_verify_leaves_the_parameters_gradients_as_they_were():
    model, X, y = _setup(8, 2, [3], "relu", 3)
    step = compile_step(_fn(model, LOSSES["mse"]), X, y, params=model.parameters())
    for k, p in enumerate(model.parameters()):
        p.grad = float(k)
    step.verify(X, y)
    assert [p.grad for p in model.parameters()] == [float(k) for k in range(len(model.parameters()))]


# ---- errors and safety --------------------------------------------------------------------
def test_bad_functions_and_arguments_give_clear_errors():
    with pytest.raises(CompileError, match="must return a Value"):
        compile_step(lambda xs: 3.0, [1.0])
    with pytest.raises(CompileError, match="not Values"):
        compile_step(lambda xs: xs[0], [Value(1.0)])
    with pytest.raises(CompileError, match="cannot use an argument"):
        compile_step(lambda xs: xs, {1: 2})
    with pytest.raises(CompileError, match="expected a function"):
        compile_step(42, [1.0])


def test_a_hand_built_node_cannot_be_compiled():
    def fn(xs):
        a = xs[0]
        out = Value(a.data * 2, (a,), "custom")

        def _backward():
            a.grad += 2 * out.grad

        out._backward = _backward
        return out

    with pytest.raises(CompileError, match="built by hand"):
        compile_step(fn, [1.0], allow_data_reads=True)


def test_a_math_error_during_replay_names_the_operation():
    step = compile_step(lambda xs: xs[0].log(), [1.0])
    with pytest.raises(ValueError, match="log"):
        step([-1.0])


def test_recording_inside_no_grad_is_refused():
    with no_grad(), pytest.raises(CompileError, match="no_grad"):
        compile_step(lambda xs: xs[0] * 2, [1.0])


def test_no_number_or_string_from_the_user_appears_in_the_generated_code():
    """Numbers travel in lists and strings stay outside: the source holds only our templates."""
    w = Value(1234.5678)

    def fn(xs, tag):
        return xs[0] * w + 4321.25

    step = compile_step(fn, [9876.54321], "__import__('os').system('echo hi')", params=[w])
    src = step.source([9876.54321], "__import__('os').system('echo hi')")
    for needle in ("1234.5678", "4321.25", "9876", "import", "system"):
        assert needle not in src
    assert same(step([1.0], "__import__('os').system('echo hi')"), 1234.5678 + 4321.25)


@pytest.mark.parametrize("n", [1, 63, 64, 65, 129, 3000])
def test_long_sums_and_weighted_sums_compile_and_match_eager_bit_for_bit(n):
    """Python's compiler cannot take a 3000-term expression: long sums are split, in order."""
    rng = random.Random(n)
    xs = [rng.uniform(-1, 1) for _ in range(n)]
    ws, b = [Value(rng.uniform(-1, 1)) for _ in range(n)], Value(0.25)
    step = compile_step(lambda xs: value_sum([x * x for x in xs]) + engine.weighted_sum(ws, xs, b), xs,
                        params=[*ws, b])
    eager = value_sum([Value(x) * x for x in xs]) + engine.weighted_sum(ws, xs, b)
    eager.backward()
    want = [w.grad for w in ws] + [b.grad]
    for p in [*ws, b]:
        p.grad = 0.0
    assert step(xs) == eager.data
    assert [w.grad for w in ws] + [b.grad] == want
