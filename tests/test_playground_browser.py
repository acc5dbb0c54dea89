"""The playground page in a real headless browser (Debian's chromium + chromedriver).

A student presses play and watches the loss fall and the boundary change, adds a neuron,
clicks a weight and reads Equation 8: the number on the page must be backward()'s, computed
here independently from the exported model file. Skipped only when chromium is not installed.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from microgradnet import nn
from microgradnet.playground.server import PlaygroundServer
from microgradnet.playground.session import FEATURES
from tests.browser import chromium, needs_chromium, serving, wait_for

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server():
    with serving({"hidden": [3, 2], "points": 80}) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    with chromium(1400, 1000) as driver:
        yield driver


def el(driver, key: str):
    return driver.find_element("css selector", f'[data-k="{key}"]')


def export_model(srv: PlaygroundServer, sid: str, path) -> nn.MLP:
    body = json.dumps({"sid": sid, "what": "model"}).encode()
    req = urllib.request.Request(srv.origin + "/api/export", data=body, method="POST",
                                 headers=srv.page_headers())
    path.write_text(json.loads(urllib.request.urlopen(req, timeout=30).read())["text"], encoding="utf-8")
    return nn.load_model(path)


def test_play_add_a_neuron_and_explain_a_weight(server, browser, tmp_path):
    d = browser
    d.get(server.url)
    wait_for(d, "return window.mgnPlaygrounds && window.mgnPlaygrounds[0].ready")
    before = d.execute_script("return document.querySelector('[data-k=boundary]').toDataURL()")
    first_loss = d.execute_script("return window.mgnPlaygrounds[0].history[0][1]")

    el(d, "play").click()
    wait_for(d, "return window.mgnPlaygrounds[0].st.step >= 40")
    el(d, "play").click()  # pause
    wait_for(d, "return window.mgnPlaygrounds[0].st.playing === false")
    time.sleep(0.3)
    last_loss = d.execute_script("const h = window.mgnPlaygrounds[0].history; return h[h.length - 1][1]")
    assert last_loss < 0.8 * first_loss
    assert d.execute_script("return document.querySelector('[data-k=boundary]').toDataURL()") != before
    assert int(el(d, "stepcount").text) >= 40

    # add a neuron to the first hidden layer: a new 2-4-2-1 network
    el(d, "addneuron1").click()
    wait_for(d, "return document.querySelector('[data-k=arch]').textContent.startsWith('MLP 2-4-2-1')")
    (sid,) = server.sessions  # the page's session
    session = server.sessions[sid]
    assert session.model.sizes == [2, 4, 2, 1]
    assert len(d.find_elements("css selector", "canvas.pg-node")) == 2 + 4 + 2 + 1
    el(d, "step").click()
    wait_for(d, "return window.mgnPlaygrounds[0].st.step === 1")

    # choose sample 5, then click the weight w^2_{1,3} (from o^1_3 into neuron 1 of layer 2)
    from selenium.webdriver.common.keys import Keys

    sample = el(d, "sample")
    sample.send_keys(Keys.CONTROL, "a")
    sample.send_keys("5\n")
    wait_for(d, "return window.mgnPlaygrounds[0].sample === 5")
    d.execute_script(
        "document.querySelector('path.hit[data-l=\"2\"][data-i=\"1\"][data-j=\"3\"]')"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )
    wait_for(d, "return document.querySelector('[data-k=eq8]')")
    eq8 = float(el(d, "eq8").get_attribute("data-value"))
    shown_backward = float(el(d, "backward").get_attribute("data-value"))
    text = el(d, "explanation").text
    assert "Equation 8" in text and "w²₁,₃" in text
    assert "w^" not in text and "^{" not in text  # one notation on the page: the typeset one

    # backward() on the exported model, independently of the page and of equations
    model = export_model(server, sid, tmp_path / "model.json")
    a, b = session.points[5]
    x = [FEATURES[f](a, b) for f in session.config["features"]]
    assert session.config["loss"] == "bce"  # the page's default: binary cross-entropy on a logit
    score = model(x)
    e = score.softplus() - session.labels[5] * score
    e.backward()
    grad = model.layers[1].neurons[0].w[2].grad
    assert grad != 0.0
    assert eq8 == pytest.approx(grad, rel=1e-12, abs=1e-15)
    assert shown_backward == pytest.approx(grad, rel=1e-12, abs=1e-15)

    # the explanation is over the view below 1500 px: × closes it (and Esc)
    el(d, "closepanel").click()
    wait_for(d, "return !document.querySelector('[data-k=explain]').classList.contains('open')")
    # a bias dot is a weight too (j = 0), clicked for real
    d.find_element("css selector", '.pg-bias[data-l="1"][data-i="2"]').click()
    wait_for(d, "return document.querySelector('[data-k=explanation]') && "
                "document.querySelector('[data-k=explanation]').textContent.includes('b¹₂')")

    # a neuron: its scalar graph appears
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(d).send_keys(Keys.ESCAPE).perform()
    wait_for(d, "return !document.querySelector('[data-k=explain]').classList.contains('open')")
    d.find_element("css selector", 'canvas.pg-node[data-l="2"][data-i="1"]').click()
    wait_for(d, "return document.querySelector('[data-k=graph] svg')", timeout=60)
    assert el(d, "steppage").is_displayed()


def test_an_impossible_setting_shows_a_message_and_the_page_keeps_working(server, browser):
    d = browser
    d.get(server.url)
    wait_for(d, "return window.mgnPlaygrounds && window.mgnPlaygrounds[0].ready")
    from selenium.webdriver.common.keys import Keys

    lr = el(d, "lr")
    lr.send_keys(Keys.CONTROL, "a")
    lr.send_keys("-1\n")
    wait_for(d, "return document.querySelector('[data-k=msg]').textContent.includes('learning rate')")
    assert el(d, "msg").is_displayed()
    assert el(d, "lr").get_attribute("value") != "-1"  # the control shows the setting in force again
    el(d, "step").click()
    wait_for(d, "return window.mgnPlaygrounds[0].st.step === 1")


def test_the_jupyter_widget_module_runs_the_same_page(server, browser):
    """The widget's ES module (anywidget's render) in the browser, with a stand-in for the
    widget model that carries each message to the server and back: the page starts, trains
    and answers as the HTTP page does."""
    pytest.importorskip("anywidget")
    from microgradnet.viz import playground

    w = playground()
    esm, panel = w._esm, w._panel
    w.close()
    d = browser
    d.get(server.url)
    wait_for(d, "return window.mgnPlaygrounds && window.mgnPlaygrounds[0].ready")
    d.execute_script(
        """
        const [esm, panel] = arguments;
        const handlers = [];
        let sid = null;
        const model = {  // what anywidget hands to render(): get, send, on
          get: (k) => (k === "_panel" ? panel : null),
          on: (ev, h) => { if (ev === "msg:custom") handlers.push(h); },
          send: async (msg) => {
            const r = await fetch("api/" + msg.name, {method: "POST",
              headers: {"Content-Type": "application/json"},
              body: JSON.stringify(Object.assign({sid: sid}, msg.body))});
            const result = await r.json();
            if (msg.name === "session") sid = result.sid;
            handlers.forEach((h) => h({id: msg.id, status: r.status, result: result}));
          },
        };
        const el = document.createElement("div");
        el.id = "widget-host";
        document.body.appendChild(el);
        import(URL.createObjectURL(new Blob([esm], {type: "text/javascript"})))
          .then((mod) => { window.widgetCleanup = mod.default.render({model: model, el: el}); });
        """,
        esm, panel,
    )
    wait_for(d, "return window.mgnPlaygrounds.length === 2 && window.mgnPlaygrounds[1].ready")
    # the stand-in model opens its session on this server: the server's 2-3-2-1 network
    nodes = d.execute_script("return document.querySelectorAll('#widget-host canvas.pg-node').length")
    assert nodes == 2 + 3 + 2 + 1
    d.find_element("css selector", '#widget-host [data-k="step"]').click()
    wait_for(d, "return window.mgnPlaygrounds[1].st.step === 1")
    d.execute_script(
        "document.querySelector('#widget-host path.hit[data-l=\"1\"][data-i=\"2\"][data-j=\"1\"]')"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )
    wait_for(d, "return document.querySelector('#widget-host [data-k=eq8]')")
    shown = [d.find_element("css selector", f'#widget-host [data-k="{k}"]') for k in ("eq8", "backward")]
    eq8, back = (float(e.get_attribute("data-value")) for e in shown)
    assert eq8 == pytest.approx(back, rel=1e-12, abs=1e-15)


# ---- on a projector: text sizes, the explanation in view, one number format ---------------------------
SMALLEST_TEXT = """
const sizes = [];
const walker = document.createTreeWalker(arguments[0] || document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const e = n.parentElement;
  if (!n.textContent.trim() || !e || e.closest('svg') || e.closest('[hidden]')) continue;
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  sizes.push([parseFloat(getComputedStyle(e).fontSize), n.textContent.trim().slice(0, 40)]);
}
sizes.sort((a, b) => a[0] - b[0]);
return sizes[0];
"""
IN_VIEW = """
const r = document.querySelector(arguments[0]).getBoundingClientRect();
return [r.top, r.bottom, r.left, r.right, window.innerWidth, window.innerHeight];
"""


def _viewport(d, width: int, height: int) -> None:
    """The page's viewport exactly width x height CSS pixels (a projector's or a screen's)."""
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def _in_view(d, selector: str) -> bool:
    top, bottom, left, right, w, h = d.execute_script(IN_VIEW, selector)
    return top >= 0 and left >= 0 and bottom <= h and right <= w


def _open(d, srv, present: bool) -> None:
    d.get(srv.url + ("&present" if present else ""))
    wait_for(d, "return window.mgnPlaygrounds && window.mgnPlaygrounds[0].ready")


def _click_weight(d, l: int, i: int, j: int) -> None:
    d.execute_script(f"document.querySelector('path.hit[data-l=\"{l}\"][data-i=\"{i}\"][data-j=\"{j}\"]')"
                     ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    wait_for(d, "return document.querySelector('[data-k=eq8]')")


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1024, 768)])
def test_presentation_mode_has_20px_text_and_the_explanation_needs_no_scrolling(server, browser, width,
                                                                                 height):
    d = browser
    _viewport(d, width, height)
    try:
        _open(d, server, present=False)
        assert d.execute_script(SMALLEST_TEXT)[0] >= 16
        _open(d, server, present=True)
        assert d.execute_script("return document.querySelector('.mgn-pg').classList.contains('present')")
        assert d.execute_script(SMALLEST_TEXT)[0] >= 20
        d.execute_script("window.scrollTo(0, document.body.scrollHeight)")  # wherever the page is
        _click_weight(d, 2, 1, 1)
        assert _in_view(d, "[data-k=explain]") and _in_view(d, "[data-k=eq8]")
        assert d.execute_script(SMALLEST_TEXT)[0] >= 20
        d.execute_script("document.querySelector('canvas.pg-node[data-l=\"1\"][data-i=\"2\"]').click()")
        wait_for(d, "return document.querySelector('[data-k=graph] svg')", timeout=60)
        assert _in_view(d, "[data-k=explain]") and _in_view(d, "[data-k=steppage]")
        # the key p switches the mode off and on
        d.execute_script("document.querySelector('.mgn-pg').dispatchEvent("
                         "new KeyboardEvent('keydown', {key: 'p', bubbles: true}))")
        assert not d.execute_script("return document.querySelector('.mgn-pg').classList.contains('present')")
    finally:
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_neuron_graph_is_legible_on_a_1080p_screen(server, browser):
    d = browser
    _viewport(d, 1920, 1080)
    try:
        _open(d, server, present=False)
        d.execute_script("document.querySelector('canvas.pg-node[data-l=\"2\"][data-i=\"1\"]').click()")
        wait_for(d, "return document.querySelector('[data-k=graph] svg text')", timeout=60)
        smallest = d.execute_script(
            "return Math.min(...[...document.querySelectorAll('[data-k=graph] svg text')].map((e) =>"
            " parseFloat(getComputedStyle(e).fontSize) * e.getScreenCTM().a))")
        assert smallest >= 14
        assert _in_view(d, "[data-k=explain]")
        el(d, "fitgraph").click()  # all of it at once, when wanted
        wait_for(d, "const g = document.querySelector('[data-k=graph]');"
                    "return g.querySelector('svg').getBoundingClientRect().width <= g.clientWidth + 1 &&"
                    " g.querySelector('svg').getBoundingClientRect().bottom <= window.innerHeight")
    finally:
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_numbers_have_4_significant_digits_as_notation_number_writes_them(server, browser):
    import random

    from microgradnet import notation

    d = browser
    _open(d, server, present=False)
    rng = random.Random(7)
    values = [0.0, -0.0, 1.0, -1.5, 2.0, 0.70710678, 6.8813735, 1e-4, 9.99949e-5, 999999.0, 1e6,
              -8.167343707664226e-6, 123456.789, 0.000123456, 1.5e7]
    values += [rng.choice([-1, 1]) * 10 ** rng.uniform(-9, 9) for _ in range(400)]
    shown = d.execute_script("return arguments[0].map((v) => window.mgnPlaygrounds[0].format(v))", values)
    assert shown == [notation.number(v) for v in values]
    special = d.execute_script("const f = window.mgnPlaygrounds[0].format;"
                               "return [f(Infinity), f(-Infinity), f(NaN)]")
    assert special == [notation.number(float(v)) for v in ("inf", "-inf", "nan")]


def test_the_default_sample_follows_the_largest_loss_until_one_is_chosen(server, browser):
    d = browser
    _open(d, server, present=False)
    el(d, "step").click()
    wait_for(d, "return window.mgnPlaygrounds[0].st.step >= 1")
    (sid,) = [k for k in server.sessions][-1:]
    worst = server.sessions[sid].state()["worst"]
    wait_for(d, f"return window.mgnPlaygrounds[0].sample === {worst}")
    assert "largest loss" in el(d, "sampleinfo").text
