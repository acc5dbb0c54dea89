"""Printed worksheets (microgradnet.viz.worksheets and `microgradnet worksheet`).

The PDFs are read back with pypdf. The answer keys are checked against the chain rule worked
here by hand on the numbers printed on each sheet (rounded to 4 decimals as a student rounds),
against backward() on the unrounded numbers (loosely), and an MLP's against central differences
of the network written out on plain floats.
"""

from __future__ import annotations

import math
import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("fpdf")

from microgradnet import notation as N  # noqa: E402
from microgradnet.cli import main  # noqa: E402
from microgradnet.expr import parse  # noqa: E402
from microgradnet.viz.worksheets import (  # noqa: E402
    MAX_VALUES,
    PREACTIVATION_LIMIT,
    WorksheetTooLarge,
    make_problem,
    sheet_graph,
    worksheet,
)
from microgradnet.walk import topological_order  # noqa: E402

FORMULA = "tanh(x*w + b)"
# 63 neurons' worth of terms, 989 characters: under the parser's 1,000-character limit
SIXTY_THREE = "+".join(f"tanh(x{i}*w{i}+b)" for i in range(1, 64))


def pages(path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(str(path)).pages]


def given_numbers(text: str) -> dict[str, float]:
    """'x = -3, w = 1, b = 0.4' as printed on a formula sheet."""
    tail = text.split("with", 1)[1].splitlines()[0]
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"(\w+) = (-?[\d.]+)", tail)}


def key_rows(text: str) -> dict[tuple[str, str], float]:
    """The key's answer table, 'label:  grad = -1.5', one or several to a line."""
    return {(m.group(1).strip(), m.group(2)): float(m.group(3))
            for line in text.splitlines()
            for m in re.finditer(r"(\S[^:]*?):\s+(data|grad) = (-?[\d.]+(?:e-?\d+)?)(?=\s|$)", line)}


def r4(v: float) -> float:
    """Rounded to 4 decimals, as the sheet tells the student to (the test's own rounding)."""
    return round(v, 4)


def by_hand(x: float, w: float, b: float) -> dict[tuple[str, str], float]:
    """tanh(x*w + b) worked by hand, every number rounded as written down."""
    p = r4(x * w)
    z = r4(p + b)
    o = r4(math.tanh(z))
    dz = r4(1 - o * o)  # tanh' from the printed o, as a student computes it
    return {("x*w", "data"): p, ("x*w + b", "data"): z, ("tanh(x*w + b)", "data"): o,
            ("x*w + b", "grad"): dz, ("x*w", "grad"): dz, ("b", "grad"): dz,
            ("x", "grad"): r4(w * dz), ("w", "grad"): r4(x * dz)}


def test_three_students_get_three_sheets_and_three_keys_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "class.pdf"
    code = main(["worksheet", FORMULA, "--students", "3", "--seed", "5", "-o", str(out)])
    assert code == 0
    sheets, keys = pages(out), pages(tmp_path / "class-key.pdf")
    assert len(sheets) == 3 and len(keys) == 3
    assert all("Name:" in t for t in sheets)  # a name line on every sheet ...
    assert not any("Name:" in t for t in keys)  # ... and none on a key
    numbers = [given_numbers(t) for t in sheets]
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
def test_the_key_is_the_chain_rule_on_the_numbers_printed_on_each_sheet(tmp_path, kind):
    result = worksheet(FORMULA, tmp_path / "s.pdf", kind=kind, students=6, seed=11)
    for sheet, key in zip(pages(result.sheets), pages(result.key)):
        g = given_numbers(sheet)
        expected = by_hand(g["x"], g["w"], g["b"])
        rows = key_rows(key)
        asked = {(label, field) for label, field in expected
                 if (field == "data") == (kind != "backward") or kind == "both"}
        leaves = {("x", "grad"), ("w", "grad"), ("b", "grad")} if kind != "forward" else set()
        assert set(rows) == asked | leaves
        for where, number in rows.items():
            assert number == expected[where], where  # to the last digit
        if kind == "backward":  # the values the student works from are printed on the sheet
            for label in ("x*w", "x*w + b", "tanh(x*w + b)"):
                shown = N.number(expected[label, "data"], decimals=4).rstrip("0").rstrip(".")
                assert f"data {shown}" in sheet
        # and the rounding never moves an answer far from backward() on the exact numbers
        root, leaves = parse(FORMULA).build(g)
        root.backward()
        exact = {n.label: n for n in topological_order(root)}
        for (label, field), number in rows.items():
            assert number == pytest.approx(getattr(exact[label], field), abs=1e-3)


def test_thirty_neuron_sheets_keep_tanh_in_its_useful_range(tmp_path):
    result = worksheet(FORMULA, tmp_path / "s.pdf", students=30, seed=1)
    zs = []
    for sheet in pages(result.sheets):
        g = given_numbers(sheet)
        zs.append(g["x"] * g["w"] + g["b"])
    assert len(zs) == 30
    assert max(abs(z) for z in zs) <= PREACTIVATION_LIMIT <= 1.5
    # so the output never prints as ±1 and tanh' = 1 - o² stays worth computing
    assert all(abs(r4(math.tanh(z))) < 1 and 1 - math.tanh(z) ** 2 > 0.18 for z in zs)
    assert min(abs(z) for z in zs) > 0 and len({z for z in zs}) > 5  # and not all the same


def test_an_mlp_key_gives_every_weights_gradient_as_central_differences_do(tmp_path):
    result = worksheet([2, 2, 1], tmp_path / "m.pdf", kind="backward", students=1, seed=3)
    (problem,) = result.problems
    given = dict(problem.given)

    def error(params: dict[str, float]) -> float:  # the network on plain floats, written out here
        x = [params["x_1"], params["x_2"]]
        hidden = [max(0.0, params[f"b^1_{i}"] + sum(params[f"w^1_{{{i},{j}}}"] * x[j - 1] for j in (1, 2)))
                  for i in (1, 2)]
        y_hat = params["b^2_1"] + sum(params[f"w^2_{{1,{j}}}"] * hidden[j - 1] for j in (1, 2))
        return (y_hat - params["y"]) ** 2

    rows = key_rows("\n".join(pages(result.key)))
    checked = 0
    for name, value in given.items():
        if name.startswith(("w^", "b^")):
            h = 1e-6
            up, down = dict(given, **{name: value + h}), dict(given, **{name: value - h})
            numeric = (error(up) - error(down)) / (2 * h)
            assert rows[N.typeset(name), "grad"] == pytest.approx(numeric, abs=1e-4), name
            checked += 1
    assert checked == 2 * 2 + 2 + 2 + 1


def test_an_mlp_sheet_names_its_partial_sums_as_the_article_does(tmp_path):
    result = worksheet([2, 2, 1], tmp_path / "m.pdf", kind="both", students=1, seed=4)
    labels = [n.label for n in topological_order(result.problems[0].root)]
    assert {N.pre_activation(1, 1), N.partial_sum(1, 1, 1), N.partial_sum(2, 1, 1)} <= set(labels)
    assert not [label for label in labels if re.fullmatch(r"n\d+|v_\d+", label)]  # no invented names
    text = "\n".join(pages(result.key))
    assert N.typeset(N.partial_sum(1, 2, 1)) in text


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("source", [FORMULA, [2, 2, 1], [1, 2, 1]])
def test_every_sheet_and_every_key_is_one_page(tmp_path, paper, source):
    result = worksheet(source, tmp_path / "s.pdf", kind="both", students=3, seed=2, paper=paper)
    assert len(pages(result.sheets)) == 3 and len(pages(result.key)) == 3
    assert result.printed_pt >= 7.0
    for path in (result.sheets, result.key):  # vector graphics: no raster image anywhere
        assert all(not page.images for page in pypdf.PdfReader(str(path)).pages)
    for path in (result.sheets, result.key):
        assert_nothing_in_the_margins(path)


def assert_nothing_in_the_margins(path, margin_mm: float = 10.0) -> None:
    """Every page drawn by poppler: the outer ``margin_mm`` of paper stays white, so the graph
    and the key's table really fit the page (a PDF page count alone would not show a cut graph)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is needed to look at the printed pages")
    from PIL import Image

    dpi = 40
    done = subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(path), str(path.with_suffix(""))],
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pictures = sorted(path.parent.glob(path.stem + "-*.pgm"))
    assert pictures
    edge = math.ceil(margin_mm / 25.4 * dpi)
    for picture in pictures:
        image = Image.open(picture)
        w, h = image.size
        for box in ((0, 0, w, edge), (0, h - edge, w, h), (0, 0, edge, h), (w - edge, 0, w, h)):
            assert image.crop(box).getextrema()[0] > 200, (picture.name, box)  # no dark pixel
        picture.unlink()


def test_every_character_printed_is_in_the_embedded_font(tmp_path):
    ttLib = pytest.importorskip("fontTools.ttLib")
    from microgradnet.viz.worksheets.layout import unicode_font

    result = worksheet([2, 2, 1], tmp_path / "m.pdf", kind="both", students=2, seed=5)
    cmap = ttLib.TTFont(unicode_font()).getBestCmap()
    text = "".join(pages(result.sheets) + pages(result.key))
    assert {"ŷ", "₁", "¹", "≤", "−"} <= set(text)  # the article's symbols really are printed ...
    missing = {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
    assert not missing  # ... and the font has every one of them


def test_forward_worksheets_keep_the_inputs_and_blank_everything_else():
    problem = make_problem("x1*w1 + x2*w2 + b", random.Random(2))
    source = sheet_graph(problem, "forward").source
    nodes = topological_order(problem.root)
    for node in nodes:
        if not node._prev:
            assert f"data {N.number(node.data, decimals=4).rstrip('0').rstrip('.')}" in source
    assert source.count("data ___") == sum(1 for n in nodes if n._prev)
    assert "grad" not in source  # a forward sheet asks for values only
    key = sheet_graph(problem, "forward", answers=True).source
    assert "___" not in key


def test_a_graph_too_big_for_one_legible_page_is_refused_with_what_to_shrink(tmp_path):
    six = "+".join(f"tanh(x{i}*w{i}+b)" for i in range(1, 7))
    with pytest.raises(WorksheetTooLarge,
                       match=r"values print at [\d.]+ pt \(< 7\) on A4: shorten the formula or network"):
        worksheet(six, tmp_path / "s.pdf", seed=1)
    with pytest.raises(ValueError, match=rf"graph of 378 values; .* at most {MAX_VALUES}"):
        worksheet(SIXTY_THREE, tmp_path / "s.pdf", seed=1)
    assert not list(tmp_path.iterdir())  # nothing written


def test_the_sixty_three_term_formula_is_a_one_line_refusal_within_bounds(tmp_path):
    assert len(SIXTY_THREE) <= 1000
    code = f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
        from microgradnet.cli import main
        code = main(["worksheet", {SIXTY_THREE!r}, "--students", "500", "-o", {str(tmp_path / "big.pdf")!r}])
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]  # not ru_maxrss:
        print("peak MB", int(hwm.split()[1]) // 1024)  # Linux carries that over from the parent
        sys.exit(code)
    """
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120)
    assert time.monotonic() - start < 120
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "shorten the formula" in done.stderr
    assert int(done.stdout.split()[-1]) < 1536


ODD_FORMULAS = ["2+3", "x", "x*x", "x-x", "0*x", "exp(exp(exp(x)))", "log(log(log(x)))", "x**0.5",
                "x**-3", "1/x", "x/0", "(x-x)**-1", "abs(x)", "relu(x)", "x**y", "sin(x)*cos(y)",
                "tanh(tanh(tanh(x)))", "sigmoid(x)", "gelu(x)", "softplus(x)", "max(x, y)", "sqrt(x - 4)"]


@pytest.mark.parametrize("formula", ODD_FORMULAS)
def test_any_formula_the_parser_accepts_gives_a_pdf_or_a_one_line_error(tmp_path, capsys, formula):
    code = main(["worksheet", formula, "--kind", "both", "-o", str(tmp_path / "f.pdf")])
    err = capsys.readouterr().err
    assert (code, err) == (0, "") or (code == 2 and err.count("\n") == 1), err
    if code == 0:
        assert len(pages(tmp_path / "f.pdf")) == 1 and len(pages(tmp_path / "f-key.pdf")) == 1


def test_bad_requests_are_one_line_errors(tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe.pdf")
    assert main(["worksheet", "log(x", "-o", str(tmp_path / "a.pdf")]) == 2
    assert main(["worksheet", "x*y", "-o", str(tmp_path / "a.txt")]) == 2
    assert main(["worksheet", "--mlp", "4,4,4", "-o", str(tmp_path / "a.pdf")]) == 2
    assert main(["worksheet", "-o", str(tmp_path / "a.pdf")]) == 2
    assert main(["worksheet", "x", "--students", "501", "-o", str(tmp_path / "a.pdf")]) == 2
    assert main(["worksheet", "--mlp", "2,2,1", "--set", "q=1", "-o", str(tmp_path / "a.pdf")]) == 2
    assert main(["worksheet", "x", "-o", str(tmp_path / "pipe.pdf")]) == 2  # at once, not after the work
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 7 and all(line.startswith("microgradnet worksheet: error:") for line in err)
    assert "not a regular file" in err[-1]
    with pytest.raises(ValueError, match="kind"):
        worksheet(FORMULA, tmp_path / "a.pdf", kind="sideways")


def formulas():
    """Random formulas over the parser's own functions (read from the op table) and operators."""
    from hypothesis import strategies as st

    from microgradnet import ops

    functions = sorted(ops.formula_functions())
    leaves = st.sampled_from(["x", "y", "w", "2", "0.5", "0", "-1"])

    def grow(inner):
        return st.one_of(
            st.builds(lambda f, a: f"{f}({a})", st.sampled_from(functions), inner),
            st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from("+-*/"), inner),
            st.builds(lambda a, p: f"{a}**{p}", inner, st.sampled_from(["2", "-1", "0.5", "y"])),
        )

    return st.recursive(leaves, grow, max_leaves=6)


def test_random_formulas_give_a_pdf_or_a_one_line_error(tmp_path):
    from hypothesis import given, settings

    seen = {"pdf": 0, "error": 0}

    @settings(max_examples=25, deadline=None, database=None)
    @given(formulas())
    def check(formula):
        out = tmp_path / "f.pdf"
        try:
            result = worksheet(formula, out, kind="both", seed=0)
        except ValueError as e:  # ExprError, WorksheetTooLarge and "no numbers" are ValueErrors
            assert "\n" not in str(e) and str(e)
            seen["error"] += 1
            return
        assert len(result.problems) == 1 and len(pages(out)) == 1
        seen["pdf"] += 1

    check()
    assert seen["pdf"] > 0  # the generator does make printable formulas
