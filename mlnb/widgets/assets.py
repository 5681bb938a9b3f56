"""The front end of mlnb's widgets, as each widget class sends it to the browser.

``static/common.js`` holds the helpers all widget views share (DOM builders that set
text with textContent only, number formats, the view's plumbing) and
``static/common.css`` the rules they share (theme variables, head, cards, form
controls, chart axes). A widget's ES module is ``common.js`` followed by its own file,
so its code calls the shared helpers and its ``export default`` comes last; its
stylesheet is ``common.css`` with the placeholder class prefix replaced by the
widget's own, followed by its own file. Each stylesheet thus styles its own widget
only, whatever order a notebook loads them in.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["STATIC", "widget_css", "widget_esm"]

STATIC = Path(__file__).parent / "static"
# the class prefix common.css is written with (".mlnb-widget", ".mlnb-widget-card")
CSS_PLACEHOLDER = "mlnb-widget"


def _read(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def widget_esm(name: str) -> str:
    """The ES module of widget ``name``: ``common.js``, then ``static/<name>.js``."""
    return _read("common.js") + "\n" + _read(f"{name}.js")


def widget_css(name: str, prefix: str) -> str:
    """The stylesheet of widget ``name``, whose classes start with ``prefix``
    (``"mlnb-ie"``): ``common.css`` for that prefix, then ``static/<name>.css``."""
    if not re.fullmatch(r"mlnb-[a-z]+", prefix) or prefix == CSS_PLACEHOLDER:
        raise ValueError(f"not a widget class prefix: {prefix!r}")
    common = _read("common.css").replace(CSS_PLACEHOLDER, prefix)
    return common + "\n" + _read(f"{name}.css")
