"""The playground page: one HTML file with its CSS and JavaScript inlined (no network needed)."""

from __future__ import annotations

from importlib import resources


def asset(name: str) -> str:
    """The text of ``assets/NAME`` (panel.html, playground.css, playground.js)."""
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def page_html() -> str:
    """The full page served at ``/``: markup, style and script, self-contained."""
    js = asset("playground.js").replace("</script", "<\\/script")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>microgradnet playground</title>\n"
        f"<style>\nbody {{ margin: 0; background: #f7f7f5; }}\n{asset('playground.css')}\n</style>\n"
        f"</head><body>\n{asset('panel.html')}\n<script>\n{js}\n"
        "mgnPlayground(document.querySelector('.mgn-pg'), mgnHttpTransport());\n</script>\n"
        "</body></html>\n"
    )
