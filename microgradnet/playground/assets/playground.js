/* microgradnet playground: the page's logic. The same code runs in the web page (requests over
   HTTP to the local server) and in the Jupyter widget (requests as widget messages). The heat
   maps are a forward pass in JavaScript over a grid, from the weights the server sends; all
   training, Equation 8 and the graphs are computed by the Python library. */
"use strict";

// The page's one transport (I4). Requests go to the local server as same-origin JSON POSTs:
// the server refuses any other content type (a cross-site page could send text/plain without
// asking), and the browser adds the launch's key itself (an HttpOnly, SameSite=Strict cookie
// set by the printed URL), so this script never holds it. window.microgradnetTransport, when a
// host page sets it (the zero-install site's Pyodide worker), answers instead of HTTP.
async function api(name, body, keepalive) {
  if (typeof window !== "undefined" && window.microgradnetTransport) {
    const obj = await window.microgradnetTransport(name, body || {});
    if (!obj || obj.error) throw new Error((obj && obj.error) || "no answer");
    return obj;
  }
  const r = await fetch("api/" + name, {
    method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
    body: JSON.stringify(body || {}), keepalive: !!keepalive,
  });
  let obj;
  try { obj = await r.json(); } catch (e) { throw new Error("the server sent no answer (is it still running?)"); }
  if (!r.ok || obj.error) throw new Error(obj.error || ("HTTP " + r.status));
  return obj;
}

function mgnHttpTransport() {
  let sid = null;
  const post = (name, body) => api(name, Object.assign({ sid: sid }, body || {}));
  return {
    async start() { const r = await post("session", {}); sid = r.sid; return r; },
    call: post,
    // keepalive: the request outlives the closing page (sendBeacon cannot send JSON's type)
    close() { if (sid) api("close", { sid: sid }, true).catch(() => {}); },
  };
}

// ---- one playground: `app` holds its state; each function below takes it first ---------------
const MGN_PG = {
  GRID: 50, // heat maps: a forward pass over GRID×GRID points
  DOT_POS: [16, 70, 140], DOT_NEG: [205, 95, 0], // the points, a shade darker than the regions
  NUM_KEYS: ["noise", "points", "train_percent", "data_seed", "lr", "momentum", "batch_size", "l2", "seed"],
  SEL_KEYS: ["dataset", "act", "loss", "optimizer"],
};

function mgnPlayground(root, transport) {
  const app = {
    root: root, cfg: null, choices: null, data: null, st: null, history: [], sample: 0, gen: 0,
    selected: null, alive: true, sampleChosen: false,
    stats: { renders: 0, updates: 0, lastStep: -1, updateTimes: [], renderMs: 0 },
    $: (k) => root.querySelector('[data-k="' + k + '"]'), transport: transport,
    layout: null, gridInputs: null, msgTimer: null, boundarySmall: document.createElement("canvas"),
    FEATURE_FN: {}, FEATURE_LABEL: {}, ACT_FN: {}, // the formulas the server sends (mgnPgLearnFormulas)
  };
  (window.mgnPlaygrounds = window.mgnPlaygrounds || []).push(app);
  app.formula = (name) => mgnPgAct(app, name); app.format = (v) => mgnText.fmt(v); // for tests
  mgnPgStart(app);
  return app;
}

// ---- messages ---------------------------------------------------------------------------
function mgnPgMessage(app, text, info) {
  const $ = app.$, m = $("msg");
  if (!text) { m.hidden = true; m.textContent = ""; return; }
  m.hidden = false; m.textContent = text; m.className = "pg-msg" + (info ? " info" : "");
  clearTimeout(app.msgTimer);
  if (info) app.msgTimer = setTimeout(() => mgnPgMessage(app, null), 4000);
}
async function mgnPgCall(app, name, body) {
  try { return await app.transport.call(name, body); }
  catch (e) { mgnPgMessage(app, String(e.message || e)); mgnPgSyncControls(app, true); throw e; }
}

// ---- formulas -------------------------------------------------------------------------------
// The formulas come from the server (api.choices: each activation's row in the table of
// operations, each input feature's row): written once in the library, never copied here.
function mgnPgLearnFormulas(app, ch) {
  Object.keys(ch.feature_js || {}).forEach((f) => { app.FEATURE_FN[f] = new Function("a", "b", '"use strict"; return (' + ch.feature_js[f] + ");"); });
  Object.assign(app.FEATURE_LABEL, ch.feature_labels || {});
  Object.keys(ch.activation_js || {}).forEach((name) => {
    const js = ch.activation_js[name];
    if (typeof js === "string" && js) app.ACT_FN[name] = new Function("x", '"use strict"; return (' + js + ");");
  });
}
function mgnPgAct(app, name) {
  const fn = app.ACT_FN[name];
  // never the identity in disguise: an activation without its formula draws nothing
  if (!fn) throw new Error("the page has no formula for the activation " + JSON.stringify(name) + "; reload the page");
  return fn;
}

// ---- the grid forward pass: every neuron's output at every grid point ------------------------
function mgnPgBuildGridInputs(app) {
  const d = app.data.domain, feats = app.cfg.features, n = MGN_PG.GRID;
  app.gridInputs = feats.map((f) => {
    const fn = app.FEATURE_FN[f], out = new Float64Array(n * n);
    for (let r = 0; r < n; r++) {
      const y = d[3] - (d[3] - d[2]) * r / (n - 1);
      for (let c = 0; c < n; c++) out[r * n + c] = fn(d[0] + (d[1] - d[0]) * c / (n - 1), y);
    }
    return out;
  });
}
function mgnPgForwardGrid(app) {
  const st = app.st, L = st.W.length, phi = mgnPgAct(app, app.cfg.act), P = MGN_PG.GRID * MGN_PG.GRID;
  let prev = app.gridInputs;
  const layers = [];
  for (let l = 0; l < L; l++) {
    const W = st.W[l], B = st.B[l], outs = [];
    for (let i = 0; i < W.length; i++) {
      const w = W[i], o = new Float64Array(P);
      o.fill(B[i]);
      for (let j = 0; j < w.length; j++) {
        const x = prev[j], wj = w[j];
        for (let p = 0; p < P; p++) o[p] += wj * x[p];
      }
      if (l < L - 1) for (let p = 0; p < P; p++) o[p] = phi(o[p]);
      outs.push(o);
    }
    layers.push(outs);
    prev = outs;
  }
  return layers;
}
function mgnPgFontPx(app) { return parseFloat(getComputedStyle(app.root).fontSize) || 16; }

// ---- the network view ----------------------------------------------------------------------
function mgnPgBuildNetwork(app) {
  const $ = app.$, net = $("net"), svg = $("edges");
  net.querySelectorAll(".pg-node,.pg-bias,.pg-colhead,.pg-inlabel").forEach((e) => e.remove());
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const sizes = [app.cfg.features.length].concat(app.cfg.hidden, [1]);
  const Wd = net.clientWidth || 500, H = net.clientHeight || 470;
  const fs = mgnPgFontPx(app), maxn = Math.max.apply(null, sizes), left = Math.round(3.6 * fs), right = 20, ncol = sizes.length;
  // a hidden layer's "− n +" on one line where the columns leave room, else the count above the buttons
  const narrow = ncol > 1 && (Wd - left - right - 42) / (ncol - 1) < 5.6 * fs, hw = (narrow ? 3.4 : 5.2) * fs;
  const top = Math.round((narrow ? 2.9 : 1.6) * fs + 12), bottom = 10;
  const node = Math.max(12, Math.min(H > 600 ? 52 : 42, Math.floor((H - top - bottom) / maxn) - 6));
  const xs = sizes.map((_, c) => left + (Wd - left - right - node) * (ncol === 1 ? 0 : c / (ncol - 1)));
  const nodes = sizes.map((n, c) => {
    const gap = Math.min(node + 12, (H - top - bottom) / n);
    const y0 = top + ((H - top - bottom) - gap * (n - 1) - node) / 2;
    return Array.from({ length: n }, (_, i) => ({ x: xs[c], y: y0 + gap * i }));
  });
  const ns = "http://www.w3.org/2000/svg";
  const edges = [];
  for (let l = 1; l < sizes.length; l++) {
    for (let i = 0; i < sizes[l]; i++) {
      for (let j = 0; j < sizes[l - 1]; j++) {
        const a = nodes[l - 1][j], b = nodes[l][i];
        const x1 = a.x + node, y1 = a.y + node / 2, x2 = b.x, y2 = b.y + node / 2, mx = (x1 + x2) / 2;
        const d = "M" + x1 + "," + y1 + " C" + mx + "," + y1 + " " + mx + "," + y2 + " " + x2 + "," + y2;
        const p = document.createElementNS(ns, "path");
        p.setAttribute("d", d); p.setAttribute("class", "w");
        const hit = document.createElementNS(ns, "path");
        hit.setAttribute("d", d); hit.setAttribute("class", "hit"); hit.setAttribute("stroke-width", "7");
        const e = { l: l, i: i + 1, j: j + 1, path: p, hit: hit };
        hit.dataset.l = l; hit.dataset.i = i + 1; hit.dataset.j = j + 1;
        hit.addEventListener("mousemove", (ev) => mgnPgHover(app, ev, e));
        hit.addEventListener("mouseleave", () => { $("hover").hidden = true; });
        hit.addEventListener("click", () => mgnPgExplainWeight(app, e.l, e.i, e.j));
        svg.appendChild(p); edges.push(e);
      }
    }
  }
  edges.forEach((e) => svg.appendChild(e.hit)); // hit areas above every visible mgnText.line
  const canvases = [], biases = [];
  sizes.forEach((n, c) => {
    canvases.push([]); biases.push([]);
    for (let i = 0; i < n; i++) {
      const cv = document.createElement("canvas");
      cv.className = "pg-node" + (c === 0 ? " input" : "");
      cv.style.left = nodes[c][i].x + "px"; cv.style.top = nodes[c][i].y + "px";
      cv.style.width = node + "px"; cv.style.height = node + "px";
      cv.dataset.l = c; cv.dataset.i = i + 1;
      if (c > 0) {
        cv.title = (c === sizes.length - 1 ? "output ŷ = " + mgnText.oName(c, 1) : "neuron " + mgnText.oName(c, i + 1)) + ": click for its graph";
        cv.addEventListener("click", () => mgnPgShowNeuron(app, c, i + 1));
        const b = document.createElement("div");
        b.className = "pg-bias"; b.dataset.l = c; b.dataset.i = i + 1;
        b.style.left = (nodes[c][i].x - 5) + "px"; b.style.top = (nodes[c][i].y + node - 5) + "px";
        b.title = "bias " + mgnText.wName(c, i + 1, 0) + ": click for ∂e/∂" + mgnText.wName(c, i + 1, 0);
        b.addEventListener("click", (ev) => { ev.stopPropagation(); mgnPgExplainWeight(app, c, i + 1, 0); });
        b.addEventListener("mousemove", (ev) => mgnPgHover(app, ev, { l: c, i: i + 1, j: 0 }));
        b.addEventListener("mouseleave", () => { $("hover").hidden = true; });
        net.appendChild(cv); net.appendChild(b); biases[c].push(b);
      } else {
        net.appendChild(cv);
        const lab = document.createElement("div");
        lab.className = "pg-inlabel"; lab.textContent = app.FEATURE_LABEL[app.cfg.features[i]];
        lab.style.left = "2px"; lab.style.width = (nodes[c][i].x - 6) + "px";
        lab.style.top = (nodes[c][i].y + node / 2 - 0.7 * fs) + "px";
        net.appendChild(lab);
      }
      canvases[c].push(cv);
    }
    if (c > 0 && c < sizes.length - 1) { // +/- neurons for each hidden layer
      const h = document.createElement("div");
      h.className = "pg-colhead" + (narrow ? " narrow" : ""); h.style.left = (xs[c] + node / 2 - hw / 2) + "px"; h.style.width = hw + "px";
      const minus = document.createElement("button"), plus = document.createElement("button");
      minus.textContent = "−"; plus.textContent = "+";
      minus.dataset.k = "rmneuron" + c; plus.dataset.k = "addneuron" + c;
      minus.title = "one neuron less in layer " + c; plus.title = "one neuron more in layer " + c;
      minus.addEventListener("click", () => mgnPgChangeLayer(app, c - 1, -1));
      plus.addEventListener("click", () => mgnPgChangeLayer(app, c - 1, +1));
      h.appendChild(mgnText.el("span", "pg-count-n", " " + n + " ")); h.appendChild(minus); h.appendChild(plus);
      net.appendChild(h);
    }
  });
  app.layout = { sizes: sizes, edges: edges, canvases: canvases, biases: biases, node: node };
  $("arch").textContent = "MLP " + sizes.join("-") + " (" + app.cfg.act + ")";
  app.gridInputs.forEach((g, j) => mgnText.paint(canvases[0][j], g, false, MGN_PG.GRID));
  mgnPgMarkSelection(app);
}
function mgnPgEdgeStyle(app) {
  const st = app.st;
  let m = 1e-9;
  st.W.forEach((L) => L.forEach((w) => w.forEach((v) => { m = Math.max(m, Math.abs(v)); })));
  for (const e of app.layout.edges) {
    const w = st.W[e.l - 1][e.i - 1][e.j - 1];
    const c = w >= 0 ? mgnText.COL_POS : mgnText.COL_NEG, a = 0.25 + 0.75 * Math.min(1, Math.abs(w) / m);
    const stroke = "rgba(" + c[0] + "," + c[1] + "," + c[2] + "," + a.toFixed(2) + ")";
    const width = (0.4 + 5 * Math.abs(w) / m).toFixed(1);
    if (stroke !== e.stroke) { e.path.setAttribute("stroke", stroke); e.stroke = stroke; } // repaint only what changed
    if (width !== e.width) { e.path.setAttribute("stroke-width", width); e.width = width; }
  }
  app.layout.biases.forEach((col, l) => col.forEach((b, i) => {
    const c = mgnText.colour(Math.tanh(st.B[l - 1][i]));
    b.style.background = "rgb(" + c.map(Math.round).join(",") + ")";
  }));
}
function mgnPgHover(app, ev, e) {
  const $ = app.$, st = app.st, h = $("hover");
  const w = e.j === 0 ? st.B[e.l - 1][e.i - 1] : st.W[e.l - 1][e.i - 1][e.j - 1];
  const g = e.j === 0 ? st.gB[e.l - 1][e.i - 1] : st.gW[e.l - 1][e.i - 1][e.j - 1];
  const name = mgnText.wName(e.l, e.i, e.j);
  h.textContent = name + " = " + mgnText.fmt(w) + "  ·  batch mean ∂e/∂" + name + " = " + mgnText.fmt(g) + "  (last step; click: one sample)";
  const r = app.root.querySelector(".pg-network").getBoundingClientRect();
  h.style.left = (ev.clientX - r.left + 12) + "px"; h.style.top = (ev.clientY - r.top + 12) + "px";
  h.hidden = false;
}
function mgnPgMarkSelection(app) {
  if (!app.layout) return;
  const s = app.selected;
  app.layout.edges.forEach((e) => e.path.classList.toggle("sel", !!s && s.kind === "w" && s.l === e.l && s.i === e.i && s.j === e.j));
  app.layout.biases.forEach((col, l) => col.forEach((b, i) => b.classList.toggle("sel", !!s && s.kind === "w" && s.j === 0 && s.l === l && s.i === i + 1)));
  app.layout.canvases.forEach((col, l) => col.forEach((cv, i) => cv.classList.toggle("sel", !!s && s.kind === "n" && s.l === l && s.i === i + 1)));
}

// ---- output: boundary and curves -------------------------------------------------------------
function mgnPgDrawBoundary(app, out) {
  const $ = app.$;
  mgnText.paint(app.boundarySmall, out, true, MGN_PG.GRID);
  const cv = $("boundary"), ctx = cv.getContext("2d"), d = app.data.domain;
  const css = Math.round(cv.clientWidth);
  if (css > 0 && cv.width !== css) { cv.width = css; cv.height = css; } // sharp points at any size
  const S = cv.width;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(app.boundarySmall, 0, 0, S, S);
  const showTest = $("showtest").checked;
  app.data.points.forEach((p, k) => {
    const test = k >= app.data.n_train;
    if (test && !showTest) return;
    const x = (p[0] - d[0]) / (d[1] - d[0]) * S, y = (d[3] - p[1]) / (d[3] - d[2]) * S;
    const c = app.data.labels[k] === 1 ? MGN_PG.DOT_POS : MGN_PG.DOT_NEG;
    ctx.beginPath(); ctx.arc(x, y, k === app.sample ? 6 : 3.6, 0, 2 * Math.PI);
    ctx.fillStyle = "rgb(" + c.join(",") + ")"; ctx.fill();
    ctx.lineWidth = test ? 2 : 1; ctx.strokeStyle = test ? "#111" : "#fff";
    if (k === app.sample) { ctx.lineWidth = 2.5; ctx.strokeStyle = "#111"; }
    ctx.stroke();
  });
}
function mgnPgDrawCurves(app) {
  const $ = app.$, cv = $("curves"), ctx = cv.getContext("2d"), h = app.history;
  const css = Math.round(cv.clientWidth);
  if (css > 0 && cv.width !== css) { cv.width = css; cv.height = Math.round(css / 2); }
  const W = cv.width, H = cv.height;
  ctx.clearRect(0, 0, W, H);
  if (!h.length) return;
  let m = 1e-9;
  h.forEach((r) => { if (r[1] !== null) m = Math.max(m, r[1]); if (r[2] !== null) m = Math.max(m, r[2]); });
  const s0 = h[0][0], s1 = Math.max(h[h.length - 1][0], s0 + 1);
  ctx.strokeStyle = "#eee"; ctx.lineWidth = 1;
  for (let g = 1; g < 4; g++) { ctx.beginPath(); ctx.moveTo(0, H * g / 4); ctx.lineTo(W, H * g / 4); ctx.stroke(); }
  [[1, "#222"], [2, "#c0392b"]].forEach(([col, colr]) => {
    ctx.beginPath(); ctx.strokeStyle = colr; ctx.lineWidth = 1.5;
    const stride = Math.max(1, Math.floor(h.length / (2 * W)));
    for (let k = 0; k < h.length; k += stride) {
      const x = (h[k][0] - s0) / (s1 - s0) * (W - 4) + 2, y = H - 4 - (h[k][col] || 0) / m * (H - 12);
      if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    }
    ctx.stroke();
  });
  const fs = mgnPgFontPx(app);
  ctx.fillStyle = "#444"; ctx.font = fs + "px sans-serif"; ctx.textBaseline = "top";
  ctx.fillText("loss (max " + mgnText.fmt(m) + ")", 4, 3);
  ctx.textAlign = "right"; ctx.textBaseline = "bottom"; ctx.fillText("step " + h[h.length - 1][0], W - 4, H - 3);
  ctx.textAlign = "left";
}

// ---- one view update ---------------------------------------------------------------------------
function mgnPgRender(app) {
  const $ = app.$;
  if (!app.st || !app.layout || !app.gridInputs) return;
  const t0 = performance.now(), st = app.st;
  let layers;
  try { layers = mgnPgForwardGrid(app); } catch (e) { mgnPgMessage(app, String(e.message || e)); return; }
  mgnPgDrawBoundary(app, layers[layers.length - 1][0]);
  for (let l = 0; l < layers.length; l++) layers[l].forEach((o, i) => mgnText.paint(app.layout.canvases[l + 1][i], o, l === layers.length - 1, MGN_PG.GRID));
  mgnPgEdgeStyle(app);
  mgnPgDrawCurves(app);
  const last = app.history[app.history.length - 1];
  $("stepcount").textContent = st.step;
  if (last) {
    $("acc").textContent = "train acc " + (100 * last[3]).toFixed(1) + "%  ·  test acc " + (100 * last[4]).toFixed(1) + "%";
    $("losses").textContent = "  train " + mgnText.fmt(last[1]) + ", test " + mgnText.fmt(last[2]);
  }
  const now = performance.now();
  app.stats.renders++;
  if (st.step !== app.stats.lastStep) {
    app.stats.updates++; app.stats.lastStep = st.step; app.stats.updateTimes.push(now);
  }
  app.stats.updateTimes = app.stats.updateTimes.filter((t) => now - t < 1000);
  app.stats.renderMs = now - t0;
  app.stats.renderMin = Math.min(app.stats.renderMin || Infinity, now - t0);
  $("rate").textContent = st.playing ? (Math.round(st.steps_per_second) + " steps/s · " + app.stats.updateTimes.length + " view updates/s") : "";
  const play = $("play");
  play.textContent = st.playing ? "❚❚ pause" : "▶ play"; play.classList.toggle("playing", st.playing);
  if (st.error) mgnPgMessage(app, st.error);
}

// ---- server state --------------------------------------------------------------------------------
function mgnPgApplyState(app, st, fresh) {
  if (fresh) app.history = [];
  const have = app.history.length ? app.history[app.history.length - 1][0] : -1;
  st.history.forEach((r) => { if (r[0] > have) app.history.push(r); });
  if (app.history.length > 20000) app.history = app.history.filter((_, k) => k % 2 === 0 || k === app.history.length - 1);
  const archChanged = !app.cfg || JSON.stringify([app.cfg.features, app.cfg.hidden, app.cfg.act]) !== JSON.stringify([st.config.features, st.config.hidden, st.config.act]);
  app.st = st; app.cfg = st.config;
  if (archChanged) { app.selected = null; }
  mgnPgFollowWorst(app);
  return archChanged;
}
function mgnPgApplyData(app, d) {
  app.data = d;
  app.sampleChosen = false; // new points: follow the largest loss again
  if (app.sample >= d.points.length) app.sample = 0;
}
async function mgnPgReloadAll(app, r) {
  app.gen++;
  mgnPgApplyData(app, r.dataset);
  mgnPgApplyState(app, r.state, true);
  mgnPgBuildGridInputs(app); mgnPgBuildNetwork(app); mgnPgSyncControls(app); mgnPgRender(app); mgnPgSampleInfo(app);
}
async function mgnPgPoll(app) {
  // While training runs, the next request is already on its way while this update is drawn.
  // app.gen counts fresh starts (new settings, reset): an answer asked for before one is dropped.
  let next = null, nextGen = -1;
  while (app.alive) {
    const t0 = performance.now();
    let playing = false;
    try {
      const lastStep = app.history.length ? app.history[app.history.length - 1][0] : 0;
      if (!next || nextGen !== app.gen) { next = app.transport.call("state", { since: lastStep + 1 }); nextGen = app.gen; }
      const gen = nextGen, st = await next;
      next = null;
      app.stats.requestMs = performance.now() - t0;
      if (gen === app.gen) {
        if (st.step < lastStep) mgnPgApplyState(app, st, true); else mgnPgApplyState(app, st, false);
        playing = st.playing;
        if (playing) { next = app.transport.call("state", { since: st.step + 1 }); nextGen = app.gen; }
        mgnPgRender(app);
      }
    } catch (e) {
      next = null;
      mgnPgMessage(app, String(e.message || e));
      if (/session has ended/.test(String(e.message))) { app.alive = false; break; }
    }
    app.stats.cycleMs = performance.now() - t0;
    const wait = playing ? 10 : 400;
    await new Promise((res) => setTimeout(res, Math.max(2, wait - (performance.now() - t0))));
  }
}

// ---- controls -------------------------------------------------------------------------------------
function mgnPgSyncControls(app, force) {
  const $ = app.$, c = app.cfg;
  if (!c) return;
  MGN_PG.NUM_KEYS.forEach((k) => { const e = $(k); if (force || document.activeElement !== e) e.value = c[k]; });
  MGN_PG.SEL_KEYS.forEach((k) => { $(k).value = c[k]; });
  $("speed").value = String(c.speed);
  // momentum means something only to an optimizer that takes one (SGD): greyed out otherwise
  const takes = (app.choices && app.choices.momentum_optimizers) || [];
  $("momentum").disabled = takes.indexOf(c.optimizer) < 0;
  app.root.querySelectorAll('[data-k="features"] input').forEach((e) => { e.checked = c.features.indexOf(e.value) >= 0; });
}
async function mgnPgConfigure(app, changes) {
  try {
    const r = await mgnPgCall(app, "configure", { changes: changes });
    mgnPgMessage(app, null);
    await mgnPgReloadAll(app, r);
  } catch (e) { /* shown by mgnPgCall(app) */ }
}
function mgnPgNumber(app, text) { const v = Number(text); return text.trim() !== "" && isFinite(v) ? v : text; }
function mgnPgChangeLayer(app, idx, delta) {
  const hidden = app.cfg.hidden.slice();
  hidden[idx] += delta;
  if (hidden[idx] === 0) hidden.splice(idx, 1); // the last neuron removed: the layer goes
  mgnPgConfigure(app, { hidden: hidden });
}
function mgnPgSetupControls(app, ch) {
  const $ = app.$, fill = (k, list) => { $(k).innerHTML = ""; list.forEach((v) => { const o = document.createElement("option"); o.value = v; o.textContent = v; $(k).appendChild(o); }); };
  fill("dataset", ch.datasets); fill("act", ch.activations); fill("loss", ch.losses); fill("optimizer", ch.optimizers);
  const fbox = $("features");
  ch.features.forEach((f) => {
    const lab = document.createElement("label"), cb = document.createElement("input");
    cb.type = "checkbox"; cb.value = f; cb.dataset.k = "feature-" + f;
    lab.appendChild(cb); lab.appendChild(document.createTextNode(app.FEATURE_LABEL[f] || f)); fbox.appendChild(lab);
    cb.addEventListener("change", () => {
      const feats = [...fbox.querySelectorAll("input")].filter((e) => e.checked).map((e) => e.value);
      mgnPgConfigure(app, { features: feats });
    });
  });
  MGN_PG.NUM_KEYS.forEach((k) => $(k).addEventListener("change", (ev) => mgnPgConfigure(app, { [k]: mgnPgNumber(app, ev.target.value) })));
  MGN_PG.SEL_KEYS.forEach((k) => $(k).addEventListener("change", (ev) => mgnPgConfigure(app, { [k]: ev.target.value })));
  $("speed").addEventListener("change", (ev) => mgnPgConfigure(app, { speed: Number(ev.target.value) }));
  $("play").addEventListener("click", async () => {
    try {
      if (app.st && app.st.playing) { await mgnPgCall(app, "pause"); app.st.playing = false; }
      else { await mgnPgCall(app, "play"); mgnPgMessage(app, null); app.st.playing = true; }
      mgnPgRender(app);
    } catch (e) { /* shown */ }
  });
  $("step").addEventListener("click", async () => { try { await mgnPgCall(app, "step", { n: 1 }); } catch (e) { /* shown */ } });
  $("reset").addEventListener("click", async () => {
    try { const r = await mgnPgCall(app, "reset"); app.gen++; mgnPgMessage(app, null); mgnPgApplyState(app, r.state, true); mgnPgRender(app); } catch (e) { /* shown */ }
  });
  $("addlayer").addEventListener("click", () => {
    if (app.cfg.hidden.length >= ch.limits.layers[1]) { mgnPgMessage(app, "at most " + ch.limits.layers[1] + " hidden layers"); return; }
    mgnPgConfigure(app, { hidden: app.cfg.hidden.concat([4]) });
  });
  $("rmlayer").addEventListener("click", () => {
    if (!app.cfg.hidden.length) { mgnPgMessage(app, "no hidden layer left to remove: this is a linear model"); return; }
    mgnPgConfigure(app, { hidden: app.cfg.hidden.slice(0, -1) });
  });
  $("showtest").addEventListener("change", () => mgnPgRender(app));
  $("sample").addEventListener("change", (ev) => {
    const v = Number(ev.target.value);
    if (!Number.isInteger(v) || v < 0 || v >= app.data.points.length) {
      mgnPgMessage(app, "sample must be a point number from 0 to " + (app.data.points.length - 1)); ev.target.value = app.sample; return;
    }
    mgnPgSelectSample(app, v);
  });
  $("boundary").addEventListener("click", (ev) => {
    const cv = $("boundary"), r = cv.getBoundingClientRect(), d = app.data.domain;
    const x = d[0] + (ev.clientX - r.left) / r.width * (d[1] - d[0]), y = d[3] - (ev.clientY - r.top) / r.height * (d[3] - d[2]);
    let best = 0, bd = Infinity;
    app.data.points.forEach((p, k) => { const dd = (p[0] - x) ** 2 + (p[1] - y) ** 2; if (dd < bd) { bd = dd; best = k; } });
    mgnPgSelectSample(app, best);
  });
  $("png").addEventListener("click", () => mgnPgExportPng(app));
  ["gif", "model", "script"].forEach((k) => $(k).addEventListener("click", async () => {
    try {
      mgnPgMessage(app, "preparing " + k + "…", true);
      const r = await mgnPgCall(app, "export", { what: k });
      const blob = r.base64 ? new Blob([Uint8Array.from(atob(r.base64), (c) => c.charCodeAt(0))], { type: r.mime })
        : new Blob([r.text], { type: r.mime });
      mgnText.download(blob, r.filename);
      mgnPgMessage(app, "saved " + r.filename + " (your browser's downloads)", true);
    } catch (e) { /* shown */ }
  }));
}
function mgnPgExportPng(app) {
  const $ = app.$, b = $("boundary"), c = $("curves"), out = document.createElement("canvas");
  out.width = b.width + c.width + 30; out.height = b.height + 40;
  const ctx = out.getContext("2d");
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = "#222"; ctx.font = "14px sans-serif";
  ctx.fillText("microgradnet playground · " + app.cfg.dataset + " · MLP " + app.layout.sizes.join("-") + " · step " + app.st.step, 10, 20);
  ctx.drawImage(b, 10, 30); ctx.drawImage(c, b.width + 20, 30);
  const last = app.history[app.history.length - 1];
  if (last) ctx.fillText("test accuracy " + (100 * last[4]).toFixed(1) + "%", b.width + 20, c.height + 55);
  out.toBlob((blob) => mgnText.download(blob, "playground.png"), "image/png");
}

// ---- the teaching link ----------------------------------------------------------------------------------
// The sample explained: the training point with the largest loss now (the one most worth
// explaining; after training most points' gradients are ~0), until the user picks one.
function mgnPgFollowWorst(app) {
  if (app.sampleChosen || !app.st || !app.data || app.st.worst === undefined) return;
  if (app.sample !== app.st.worst) { app.sample = app.st.worst; mgnPgSampleInfo(app); }
}
function mgnPgSampleInfo(app) {
  const $ = app.$, k = app.sample, p = app.data.points[k];
  $("sample").value = k;
  const where = (k < app.data.n_train ? "training" : "test") + " point (" + mgnText.fmt(p[0]) + ", " + mgnText.fmt(p[1]) + "), class " + app.data.labels[k];
  $("sampleinfo").textContent = where + (app.sampleChosen ? "" : " · the largest loss now");
}
function mgnPgSelectSample(app, k) {
  app.sampleChosen = true; app.sample = k; mgnPgSampleInfo(app); mgnPgRender(app);
  const s = app.selected;
  if (s && s.kind === "w") mgnPgExplainWeight(app, s.l, s.i, s.j);
  else if (s && s.kind === "n") mgnPgShowNeuron(app, s.l, s.i);
}
function mgnPgOpenPanel(app, wide) {
  const $ = app.$, box = $("explain");
  box.classList.add("open"); box.classList.toggle("wide", !!wide);
  const p = $("panel"); p.innerHTML = ""; return p;
}
function mgnPgClosePanel(app) {
  const $ = app.$, box = $("explain");
  box.classList.remove("open", "wide");
  app.selected = null; mgnPgMarkSelection(app);
}
async function mgnPgExplainWeight(app, l, i, j) {
  mgnPgFollowWorst(app);
  app.selected = { kind: "w", l: l, i: i, j: j }; mgnPgMarkSelection(app);
  let r;
  try { r = await mgnPgCall(app, "explain", { l: l, i: i, j: j, sample: app.sample }); } catch (e) { return; }
  const p = mgnPgOpenPanel(app, false), name = r.name, st = app.st;
  const kind = mgnText.el("span", "pg-kind", "one sample");
  p.appendChild(mgnText.line([kind, " ∂e/∂" + name + " for sample #" + r.sample + " (its own error e), at step " + r.step]));
  p.appendChild(mgnText.line([name + " = ", mgnText.numEl("b", r.weight, "weight")]));
  const cmp = mgnText.el("div", "pg-cmp");
  cmp.appendChild(mgnText.line(["Equation 8: ", mgnText.numEl("b", r.equation8, "eq8")]));
  cmp.appendChild(mgnText.line(["backward(): ", mgnText.numEl("b", r.backward, "backward")]));
  const diff = Math.abs(r.equation8 - r.backward);
  cmp.appendChild(mgnText.el("span", diff <= 1e-12 * Math.max(1, Math.abs(r.backward)) ? "pg-ok" : "pg-bad", "|difference| = " + mgnText.fmt(diff, 2)));
  p.appendChild(cmp);
  const g = j === 0 ? st.gB[l - 1][i - 1] : st.gW[l - 1][i - 1][j - 1];
  p.appendChild(mgnText.line([mgnText.el("span", "pg-kind batch", "batch"), " the optimizer's last step used the batch mean ∂e/∂" + name + " = ", mgnText.numEl("span", g, "batchgrad")]));
  const pre = mgnText.el("pre", null, r.text); pre.dataset.k = "explanation"; p.appendChild(pre);
}
async function mgnPgShowNeuron(app, l, i) {
  mgnPgFollowWorst(app);
  app.selected = { kind: "n", l: l, i: i }; mgnPgMarkSelection(app);
  const p = mgnPgOpenPanel(app, true);
  p.appendChild(mgnText.el("div", "pg-hint", "drawing the graph…"));
  let r;
  try { r = await mgnPgCall(app, "neuron", { l: l, i: i, sample: app.sample }); } catch (e) { return; }
  p.innerHTML = "";
  const head = mgnText.el("div", null, "Neuron " + mgnText.oName(l, i) + " for sample #" + r.sample + " (one sample): micrograd's scalar graph b + w₁·x₁ + w₂·x₂ + …, ending in o·∂e/∂o, so after backward() each weight's grad is its ∂e/∂w (Equation 8). ");
  const btn = mgnText.el("button", null, "open the step-through page");
  btn.dataset.k = "steppage";
  btn.addEventListener("click", async () => {
    const w = window.open("", "_blank");
    try {
      const page = await mgnPgCall(app, "neuron_page", { l: l, i: i, sample: app.sample });
      if (w) { w.document.open(); w.document.write(page.html); w.document.close(); }
      else mgnText.download(new Blob([page.html], { type: "text/html" }), "neuron.html");
    } catch (e) { if (w) w.close(); }
  });
  const g = mgnText.el("div", "pg-graph"), fit = mgnText.el("button", null, "fit to the panel");
  fit.dataset.k = "fitgraph"; // the drawing's own size (legible) or all of it at once
  fit.addEventListener("click", () => { fit.textContent = g.classList.toggle("fit") ? "actual size" : "fit to the panel"; });
  head.appendChild(btn); head.appendChild(document.createTextNode(" ")); head.appendChild(fit); p.appendChild(head);
  g.dataset.k = "graph";
  const svgStart = r.svg.indexOf("<svg");
  g.innerHTML = svgStart >= 0 ? r.svg.slice(svgStart) : r.svg; // our own draw_dot output
  p.appendChild(g);
}

// ---- presentation mode: large text for a projector ------------------------------------------------------
function mgnPgSetPresent(app, on) {
  const $ = app.$;
  app.root.classList.toggle("present", on);
  $("present").setAttribute("aria-pressed", on ? "true" : "false");
  if (app.layout) { mgnPgBuildNetwork(app); mgnPgRender(app); }
}

// ---- start ------------------------------------------------------------------------------------------------
async function mgnPgStart(app) {
  const $ = app.$;
  let ch;
  try { ch = await app.transport.start(); } catch (e) { mgnPgMessage(app, "could not start: " + (e.message || e)); return; }
  app.choices = ch;
  mgnPgLearnFormulas(app, ch);
  mgnPgSetupControls(app, ch);
  if (/[?&]present(=|&|$)/.test(window.location.search)) app.root.classList.add("present");
  $("present").setAttribute("aria-pressed", app.root.classList.contains("present") ? "true" : "false");
  $("present").addEventListener("click", () => mgnPgSetPresent(app, !app.root.classList.contains("present")));
  $("closepanel").addEventListener("click", () => mgnPgClosePanel(app));
  const r = { dataset: await app.transport.call("dataset", {}), state: await app.transport.call("state", { since: 0 }) };
  await mgnPgReloadAll(app, r);
  window.addEventListener("resize", () => { mgnPgBuildNetwork(app); mgnPgRender(app); });
  window.addEventListener("pagehide", () => { app.alive = false; app.transport.close(); });
  app.root.addEventListener("keydown", (ev) => {
    const typing = ev.target.tagName === "INPUT" || ev.target.tagName === "SELECT";
    if (ev.key === " " && !typing) { ev.preventDefault(); $("play").click(); }
    else if ((ev.key === "p" || ev.key === "P") && !typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey) mgnPgSetPresent(app, !app.root.classList.contains("present"));
    else if (ev.key === "Escape") mgnPgClosePanel(app);
  });
  app.ready = true;
  mgnPgPoll(app);
}
