/* microgradnet playground: numbers, names and small DOM helpers, shared by every playground on
   the page (loaded before playground.js, in the page and in the Jupyter widget). */
"use strict";

const mgnText = (() => {
  // ---- numbers and names, as the pictures write them --------------------------------------------
  // notation.number's rules: 4 significant digits, trailing zeros dropped, a short exponent
  // outside [1e-4, 1e6), never "-0"; the full value goes in a tooltip (title) and data-value.
  function trimZeros(t) { return t.indexOf(".") >= 0 ? t.replace(/0+$/, "").replace(/\.$/, "") : t; }
  function fmt(v, digits) {
    digits = digits || 4;
    if (v === null || v === undefined) return "—";
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    if (v === 0) return "0";
    const rounded = Number(v.toExponential(digits - 1)), a = Math.abs(rounded);
    if (!(a >= 1e-4 && a < 1e6)) {
      const parts = v.toExponential(digits - 1).split("e");
      return trimZeros(parts[0]) + "e" + Number(parts[1]);
    }
    const places = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
    return trimZeros(rounded.toFixed(places));
  }
  function numEl(tag, v, key) { // a number shown with 4 digits, its full value on hover and copy
    const e = document.createElement(tag);
    e.textContent = fmt(v); e.title = String(v); e.dataset.value = String(v);
    if (key) e.dataset.k = key;
    e.addEventListener("copy", (ev) => { ev.clipboardData.setData("text/plain", String(v)); ev.preventDefault(); });
    return e;
  }
  const SUP = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
  const SUB = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉", ",": "," };
  const sup = (n) => String(n).split("").map((c) => SUP[c]).join("");
  const sub = (t) => String(t).split("").map((c) => SUB[c]).join("");
  // the article's names, typeset as notation.typeset writes them (w²₁,₃ as in the graphs)
  const wName = (l, i, j) => (j === 0 ? "b" + sup(l) + sub(i) : "w" + sup(l) + sub(i + "," + j));
  const oName = (l, i) => "o" + sup(l) + sub(i);

  function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function line(parts, cls) { // a line of text and number elements
    const d = el("div", cls);
    parts.forEach((x) => d.appendChild(typeof x === "string" ? document.createTextNode(x) : x));
    return d;
  }

  function download(blob, name) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  // ---- colours: class 1 blue, class 0 orange, white between ---------------------------------------
  const COL_POS = [33, 102, 172], COL_NEG = [230, 120, 30];
  function colour(v) { // v in [-1, 1]: orange - white - blue
    const t = Math.min(1, Math.abs(v)) * 0.7, c = v >= 0 ? COL_POS : COL_NEG;
    return [255 + (c[0] - 255) * t, 255 + (c[1] - 255) * t, 255 + (c[2] - 255) * t];
  }

  // a heat map: n×n values onto a canvas, orange < 0 < blue (squash: tanh, else scaled by the largest)
  function paint(canvas, values, squash, n) {
    const ctx = canvas.getContext("2d");
    if (canvas.width !== n) { canvas.width = n; canvas.height = n; }
    let scale = 1;
    if (!squash) { let m = 0; for (let p = 0; p < values.length; p++) m = Math.max(m, Math.abs(values[p])); scale = Math.max(1, m); }
    const img = ctx.createImageData(n, n), px = img.data;
    for (let p = 0; p < n * n; p++) {
      const c = colour(squash ? Math.tanh(values[p]) : values[p] / scale);
      px[4 * p] = c[0]; px[4 * p + 1] = c[1]; px[4 * p + 2] = c[2]; px[4 * p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }

  return { fmt, numEl, wName, oName, el, line, download, colour, paint, COL_POS, COL_NEG };
})();
