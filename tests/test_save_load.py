"""Saving and loading models: JSON round trips, atomic writes, and every kind of broken file
refused with a clear ValueError while the model stays exactly as it was."""

from __future__ import annotations

import json
import math
import os
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import microgradnet.nn as nn


def weights(model: nn.Module) -> list[float]:
    return [p.data for p in model.parameters()]


def trained_looking_model() -> nn.MLP:
    """An MLP with nonzero biases (a freshly built one has every bias at exactly 0)."""
    rng = random.Random(11)
    model = nn.MLP(2, [4, 3, 1], rng=rng)
    for p in model.parameters():
        p.data = rng.uniform(-2, 2)
    return model


# ---- round trips -------------------------------------------------------------------------
def test_save_then_load_gives_back_every_weight_exactly(tmp_path):
    model = trained_looking_model()
    path = tmp_path / "model.json"
    model.save(path)
    again = nn.MLP.from_file(path)
    assert weights(again) == weights(model)
    assert repr(again) == repr(model) and again.act == model.act
    x = [0.25, -1.5]
    assert again(x).data == model(x).data
    other = nn.MLP(2, [4, 3, 1])
    other.load(str(path))  # a str path works as well as a Path
    assert weights(other) == weights(model)


def test_the_file_is_plain_json_with_the_architecture_and_the_articles_matrices(tmp_path):
    model = trained_looking_model()
    model.save(tmp_path / "m.json")
    with open(tmp_path / "m.json", encoding="utf-8") as f:
        state = json.load(f)
    assert state["format"] == "microgradnet" and state["module"] == "MLP"
    assert state["sizes"] == [2, 4, 3, 1] and state["act"] == "relu"
    # layers[ℓ-1]["W"][i-1][j-1] is w^ℓ_{i,j}; layers[ℓ-1]["b"][i-1] is b^ℓ_i
    for l, layer in enumerate(model.layers, start=1):
        for i, neuron in enumerate(layer.neurons, start=1):
            assert state["layers"][l - 1]["b"][i - 1] == neuron.b.data
            for j, w in enumerate(neuron.w, start=1):
                assert w.label == f"w^{l}_{{{i},{j}}}"
                assert state["layers"][l - 1]["W"][i - 1][j - 1] == w.data


def test_state_dict_is_json_able_and_loads_into_a_fresh_model():
    model = trained_looking_model()
    state = json.loads(json.dumps(model.state_dict(), allow_nan=False))
    fresh = nn.MLP(2, [4, 3, 1], rng=0)
    fresh.load_state_dict(state)
    assert weights(fresh) == weights(model)


@pytest.mark.parametrize(
    "module",
    [
        lambda: nn.Neuron(3, act="tanh", rng=1),
        lambda: nn.Neuron(2, nonlin=False, rng=2),
        lambda: nn.Layer(3, 2, act="sigmoid", rng=3),
        lambda: nn.MLP(3, [5, 2], act="gelu", rng=4),
    ],
)
def test_load_model_rebuilds_whatever_was_saved(tmp_path, module):
    original = module()
    original.save(tmp_path / "m.json")
    loaded = nn.load_model(tmp_path / "m.json")
    assert type(loaded) is type(original)
    assert repr(loaded) == repr(original)
    assert weights(loaded) == weights(original)


@pytest.mark.parametrize(
    "module",
    [
        lambda fused: nn.Neuron(3, act="tanh", rng=1, fused=fused),
        lambda fused: nn.Layer(3, 2, act="sigmoid", rng=3, fused=fused),
        lambda fused: nn.MLP(3, [5, 2], act="gelu", rng=4, fused=fused),
    ],
)
@pytest.mark.parametrize("fused", [False, True])
def test_a_file_does_not_depend_on_the_graph_a_model_builds(tmp_path, module, fused):
    """Scalar graph or one 'dot' node per neuron: the same file, and each loads into the other."""
    original = module(fused)
    original.save(tmp_path / "m.json")
    twin = module(not fused)
    twin.load(tmp_path / "m.json")
    assert weights(twin) == weights(original)
    loaded = nn.load_model(tmp_path / "m.json", fused=not fused)
    assert weights(loaded) == weights(original)
    assert loaded.fused is (not fused)
    x = [0.3, -0.2, 0.9]
    out, back = original(x), loaded(x)
    outs = [v.data for v in (out if isinstance(out, list) else [out])]
    assert outs == [v.data for v in (back if isinstance(back, list) else [back])]
    twin.save(tmp_path / "twin.json")  # the other graph writes the very same file
    assert (tmp_path / "twin.json").read_text() == (tmp_path / "m.json").read_text()


def test_building_from_a_file_leaves_global_random_alone(tmp_path):
    trained_looking_model().save(tmp_path / "m.json")
    random.seed(3)
    before = random.getstate()
    nn.MLP.from_file(tmp_path / "m.json")
    assert random.getstate() == before


def test_a_user_defined_module_round_trips_through_its_parameter_names(tmp_path):
    class Pair(nn.Module):
        def __init__(self, a, b):
            self.first = nn.Neuron(2, rng=a)
            self.second = nn.Neuron(2, rng=b)

    saved, target = Pair(1, 2), Pair(3, 4)
    saved.save(tmp_path / "pair.json")
    target.load(tmp_path / "pair.json")
    assert weights(target) == weights(saved)


# ---- atomic writes -----------------------------------------------------------------------
def test_saving_replaces_the_file_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("old contents")
    trained_looking_model().save(path)
    assert os.listdir(tmp_path) == ["m.json"]
    assert json.loads(path.read_text())["module"] == "MLP"


def test_a_saved_file_gets_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        trained_looking_model().save(tmp_path / "m.json")
    finally:
        os.umask(old)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o644


def test_a_model_that_cannot_be_saved_leaves_the_old_file_untouched(tmp_path):
    path = tmp_path / "m.json"
    model = trained_looking_model()
    model.save(path)
    before = path.read_bytes()
    model.parameters()[3].data = math.nan  # training diverged
    with pytest.raises(ValueError, match="non-finite weight"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.json"]


# ---- broken files ------------------------------------------------------------------------
def valid_text() -> str:
    return json.dumps(trained_looking_model().state_dict())


def edited(change):
    def text() -> str:
        state = trained_looking_model().state_dict()
        change(state)
        return json.dumps(state)

    return text


def set_last_weight(value):
    def change(state):
        state["layers"][-1]["W"][-1][-1] = value

    return change


CORRUPT = {
    "truncated": (lambda: valid_text()[: len(valid_text()) // 2], "not valid JSON"),
    "not JSON": (lambda: "this is not a model", "not valid JSON"),
    "empty": (lambda: "", "empty"),
    "only whitespace": (lambda: "  \n ", "empty"),
    "a JSON list": (lambda: "[1, 2, 3]", "must be a JSON object"),
    "a JSON number": (lambda: "42", "must be a JSON object"),
    "NaN weight": (edited(set_last_weight(math.nan)), "NaN"),
    "Infinity weight": (edited(set_last_weight(math.inf)), "Infinity"),
    "overflowing number": (lambda: _replace_last_number("1e999"), "must be a finite number"),
    "over-long integer": (lambda: _replace_last_number("9" * 5000), "digits|too large"),
    "string weight": (edited(set_last_weight("0.5")), "must be a number, got str"),
    "boolean weight": (edited(set_last_weight(True)), "must be a number, got bool"),
    "null weight": (edited(set_last_weight(None)), "must be a number, got NoneType"),
    "list weight": (edited(set_last_weight([0.5])), "must be a number, got list"),
    "short row": (edited(lambda s: s["layers"][0]["W"][1].pop()), r"layers\[0\].W\[1\] must have 2 entries"),
    "extra row": (edited(lambda s: s["layers"][1]["W"].append([0.0] * 4)), "must have 3 entries, got 4"),
    "missing bias vector": (edited(lambda s: s["layers"][2].pop("b")), r"layers\[2\] is missing b"),
    "missing layer": (edited(lambda s: s["layers"].pop()), "layers must have 3 entries, got 2"),
    "missing act": (edited(lambda s: s.pop("act")), "missing act"),
    "missing layers": (edited(lambda s: s.pop("layers")), "missing layers"),
    "extra key": (edited(lambda s: s.update(optimizer="adam")), "unexpected keys: optimizer"),
    "other format": (edited(lambda s: s.update(format="keras")), "not a microgradnet model"),
    "future version": (edited(lambda s: s.update(version=99)), "unsupported version 99"),
    "version true": (edited(lambda s: s.update(version=True)), "unsupported version True"),
    "module as a list": (edited(lambda s: s.update(module=["MLP"])), r"holds a \['MLP'\], not a MLP"),
    "a Neuron file": (lambda: json.dumps(nn.Neuron(2, rng=0).state_dict()), "holds a 'Neuron', not a MLP"),
    "other sizes": (lambda: json.dumps(nn.MLP(2, [5, 1], rng=0).state_dict()), "architecture mismatch"),
    "other activation": (edited(lambda s: s.update(act="tanh")), "architecture mismatch: .*act"),
    "sizes as floats": (edited(lambda s: s.update(sizes=[2.0, 4, 3, 1])), "architecture mismatch"),
    "huge nesting": (lambda: "[" * 200_000 + "]" * 200_000, "nested far too deeply|must be a JSON object"),
    "duplicate key": (lambda: valid_text().replace('"act": "relu"', '"act": "relu", "act": "tanh"'), "twice"),
    "binary garbage": (lambda: b"\x89PNG\r\n\x1a\n\xff\xfe\x00".decode("latin-1"), "not a text"),
}


def _replace_last_number(replacement: str) -> str:
    text = valid_text()
    end = text.rindex("]]")
    start = text.rindex(", ", 0, end) + 2
    return text[:start] + replacement + text[end:]


def write(path, text: str) -> None:
    # latin-1 keeps the "binary garbage" case as raw non-UTF-8 bytes
    data = text.encode("latin-1") if "PNG" in text else text.encode("utf-8")
    path.write_bytes(data)


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_a_broken_file_is_refused_and_the_model_is_untouched(tmp_path, case):
    make_text, message = CORRUPT[case]
    path = tmp_path / "broken.json"
    write(path, make_text())
    model = nn.MLP(2, [4, 3, 1], rng=random.Random(5))
    before = weights(model)
    with pytest.raises(ValueError, match=message) as excinfo:
        model.load(path)
    assert str(path) in str(excinfo.value)  # the message names the file
    assert "\n" not in str(excinfo.value)  # and fits on one line
    assert weights(model) == before


@pytest.mark.parametrize("case", sorted(set(CORRUPT) - {"other sizes", "other activation", "a Neuron file"}))
def test_a_broken_file_cannot_build_a_model_either(tmp_path, case):
    make_text, message = CORRUPT[case]
    path = tmp_path / "broken.json"
    write(path, make_text())
    with pytest.raises(ValueError):
        nn.MLP.from_file(path)
    with pytest.raises(ValueError):
        nn.load_model(path)


def test_a_bad_value_late_in_the_file_does_not_half_load_the_rest():
    """Everything is validated before anything is assigned."""
    state = trained_looking_model().state_dict()
    state["layers"][-1]["b"][-1] = float("inf")
    model = nn.MLP(2, [4, 3, 1], rng=random.Random(5))
    before = weights(model)
    with pytest.raises(ValueError, match=r"layers\[2\].b\[0\] must be a finite number"):
        model.load_state_dict(state)
    assert weights(model) == before


def test_sizes_promising_a_gigantic_model_are_refused_before_building_it(tmp_path):
    state = nn.MLP(2, [3, 1], rng=0).state_dict()
    state["sizes"] = [2, 10**9, 1]
    (tmp_path / "huge.json").write_text(json.dumps(state))
    with pytest.raises(ValueError, match="4,000,000,001 parameters, over microgradnet's limit of 1,000,000"):
        nn.MLP.from_file(tmp_path / "huge.json")
    state["sizes"] = [2, 5000, 1]  # under the limit, but the file holds 13 numbers, not 20,001
    (tmp_path / "big.json").write_text(json.dumps(state))
    with pytest.raises(ValueError, match="sizes need 20001 parameters but it holds far fewer"):
        nn.MLP.from_file(tmp_path / "big.json")


@pytest.mark.parametrize("sizes", [[2], [], "2,3", [2, 0, 1], [2, -1], [2, True]])
def test_impossible_sizes_in_a_file_are_refused(tmp_path, sizes):
    state = nn.MLP(2, [3, 1], rng=0).state_dict()
    state["sizes"] = sizes
    (tmp_path / "m.json").write_text(json.dumps(state))
    with pytest.raises(ValueError, match="sizes"):
        nn.MLP.from_file(tmp_path / "m.json")


def test_a_missing_file_is_the_usual_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.MLP(2, [1]).load(tmp_path / "nowhere.json")


# ---- fuzzing: random and mutated bytes ---------------------------------------------------
SMALL = nn.MLP(2, [3, 1], rng=random.Random(8))
SMALL_BYTES = json.dumps(SMALL.state_dict()).encode()


@pytest.fixture(scope="module")
def fuzz_path(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "m.json"


def load_or_value_error(path, data: bytes) -> None:
    """Loading arbitrary bytes either raises ValueError or yields a valid, finite model."""
    path.write_bytes(data)
    model = nn.MLP(2, [3, 1], rng=random.Random(1))
    before = weights(model)
    try:
        model.load(path)
    except ValueError:
        assert weights(model) == before
    else:
        assert all(math.isfinite(w) for w in weights(model))
    try:
        built = nn.load_model(path)
    except ValueError:
        return
    assert all(math.isfinite(w) for w in weights(built))


@given(st.binary(max_size=300))
def test_random_bytes_never_crash_the_loader(fuzz_path, data):
    load_or_value_error(fuzz_path, data)


EDITS = st.tuples(st.integers(0, len(SMALL_BYTES) - 1), st.integers(0, 255), st.sampled_from("rid"))


@given(st.lists(EDITS, max_size=4))
def test_mutated_model_files_load_cleanly_or_raise_value_error(fuzz_path, edits):
    data = bytearray(SMALL_BYTES)
    for pos, byte, kind in edits:
        pos = min(pos, len(data) - 1)
        if kind == "r":
            data[pos] = byte
        elif kind == "i":
            data.insert(pos, byte)
        else:
            del data[pos + 1 :]  # truncate (keeping at least one byte)
    load_or_value_error(fuzz_path, bytes(data))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_any_json_value_as_a_state_dict_is_refused_cleanly(state):
    model = nn.MLP(2, [3, 1], rng=random.Random(1))
    before = weights(model)
    with pytest.raises(ValueError):
        model.load_state_dict(state)
    assert weights(model) == before


@given(JSON_VALUES)
def test_any_json_value_in_a_file_is_refused_by_load_model(fuzz_path, state):
    fuzz_path.write_text(json.dumps(state))
    with pytest.raises(ValueError):
        nn.load_model(fuzz_path)


def paths(tree, prefix=()):
    """Every position in a nested dict/list, as a tuple of keys and indices."""
    yield prefix
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for key, value in items:
        yield from paths(value, prefix + (key,))


SMALL_STATE = SMALL.state_dict()
SMALL_PATHS = list(paths(SMALL_STATE))[1:]


@given(st.sampled_from(SMALL_PATHS), JSON_VALUES)
def test_replacing_any_part_of_a_state_dict_loads_cleanly_or_raises_value_error(path, replacement):
    state = json.loads(json.dumps(SMALL_STATE))
    parent = state
    for key in path[:-1]:
        parent = parent[key]
    original = parent[path[-1]]
    parent[path[-1]] = replacement
    model = nn.MLP(2, [3, 1], rng=random.Random(1))
    before = weights(model)
    try:
        model.load_state_dict(state)
    except ValueError:
        assert weights(model) == before
    else:  # only finite numbers where the numbers were (e.g. a whole row of them) can be accepted
        assert all(math.isfinite(w) for w in weights(model))
        assert shape(replacement) == shape(original)


def shape(x):
    """The structure of a JSON value with every number replaced by 'n' (strings kept)."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return "n"
    if isinstance(x, list):
        return [shape(v) for v in x]
    if isinstance(x, dict):
        return {k: shape(v) for k, v in x.items()}
    return x
