// The playground's Python session in a Web Worker: Pyodide (shared with the site's JupyterLite)
// runs microgradnet off the page's thread. Messages in: {id, name, body}; out: {id, answer}.
// Training runs in chunks between messages (worker.py's train_chunk), so pause answers fast.
const here = self.location.href;
const PYODIDE = new URL("../jupyterlite/static/pyodide/", here).href;
const LOCK = new URL("../jupyterlite/static/pyodide-lock/pyodide-lock.json", here).href;
const timings = { start: performance.now() };

const ready = (async () => {
  const { loadPyodide } = await import(PYODIDE + "pyodide.mjs");
  const py = await loadPyodide({ indexURL: PYODIDE, lockFileURL: LOCK, packages: ["microgradnet"] });
  const source = await (await fetch(new URL("worker.py", here))).text();
  py.runPython(source);  // our own file from the site, defining handle() and train_chunk()
  timings.readyMs = performance.now() - timings.start;
  return { handle: py.globals.get("handle"), trainChunk: py.globals.get("train_chunk") };
})();

let training = false;
function train(py) {
  // one chunk, then a macrotask boundary so queued messages (pause, state) are answered first;
  // the wait keeps to the page's speed setting
  const wait = py.trainChunk();
  if (wait >= 0) setTimeout(() => train(py), wait);
  else training = false;
}

self.onmessage = async (event) => {
  const { id, name, body } = event.data;
  let answer;
  try {
    const py = await ready;
    answer = JSON.parse(py.handle(name, JSON.stringify(body || {})));
    if (name === "play" && !answer.error && !training) { training = true; setTimeout(() => train(py), 0); }
  } catch (error) {
    answer = { error: "the Python worker failed: " + (error && error.message || error) };
  }
  if (name === "session") answer.worker = { readyMs: timings.readyMs };
  self.postMessage({ id, answer });
};
