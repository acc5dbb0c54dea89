"""The benchmark runs end to end at tiny sizes and its numbers are sane (never a timing assertion)."""

from __future__ import annotations

import json
import math
import random

import pytest

from microgradnet.bench import workloads
from microgradnet.bench.floats import FloatMLP, train_step
from microgradnet.bench.harness import micrograd_available
from microgradnet.cli import main


def _positive_finite(x: object) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def test_a_tiny_benchmark_run_prints_a_table_and_writes_sane_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "--tiny", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "| workload |" in table and "compiled replay of the scalar graph, per step" in table
    assert "The whole demo end to end" in table

    report = json.loads(out.read_text())
    assert report["machine"]["python"] and report["machine"]["cpu"]
    rows = report["rows"]
    assert {"W1", "W1c", "W1f", "W1e"} <= set(rows)
    w1 = rows["W1"]["engines"]
    # the default graph is micrograd's, node for node; fused=True is smaller
    if micrograd_available():
        assert w1["microgradnet"]["nodes"] == w1["micrograd"]["nodes"] == w1["reference"]["nodes"]
    assert w1["fused"]["nodes"] < w1["microgradnet"]["nodes"]
    assert rows["W1c"]["engines"]["compiled"]["nodes"] == w1["microgradnet"]["nodes"]
    assert rows["W1c"]["engines"]["compiled-fused"]["nodes"] == w1["fused"]["nodes"]
    for engine in ("compiled", "compiled-fused"):
        entry = rows["W1c"]["engines"][engine]
        assert _positive_finite(entry["record"]) and _positive_finite(entry["first"])
    assert set(rows["W1e"]["engines"]) == {"microgradnet", "fused", "compiled", "compiled-fused"}
    assert any(k.startswith("W2") for k in rows) and any(k.startswith("W4") for k in rows)
    for key, row in rows.items():
        for engine, entry in row["engines"].items():
            assert "error" not in entry, (key, engine, entry)
            if row["workload"] == "W4":
                assert 16 < entry["bytes_per_node"] < 10_000, (key, engine)
            else:
                assert _positive_finite(entry["time"]), (key, engine)
                assert len(entry["times"]) == report["repeat"]
            if row["workload"] in ("W2", "W3"):
                assert _positive_finite(entry["build"]) and _positive_finite(entry["backward"])
                assert math.isclose(entry["build"] + entry["backward"], entry["time"])
    measured = {item["measure"]: item for item in report["summary"]}
    has_mg = micrograd_available()
    expected_with_ratio = [m for m in measured if "÷" in m and ("micrograd" not in m or has_mg)]
    assert expected_with_ratio
    for m in expected_with_ratio:
        assert _positive_finite(measured[m]["value"]), m
        if measured[m]["target"] is not None:
            assert measured[m]["met"] in (True, False)


def test_micrograd_engine_and_reference_columns_are_present_when_installed(tmp_path):
    pytest.importorskip("micrograd")
    out = tmp_path / "b.json"
    assert main(["bench", "--tiny", "--only", "W4", "--json", str(out)]) == 0
    engines = json.loads(out.read_text())["rows"]["W4 N=500"]["engines"]
    assert set(engines) == {"micrograd", "microgradnet", "reference"}
    # micrograd's per-node closure makes its nodes several times bigger: a sanity check
    assert engines["micrograd"]["bytes_per_node"] > engines["microgradnet"]["bytes_per_node"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--repeat", "0"], "--repeat"),
        (["--only", "W9"], "unknown workload"),
        (["--json", "/no/such/dir/x.json"], "--json"),
    ],
)
def test_bad_bench_options_are_one_line_errors(argv, message, capsys):
    assert main(["bench", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_every_engine_computes_the_same_demo_loss():
    """W1's engines and the plain-float floor train the same network on the same data."""
    X, y = workloads.make_moons(12)
    engines = [e for e in workloads.W1_ENGINES if e != "micrograd" or micrograd_available()]
    losses = []
    for name in engines:
        random.seed(1337)
        Value, MLP = workloads.load_engine(name)
        model = MLP(2, [16, 16, 1])
        losses.append(workloads.svm_loss(model, [list(map(Value, x)) for x in X], y).data)
    random.seed(1337)
    losses.append(train_step(FloatMLP(2, [16, 16, 1]), X, [float(v) for v in y], lr=0.0))
    assert all(math.isclose(a, losses[0], rel_tol=1e-12) for a in losses), losses


def test_the_float_floor_computes_micrograds_gradients():
    """W1f's hand-written backward pass (Equations 9, 12, 8) equals autodiff after one update."""
    from microgradnet import Value
    from microgradnet.nn import MLP

    X, y = workloads.make_moons(10)
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    loss = workloads.svm_loss(model, [list(map(Value, x)) for x in X], y)
    model.zero_grad()
    loss.backward()
    random.seed(1337)
    fm = FloatMLP(2, [16, 16, 1])
    train_step(fm, X, [float(v) for v in y], lr=1.0)
    updated = [w for k in range(3) for row, b in zip(fm.W[k], fm.B[k]) for w in [*row, b]]
    want = [p.data - p.grad for p in model.parameters()]
    assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(updated, want))
