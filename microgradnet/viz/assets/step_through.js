// Step-through of the forward pass and backward(): draws the graph laid out by
// microgradnet/viz/step_through.py and replays the steps it prepared. Every number shown was computed
// in Python; this script only swaps texts, so the page can never disagree with the engine.
// Text is always set through textContent (never innerHTML), so labels cannot inject markup.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("mgn-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const BOX_H = D.geometry.boxH, OP_GAP = D.geometry.opGap, OP_H = 28;
  const Z_READ = 1.0;   // the zoom the view prefers while following: all node text at 17 px
  const Z_LEGIBLE = 0.83;  // the least it goes to, to keep the children in view: 14.1 px text
  const Z_MAX = 2.4;    // the most (a tiny graph on a big screen)
  const Z_FOCUS = 1.8;  // the most while following, so some of the graph around stays in view
  const svg = document.getElementById("graph");
  const pane = document.getElementById("graph-pane");
  const $ = (id) => document.getElementById(id);
  const FWD = D.forward.length > 0;

  function el(tag, attrs, parent, text) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  // Unicode's script digits are ~56 % of a digit's height: the indices of w¹₂,₁ are drawn
  // larger (D.geometry: labels.py's characters and scale, draw_dot's). A browser lays the runs
  // out with the font's real widths, so here only the indices grow, not their whole line.
  const SCRIPT_CLASS = "[" + [...D.geometry.scripts]
    .map((c) => "\\u{" + c.codePointAt(0).toString(16) + "}").join("") + "]";
  const SCRIPT_RUN = new RegExp(SCRIPT_CLASS + "(?:,?" + SCRIPT_CLASS + ")*", "gu");
  function scripted(parent, text, inSvg) {
    parent.textContent = "";
    let last = 0;
    const span = (t, cls) => {
      const e = inSvg ? document.createElementNS(SVG, "tspan") : document.createElement("span");
      if (cls) {
        e.setAttribute("class", cls);
        e.style.fontSize = D.geometry.scriptScale + "em";
      }
      e.textContent = t;
      parent.appendChild(e);
    };
    for (const m of text.matchAll(SCRIPT_RUN)) {
      if (m.index > last) span(text.slice(last, m.index));
      span(m[0], "script");
      last = m.index + m[0].length;
    }
    if (last < text.length) span(text.slice(last));
    return parent;
  }

  // ---- drawing ------------------------------------------------------------------------
  const boxWidth = (n) => n.fields[0] + n.fields[1] + n.fields[2];
  const inArity = D.nodes.map(() => 0);
  const kidsOf = D.nodes.map(() => []);
  for (const [child, parent] of D.edges) { inArity[parent] += 1; kidsOf[parent].push(child); }
  const edgesLayer = el("g", { class: "edges" }, svg);
  const nodesLayer = el("g", { class: "nodes" }, svg);
  const edgeEls = D.edges.map(([child, parent, pos]) => {
    const c = D.nodes[child], p = D.nodes[parent];
    const x1 = c.x + boxWidth(c), y1 = c.y + BOX_H / 2;
    const x2 = p.opw ? p.x - OP_GAP - p.opw : p.x;
    const n = inArity[parent], spread = Math.min(8, 22 / Math.max(n, 1));
    const y2 = p.y + BOX_H / 2 + (pos - (n - 1) / 2) * spread;
    const dx = Math.max(30, (x2 - x1) / 2);
    return el("path", { class: "edge", d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}` }, edgesLayer);
  });
  const nodeEls = D.nodes.map((n, i) => {
    const g = el("g", { class: "node" + (i === D.root ? " root" : ""), id: "node-" + i, "data-id": i,
      "data-grad": "", "data-data": "" }, nodesLayer);
    el("title", {}, g, `${n.name}: data ${n.data[1]}` + (n.op ? `, op ${n.op}` : " (leaf)"));
    if (n.op) {
      const og = el("g", { class: "op" }, g);
      const ox = n.x - OP_GAP - n.opw, cy = n.y + BOX_H / 2;
      el("line", { class: "edge", x1: ox + n.opw, y1: cy, x2: n.x, y2: cy }, og);
      el("rect", { x: ox, y: cy - OP_H / 2, width: n.opw, height: OP_H, rx: OP_H / 2 }, og);
      el("text", { x: ox + n.opw / 2, y: cy + 1, "text-anchor": "middle", "dominant-baseline": "central" }, og, n.op);
    }
    const [w0, w1, w2] = n.fields, cy = n.y + BOX_H / 2;
    el("rect", { class: "box", x: n.x, y: n.y, width: w0 + w1 + w2, height: BOX_H, rx: 5 }, g);
    const dcell = el("rect", { class: "data-cell", x: n.x + w0 + 2, y: n.y + 2, width: w1 - 4, height: BOX_H - 4, rx: 4 }, g);
    const gcell = el("rect", { class: "grad-cell", x: n.x + w0 + w1 + 2, y: n.y + 2, width: w2 - 4, height: BOX_H - 4, rx: 4 }, g);
    el("line", { class: "sep", x1: n.x + w0, y1: n.y, x2: n.x + w0, y2: n.y + BOX_H }, g);
    el("line", { class: "sep", x1: n.x + w0 + w1, y1: n.y, x2: n.x + w0 + w1, y2: n.y + BOX_H }, g);
    scripted(el("text", { class: "label", x: n.x + w0 / 2, y: cy, "text-anchor": "middle" }, g), n.text, true);
    const dt = el("text", { x: n.x + w0 + 9, y: cy }, g);
    el("tspan", { class: "key" }, dt, "data ");
    const dv = el("tspan", { class: "data-value" }, dt, "");
    const gt = el("text", { x: n.x + w0 + w1 + 9, y: cy }, g);
    el("tspan", { class: "key" }, gt, "grad ");
    const gv = el("tspan", { class: "grad-value" }, gt, "");
    return { g, gv, dv, dcell, gcell };
  });
  $("title").textContent = D.title;
  $("title").title = D.title;

  // ---- the steps: [start of forward, forward 1..F,] start of backward, backward 1..B ------
  const timeline = [];
  if (FWD) {
    timeline.push({ kind: "fstart" });
    D.forward.forEach((f, i) => timeline.push({ kind: "f", i }));
  }
  const bstart = timeline.length;
  timeline.push({ kind: "bstart" });
  D.steps.forEach((s, j) => timeline.push({ kind: "b", j }));
  const last = timeline.length - 1;
  const stepOfNode = { f: {}, b: {}, bLast: {} };
  timeline.forEach((t, s) => {
    if (t.kind === "f") stepOfNode.f[D.forward[t.i].node] = s;
    if (t.kind === "b") {
      stepOfNode.b[D.steps[t.j].node] = s;
      for (const u of D.steps[t.j].updates) stepOfNode.bLast[u.child] = s;
    }
  });

  // ---- state ----------------------------------------------------------------------------
  let k = 0;                       // position in the timeline
  let marked = [];                 // elements carrying highlight classes
  let timer = null;

  const BLANK = ["", ""];
  function setGrad(i, pair) {
    nodeEls[i].gv.textContent = pair[0];
    nodeEls[i].g.setAttribute("data-grad", pair[1]);
  }
  function setData(i, pair) {
    nodeEls[i].dv.textContent = pair[0];
    nodeEls[i].g.setAttribute("data-data", pair[1]);
  }
  function startGrads() { D.nodes.forEach((n, i) => setGrad(i, n.grad)); }
  function initial() {
    D.nodes.forEach((n, i) => {
      setData(i, !FWD || n.leaf ? n.data : BLANK);
      setGrad(i, FWD ? BLANK : n.grad);
      nodeEls[i].g.classList.remove("done");
    });
  }
  function clearMarks() {
    for (const [e, cls] of marked) e.classList.remove(cls);
    marked = [];
  }
  function mark(e, cls) { e.classList.add(cls); marked.push([e, cls]); }

  function apply(s) {  // from position s-1 to s
    const t = timeline[s];
    if (t.kind === "f") {
      const f = D.forward[t.i];
      setData(f.node, f.value);
      nodeEls[f.node].g.classList.add("done");
    } else if (t.kind === "bstart") {
      startGrads();
      for (const f of D.forward) nodeEls[f.node].g.classList.remove("done");
    } else if (t.kind === "b") {
      const st = D.steps[t.j];
      for (const u of st.updates) setGrad(u.child, u.after);
      nodeEls[st.node].g.classList.add("done");
    }
  }
  function unapply(s) {  // from position s back to s-1
    const t = timeline[s];
    if (t.kind === "f") {
      const f = D.forward[t.i];
      setData(f.node, BLANK);
      nodeEls[f.node].g.classList.remove("done");
    } else if (t.kind === "bstart") {
      D.nodes.forEach((n, i) => setGrad(i, BLANK));
      for (const f of D.forward) nodeEls[f.node].g.classList.add("done");
    } else if (t.kind === "b") {
      const st = D.steps[t.j];
      for (let j = st.updates.length - 1; j >= 0; j--) setGrad(st.updates[j].child, st.updates[j].before);
      nodeEls[st.node].g.classList.remove("done");
    }
  }

  function li(parts, cls) {
    const item = document.createElement("li");
    if (cls) item.className = cls;
    for (const [text, c] of parts) {
      const span = document.createElement("span");
      if (c) span.className = c;
      scripted(span, text, false);
      item.appendChild(span);
    }
    $("updates").appendChild(item);
  }

  function show(instantly) {
    clearMarks();
    const t = timeline[k];
    const forward = t.kind === "f" || t.kind === "fstart";
    document.body.classList.toggle("forward", forward);
    document.body.classList.toggle("backward", !forward);
    $("pass").textContent = forward ? "Forward pass" : "Backward pass";
    const F = D.forward.length, B = D.steps.length;
    $("counter").textContent = forward ? `forward ${t.kind === "f" ? t.i + 1 : 0} of ${F}`
      : `backward ${t.kind === "b" ? t.j + 1 : 0} of ${B}`;
    $("prev").disabled = $("reset").disabled = k === 0;
    $("next").disabled = k === last;
    $("play").disabled = last === 0;
    $("updates").textContent = "";
    $("panel-rule").textContent = "";
    let focus = [], view = null;  // highlighted: the node and its children; view: what to show
    if (t.kind === "fstart") {
      $("panel-head").textContent = "Start: the inputs are given, every other value is still blank";
      li([["Press Next (→) to compute each node from its children, in topological order " +
        "(a node only after everything it uses), with the numbers filled in. backward() follows."]], "intro");
      const first = D.forward[0];
      view = [first.node, ...first.children];
    } else if (t.kind === "f") {
      const f = D.forward[t.i], n = D.nodes[f.node];
      scripted($("panel-head"), `Step ${t.i + 1} of ${F}: the value of ${n.name} (op ${n.op})`, false);
      mark(nodeEls[f.node].g, "current");
      for (const c of f.children) mark(nodeEls[c].g, "child");
      for (const e of f.edges) mark(edgeEls[e], "active");
      li([[f.formula + " "], [f.numbers, "numbers"]]);
      if (t.i === F - 1) li([["Forward pass done: every value is known. Next: backward(), from the output back."]], "intro");
      focus = [f.node, ...f.children];
    } else if (t.kind === "bstart") {
      const root = D.nodes[D.root];
      scripted($("panel-head"), `Start: ${root.name}.grad = 1, every other grad = 0`, false);
      scripted($("panel-rule"), `∂${root.name}/∂${root.name} = 1`, false);
      li([[B ? "Press Next (→) to apply the chain rule at each node, from the output back to the inputs: " +
        "child.grad += node.grad × (local derivative)."
        : "This graph is a single number: there is no chain rule to apply."]], "intro");
      mark(nodeEls[D.root].g, "current");
      focus = [D.root];
      view = [D.root, ...kidsOf[D.root]];
    } else {
      const st = D.steps[t.j], n = D.nodes[st.node];
      scripted($("panel-head"), `Step ${t.j + 1} of ${B}: the chain rule at ${n.name} (op ${n.op}), ${n.name}.grad = ${st.grad}`, false);
      scripted($("panel-rule"), st.rule, false);
      mark(nodeEls[st.node].g, "current");
      focus = [st.node];
      for (const u of st.updates) {
        mark(nodeEls[u.child].g, "child");
        mark(edgeEls[u.edge], "active");
        li([[u.formula + " "], [u.numbers, "numbers"], [u.total, "total"]]);
        focus.push(u.child);
      }
      if (k === last) li([["Done: every grad now equals what backward() computes."]], "intro");
    }
    current = focus;
    context = view || focus;
    if (!overview) follow(instantly);
  }

  function next() {
    if (k >= last) return stop();
    k += 1;
    apply(k);
    show();
  }
  function prev() {
    if (k === 0) return;
    unapply(k);
    k -= 1;
    show();
  }
  function goTo(s) {  // a jump, so the view jumps too (Next and Previous glide)
    s = Math.max(0, Math.min(last, s));
    while (k < s) { k += 1; apply(k); }
    while (k > s) { unapply(k); k -= 1; }
    show(true);
  }
  function reset() {
    stop();
    initial();
    k = 0;
    show(true);
  }
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    $("play").textContent = "▷ Play";
  }
  function play() {
    if (timer !== null) return stop();
    if (k >= last) reset();
    $("play").textContent = "‖ Pause";
    next();
    timer = setInterval(() => (k >= last ? stop() : next()), +$("speed").value);
  }

  // ---- the camera: follows the current node and its children at a readable size -----------
  let current = [];                     // the highlighted node, then its children
  let context = [];                     // the nodes the view must show
  let overview = false;
  let bias = 1;                          // the teacher's + / − on top of the automatic zoom
  let cam = { x: D.width / 2, y: D.height / 2, z: 1 };
  let anim = null;
  // The pane's size, read only when it changes: reading it after every step would make the
  // browser lay out the whole graph again each time (slow on graphs of a thousand nodes).
  let paneWH = null;
  const paneSize = () => paneWH || (paneWH = [Math.max(pane.clientWidth, 1), Math.max(pane.clientHeight, 1)]);

  function render(c) {
    const [W, H] = paneSize();
    svg.setAttribute("viewBox", `${c.x - W / 2 / c.z} ${c.y - H / 2 / c.z} ${W / c.z} ${H / c.z}`);
    $("zoom-level").textContent = Math.round(c.z * 100) + "%";
    callouts(c, W, H);
  }

  // A child too far away to share the screen with the current node (an input used by several
  // neurons) gets a card at the edge of the view, pointing towards it, with its numbers.
  const calloutLayer = document.createElement("div");
  calloutLayer.id = "callouts";
  pane.appendChild(calloutLayer);
  const ARROWS = { left: "←", right: "→", top: "↑", bottom: "↓" };
  function callouts(c, W, H) {
    calloutLayer.textContent = "";
    if (overview || current.length < 2) return;
    const x0 = c.x - W / 2 / c.z, y0 = c.y - H / 2 / c.z;
    const bySide = { left: [], right: [], top: [], bottom: [] };
    for (const i of current.slice(1)) {
      const b = bounds([i], 0);
      const l = (b.x0 - x0) * c.z, r = (b.x1 - x0) * c.z, t = (b.y0 - y0) * c.z, bo = (b.y1 - y0) * c.z;
      if (l >= -1 && r <= W + 1 && t >= -1 && bo <= H + 1) continue;  // on screen
      const cx = (l + r) / 2, cy = (t + bo) / 2;
      const dx = cx < 0 ? -cx : cx > W ? cx - W : 0, dy = cy < 0 ? -cy : cy > H ? cy - H : 0;
      const side = dx >= dy ? (cx < W / 2 ? "left" : "right") : (cy < H / 2 ? "top" : "bottom");
      bySide[side].push({ i, cx, cy });
    }
    for (const side in bySide) {
      const cards = bySide[side];
      if (!cards.length) continue;
      const vertical = side === "left" || side === "right";
      cards.sort((a, b) => (vertical ? a.cy - b.cy : a.cx - b.cx));
      let next = 6;
      for (const card of cards) {
        const n = D.nodes[card.i], e = nodeEls[card.i];
        const div = document.createElement("div");
        div.className = "callout " + side;
        div.dataset.id = card.i;
        const arrow = document.createElement("b");
        arrow.textContent = ARROWS[side] + " ";
        const name = document.createElement("span");
        name.className = "label";
        scripted(name, n.text, false);
        const nums = document.createElement("span");
        nums.textContent = `  data ${e.dv.textContent}  grad ${e.gv.textContent}`;
        div.append(arrow, name, nums);
        div.title = `${n.name} is off screen in this direction; click to look at it`;
        div.addEventListener("pointerdown", (ev) => ev.stopPropagation());
        div.addEventListener("click", () => { const b = bounds([card.i], 0); moveTo({ ...cam, x: (b.x0 + b.x1) / 2, y: (b.y0 + b.y1) / 2 }); });
        calloutLayer.appendChild(div);
        // its size from its text (monospace), not measured: measuring would lay out the graph
        const w = (div.textContent.length + 1) * 10.3 + 26, h = 34;
        if (vertical) {
          const top = clamp(Math.max(card.cy - h / 2, next), 6, Math.max(6, H - h - 6));
          div.style.top = top + "px";
          div.style[side] = "6px";
          next = top + h + 6;
        } else {
          const left = clamp(Math.max(card.cx - w / 2, next), 6, Math.max(6, W - w - 6));
          div.style.left = left + "px";
          div.style[side] = "6px";
          next = left + w + 6;
        }
      }
    }
  }
  function moveTo(t, instantly) {
    if (anim !== null) cancelAnimationFrame(anim);
    anim = null;
    const reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    const still = Math.abs(t.x - cam.x) < 0.5 && Math.abs(t.y - cam.y) < 0.5 && Math.abs(t.z / cam.z - 1) < 1e-3;
    if (instantly || reduce || still) { cam = t; render(cam); return; }
    const from = cam, t0 = performance.now(), T = 350;
    const stepFrame = (now) => {
      const a = Math.min(1, (now - t0) / T), e = a < 0.5 ? 2 * a * a : 1 - Math.pow(-2 * a + 2, 2) / 2;
      cam = { x: from.x + (t.x - from.x) * e, y: from.y + (t.y - from.y) * e, z: from.z * Math.pow(t.z / from.z, e) };
      render(cam);
      anim = a < 1 ? requestAnimationFrame(stepFrame) : null;
    };
    anim = requestAnimationFrame(stepFrame);
  }
  function bounds(ids, pad) {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const i of ids) {
      const n = D.nodes[i];
      x0 = Math.min(x0, n.opw ? n.x - OP_GAP - n.opw : n.x); x1 = Math.max(x1, n.x + boxWidth(n));
      y0 = Math.min(y0, n.y); y1 = Math.max(y1, n.y + BOX_H);
    }
    return { x0: x0 - pad, y0: y0 - pad, x1: x1 + pad, y1: y1 + pad };
  }
  const whole = () => ({ x0: 0, y0: 0, x1: D.width, y1: D.height });
  const fit = (b, W, H) => Math.min(W / (b.x1 - b.x0), H / (b.y1 - b.y0));
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));

  function followTarget() {
    const [W, H] = paneSize();
    const all = whole(), zAll = fit(all, W, H);
    if (zAll * bias >= Z_READ) {  // the whole graph is readable: keep it all in view, large
      return { x: D.width / 2, y: D.height / 2, z: Math.min(zAll, Z_MAX) * Math.min(bias, 1) };
    }
    const b = bounds(context.length ? context : [D.root], 30);
    const zFit = fit(b, W, H);
    const z = bias * (zFit >= Z_READ ? Math.min(zFit, Z_FOCUS) : Math.max(zFit, Z_LEGIBLE));
    const vw = W / z, vh = H / z;
    let cx = (b.x0 + b.x1) / 2, cy = (b.y0 + b.y1) / 2;
    const me = bounds([context.length ? context[0] : D.root], 20);  // the current node always whole
    cx = clamp(cx, me.x1 - vw / 2, me.x0 + vw / 2);
    cy = clamp(cy, me.y1 - vh / 2, me.y0 + vh / 2);
    if (vw < D.width) cx = clamp(cx, vw / 2 - 20, D.width - vw / 2 + 20);  // no empty screen past the edges
    if (vh < D.height) cy = clamp(cy, vh / 2 - 20, D.height - vh / 2 + 20);
    if (vw >= D.width) cx = D.width / 2;
    if (vh >= D.height) cy = D.height / 2;
    return { x: cx, y: cy, z };
  }
  function follow(instantly) { moveTo(followTarget(), instantly); }
  function setOverview(on) {
    overview = on;
    document.body.classList.toggle("overview", on);
    $("overview").setAttribute("aria-pressed", on ? "true" : "false");
    $("hint").textContent = on ? "Overview: click a node to jump to its step · Esc or o to go back" : "";
    if (on) {
      const [W, H] = paneSize();
      moveTo({ x: D.width / 2, y: D.height / 2, z: fit({ x0: -10, y0: -10, x1: D.width + 10, y1: D.height + 10 }, W, H) });
    } else follow();
  }
  function jumpTo(i) {  // the step where node i is computed (forward) or differentiated (backward)
    const forward = timeline[k].kind === "f" || timeline[k].kind === "fstart";
    let s;
    if (forward) s = D.nodes[i].leaf ? 0 : stepOfNode.f[i];
    else s = D.nodes[i].leaf ? stepOfNode.bLast[i] : stepOfNode.b[i];
    overview = false;
    setOverview(false);
    stop();
    goTo(s === undefined ? k : s);
  }
  function zoomBy(f) {
    bias = clamp(bias * f, 0.25, 3);
    if (overview) setOverview(false); else follow();
  }

  // dragging pans until the next step; ctrl + wheel zooms, the wheel alone pans
  let drag = null;
  pane.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, y: ev.clientY, cam, moved: false };
    pane.setPointerCapture(ev.pointerId);
  });
  pane.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) { drag.moved = true; pane.classList.add("dragging"); }
    if (drag.moved) { cam = { x: drag.cam.x - dx / drag.cam.z, y: drag.cam.y - dy / drag.cam.z, z: drag.cam.z }; render(cam); }
  });
  const endDrag = (ev) => {
    if (!drag) return;
    const moved = drag.moved;
    drag = null;
    pane.classList.remove("dragging");
    if (!moved && overview) {  // a click: jump to the node under the pointer
      const hit = document.elementFromPoint(ev.clientX, ev.clientY);
      const g = hit && hit.closest && hit.closest("g.node");
      if (g) jumpTo(+g.dataset.id);
    }
  };
  pane.addEventListener("pointerup", endDrag);
  pane.addEventListener("pointercancel", () => { drag = null; pane.classList.remove("dragging"); });
  pane.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    if (ev.ctrlKey || ev.metaKey) {
      cam = { ...cam, z: clamp(cam.z * (ev.deltaY < 0 ? 1.1 : 1 / 1.1), 0.05, 6) };
    } else {
      cam = { ...cam, x: cam.x + ev.deltaX / cam.z, y: cam.y + ev.deltaY / cam.z };
    }
    render(cam);
  }, { passive: false });
  const resized = () => { paneWH = null; if (overview) setOverview(true); else follow(true); };
  if (window.ResizeObserver) new ResizeObserver(resized).observe(pane);
  else window.addEventListener("resize", resized);

  // ---- full screen (inside a notebook's iframe too, when the frame allows it) ---------------
  const fsButton = $("fullscreen");
  if (!document.fullscreenEnabled) {
    fsButton.disabled = true;
    fsButton.title = "Full screen is not allowed here: open the HTML file in a browser, or allow it on the iframe (allowfullscreen)";
  }
  function toggleFullscreen() {
    if (!document.fullscreenEnabled) return;
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  }
  document.addEventListener("fullscreenchange", () => {
    fsButton.textContent = document.fullscreenElement ? "Exit full screen" : "Full screen";
  });

  $("next").addEventListener("click", () => { stop(); next(); });
  $("prev").addEventListener("click", () => { stop(); prev(); });
  $("reset").addEventListener("click", reset);
  $("play").addEventListener("click", play);
  $("speed").addEventListener("change", () => { if (timer !== null) { stop(); play(); } });
  $("zoom-in").addEventListener("click", () => zoomBy(1.25));
  $("zoom-out").addEventListener("click", () => zoomBy(1 / 1.25));
  $("overview").addEventListener("click", () => setOverview(!overview));
  fsButton.addEventListener("click", toggleFullscreen);
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.metaKey || ev.ctrlKey || ev.target.tagName === "SELECT") return;
    const forward = () => { stop(); next(); }, back = () => { stop(); prev(); };
    const actions = {
      ArrowRight: forward, ArrowDown: forward, PageDown: forward, " ": ev.shiftKey ? back : forward,
      ArrowLeft: back, ArrowUp: back, PageUp: back, Backspace: back,
      p: play, P: play, Home: reset, End: () => { stop(); goTo(last); },
      f: toggleFullscreen, F: toggleFullscreen, o: () => setOverview(!overview), O: () => setOverview(!overview),
      Escape: () => { if (overview) setOverview(false); },
      "+": () => zoomBy(1.25), "=": () => zoomBy(1.25), "-": () => zoomBy(1 / 1.25),
      "0": () => { bias = 1; setOverview(false); },
    };
    const act = actions[ev.key];
    if (act) {
      ev.preventDefault();
      if (ev.target.tagName === "BUTTON") ev.target.blur();  // space must not also click the button
      act();
    }
  });

  reset();
  window.microgradnetStepper = {
    next, prev, reset, goTo, jumpTo, total: last,
    get step() { return k; },
    get pass() { const t = timeline[k].kind; return t === "f" || t === "fstart" ? "forward" : "backward"; },
    get camera() { return { x: cam.x, y: cam.y, z: cam.z, moving: anim !== null }; },
    get overview() { return overview; },
  };
})();
