"""The step-through page in a real headless browser (Debian's chromium + chromedriver).

A student clicks Next through the forward pass and then backward(), one scalar at a time: the
values and grads on the page must be the engine's, exactly, and Previous / Reset / the keyboard /
Play / the overview must bring the page to the states they promise. In presentation sizes
(1024×768, 1920×1080) the current node and its children must be on screen with text of 14 px or
more. Skipped only when chromium itself is not installed (``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import html
import random
import time
from pathlib import Path

import pytest

from microgradnet import Value
from microgradnet.nn import MLP
from microgradnet.notation import number as fmt
from microgradnet.viz.step_through import step_through, to_html
from microgradnet.walk import topological_order
from tests.browser import chromium, needs_chromium
from tests.graphs import lecture_expression, lecture_neuron

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser():
    with chromium(1400, 900) as driver:
        yield driver


def open_page(driver, path: Path, size: tuple[int, int] = (1400, 900), instant: bool = True) -> None:
    """Load a page at this viewport size; ``instant``: the view jumps instead of gliding."""
    viewport(driver, *size)
    features = [{"name": "prefers-reduced-motion", "value": "reduce" if instant else "no-preference"}]
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})
    driver.get(path.resolve().as_uri())
    assert driver.execute_script("return [innerWidth, innerHeight]") == list(size)
    assert driver.execute_script("return !!window.microgradnetStepper"), "the page's script did not start"


def viewport(driver, width: int, height: int) -> None:
    """Exactly this viewport (a headless window cannot grow past its virtual screen)."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def shown(driver) -> dict[int, tuple[str, str, str, str]]:
    """Each node's value and grad as the page shows them (text) and stores them (full precision)."""
    rows = driver.execute_script(
        "return [...document.querySelectorAll('g.node')].map(g => [+g.dataset.id, "
        "g.querySelector('.data-value').textContent, g.dataset.data, "
        "g.querySelector('.grad-value').textContent, g.dataset.grad]);"
    )
    return {i: (dt, df, gt, gf) for i, dt, df, gt, gf in rows}


def counter(driver) -> str:
    return driver.find_element("id", "counter").text


def stepper(driver, prop: str):
    return driver.execute_script(f"return window.microgradnetStepper.{prop}")


def click(driver, button: str, times: int = 1) -> None:
    element = driver.find_element("id", button)
    for _ in range(times):
        element.click()


Shown = dict[int, tuple[str, str, str, str]]


def expected(root: Value, nodes: list[Value], s: int, forward: bool = True) -> Shown:
    """What the page must show after s clicks: forward, the inputs and the first operations'
    values (the engine's, in topological order) with every grad blank; then backward, every
    value and the grads after that many nodes' chain rules (step_through, one click per node)."""
    ops = [v for v in nodes if v._prev]
    n_f = len(ops) if forward else -1
    out = {}
    if s <= n_f:
        computed = set(ops[:s])
        for i, v in enumerate(nodes):
            known = not v._prev or v in computed
            data = (fmt(v.data), repr(v.data)) if known else ("", "")
            out[i] = (*data, "", "")
        return out
    clicks = s - n_f - 1
    index = {v: i for i, v in enumerate(nodes)}
    grads = {i: 0.0 for i in range(len(nodes))}
    grads[index[root]] = 1.0
    done, last = 0, None
    for st in step_through(root):
        if st.node is not last:
            done += 1
            last = st.node
        if done > clicks:
            break
        grads[index[st.child]] = st.after
    for i, v in enumerate(nodes):
        out[i] = (fmt(v.data), repr(v.data), fmt(grads[i]), repr(grads[i]))
    return out


def errors_in_console(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]




def mlp_loss(sizes: list[int] = [3, 1]) -> Value:  # noqa: B006 - read only
    """A 2-…-1 MLP's squared error on one sample (micrograd's scalar graph by default)."""
    model = MLP(2, sizes, act="tanh", rng=random.Random(1337))
    y_hat = model([Value(2.0, label="x1"), Value(-1.0, label="x2")])
    diff = y_hat - Value(1.0, label="y")
    diff.label = "ŷ − y"
    e = diff**2
    e.label = "e"
    return e


# ---- forward, then backward, one scalar at a time ---------------------------------------------
@pytest.mark.parametrize("build", [lecture_neuron, lambda: mlp_loss([2, 1])], ids=["neuron", "mlp-2-2-1"])
def test_walking_forward_then_backward_shows_the_engines_values_and_grads(browser, tmp_path, build):
    root = build()
    nodes = topological_order(root)
    n_ops = len([v for v in nodes if v._prev])
    open_page(browser, to_html(root, tmp_path / "page.html"))
    total = stepper(browser, "total")
    assert total == 2 * n_ops + 1  # start, n forward steps, start of backward, n backward steps
    assert shown(browser) == expected(root, nodes, 0)
    assert counter(browser) == f"forward 0 of {n_ops}" and stepper(browser, "pass") == "forward"
    for s in range(1, total + 1):
        click(browser, "next")
        assert shown(browser) == expected(root, nodes, s), f"after {s} clicks"
        if s <= n_ops:
            assert counter(browser) == f"forward {s} of {n_ops}"
            assert browser.find_element("id", "pass").text.lower() == "forward pass"
        else:
            assert counter(browser) == f"backward {s - n_ops - 1} of {n_ops}"
            assert browser.find_element("id", "pass").text.lower() == "backward pass"
    assert not browser.find_element("id", "next").is_enabled()

    root.backward()  # the engine, independently of the page's replay
    for i, (data_text, data_full, grad_text, grad_full) in shown(browser).items():
        v = nodes[i]
        assert float(data_full) == v.data and data_text == fmt(v.data)
        assert float(grad_full) == v.grad and grad_text == fmt(v.grad), v.label
    # and all the way back, across the boundary between the passes
    for s in range(total - 1, -1, -1):
        click(browser, "prev")
        assert shown(browser) == expected(root, nodes, s), f"back at step {s}"
    assert not browser.find_element("id", "prev").is_enabled()
    assert errors_in_console(browser) == []


def test_the_panel_shows_the_forward_formula_with_its_numbers_then_the_chain_rule(browser, tmp_path):
    open_page(browser, to_html(lecture_neuron(), tmp_path / "n.html"))
    click(browser, "next", 5)
    assert "o = tanh(n) = tanh(0.8814) = 0.7071" in browser.find_element("id", "updates").text
    highlighted = browser.execute_script(
        "return [...document.querySelectorAll('g.node.current, g.node.child')]"
        ".map(g => g.querySelector('.label').textContent).sort();"
    )
    assert highlighted == ["n", "o"]
    click(browser, "next")
    head = browser.find_element("id", "panel-head").text
    assert "o.grad = 1," in head and "1.0" not in head  # numbers as the slides and notation print them

    open_page(browser, to_html(lecture_expression()["L"], tmp_path / "L.html", forward=False))
    click(browser, "next", 3)  # L, then d, then e
    assert "a.grad += e.grad × b.data = (-2)(-3) = 6" in browser.find_element("id", "updates").text


def test_previous_and_reset_return_to_the_states_they_promise(browser, tmp_path):
    root = lecture_neuron()
    nodes = topological_order(root)
    open_page(browser, to_html(root, tmp_path / "neuron.html"))
    click(browser, "next", 8)
    click(browser, "reset")
    assert shown(browser) == expected(root, nodes, 0) and stepper(browser, "step") == 0
    assert not browser.find_element("id", "reset").is_enabled()


# ---- presentation: keyboard, overview, full screen, legible text ------------------------------
def test_the_keyboard_drives_the_page(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    root = lecture_neuron()
    nodes = topological_order(root)
    open_page(browser, to_html(root, tmp_path / "neuron.html"), size=(1024, 768))
    body = browser.find_element("tag name", "body")
    body.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert shown(browser) == expected(root, nodes, 2)
    body.send_keys(Keys.SPACE)  # a presenter's clicker: space goes on
    assert shown(browser) == expected(root, nodes, 3)
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.SPACE).key_up(Keys.SHIFT).perform()
    assert shown(browser) == expected(root, nodes, 2)
    body.send_keys(Keys.ARROW_LEFT)
    assert shown(browser) == expected(root, nodes, 1)
    body.send_keys(Keys.PAGE_DOWN)
    assert stepper(browser, "step") == 2
    body.send_keys(Keys.END)
    assert shown(browser) == expected(root, nodes, stepper(browser, "total"))
    body.send_keys(Keys.HOME)
    assert shown(browser) == expected(root, nodes, 0)
    body.send_keys("o")
    assert stepper(browser, "overview") is True
    assert browser.find_element("id", "overview").get_attribute("aria-pressed") == "true"
    body.send_keys(Keys.ESCAPE)
    assert stepper(browser, "overview") is False
    body.send_keys("f")
    deadline = time.monotonic() + 5
    while not browser.execute_script("return !!document.fullscreenElement") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert browser.execute_script("return !!document.fullscreenElement"), "f did not enter full screen"
    assert browser.find_element("id", "fullscreen").text == "Exit full screen"
    body.send_keys("f")
    deadline = time.monotonic() + 5
    while browser.execute_script("return !!document.fullscreenElement") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not browser.execute_script("return !!document.fullscreenElement")


def test_clicking_a_node_in_the_overview_jumps_to_its_step(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    root = mlp_loss()
    nodes = topological_order(root)
    ops = [i for i, v in enumerate(nodes) if v._prev]
    open_page(browser, to_html(root, tmp_path / "mlp.html"), size=(1024, 768))
    click(browser, "overview")
    target = ops[len(ops) // 2]  # forward pass: the step that computes it
    box = browser.find_element("css selector", f"#node-{target} .box")
    ActionChains(browser).move_to_element(box).click().perform()
    assert stepper(browser, "overview") is False
    assert stepper(browser, "step") == ops.index(target) + 1
    assert shown(browser) == expected(root, nodes, ops.index(target) + 1)
    # in the backward pass: the step of its chain rule (draw_dot's number for it)
    browser.execute_script(f"window.microgradnetStepper.goTo({len(ops) + 1})")
    click(browser, "overview")
    box = browser.find_element("css selector", f"#node-{target} .box")
    ActionChains(browser).move_to_element(box).click().perform()
    backward_order = [nodes.index(v) for v in reversed(nodes) if v._prev]
    assert stepper(browser, "step") == len(ops) + 1 + backward_order.index(target) + 1


LEGIBILITY = """
const S = window.microgradnetStepper, pane = document.getElementById('graph-pane').getBoundingClientRect();
const inside = (r) => r.left >= pane.left - 1 && r.right <= pane.right + 1 && r.top >= pane.top - 1
  && r.bottom <= pane.bottom + 1;
const out = {smallest: 1e9, hidden: [], cards: 0, steps: 0};
for (let s = 0; s <= S.total; s++) {
  S.goTo(s);
  for (const g of document.querySelectorAll('g.node.current, g.node.child')) {
    const label = g.querySelector('.label').textContent;
    if (inside(g.querySelector('.box').getBoundingClientRect())) {
      for (const t of g.querySelectorAll('.box ~ text, text tspan')) {
        const host = t.tagName === 'tspan' ? t.parentNode : t;
        const px = parseFloat(getComputedStyle(t).fontSize) * host.getScreenCTM().a;
        out.smallest = Math.min(out.smallest, px);
      }
      continue;
    }
    // off screen: a card at the edge of the view must show it, with the same numbers
    const card = document.querySelector(`.callout[data-id="${g.dataset.id}"]`);
    const want = [label, g.querySelector('.data-value').textContent,
                  g.querySelector('.grad-value').textContent];
    if (!card || g.classList.contains('current') || !inside(card.getBoundingClientRect())
        || !want.every((w) => card.textContent.includes(w))) {
      out.hidden.push([s, label]);
      continue;
    }
    out.cards += 1;
    out.smallest = Math.min(out.smallest, parseFloat(getComputedStyle(card).fontSize));
  }
  out.steps += 1;
}
return out;
"""


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)], ids=["1024x768", "1920x1080"])
@pytest.mark.parametrize("build", [lecture_neuron, mlp_loss], ids=["neuron", "mlp-2-3-1"])
def test_the_current_node_and_its_children_are_on_screen_and_legible(browser, tmp_path, size, build):
    root = build()
    open_page(browser, to_html(root, tmp_path / "page.html"), size=size)
    result = browser.execute_script(LEGIBILITY)
    assert result["steps"] == stepper(browser, "total") + 1
    assert result["hidden"] == [], "current node or a child off screen, without a card"
    assert result["smallest"] >= 14, f"text of {result['smallest']:.1f} px"
    # the graph takes most of the screen
    pane = browser.execute_script("const r = document.getElementById('graph-pane').getBoundingClientRect();"
                                  "return r.width * r.height;")
    assert pane >= 0.5 * size[0] * size[1]
    wide = browser.execute_script("const g = document.getElementById('graph-pane').getBoundingClientRect(),"
                                  " p = document.getElementById('panel').getBoundingClientRect();"
                                  "return p.left >= g.right - 1;")
    assert wide == (size == (1920, 1080)), "the panel goes beside the graph on 16:9, below it on 4:3"


def test_the_view_glides_to_the_current_node_and_jumps_on_a_jump(browser, tmp_path):
    open_page(browser, to_html(mlp_loss(), tmp_path / "mlp.html"), size=(1024, 768), instant=False)
    before = stepper(browser, "camera")
    start_of_backward = (stepper(browser, "total") + 1) // 2  # the output, at the far right
    script = "const S = window.microgradnetStepper; S.goTo(arguments[0]); return S.camera;"
    jumped = browser.execute_script(script, start_of_backward)
    assert not jumped["moving"] and jumped["x"] > before["x"] + 500  # goTo (End, overview clicks) jumps
    toggle = "document.getElementById('overview').click(); return window.microgradnetStepper.camera;"

    def settle() -> dict:
        deadline = time.monotonic() + 5
        while stepper(browser, "camera")["moving"] and time.monotonic() < deadline:
            time.sleep(0.05)
        return stepper(browser, "camera")

    assert browser.execute_script(toggle)["moving"], "the view should glide out to the overview"
    whole = settle()
    assert browser.execute_script(toggle)["moving"], "and glide back to the current node"
    back = settle()
    assert not back["moving"] and back["z"] >= 0.83 > whole["z"]  # following: text at 14 px or more
    assert (back["x"], back["y"], back["z"]) == (jumped["x"], jumped["y"], jumped["z"])


def test_in_a_notebook_frame_the_full_screen_button_works_when_the_frame_allows_it(browser, tmp_path):
    page = to_html(lecture_neuron(), tmp_path / "neuron.html").read_text(encoding="utf-8")
    source = html.escape(page, quote=True)
    wrapper = tmp_path / "notebook.html"
    wrapper.write_text(
        f'<iframe id="yes" srcdoc="{source}" width="940" height="560" allowfullscreen></iframe>'
        f'<iframe id="no" srcdoc="{source}" width="940" height="560" allow="fullscreen \'none\'"></iframe>',
        encoding="utf-8",
    )
    viewport(browser, 1280, 1200)
    browser.get(wrapper.resolve().as_uri())
    states = {}
    for frame in ("yes", "no"):
        browser.switch_to.frame(browser.find_element("id", frame))
        deadline = time.monotonic() + 5
        started = "return !!window.microgradnetStepper"
        while time.monotonic() < deadline and not browser.execute_script(started):
            time.sleep(0.05)
        states[frame] = browser.find_element("id", "fullscreen").is_enabled()
        if frame == "yes":
            browser.find_element("id", "fullscreen").click()
            time.sleep(0.5)
            states["entered"] = browser.execute_script("return !!document.fullscreenElement")
            browser.execute_script("document.fullscreenElement && document.exitFullscreen()")
        browser.switch_to.default_content()
    assert states == {"yes": True, "entered": True, "no": False}


# ---- the rest of the page's promises ------------------------------------------------------------
def test_play_runs_to_the_last_step(browser, tmp_path):
    root = lecture_neuron()
    open_page(browser, to_html(root, tmp_path / "neuron.html"))
    total = stepper(browser, "total")
    browser.execute_script("const s = document.getElementById('speed'); s.value = '450';")
    click(browser, "play")
    deadline = time.monotonic() + 30
    while stepper(browser, "step") != total and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stepper(browser, "step") == total
    root.backward()
    nodes = topological_order(root)
    assert all(float(row[3]) == nodes[i].grad for i, row in shown(browser).items())


def test_a_training_sized_graph_of_hundreds_of_nodes_steps_to_backwards_grads(browser, tmp_path):
    random.seed(3)
    model = MLP(3, [8, 8, 1])
    samples = [([1.0, -0.5, 0.25], 1.0), ([-1.0, 0.5, 2.0], -1.0), ([0.3, 0.2, -0.7], 1.0)]
    loss = sum(((model(x) - y) ** 2 for x, y in samples), Value(0.0))
    nodes = topological_order(loss)
    assert len(nodes) > 200
    open_page(browser, to_html(loss, tmp_path / "mlp.html"))
    total = stepper(browser, "total")
    script = "for (let i = 0; i < arguments[0]; i++) document.getElementById('next').click();"
    browser.execute_script(script, total)
    loss.backward()
    final = shown(browser)
    assert len(final) == len(nodes)
    for i, v in enumerate(nodes):
        assert float(final[i][1]) == v.data and float(final[i][3]) == v.grad
    assert errors_in_console(browser) == []


def test_hostile_labels_are_shown_as_text_and_never_run(browser, tmp_path):
    a = Value(1.0, label="</script><script>window.pwned = 1</script>")
    b = Value(2.0, label="<img src=x onerror='window.pwned = 2'>")
    c = a * b
    c.label = "c"
    open_page(browser, to_html(c, tmp_path / "evil.html", title="<b onmouseover=alert(1)>t</b>"))
    click(browser, "next", 3)
    assert browser.execute_script("return window.pwned === undefined")
    texts = "return [...document.querySelectorAll(arguments[0])].map(t => t.textContent)"
    labels = browser.execute_script(texts, "g.node .label")
    assert sorted(labels) == sorted([a.label[:27] + "…", b.label[:27] + "…", "c"])  # long ones shortened
    tips = browser.execute_script(texts, "g.node > title")
    assert any(a.label in tip for tip in tips) and any(b.label in tip for tip in tips)  # in full on hover
    assert browser.find_element("id", "title").text == "<b onmouseover=alert(1)>t</b>"


def test_a_single_number_is_a_page_with_nothing_to_step(browser, tmp_path):
    open_page(browser, to_html(Value(3.0, label="x"), tmp_path / "x.html"))
    assert stepper(browser, "total") == 0
    assert counter(browser) == "backward 0 of 0"
    assert not browser.find_element("id", "next").is_enabled()
    assert "single number" in browser.find_element("id", "updates").text
    assert shown(browser) == {0: ("3", "3.0", "1", "1.0")}  # shown, and in full (repr)
    assert errors_in_console(browser) == []


def test_indices_in_node_labels_and_the_panel_are_three_quarters_of_the_text(browser, tmp_path):
    """w¹₂,₁'s indices are drawn 1.35x larger than the text around them (Unicode's script glyphs
    are ~56 % of a digit's height): in the picture, the cards and the chain-rule panel."""
    root = mlp_loss([2, 1])
    open_page(browser, to_html(root, tmp_path / "page.html"), size=(1920, 1080))
    click(browser, "next", stepper(browser, "total") - 1)  # into backward(): formulas with w¹ᵢ,ⱼ
    ratios = browser.execute_script(
        "const out = [];"
        "for (const s of document.querySelectorAll('#graph .label .script, #updates .script')) {"
        "  const own = parseFloat(getComputedStyle(s).fontSize);"
        "  const around = parseFloat(getComputedStyle(s.parentNode).fontSize);"
        "  out.push([s.textContent, own / around]); }"
        "return out;"
    )
    labels = {n.label for n in topological_order(root) if "^" in n.label}
    assert len(ratios) >= len(labels)  # every article name in a box has its indices marked
    assert all(r >= 1.34 for _, r in ratios), ratios
    texts = browser.execute_script(
        "return [...document.querySelectorAll('#graph .label')].map(t => t.textContent)"
    )
    assert "w¹₁,₁" in texts and "z¹₁ (j≤1)" in texts  # the text itself unchanged, names as the article's
