// Step-through backward(): draws the graph laid out by microgradnet/viz/html.py and replays the
// chain-rule updates it prepared. Every number shown was computed in Python; this script only
// swaps texts, so the page can never disagree with backward(). Text is always set through
// textContent (never innerHTML), so labels cannot inject markup.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("mgn-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const BOX_H = D.geometry.boxH, OP_GAP = D.geometry.opGap, OP_H = 28;
  const svg = document.getElementById("graph");
  const pane = document.getElementById("graph-pane");
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, parent, text) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  // ---- drawing ------------------------------------------------------------------------
  const boxWidth = (n) => n.fields[0] + n.fields[1] + n.fields[2];
  const inArity = D.nodes.map(() => 0);
  for (const [, parent] of D.edges) inArity[parent] += 1;
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
      "data-grad": n.grad[1], "data-data": n.dataRepr }, nodesLayer);
    el("title", {}, g, `${n.name}: data ${n.dataRepr}` + (n.op ? `, op ${n.op}` : " (leaf)"));
    if (n.op) {
      const og = el("g", { class: "op" }, g);
      const ox = n.x - OP_GAP - n.opw, cy = n.y + BOX_H / 2;
      el("line", { class: "edge", x1: ox + n.opw, y1: cy, x2: n.x, y2: cy }, og);
      el("rect", { x: ox, y: cy - OP_H / 2, width: n.opw, height: OP_H, rx: OP_H / 2 }, og);
      el("text", { x: ox + n.opw / 2, y: cy + 1, "text-anchor": "middle", "dominant-baseline": "central" }, og, n.op);
    }
    const [w0, w1, w2] = n.fields, cy = n.y + BOX_H / 2;
    el("rect", { class: "box", x: n.x, y: n.y, width: w0 + w1 + w2, height: BOX_H, rx: 5 }, g);
    const cell = el("rect", { class: "grad-cell", x: n.x + w0 + w1 + 2, y: n.y + 2, width: w2 - 4, height: BOX_H - 4, rx: 4 }, g);
    el("line", { class: "sep", x1: n.x + w0, y1: n.y, x2: n.x + w0, y2: n.y + BOX_H }, g);
    el("line", { class: "sep", x1: n.x + w0 + w1, y1: n.y, x2: n.x + w0 + w1, y2: n.y + BOX_H }, g);
    el("text", { class: "label", x: n.x + w0 / 2, y: cy, "text-anchor": "middle" }, g, n.text);
    const dt = el("text", { x: n.x + w0 + 9, y: cy }, g);
    el("tspan", { class: "key" }, dt, "data ");
    el("tspan", { class: "data-value" }, dt, n.data);
    const gt = el("text", { x: n.x + w0 + w1 + 9, y: cy }, g);
    el("tspan", { class: "key" }, gt, "grad ");
    const gv = el("tspan", { class: "grad-value" }, gt, n.grad[0]);
    return { g, gv, cell };
  });
  svg.setAttribute("viewBox", `0 0 ${D.width} ${D.height}`);
  $("title").textContent = D.title;

  // ---- state ----------------------------------------------------------------------------
  let k = 0;                       // number of steps applied
  let marked = [];                 // elements carrying highlight classes
  let timer = null;

  function setGrad(i, pair) {
    nodeEls[i].gv.textContent = pair[0];
    nodeEls[i].g.setAttribute("data-grad", pair[1]);
  }
  function clearMarks() {
    for (const [e, cls] of marked) e.classList.remove(cls);
    marked = [];
  }
  function mark(e, cls) { e.classList.add(cls); marked.push([e, cls]); }

  function show() {
    clearMarks();
    const total = D.steps.length;
    $("counter").textContent = `step ${k} of ${total}`;
    $("prev").disabled = $("reset").disabled = k === 0;
    $("next").disabled = k === total;
    $("play").disabled = total === 0;
    const ul = $("updates");
    ul.textContent = "";
    if (k === 0) {
      const root = D.nodes[D.root];
      $("panel-head").textContent = `Start: ${root.name}.grad = 1.0, every other grad = 0`;
      $("panel-rule").textContent = `∂${root.name}/∂${root.name} = 1`;
      const intro = document.createElement("li");
      intro.className = "intro";
      intro.textContent = total
        ? "Press Next (→) to apply the chain rule at each node, from the output back to the inputs: " +
          "child.grad += node.grad × (local derivative)."
        : "This graph is a single number: there is no chain rule to apply.";
      ul.appendChild(intro);
      mark(nodeEls[D.root].g, "current");
      return;
    }
    const s = D.steps[k - 1], n = D.nodes[s.node];
    $("panel-head").textContent = `Step ${k}: the chain rule at ${n.name} (op ${n.op}), ${n.name}.grad = ${s.grad}`;
    $("panel-rule").textContent = s.rule;
    mark(nodeEls[s.node].g, "current");
    for (const u of s.updates) {
      mark(nodeEls[u.child].g, "child");
      mark(edgeEls[u.edge], "active");
      const li = document.createElement("li");
      const f = document.createElement("span");
      f.textContent = u.formula + " ";
      const num = document.createElement("span");
      num.className = "numbers";
      num.textContent = u.numbers;
      const tot = document.createElement("span");
      tot.className = "total";
      tot.textContent = u.total;
      li.append(f, num, tot);
      ul.appendChild(li);
    }
    if (k === total) {
      const done = document.createElement("li");
      done.className = "intro";
      done.textContent = "Done: every grad now equals what backward() computes.";
      ul.appendChild(done);
    }
    follow(s.node);
  }

  function next() {
    if (k >= D.steps.length) return stop();
    const s = D.steps[k];
    for (const u of s.updates) setGrad(u.child, u.after);
    nodeEls[s.node].g.classList.add("done");
    k += 1;
    show();
  }
  function prev() {
    if (k === 0) return;
    k -= 1;
    const s = D.steps[k];
    for (let j = s.updates.length - 1; j >= 0; j--) setGrad(s.updates[j].child, s.updates[j].before);
    nodeEls[s.node].g.classList.remove("done");
    show();
  }
  function reset() {
    stop();
    D.nodes.forEach((n, i) => { setGrad(i, n.grad); nodeEls[i].g.classList.remove("done"); });
    k = 0;
    show();
    follow(D.root, true);
  }
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    $("play").textContent = "▷ Play";
  }
  function play() {
    if (timer !== null) return stop();
    if (k >= D.steps.length) reset();
    $("play").textContent = "‖ Pause";
    next();
    timer = setInterval(() => (k >= D.steps.length ? stop() : next()), +$("speed").value);
  }

  // ---- zoom and following the current node ----------------------------------------------
  let zoom = 1;
  function setZoom(z) {
    zoom = Math.min(3, Math.max(0.08, z));
    svg.setAttribute("width", Math.ceil(D.width * zoom));
    svg.setAttribute("height", Math.ceil(D.height * zoom));
    $("zoom-level").textContent = Math.round(zoom * 100) + "%";
  }
  function fitZoom() {  // the pane shrinks to small graphs, so measure the space it may take
    const room = document.querySelector("main").clientHeight - $("panel").offsetHeight + pane.clientHeight;
    return Math.min((pane.clientWidth - 8) / D.width, (Math.max(room, pane.clientHeight) - 8) / D.height);
  }
  function follow(i, instantly) {
    const n = D.nodes[i];
    const cx = (n.x + boxWidth(n) / 2) * zoom, cy = (n.y + BOX_H / 2) * zoom;
    const w = pane.clientWidth, h = pane.clientHeight;
    const left = (n.x - OP_GAP - n.opw) * zoom, right = (n.x + boxWidth(n)) * zoom;
    if (left < pane.scrollLeft || right > pane.scrollLeft + w || cy < pane.scrollTop + 20 || cy > pane.scrollTop + h - 20) {
      pane.scrollTo({ left: cx - w / 2, top: cy - h / 2, behavior: instantly ? "instant" : "smooth" });
    }
  }

  $("next").addEventListener("click", () => { stop(); next(); });
  $("prev").addEventListener("click", () => { stop(); prev(); });
  $("reset").addEventListener("click", reset);
  $("play").addEventListener("click", play);
  $("speed").addEventListener("change", () => { if (timer !== null) { stop(); play(); } });
  $("zoom-in").addEventListener("click", () => setZoom(zoom * 1.25));
  $("zoom-out").addEventListener("click", () => setZoom(zoom / 1.25));
  $("zoom-fit").addEventListener("click", () => setZoom(fitZoom()));
  pane.addEventListener("wheel", (ev) => {
    if (!ev.ctrlKey) return;
    ev.preventDefault();
    setZoom(zoom * (ev.deltaY < 0 ? 1.1 : 1 / 1.1));
  }, { passive: false });
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.metaKey || ev.ctrlKey || ev.target.tagName === "SELECT") return;
    const actions = {
      ArrowRight: () => { stop(); next(); }, ArrowDown: () => { stop(); next(); },
      ArrowLeft: () => { stop(); prev(); }, ArrowUp: () => { stop(); prev(); },
      " ": play, Home: reset, "+": () => setZoom(zoom * 1.25), "=": () => setZoom(zoom * 1.25),
      "-": () => setZoom(zoom / 1.25), "0": () => setZoom(fitZoom()),
    };
    const act = actions[ev.key];
    if (act) { ev.preventDefault(); act(); }
  });

  // Small graphs open large and whole; big ones open readable and scrollable.
  // Open fitted to the pane; a big graph never below 70% (stays readable, scrolls), while a
  // small one (the lecture's neuron) may shrink further so a narrow notebook frame shows it whole.
  setZoom(Math.max(D.nodes.length <= 40 ? 0.35 : 0.7, Math.min(1.6, fitZoom())));
  show();
  follow(D.root, true);
  window.microgradnetStepper = { next, prev, reset, get step() { return k; }, total: D.steps.length };
})();
