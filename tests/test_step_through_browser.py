"""The step-through page in a real headless browser (Debian's chromium + chromedriver).

A student clicks Next through every step: the grads on the page must be backward()'s, exactly,
and Previous / Reset / the arrow keys / Play must bring the page to the states they promise.
Skipped only when chromium itself is not installed (``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from microgradnet import Value
from microgradnet.autodiff import topological_order
from microgradnet.nn import MLP
from microgradnet.viz.html import fmt, step_through, to_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
    "--disable-component-update --disable-sync --disable-dev-shm-usage --window-size=1400,900"
).split()

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver  # a dev dependency: missing it is an error, not a skip
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="mgn-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, path: Path) -> None:
    driver.get(path.resolve().as_uri())
    assert driver.execute_script("return !!window.microgradnetStepper"), "the page's script did not start"


def shown(driver) -> dict[int, tuple[str, str]]:
    """Each node's grad as the page shows it (text) and stores it (full precision)."""
    rows = driver.execute_script(
        "return [...document.querySelectorAll('g.node')].map(g => "
        "[+g.dataset.id, g.querySelector('.grad-value').textContent, g.dataset.grad]);"
    )
    return {i: (text, full) for i, text, full in rows}


def counter(driver) -> str:
    return driver.find_element("id", "counter").text


def click(driver, button: str, times: int = 1) -> None:
    element = driver.find_element("id", button)
    for _ in range(times):
        element.click()


def expected_after(root: Value, nodes: list[Value], k: int) -> dict[int, tuple[str, str]]:
    """Grads after the first k clicks, from step_through (one click = one node's updates)."""
    index = {v: i for i, v in enumerate(nodes)}
    grads = {i: 0.0 for i in range(len(nodes))}
    grads[index[root]] = 1.0
    clicks = 0
    last = None
    for s in step_through(root):
        if s.node is not last:
            clicks += 1
            last = s.node
        if clicks > k:
            break
        grads[index[s.child]] = s.after
    return {i: (fmt(g), repr(g)) for i, g in grads.items()}


def errors_in_console(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def lecture_neuron() -> Value:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def test_clicking_next_through_every_step_shows_backwards_grads(browser, tmp_path):
    root = lecture_neuron()
    nodes = topological_order(root)
    page = to_html(root, tmp_path / "neuron.html")
    total = len(topological_order(root, leaves=False))
    open_page(browser, page)
    assert counter(browser) == f"step 0 of {total}"
    assert shown(browser) == expected_after(root, nodes, 0)
    for k in range(1, total + 1):
        click(browser, "next")
        assert shown(browser) == expected_after(root, nodes, k), f"after {k} clicks"
    assert counter(browser) == f"step {total} of {total}"
    assert not browser.find_element("id", "next").is_enabled()

    root.backward()
    final = shown(browser)
    for i, v in enumerate(nodes):
        text, full = final[i]
        assert float(full) == v.grad and text == fmt(v.grad), v.label
    browser.save_screenshot(str(tmp_path / "neuron-last-step.png"))
    assert errors_in_console(browser) == []


def test_previous_undoes_steps_and_reset_returns_to_the_start(browser, tmp_path):
    root = lecture_neuron()
    nodes = topological_order(root)
    total = len(topological_order(root, leaves=False))
    open_page(browser, to_html(root, tmp_path / "neuron.html"))
    click(browser, "next", total)
    for k in range(total - 1, -1, -1):
        click(browser, "prev")
        assert shown(browser) == expected_after(root, nodes, k), f"back at step {k}"
    assert counter(browser) == f"step 0 of {total}"
    assert not browser.find_element("id", "prev").is_enabled()
    click(browser, "next", 3)
    click(browser, "reset")
    assert counter(browser) == f"step 0 of {total}"
    assert shown(browser) == expected_after(root, nodes, 0)


def test_arrow_keys_step_forward_and_back(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    root = lecture_neuron()
    nodes = topological_order(root)
    open_page(browser, to_html(root, tmp_path / "neuron.html"))
    body = browser.find_element("tag name", "body")
    body.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert shown(browser) == expected_after(root, nodes, 2)
    body.send_keys(Keys.ARROW_LEFT)
    assert shown(browser) == expected_after(root, nodes, 1)


def test_the_panel_prints_the_arithmetic_of_the_current_step(browser, tmp_path):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    open_page(browser, to_html(L, tmp_path / "L.html"))
    click(browser, "next", 3)  # L, then d, then e
    panel = browser.find_element("id", "updates").text
    assert "a.grad += e.grad × b.data = (-2.0)(-3.0) = 6.0" in panel
    highlighted = browser.execute_script(
        "return [...document.querySelectorAll('g.node.current, g.node.child')]"
        ".map(g => g.querySelector('.label').textContent).sort();"
    )
    assert highlighted == ["a", "b", "e"]


def test_play_runs_to_the_last_step(browser, tmp_path):
    root = lecture_neuron()
    total = len(topological_order(root, leaves=False))
    open_page(browser, to_html(root, tmp_path / "neuron.html"))
    browser.execute_script("const s = document.getElementById('speed'); s.value = '450';")
    click(browser, "play")
    deadline = time.monotonic() + 20
    while counter(browser) != f"step {total} of {total}" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert counter(browser) == f"step {total} of {total}"
    root.backward()
    nodes = topological_order(root)
    assert all(float(full) == nodes[i].grad for i, (_, full) in shown(browser).items())


def test_a_training_sized_graph_of_hundreds_of_nodes_steps_to_backwards_grads(browser, tmp_path):
    random.seed(3)
    model = MLP(3, [8, 8, 1])
    samples = [([1.0, -0.5, 0.25], 1.0), ([-1.0, 0.5, 2.0], -1.0), ([0.3, 0.2, -0.7], 1.0)]
    loss = sum(((model(x) - y) ** 2 for x, y in samples), Value(0.0))
    nodes = topological_order(loss)
    assert len(nodes) > 200
    total = len(topological_order(loss, leaves=False))
    open_page(browser, to_html(loss, tmp_path / "mlp.html"))
    start = time.monotonic()
    script = "for (let i = 0; i < arguments[0]; i++) document.getElementById('next').click();"
    browser.execute_script(script, total)
    assert time.monotonic() - start < 10
    loss.backward()
    final = shown(browser)
    assert len(final) == len(nodes)
    for i, v in enumerate(nodes):
        assert float(final[i][1]) == v.grad
    browser.save_screenshot(str(tmp_path / "mlp-last-step.png"))
    assert errors_in_console(browser) == []


def test_hostile_labels_are_shown_as_text_and_never_run(browser, tmp_path):
    a = Value(1.0, label="</script><script>window.pwned = 1</script>")
    b = Value(2.0, label="<img src=x onerror='window.pwned = 2'>")
    c = a * b
    c.label = "c"
    open_page(browser, to_html(c, tmp_path / "evil.html", title="<b onmouseover=alert(1)>t</b>"))
    assert browser.execute_script("return window.pwned === undefined")
    texts = "return [...document.querySelectorAll(arguments[0])].map(t => t.textContent)"
    labels = browser.execute_script(texts, "g.node .label")
    assert sorted(labels) == sorted([a.label[:27] + "…", b.label[:27] + "…", "c"])  # long ones shortened
    tips = browser.execute_script(texts, "g.node > title")
    assert any(a.label in tip for tip in tips) and any(b.label in tip for tip in tips)  # in full on hover
    assert browser.find_element("id", "title").text == "<b onmouseover=alert(1)>t</b>"
