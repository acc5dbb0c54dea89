// The zero-install playground's transport: playground.js's api() hands every request to
// window.microgradnetTransport (a Promise of the JSON answer), answered by the Pyodide worker.
(function () {
  "use strict";
  const worker = new Worker(new URL("worker.js", document.baseURI), { type: "module" });
  const waiting = new Map();
  let next = 0;
  worker.onmessage = (event) => {
    const resolve = waiting.get(event.data.id);
    if (resolve) { waiting.delete(event.data.id); resolve(event.data.answer); }
  };
  worker.onerror = (event) => {
    for (const resolve of waiting.values()) resolve({ error: "the Python worker failed: " + event.message });
    waiting.clear();
  };
  window.microgradnetTransport = (name, body) => new Promise((resolve) => {
    const id = ++next;
    waiting.set(id, resolve);
    worker.postMessage({ id: id, name: name, body: body });
  });
})();
