"""fit(): micrograd's moons demo reproduced, the options of the loop, progress bar, errors."""

from __future__ import annotations

import io
import math
import random
import re
import sys

import pytest

from microgradnet import Value, no_grad
from microgradnet.data import make_blobs, make_moons, make_spirals
from microgradnet.nn import MLP
from microgradnet.optim import SGD
from microgradnet.train import History, accuracy, demo_lr, fit, predict


def demo_model() -> MLP:
    random.seed(1337)
    return MLP(2, [16, 16, 1])


def test_fit_reaches_100_percent_training_accuracy_on_moons_with_the_demos_settings():
    """MLP(2, [16, 16, 1]) after random.seed(1337), 100 moons with noise 0.1, hinge + 1e-4·Σp²,
    lr 1.0 - 0.9·k/100, 100 full-batch steps."""
    model = demo_model()
    X, y = make_moons(n_samples=100, noise=0.1)
    history = fit(model, X, y, steps=100, progress=False)
    assert len(history) == 100
    assert history.final_accuracy == 1.0
    assert accuracy(model, X, y) == 1.0
    assert history.final_loss < 0.1 * history.loss[0]


def micrograd_demo_steps(X, y, steps):
    """The demo notebook's loop, verbatim, on micrograd itself: (losses, accuracies, weights)."""
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MMLP

    random.seed(1337)
    model = MMLP(2, [16, 16, 1])
    y = [2 * label - 1 for label in y]
    losses, accs = [], []
    for k in range(steps):
        inputs = [list(map(MValue, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        data_loss = sum((1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)) * (1.0 / len(y))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        acc = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(total_loss.data)
        accs.append(sum(acc) / len(acc))
    return losses, accs, [p.data for p in model.parameters()]


def test_fit_takes_the_same_steps_as_micrograds_demo():
    # Speed is measured side by side in the benchmarks (microgradnet bench), never asserted here.
    pytest.importorskip("micrograd")
    X, y = make_moons(n_samples=100, noise=0.1)
    steps = 3
    their_losses, their_accs, their_weights = micrograd_demo_steps(X, y, steps)

    model = demo_model()
    history = fit(model, X, y, steps=100, progress=False, callback=lambda k, h: k == steps - 1)
    assert history.loss == pytest.approx(their_losses, rel=1e-12)
    assert history.accuracy == their_accs
    assert [p.data for p in model.parameters()] == pytest.approx(their_weights, rel=1e-10, abs=1e-12)


def test_default_learning_rate_is_the_demos_schedule():
    X, y = make_moons(n_samples=20)
    history = fit(demo_model(), X, y, steps=10, progress=False)
    assert history.lr == pytest.approx([1.0 - 0.9 * k / 10 for k in range(10)])
    assert demo_lr(0, 100) == 1.0 and demo_lr(99, 100) == pytest.approx(0.109)


def test_loss_includes_alpha_times_the_sum_of_squared_weights():
    X, y = make_moons(n_samples=20)
    plain = fit(demo_model(), X, y, steps=1, alpha=0.0, progress=False).loss[0]
    model = demo_model()
    penalty = 0.5 * sum(p.data**2 for p in model.parameters())
    regularised = fit(model, X, y, steps=1, alpha=0.5, progress=False).loss[0]
    assert regularised - plain == pytest.approx(penalty, rel=1e-12)


@pytest.mark.parametrize("loss", ["bce", "mse", "hinge"])
def test_binary_losses_learn_the_moons(loss):
    X, y = make_moons(n_samples=60)
    random.seed(0)
    model = MLP(2, [8, 8, 1])
    history = fit(model, X, y, loss=loss, optimizer="adam", lr=0.05, steps=60, progress=False)
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert accuracy(model, X, y, threshold=0.5 if loss == "mse" else 0.0) >= 0.85


def test_cross_entropy_with_k_outputs_learns_three_spirals():
    X, y = make_spirals(n_samples=60, n_classes=3)
    model = MLP(2, [16, 16, 3], rng=random.Random(1))
    history = fit(model, X, y, loss="cross_entropy", optimizer="adam", lr=0.05, steps=80, progress=False)
    assert history.final_loss < 0.5 * history.loss[0]
    assert accuracy(model, X, y) > 0.8  # chance is 1/3
    assert set(predict(model, X)) <= {0, 1, 2}


def test_plus_minus_one_labels_work_like_zero_one_labels():
    X, y = make_moons(n_samples=30)
    signed = [2 * label - 1 for label in y]
    a = fit(demo_model(), X, y, steps=5, progress=False)
    b = fit(demo_model(), X, signed, steps=5, progress=False)
    assert a.loss == b.loss and a.accuracy == b.accuracy


def test_a_custom_loss_receives_the_batch_outputs_and_labels():
    X, y = make_moons(n_samples=12)
    seen = []

    def loss(outputs, labels):
        seen.append((len(outputs), list(labels)))
        return sum((o - t) ** 2 for o, t in zip(outputs, labels)) * (1.0 / len(labels))

    fit(demo_model(), X, y, loss=loss, steps=2, lr=0.01, progress=False)
    assert seen == [(12, y), (12, y)]


class RecordingModel:
    """A linear model that remembers which input rows it saw."""

    def __init__(self):
        self.w, self.b, self.seen = [Value(0.1), Value(-0.2)], Value(0.0), []

    def __call__(self, x):
        self.seen.append(tuple(v.data for v in x))
        return self.w[0] * x[0] + self.w[1] * x[1] + self.b

    def parameters(self):
        return [*self.w, self.b]


def test_epochs_visit_every_sample_once_per_epoch_in_shuffled_batches():
    X, y = make_moons(n_samples=10)
    model = RecordingModel()
    history = fit(model, X, y, epochs=3, batch_size=4, lr=0.01, progress=False)
    assert len(history) == 3 * 3  # ceil(10 / 4) batches per epoch
    rows = sorted(tuple(r) for r in X)
    for epoch in range(3):
        assert sorted(model.seen[10 * epoch : 10 * (epoch + 1)]) == rows


def test_steps_with_a_batch_size_draw_that_many_distinct_samples_per_step():
    X, y = make_moons(n_samples=30)
    model = RecordingModel()
    fit(model, X, y, steps=4, batch_size=7, lr=0.01, progress=False)
    batches = [model.seen[7 * k : 7 * (k + 1)] for k in range(4)]
    assert all(len(set(b)) == 7 for b in batches)
    assert len({tuple(b) for b in batches}) > 1


def test_the_same_seed_repeats_the_run():
    X, y = make_moons(n_samples=30)
    runs = [fit(demo_model(), X, y, steps=5, batch_size=8, seed=s, progress=False).loss for s in (4, 4, 5)]
    assert runs[0] == runs[1] != runs[2]


def test_an_optimizer_object_is_used_and_a_number_lr_sets_its_rate():
    X, y = make_moons(n_samples=20)
    model = demo_model()
    opt = SGD(model.parameters(), lr=0.3)
    history = fit(model, X, y, optimizer=opt, steps=3, progress=False)
    assert history.lr == [0.3, 0.3, 0.3] and opt.t == 3
    fit(model, X, y, optimizer=opt, lr=0.05, steps=2, progress=False)
    assert opt.lr == 0.05


def test_a_callback_runs_after_every_step_and_true_stops_training():
    X, y = make_moons(n_samples=20)
    calls = []

    def callback(k, h):
        calls.append((k, len(h)))
        return k == 4

    history = fit(demo_model(), X, y, steps=50, progress=False, callback=callback)
    assert calls == [(k, k + 1) for k in range(5)]
    assert len(history) == 5


def test_history_reports_the_last_step_and_nan_before_any():
    empty = History()
    assert math.isnan(empty.final_loss) and math.isnan(empty.final_accuracy)
    h = History(loss=[2.0, 1.0], accuracy=[0.5, 0.75])
    assert (h.final_loss, h.final_accuracy, len(h)) == (1.0, 0.75, 2)


def test_predict_builds_no_graph_and_uses_argmax_for_several_outputs():
    model = MLP(2, [3], rng=random.Random(0))  # 3 linear outputs
    X, _ = make_blobs(n_samples=9)
    expected = [max(range(3), key=lambda i: model(x)[i].data) for x in X]
    assert predict(model, X) == expected
    out = model(X[0])
    assert out[0]._prev  # outside predict a graph is built, so predict really switches it off


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_a_bar_on_a_terminal_plain_lines_elsewhere_and_nothing_when_off(monkeypatch):
    """(More in test_progress.py: the timing of the lines, the CLI in a pipe, Jupyter.)"""
    X, y = make_moons(n_samples=10)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fit(demo_model(), X, y, steps=3, progress=True)
    assert "3/3" in terminal.getvalue() and re.search(r"loss \S+  acc \d+%", terminal.getvalue())

    quiet = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    fit(demo_model(), X, y, steps=3, progress=False)
    assert quiet.getvalue() == ""

    pipe = io.StringIO()  # not a terminal: a log
    monkeypatch.setattr(sys, "stderr", pipe)
    fit(demo_model(), X, y, steps=3, progress=True)
    lines = pipe.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["1/3", "3/3"] and all(" loss " in t for t in lines)


def test_compile_flag_is_accepted_and_trains_the_same():
    X, y = make_moons(n_samples=10)
    plain = fit(demo_model(), X, y, steps=3, progress=False)
    flagged = fit(demo_model(), X, y, steps=3, progress=False, compile=True)
    assert flagged.loss == pytest.approx(plain.loss, rel=1e-12)


def test_a_diverging_run_stops_with_a_floating_point_error():
    X, y = make_moons(n_samples=20)
    with pytest.raises(FloatingPointError, match="diverged at step .*smaller learning rate"):
        fit(demo_model(), X, y, loss="mse", lr=1e6, steps=100, progress=False)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"loss": "svm"}, ValueError, "unknown loss 'svm'"),
        ({"optimizer": "rmsprop"}, ValueError, "unknown optimizer"),
        ({"optimizer": 3}, TypeError, "step"),
        ({"steps": 0}, ValueError, "steps"),
        ({"steps": 5, "epochs": 2}, ValueError, "either steps or epochs"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"alpha": -1e-4}, ValueError, "alpha"),
        ({"alpha": float("nan")}, ValueError, "alpha"),
    ],
)
def test_bad_options_raise_a_clear_error(kwargs, error, message):
    X, y = make_moons(n_samples=10)
    with pytest.raises(error, match=message):
        fit(demo_model(), X, y, progress=False, **kwargs)


def test_bad_data_raises_a_clear_error():
    X, y = make_moons(n_samples=10)
    with pytest.raises(ValueError, match="10 samples but y has 9"):
        fit(demo_model(), X, y[:-1], progress=False)
    with pytest.raises(ValueError, match="empty"):
        fit(demo_model(), [], [], progress=False)
    with pytest.raises(ValueError, match="NaN"):
        fit(demo_model(), [[float("nan"), 0.0]] + X[1:], y, progress=False)
    with pytest.raises(ValueError, match="two classes"):
        fit(demo_model(), X, [2] + y[1:], loss="hinge", progress=False)
    with pytest.raises(ValueError, match=r"between 0 and 2 \(counted from 0"):
        fit(MLP(2, [3]), X, [-1] + y[1:], loss="cross_entropy", progress=False)
    with pytest.raises(ValueError, match=r"between 0 and 2 \(counted from 0"):
        fit(MLP(2, [3]), X, [3] + y[1:], loss="cross_entropy", progress=False)
    with pytest.raises(ValueError, match="one output"):
        fit(MLP(2, [3]), X, y, loss="hinge", steps=1, progress=False)


def test_numpy_arrays_train_exactly_like_lists():
    np = pytest.importorskip("numpy")
    X, y = make_spirals(n_samples=30)
    runs = []
    for data in ((X, y), (np.array(X), np.array(y))):
        model = MLP(2, [8, 3], rng=random.Random(0))
        runs.append(fit(model, *data, loss="cross_entropy", lr=0.1, steps=3, progress=False).loss)
    assert runs[0] == runs[1]


# ---- fit(compile=True): the same training, replayed on floats ------------------------------------
@pytest.mark.parametrize(
    "loss,classes,hidden",
    [("hinge", 2, [8, 1]), ("bce", 2, [8, 1]), ("mse", 2, [8, 1]), ("cross_entropy", 3, [8, 3])],
)
def test_compiled_training_takes_exactly_the_eager_steps(loss, classes, hidden):
    X, y = make_moons(n_samples=30) if classes == 2 else make_blobs(n_samples=30, centers=3)
    runs = []
    for compiled in (False, True):
        random.seed(7)
        model = MLP(2, hidden)
        history = fit(model, X, y, loss=loss, optimizer="adam", steps=8, progress=False, compile=compiled)
        runs.append((history.loss, history.accuracy, [p.data for p in model.parameters()]))
    (l0, a0, w0), (l1, a1, w1) = runs
    assert l1 == pytest.approx(l0, rel=1e-12, abs=1e-15) and a1 == a0
    assert w1 == pytest.approx(w0, rel=1e-12, abs=1e-15)


def test_compiled_training_with_mini_batches_warns_and_trains_eagerly():
    X, y = make_moons(n_samples=20)
    with pytest.warns(RuntimeWarning, match="full-batch"):
        history = fit(demo_model(), X, y, steps=3, batch_size=5, progress=False, compile=True)
    assert len(history.loss) == 3


def test_a_custom_loss_reading_data_falls_back_to_eager_training_with_a_warning():
    from microgradnet import functional as F

    def peeking_loss(outs, labels):
        if outs[0].data > 1e9:  # a Python `if` on a number: the graph could change with the data
            return outs[0] * 0
        return F.hinge(outs, [1 if t else -1 for t in labels])

    X, y = make_moons(n_samples=20)
    with pytest.warns(RuntimeWarning, match="training uncompiled"):
        history = fit(demo_model(), X, y, loss=peeking_loss, steps=3, progress=False, compile=True)
    assert len(history.loss) == 3 and all(math.isfinite(v) for v in history.loss)


# ---- one class convention, one loss table --------------------------------------------------------
def test_class_c_is_output_c_counted_from_0():
    """Label c pulls output c (o^N_{c+1} in the article's names) up: after training on class 2
    only, output 2 is the largest, and predict says 2."""
    model = MLP(2, [3], rng=random.Random(0))
    X = [[0.5, -0.5], [1.0, 0.2]]
    fit(model, X, [2, 2], loss="cross_entropy", optimizer="adam", lr=0.1, steps=30, progress=False)
    for x in X:
        out = [v.data for v in model(x)]
        assert max(range(3), key=out.__getitem__) == 2
    assert predict(model, X) == [2, 2]


def test_mse_with_k_outputs_regresses_onto_the_one_hot_vector_of_the_class():
    model = MLP(2, [3], rng=random.Random(1))
    X = [[0.1, 0.2], [0.3, -0.4]]
    h = fit(model, X, [0, 2], loss="mse", steps=1, alpha=0.0, progress=False)
    with no_grad():
        outs = [[v.data for v in model(x)] for x in X]  # after the update; recompute the first loss
    model2 = MLP(2, [3], rng=random.Random(1))
    first = [[v.data for v in model2(x)] for x in X]
    onehot = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    expected = sum((a - b) ** 2 for row, t in zip(first, onehot) for a, b in zip(row, t)) / 6
    assert h.loss[0] == pytest.approx(expected, rel=1e-12)
    assert outs != first


def test_accuracy_with_a_loss_name_uses_that_losss_rule():
    class Constant:
        def __call__(self, x):
            return Value(0.4)

        def parameters(self):
            return []

    X, y = [[0.0, 0.0], [1.0, 1.0]], [0, 1]
    assert accuracy(Constant(), X, y) == 0.5  # 0.4 > 0: both say class 1
    assert accuracy(Constant(), X, y, loss="mse") == 0.5  # 0.4 < 0.5: both say class 0
    assert predict(Constant(), X, threshold=0.5) == [0, 0]


def test_options_after_loss_are_keywords():
    X, y = make_moons(n_samples=10)
    with pytest.raises(TypeError):
        fit(demo_model(), X, y, "hinge", "sgd")  # optimizer must be named


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("compiled", [False, True])
def test_fit_trains_the_scalar_graph_and_the_fused_neurons_alike(fused, compiled):
    """Same weights, same steps: the graph a neuron builds changes nothing in training."""
    X, y = make_moons(n_samples=16, seed=2)
    model = MLP(2, [6, 1], rng=random.Random(3), fused=fused)
    history = fit(model, X, y, steps=4, progress=False, compile=compiled)
    reference = MLP(2, [6, 1], rng=random.Random(3), fused=False)
    expected = fit(reference, X, y, steps=4, progress=False)
    assert history.loss == pytest.approx(expected.loss, rel=1e-12)
    assert [p.data for p in model.parameters()] == pytest.approx([p.data for p in reference.parameters()],
                                                                 rel=1e-12, abs=1e-15)


def test_fit_pauses_the_cyclic_collector_only_inside_each_step():
    """Graphs hold no cycles, so fit pauses gc while a step's graph lives, and restores it."""
    import gc

    from microgradnet import functional as F
    from microgradnet.train import fit

    seen = []

    def loss(outs, targets):
        seen.append(gc.isenabled())
        return F.mse(outs, targets)

    X, y = make_moons(n_samples=8, noise=0.1, seed=0)
    model = MLP(2, [3, 1])
    assert gc.isenabled()
    fit(model, X, [float(t) for t in y], loss=loss, steps=3, progress=False,
        callback=lambda k, h: seen.append(("between", gc.isenabled())))
    assert [s for s in seen if not isinstance(s, tuple)] == [False, False, False]
    assert all(s[1] for s in seen if isinstance(s, tuple))  # collecting between steps
    assert gc.isenabled()
    gc.disable()
    try:
        fit(model, X, [float(t) for t in y], loss=loss, steps=1, progress=False)
        assert not gc.isenabled()  # a user's choice to keep it off is kept
    finally:
        gc.enable()
