"""The playground page: one HTML file with its CSS and JavaScript inlined (no network needed)."""

from __future__ import annotations

from importlib import resources


def asset(name: str) -> str:
    """The text of ``assets/NAME`` (panel.html, playground.css, playground.js)."""
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


# The server's printed link carries the launch's key (?token=...); once the page is loaded the
# key lives in an HttpOnly cookie, so it leaves the address bar (what a projector shows, what a
# bookmark or a copied link would keep). Other parameters (?present) stay.
HIDE_KEY = """(function () {
  const u = new URL(location.href);
  if (u.searchParams.has("token")) {
    u.searchParams.delete("token");
    history.replaceState(null, "", u.pathname + u.search + u.hash);
  }
})();"""


def script_text() -> str:
    """The page's JavaScript: the shared helpers (pgtext.js), then the playground (playground.js)."""
    return asset("pgtext.js") + "\n" + asset("playground.js")


def page_html() -> str:
    """The full page served at ``/``: markup, style and script, self-contained."""
    js = script_text().replace("</script", "<\\/script")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>microgradnet playground</title>\n"
        f"<style>\nbody {{ margin: 0; background: #f7f7f5; }}\n{asset('playground.css')}\n</style>\n"
        f"</head><body>\n{asset('panel.html')}\n<script>\n{HIDE_KEY}\n{js}\n"
        "mgnPlayground(document.querySelector('.mgn-pg'), mgnHttpTransport());\n</script>\n"
        "</body></html>\n"
    )
