"""The playground's server side: sessions, settings, Equation 8, exports, the HTTP server, Ctrl-C.

Gradients are checked against central finite differences on plain floats (never against the
code under test); the browser side is in test_playground_browser.py.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from microgradnet import nn, notation
from microgradnet.playground.api import answer
from microgradnet.playground.session import FEATURES, PlaygroundError, Session
from tests.browser import serving
from tests.graphs import reachable
from tests.oracles import central_difference_in_place

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"hidden": [3, 2], "points": 40, "train_percent": 50}


# ---- a float oracle: the network and its per-sample loss, on plain floats ----------------------
def _params(model: nn.MLP) -> list:
    return model.parameters()


def _score(model: nn.MLP, x: list[float], act: str) -> float:
    phi = {"tanh": math.tanh, "relu": lambda z: max(z, 0.0)}[act]
    out = x
    layers = model.layers
    for k, layer in enumerate(layers):
        z = [n.b.data + sum(w.data * v for w, v in zip(n.w, out)) for n in layer.neurons]
        out = z if k == len(layers) - 1 else [phi(v) for v in z]
    return out[0]


# one independent float formula per loss the playground offers (the test below checks that the
# page offers exactly these: a new loss in the registry needs its oracle here)
_ORACLES = {
    "hinge": lambda s, t: max(0.0, 1.0 - t * s),
    "bce": lambda s, t: math.log1p(math.exp(s)) - (t + 1) / 2 * s,  # onto 0/1
    "mse": lambda s, t: (s - t) ** 2,
}


def _per_sample(loss: str, s: float, label: int) -> float:
    return _ORACLES[loss](s, 1.0 if label == 1 else -1.0)


def test_the_page_offers_the_registries_choices():
    from microgradnet import data, losses, ops, optim
    from microgradnet.playground import config

    assert config.datasets() == list(data.DATASETS)
    assert config.activations() == list(ops.activations())
    assert config.optimizers() == list(optim.OPTIMIZERS)
    assert set(config.losses()) == set(_ORACLES)
    assert set(config.losses()) <= set(losses.LOSSES)


def _fd(f, p) -> float:
    """Central finite difference of f() with respect to Value p (restored afterwards)."""
    return central_difference_in_place(f, [p])[0]


def _features(session: Session, k: int) -> list[float]:
    a, b = session.points[k]
    return [FEATURES[f](a, b) for f in session.config["features"]]


# ---- settings ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"hidden": [0]}, "at least 1"),
        ({"lr": -0.1}, "learning rate"),
        ({"points": 10**7}, "points"),
        ({"features": []}, "at least one input feature"),
        ({"dataset": "mnist"}, "choose one of"),
        ({"batch_size": 5000}, "larger than"),
        ({"hidden": [4] * 9}, "hidden layers"),
        ({"lr": "fast"}, "expected a number"),
        ({"colour": 1}, "unknown setting"),
    ],
)
def test_an_impossible_setting_is_one_clear_message_and_changes_nothing(changes, words):
    s = Session(SMALL)
    s.step(3)
    before = (json.dumps(s.config, sort_keys=True), [p.data for p in s.model.parameters()], s.step_count)
    with pytest.raises(PlaygroundError, match=words) as info:
        s.configure(changes)
    assert "\n" not in str(info.value)
    after = (json.dumps(s.config, sort_keys=True), [p.data for p in s.model.parameters()], s.step_count)
    assert after == before


def test_architecture_change_starts_a_new_network_and_rate_change_keeps_the_weights():
    s = Session(SMALL)
    s.step(5)
    weights = [p.data for p in s.model.parameters()]
    s.configure({"lr": 0.05, "optimizer": "sgd", "momentum": 0.5, "batch_size": 7})
    assert [p.data for p in s.model.parameters()] == weights and s.step_count == 5
    s.configure({"hidden": [3, 3]})
    assert s.model.sizes == [2, 3, 3, 1] and s.step_count == 0 and len(s.history) == 1
    s.configure({"features": ["x1", "x2", "x1x2", "sin(x1)"]})
    assert s.model.sizes == [4, 3, 3, 1]


# ---- training -----------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", sorted(_ORACLES))
def test_the_compiled_step_gives_the_gradient_of_the_mean_batch_loss(loss):
    s = Session({**SMALL, "loss": loss, "optimizer": "sgd", "lr": 1e-6})
    s.step(1)  # grads of the first (full) batch
    idx = list(range(s.n_train))
    # undo the tiny update exactly enough for a finite-difference check of the grads
    for p in s.model.parameters():
        p.data += 1e-6 * p.grad  # SGD moved p by -lr·grad: put it back

    def mean_loss() -> float:
        e = [_per_sample(loss, _score(s.model, _features(s, k), "tanh"), s.labels[k]) for k in idx]
        return sum(e) / len(idx)

    for p in s.model.parameters():
        assert p.grad == pytest.approx(_fd(mean_loss, p), rel=1e-5, abs=1e-7)


def test_training_lowers_the_loss_and_the_curves_have_one_point_per_step():
    s = Session({"hidden": [8, 8], "points": 100})
    first = s.history[0][1]
    s.step(60)
    assert [r[0] for r in s.history] == list(range(61))
    assert s.history[-1][1] < 0.5 * first
    assert s.history[-1][3] > 0.85  # training accuracy on moons


def test_minibatches_follow_the_seeded_batch_stream():
    a, b = Session({**SMALL, "batch_size": 5}), Session({**SMALL, "batch_size": 5})
    a.step(10)
    b.step(10)
    assert [p.data for p in a.model.parameters()] == [p.data for p in b.model.parameters()]


def test_divergence_stops_training_with_a_message():
    s = Session({**SMALL, "loss": "mse", "optimizer": "sgd", "lr": 10.0, "act": "relu",
                 "features": ["x1", "x2", "x1^2", "x2^2"], "hidden": [16, 16, 16]})
    with pytest.raises(PlaygroundError, match="diverged.*lower the learning rate"):
        s.step(500)
    s.reset()
    s.configure({"lr": 0.01})
    s.step(2)


# ---- the teaching link -------------------------------------------------------------------------
@pytest.mark.parametrize(("loss", "l", "i", "j"), [("hinge", 1, 2, 1), ("bce", 2, 1, 0), ("mse", 3, 1, 2)])
def test_explain_gives_equation_8_equal_to_a_finite_difference(loss, l, i, j):
    s = Session({**SMALL, "loss": loss})
    s.step(20)
    k = 3
    r = s.explain(l, i, j, k)
    neuron = s.model.layers[l - 1].neurons[i - 1]
    p = neuron.b if j == 0 else neuron.w[j - 1]
    fd = _fd(lambda: _per_sample(loss, _score(s.model, _features(s, k), "tanh"), s.labels[k]), p)
    assert r["backward"] == pytest.approx(fd, rel=1e-5, abs=1e-8)
    # the same chain-rule products in the same order: Equation 8 and backward() agree to the bit
    assert r["equation8"] == r["backward"]
    assert "Equation 8" in r["text"] and r["name"] in r["text"]
    assert r["name"] == notation.typeset(notation.bias(l, i) if j == 0 else notation.weight(l, i, j))
    # one notation on the page, the typeset one: no index left as ^1, ^{..}, _1, _{..} or _k (the
    # article's Z^N and d_N stay: Unicode has no capital N to raise or lower)
    assert not re.search(r"\^[\d{]|_(?![A-Z]\b)", r["text"]), r["text"]


def test_explain_refuses_bad_indices_with_a_message():
    s = Session(SMALL)
    for args, words in [((4, 1, 1, 0), "layer must be"), ((1, 9, 1, 0), "neurons 1 to"),
                        ((1, 1, 7, 0), "inputs 0"), ((1, 1, 1, 999), "sample must be")]:
        with pytest.raises(PlaygroundError, match=words):
            s.explain(*args)


def test_the_neuron_graph_gives_every_weight_its_de_dw_and_renders():
    s = Session(SMALL)
    s.step(10)
    k, l, i = 2, 2, 1
    grads_before = [p.grad for p in s.model.parameters()]
    root = s.neuron_graph(l, i, k)
    ops = {v._op for v in reachable(root)}
    assert "*" in ops and "+" in ops  # micrograd's scalar graph: products and sums
    neuron = s.model.layers[l - 1].neurons[i - 1]
    leaves = {v.label: v for v in reachable(root) if not v._prev}
    loss = s.config["loss"]
    for j, w in enumerate(neuron.w, start=1):
        fd = _fd(lambda: _per_sample(loss, _score(s.model, _features(s, k), "tanh"), s.labels[k]), w)
        assert leaves[w.label].grad == pytest.approx(fd, rel=1e-5, abs=1e-8), j
    svg = s.neuron_svg(l, i, k)
    shown = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))  # the picture's words, in order
    assert "<svg" in svg
    for name in [notation.pre_activation(l, i), *(w.label for w in neuron.w)]:
        assert notation.typeset(name) in shown, name
    assert [p.grad for p in s.model.parameters()] == grads_before  # the model's Values were not used
    page = s.neuron_page(l, i, k)
    assert page.lstrip().lower().startswith("<!doctype html")




# ---- take it home ----------------------------------------------------------------------------------
def test_model_json_loads_with_load_model_and_predicts_the_same(tmp_path):
    s = Session(SMALL)
    s.step(15)
    path = tmp_path / "model.json"
    path.write_text(s.model_json(), encoding="utf-8")
    m = nn.load_model(path)
    for k in range(5):
        x = _features(s, k)
        assert m(x).data == pytest.approx(_score(s.model, x, "tanh"), rel=1e-12, abs=1e-15)


def test_the_script_reproduces_the_run(tmp_path):
    s = Session({**SMALL, "batch_size": 6, "optimizer": "sgd", "momentum": 0.9, "lr": 0.05,
                 "features": ["x1", "x2", "sin(x1)"], "loss": "bce"})
    s.step(25)
    (tmp_path / "run.py").write_text(s.script(), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    printed = float(out.stdout.split("train loss ")[1].split(",")[0])
    assert printed == pytest.approx(s.history[-1][1], abs=2e-6)
    m = nn.load_model(tmp_path / "model.json")
    expected = [p.data for p in s.model.parameters()]
    assert [p.data for p in m.parameters()] == pytest.approx(expected, abs=1e-12)


def test_the_gif_has_one_frame_per_recorded_step():
    PIL = pytest.importorskip("PIL.Image")
    import io

    s = Session(SMALL)
    s.step(12)
    data = s.gif(size=40)
    img = PIL.open(io.BytesIO(data))
    assert img.format == "GIF" and img.n_frames == 13


def test_the_script_never_overwrites_a_model_file(tmp_path):
    s = Session(SMALL)
    s.step(3)
    (tmp_path / "run.py").write_text(s.script(), encoding="utf-8")
    (tmp_path / "model.json").write_text("the teacher's own file", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run(*flags: str) -> str:
        out = subprocess.run([sys.executable, "run.py", *flags], cwd=tmp_path, capture_output=True, text=True,
                             timeout=120, env=env)
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert "model saved to model-2.json" in run()
    assert "model saved to model-3.json" in run()
    assert (tmp_path / "model.json").read_text(encoding="utf-8") == "the teacher's own file"
    assert nn.load_model(tmp_path / "model-2.json").sizes == s.model.sizes
    assert "model saved to model.json" in run("--overwrite")  # asked for: replaces it
    assert nn.load_model(tmp_path / "model.json").sizes == s.model.sizes


# ---- bounded work: pause and close answer within one chunk of samples -------------------------------
BIG = {"hidden": [32, 32], "points": 2000, "train_percent": 90, "batch_size": 1000}


def _weights(s: Session) -> list[float]:
    return [p.data for p in s.model.parameters()]


def test_pause_during_a_long_step_answers_at_once_and_the_dropped_step_changes_nothing():
    s = Session(BIG)
    t0 = time.perf_counter()
    s.step(1)
    one_step = time.perf_counter() - t0
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(s.step(3)))
    worker.start()
    time.sleep(0.3 * one_step)  # inside the first of the three steps
    t0 = time.perf_counter()
    s.pause()
    waited = time.perf_counter() - t0
    worker.join(30)
    assert not worker.is_alive()
    assert waited < 0.25 * one_step, (waited, one_step)  # relative: a chunk, not a step
    assert result["done"] < 3 and result["step"] == 1 + result["done"]
    # the dropped step left no trace: the batch stream was rewound, the weights untouched
    fresh = Session(BIG)
    fresh.step(1 + result["done"])
    assert _weights(fresh) == _weights(s)
    s.step(1)
    fresh.step(1)
    assert _weights(fresh) == _weights(s)


def test_close_during_a_step_returns_at_once_and_stops_the_thread():
    s = Session(BIG)
    t0 = time.perf_counter()
    s.step(1)
    one_step = time.perf_counter() - t0
    s.play()
    time.sleep(1.3 * one_step)  # playing: somewhere inside a step
    t0 = time.perf_counter()
    s.close()
    waited = time.perf_counter() - t0
    assert not s._thread.is_alive()
    assert waited < 0.25 * one_step, (waited, one_step)


def test_a_request_during_a_step_goes_first_and_the_step_resumes():
    s = Session(BIG)
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(s.step(2)))
    worker.start()
    time.sleep(0.2)
    r = s.explain(1, 1, 1, 0)  # waits a chunk, not a step
    worker.join(60)
    assert result["done"] == 2 and result["step"] == 2  # the interrupted step was done again
    assert r["equation8"] == r["backward"]


def test_many_requests_at_once_never_leave_training_yielding():
    """The count of waiting requests returns to 0 however many threads ask at once, so training
    goes on afterwards (a lost update would leave it giving way forever)."""
    s = Session(SMALL)
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(s.step(200)), daemon=True)
    worker.start()
    askers = [threading.Thread(target=lambda: [s.dataset() for _ in range(200)]) for _ in range(8)]
    for t in askers:
        t.start()
    for t in askers:
        t.join(60)
    worker.join(60)
    assert s._waiting == 0 and result["done"] == 200


def test_an_evaluation_cut_short_by_a_pause_is_finished_in_the_background():
    from microgradnet.playground.trainer import CHUNK

    s = Session(SMALL)
    t = s.trainer
    calls = iter(range(10**6))
    chunks = math.ceil(s.n_train / CHUNK)  # stop() is asked before each training chunk, then
    assert t.train_step(lambda: next(calls) >= chunks) is False  # "stop" at the first evaluation chunk
    assert t.pending is not None and t.step_count == 1 and s.state()["step"] == 0  # not yet shown
    s.pause()
    end = time.monotonic() + 30
    while s.state()["step"] != 1:
        assert time.monotonic() < end, "the interrupted evaluation was never finished"
        time.sleep(0.01)
    assert [r[0] for r in s.history] == [0, 1] and t.pending is None
    s.close()


def test_without_threads_a_pause_finishes_an_interrupted_evaluation_at_once(monkeypatch):
    """Pyodide cannot start a thread: the pause itself completes the evaluation."""
    from microgradnet.playground.trainer import CHUNK

    def no_threads(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(Session, "_ensure_thread", no_threads)
    s = Session(SMALL)
    calls = iter(range(10**6))
    assert s.trainer.train_step(lambda: next(calls) >= math.ceil(s.n_train / CHUNK)) is False
    s.pause()
    assert s.state()["step"] == 1 and s.trainer.pending is None


def test_a_step_request_can_be_bounded_in_time():
    s = Session(BIG)
    r = s.step(50, seconds=0.01)
    assert r["done"] == 1 and r["step"] == 1  # at least one step, then the bound


# ---- every choice from its registry: one entry adds a loss, a data set, an activation ------------------
def test_a_loss_added_to_the_registry_trains_in_the_playground(monkeypatch):
    from microgradnet import losses
    from microgradnet.playground import config

    class LogCosh(losses.Hinge):  # a one-output loss on y = ±1: e = log cosh(ŷ − y)
        name = "logcosh"
        formula = "log cosh(ŷ − y)"
        equation9_text = "tanh(ŷ − y)"

        def on_values(self, yhat, target):
            d = yhat[0] - target
            return ((d.exp() + (-d).exp()) * 0.5).log()

        def _value(self, yhat, t):
            return math.log(math.cosh(yhat[0] - t))

        def _equation9(self, yhat, t):
            return [math.tanh(yhat[0] - t)]

    monkeypatch.setitem(losses.LOSSES, "logcosh", LogCosh())
    assert "logcosh" in config.losses()
    s = Session({**SMALL, "loss": "logcosh", "optimizer": "sgd", "lr": 1e-6})
    s.step(1)
    for p in s.model.parameters():
        p.data += 1e-6 * p.grad

    def mean_loss() -> float:  # the oracle: log cosh written here
        signed = [1.0 if v == 1 else -1.0 for v in s.labels]
        e = [math.log(math.cosh(_score(s.model, _features(s, k), "tanh") - signed[k]))
             for k in range(s.n_train)]
        return sum(e) / s.n_train

    for p in s.model.parameters():
        assert p.grad == pytest.approx(_fd(mean_loss, p), rel=1e-5, abs=1e-7)


def test_a_data_set_added_to_the_registry_is_offered_trained_and_scripted(monkeypatch):
    from microgradnet import data
    from microgradnet.playground import config
    from microgradnet.playground.api import choices

    def make_stripes(n_samples=100, noise=0.0, seed=1):
        rng = random.Random(seed)
        X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(n_samples)]
        return X, [int(math.floor(3 * a)) % 2 for a, _ in X]

    monkeypatch.setitem(data.DATASETS, "stripes", data.DataSet(make_stripes, "vertical stripes"))
    assert "stripes" in config.datasets() and "stripes" in choices()["datasets"]
    s = Session({**SMALL, "dataset": "stripes"})
    X, y = make_stripes(SMALL["points"], 0.1, 1)
    assert s.points == X and s.labels == y
    s.step(2)
    assert "DATASETS['stripes'].two_class(" in s.script()


def test_spirals_are_learnt_by_a_2_8_8_1_tanh_network_with_the_readmes_settings():
    """README: x1, x2 only, Adam lr 0.03, full batch, 400 points (half to test), noise 0.1."""
    s = Session({"dataset": "spirals", "points": 400, "train_percent": 50, "noise": 0.1,
                 "features": ["x1", "x2"], "hidden": [8, 8], "act": "tanh", "optimizer": "adam", "lr": 0.03,
                 "batch_size": 0})
    s.step(500)
    assert s.history[-1][4] >= 0.9  # test accuracy
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "2-8-8-1 tanh network on x₁, x₂ alone, Adam at lr 0.03, full\nbatch, 400 points" in readme


def test_the_default_sample_is_the_training_point_with_the_largest_loss():
    s = Session(SMALL)
    s.step(30)
    losses = [_per_sample(s.config["loss"], _score(s.model, _features(s, k), "tanh"), s.labels[k])
              for k in range(s.n_train)]
    assert s.state()["worst"] == max(range(s.n_train), key=losses.__getitem__)


def test_the_gif_draws_with_the_activations_own_numpy_kernel(monkeypatch):
    pytest.importorskip("PIL.Image")
    from microgradnet import ops

    asked = []
    real = ops.numpy_forward
    monkeypatch.setattr(ops, "numpy_forward", lambda name: asked.append(name) or real(name))
    gelu = Session({**SMALL, "act": "gelu"})
    linear = Session({**SMALL, "act": "linear"})
    for p, q in zip(gelu.model.parameters(), linear.model.parameters()):
        q.data = p.data  # the same weights: only the activation differs
    a, b = gelu.gif(size=40), linear.gif(size=40)
    assert asked == ["gelu", "linear"] and a != b  # GELU is not drawn as the identity


# ---- the HTTP server ------------------------------------------------------------------------------------
@pytest.fixture
def server():
    with serving(SMALL) as srv:
        yield srv


def post(srv, name, body=None, raw=None):
    data = raw if raw is not None else json.dumps(body or {}).encode()
    req = urllib.request.Request(srv.origin + "/api/" + name, data=data, method="POST",
                                 headers=srv.page_headers())
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_server_listens_on_loopback_only_and_serves_a_self_contained_page(server):
    assert server.server_address[0] == "127.0.0.1"
    # the printed URL is the page, and sets the launch's key as a cookie
    with urllib.request.build_opener(urllib.request.HTTPCookieProcessor()).open(server.url, timeout=10) as r:
        page = r.read().decode()
    assert "mgnPlayground(" in page and "<canvas" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")  # nothing fetched from outside
    assert "https://" not in page


def test_bad_requests_get_a_message_and_the_server_keeps_running(server):
    status, r = post(server, "session")
    sid = r["sid"]
    assert post(server, "configure", {"sid": sid, "changes": {"hidden": [0]}}) == (
        400, {"error": "hidden layer 1 has 0 neurons; a layer needs at least 1 (remove the layer instead)"})
    assert post(server, "configure", {"sid": sid, "changes": {"lr": -1}})[0] == 400
    assert post(server, "state", raw=b"{not json")[0] == 400
    assert post(server, "state", {"sid": "nope"})[0] == 410
    assert post(server, "explode", {"sid": sid})[0] == 404
    assert post(server, "step", {"sid": sid, "n": 10**9})[0] == 400
    status, st = post(server, "step", {"sid": sid, "n": 3})
    assert status == 200 and st["step"] == 3


def test_two_tabs_have_two_models(server):
    a = post(server, "session")[1]["sid"]
    b = post(server, "session")[1]["sid"]
    before = post(server, "state", {"sid": b})[1]["W"]
    assert post(server, "play", {"sid": a})[0] == 200
    post(server, "configure", {"sid": b, "changes": {"lr": 0.5}})
    for _ in range(200):
        if post(server, "state", {"sid": a})[1]["step"] >= 20:
            break
    assert post(server, "pause", {"sid": a})[1]["step"] >= 20
    st_b = post(server, "state", {"sid": b})[1]
    assert st_b["step"] == 0 and st_b["W"] == before and st_b["config"]["lr"] == 0.5
    assert post(server, "state", {"sid": a})[1]["config"]["lr"] != 0.5


def test_pause_stops_the_thread_and_the_step_count_stays(server):
    sid = post(server, "session")[1]["sid"]
    post(server, "play", {"sid": sid})
    while post(server, "state", {"sid": sid})[1]["step"] < 5:
        pass
    step = post(server, "pause", {"sid": sid})[1]["step"]
    assert post(server, "state", {"sid": sid})[1]["step"] == step
    assert post(server, "state", {"sid": sid})[1]["playing"] is False


def test_closing_the_tab_stops_its_training_thread(server):
    sid = post(server, "session")[1]["sid"]
    post(server, "play", {"sid": sid})
    session = server.sessions[sid]
    while post(server, "state", {"sid": sid})[1]["step"] < 2:
        pass
    assert session._thread.is_alive()
    assert post(server, "close", {"sid": sid}) == (200, {"closed": True})
    assert not session._thread.is_alive() and sid not in server.sessions
    assert post(server, "state", {"sid": sid})[0] == 410


def test_exports_over_http(server, tmp_path):
    sid = post(server, "session")[1]["sid"]
    post(server, "step", {"sid": sid, "n": 4})
    r = post(server, "export", {"sid": sid, "what": "model"})[1]
    (tmp_path / r["filename"]).write_text(r["text"])
    assert nn.load_model(tmp_path / "model.json").sizes == [2, 3, 2, 1]
    assert "compile_step" in post(server, "export", {"sid": sid, "what": "script"})[1]["text"]
    assert post(server, "export", {"sid": sid, "what": "exe"})[0] == 400


def test_the_widget_answers_the_same_requests():
    pytest.importorskip("anywidget")
    from microgradnet.viz import playground

    w = playground(**SMALL)
    try:
        assert w.request("session")[1]["datasets"][0] == "moons"
        assert w.request("configure", {"changes": {"hidden": [0]}})[0] == 400
        status, r = w.request("step", {"n": 2})
        assert (status, r["step"]) == (200, 2)
        assert "mgnPlayground" in w._esm and "export default" in w._esm
    finally:
        w.close()


def test_answer_turns_errors_into_messages():
    s = Session(SMALL)
    assert answer(s, "explain", {"l": "x"})[0] == 400
    assert answer(s, "nothing", {})[0] == 404


# ---- the command ---------------------------------------------------------------------------------------
def test_ctrl_c_stops_the_command_cleanly():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-m", "microgradnet", "playground", "--port", "0", "--no-browser"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = p.stdout.readline()
        assert "http://127.0.0.1:" in line
        url = line.split()[2]
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        opener.open(url, timeout=30).read()  # as a browser: the printed URL's key becomes a cookie
        origin = url.split("/?")[0]
        headers = {"Origin": origin, "Content-Type": "application/json"}
        req = urllib.request.Request(origin + "/api/session", data=b"{}", method="POST", headers=headers)
        sid = json.loads(opener.open(req, timeout=30).read())["sid"]
        body = json.dumps({"sid": sid}).encode()
        req = urllib.request.Request(origin + "/api/play", data=body, method="POST", headers=headers)
        opener.open(req, timeout=30).read()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err  # the README: exit code 130 after Ctrl-C
    assert "stopped" in out and "Traceback" not in err


def test_a_port_in_use_is_one_line(server):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    port = str(server.server_address[1])
    out = subprocess.run([sys.executable, "-m", "microgradnet", "playground", "--port", port, "--no-browser"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2 and "cannot listen" in out.stderr and "--port 0" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_bad_flags_are_one_line():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "microgradnet", "playground", "--port", "70000"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and "65535" in out.stderr
    argv = [sys.executable, "-m", "microgradnet", "playground", "--hidden", "0", "--no-browser"]
    out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2 and "at least 1" in out.stderr and len(out.stderr.strip().splitlines()) == 1
