"""Printed worksheets (microgradnet.viz.worksheet and `microgradnet worksheet`).

The PDFs are read back with pypdf; the answer keys are checked against backward() on a graph
rebuilt here from the numbers printed on each student's sheet, and the leaves' gradients
against central differences of the formula evaluated on plain floats.
"""

from __future__ import annotations

import math
import random
import re

import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("fpdf")

from microgradnet.cli import main  # noqa: E402
from microgradnet.expr import parse  # noqa: E402
from microgradnet.viz import labels as L  # noqa: E402
from microgradnet.viz.dot import trace  # noqa: E402
from microgradnet.viz.worksheet import make_problem, sheet_graph, worksheet  # noqa: E402

FORMULA = "tanh(x*w + b)"


def pages(path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(str(path)).pages]


def given_numbers(text: str) -> dict[str, float]:
    """'x = -3, w = 1, b = 0.4' as printed on a formula sheet."""
    tail = text.split("with", 1)[1].splitlines()[0]
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"(\w+) = (-?[\d.]+)", tail)}


def key_rows(text: str) -> list[tuple[str, str, float]]:
    """The key's answers, 'label:  grad = -1.5', several to a line (one per table column)."""
    return [(m.group(1).strip(), m.group(2), float(m.group(3)))
            for line in text.splitlines()
            for m in re.finditer(r"(.+?):\s+(data|grad) = (-?[\d.]+(?:e-?\d+)?)(?=\s|$)", line)]


def test_three_students_get_three_sheets_and_three_keys_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "class.pdf"
    code = main(["worksheet", FORMULA, "--students", "3", "--seed", "5", "-o", str(out)])
    assert code == 0
    assert len(pages(out)) == 3 and len(pages(tmp_path / "class-key.pdf")) == 3
    texts = pages(out)
    assert all("Name:" in t for t in texts)  # a name line on every sheet
    numbers = [given_numbers(t) for t in texts]
    assert len({tuple(sorted(n.items())) for n in numbers}) == 3  # each student their own numbers
    for n in numbers:  # nice: whole numbers or one decimal, small
        assert all(abs(v) <= 3 and round(v, 1) == v for v in n.values())
    assert "wrote" in capsys.readouterr().out


def test_the_same_seed_gives_the_same_sheets_and_letter_paper_is_letter_sized(tmp_path):
    a = worksheet(FORMULA, tmp_path / "a.pdf", students=2, seed=9, paper="letter")
    b = worksheet(FORMULA, tmp_path / "b.pdf", students=2, seed=9, paper="a4")
    assert [p.given for p in a.problems] == [p.given for p in b.problems]
    box = pypdf.PdfReader(str(a.sheets)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # 8.5 x 11 in
    box = pypdf.PdfReader(str(b.sheets)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4


@pytest.mark.parametrize("kind", ["backward", "both", "forward"])
def test_answer_keys_match_backward_on_the_numbers_printed_on_each_sheet(tmp_path, kind):
    result = worksheet(FORMULA, tmp_path / "s.pdf", kind=kind, students=3, seed=11)
    for sheet, key in zip(pages(result.sheets), pages(result.key)):
        values = given_numbers(sheet)
        root, leaves = parse(FORMULA).build(values)  # rebuilt here, labelled by the parser
        root.backward()
        by_label = {L.pretty(n.label): n for n in trace(root)[0] if n.label}
        rows = key_rows(key)
        assert rows, "the key lists the answers as text"
        for label, field, number in rows:
            if label in by_label:
                expected = getattr(by_label[label], field)
                assert number == pytest.approx(expected, abs=6e-5), (label, field)
        if kind != "forward":
            # leaves: central differences of the formula on plain floats
            grads = {label: number for label, field, number in rows if field == "grad"}
            for name in leaves:
                def f(v, name=name, values=values):
                    env = dict(values, **{name: v})
                    return math.tanh(env["x"] * env["w"] + env["b"])
                h = 1e-6
                numeric = (f(values[name] + h) - f(values[name] - h)) / (2 * h)
                assert grads[name] == pytest.approx(numeric, abs=1e-4)
        else:
            assert all(field == "data" for _, field, _ in rows)
            assert not set(leaves) & {label for label, _, _ in rows}  # inputs are given, not asked


def relu(v: float) -> float:
    return v if v > 0 else 0.0


def test_an_mlp_key_gives_every_weights_gradient_as_central_differences_do(tmp_path):
    result = worksheet([2, 2, 1], tmp_path / "m.pdf", kind="backward", students=1, seed=3)
    (problem,) = result.problems
    given = dict(problem.given)

    def error(params: dict[str, float]) -> float:  # the network on plain floats, written out here
        x = [params["x_1"], params["x_2"]]
        hidden = [relu(params[f"b^1_{i}"] + sum(params[f"w^1_{{{i},{j}}}"] * x[j - 1] for j in (1, 2)))
                  for i in (1, 2)]
        y_hat = params["b^2_1"] + sum(params[f"w^2_{{1,{j}}}"] * hidden[j - 1] for j in (1, 2))
        return (y_hat - params["y"]) ** 2

    text = "\n".join(pages(result.key))
    grads = {label: number for label, field, number in key_rows(text) if field == "grad"}
    checked = 0
    for name, value in given.items():
        if name.startswith(("w^", "b^")):
            h = 1e-6
            up, down = dict(given, **{name: value + h}), dict(given, **{name: value - h})
            numeric = (error(up) - error(down)) / (2 * h)
            assert grads[L.pretty(name)] == pytest.approx(numeric, abs=1e-4), name
            checked += 1
    assert checked == 2 * 2 + 2 + 2 + 1


def test_forward_worksheets_keep_the_inputs_and_blank_everything_else():
    problem = make_problem("x1*w1 + x2*w2 + b", random.Random(2))
    source = sheet_graph(problem, "forward").source
    for node in trace(problem.root)[0]:
        shown = f"data {L.number(node.data, 4).rstrip('0').rstrip('.')}"
        if not node._prev:
            assert shown in source, f"input {node.label} must be given"
        else:
            assert f"{L.pretty(node.label)} | data ___" in source or f"{{ {node.label} | data ___" in source
    assert "grad" not in source  # a forward sheet asks for values only
    key = sheet_graph(problem, "forward", answers=True).source
    assert "___" not in key


def test_bad_requests_are_one_line_errors(tmp_path, capsys):
    assert main(["worksheet", "log(x", "-o", str(tmp_path / "a.pdf")]) == 2
    assert main(["worksheet", "x*y", "-o", str(tmp_path / "a.txt")]) == 2
    assert main(["worksheet", "--mlp", "4,4,4", "-o", str(tmp_path / "a.pdf")]) == 2
    assert main(["worksheet", "-o", str(tmp_path / "a.pdf")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("microgradnet worksheet: error:") for line in err)
    with pytest.raises(ValueError, match="kind"):
        worksheet(FORMULA, tmp_path / "a.pdf", kind="sideways")
