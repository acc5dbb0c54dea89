// The playground's Python session in a Web Worker: Pyodide (shared with the site's JupyterLite)
// runs microgradnet off the page's thread. Messages in: {id, name, body}; out: {id, answer}.
// "play" trains in short chunks on Python's asyncio loop (microgradnet.playground.chunked), which
// yields to this worker's message queue between chunks, so pause answers fast.
const here = self.location.href;
const PYODIDE = new URL("../jupyterlite/static/pyodide/", here).href;
const LOCK = new URL("../jupyterlite/static/pyodide-lock/pyodide-lock.json", here).href;
const timings = { start: performance.now() };

const ready = (async () => {
  const { loadPyodide } = await import(PYODIDE + "pyodide.mjs");
  const py = await loadPyodide({ indexURL: PYODIDE, lockFileURL: LOCK, packages: ["microgradnet"] });
  const source = await (await fetch(new URL("worker.py", here))).text();
  py.runPython(source);  // our own file from the site, defining handle()
  timings.readyMs = performance.now() - timings.start;
  return { handle: py.globals.get("handle") };
})();

self.onmessage = async (event) => {
  const { id, name, body } = event.data;
  let answer;
  try {
    const py = await ready;
    answer = JSON.parse(py.handle(name, JSON.stringify(body || {})));
  } catch (error) {
    answer = { error: "the Python worker failed: " + (error && error.message || error) };
  }
  if (name === "session") answer.worker = { readyMs: timings.readyMs };
  self.postMessage({ id, answer });
};
