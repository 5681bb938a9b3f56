"""What the widget tests share: a comm message from the view, the checks on the
view's code, and the static fallback that nbconvert shows."""

from __future__ import annotations

from pathlib import Path

import pytest

import mlnb

STATIC = Path(mlnb.__file__).parent / "widgets" / "static"
EVIL = "<img src=x onerror=alert(1)>"


def browser_sets(w, **state) -> list[dict]:
    """Deliver ``state`` the way a comm message from the view does; return the
    update messages (and echoes) the kernel sends back to the view."""
    sent: list[dict] = []
    original = w._send
    w._send = lambda msg, buffers=None: sent.append(msg)
    try:
        w._handle_msg(
            {
                "content": {
                    "data": {"method": "update", "state": state, "buffer_paths": []}
                },
                "buffers": [],
            }
        )
    finally:
        w._send = original
    return [m for m in sent if m["method"] in ("update", "echo_update")]


def sent_keys(messages: list[dict]) -> set[str]:
    """The traits the kernel changed (echoes of the view's own values left out)."""
    return {k for m in messages if m["method"] == "update" for k in m["state"]}


def assert_view_code_is_safe(cls, name: str, card_class: str) -> None:
    """The view is common.js followed by ``name``.js: no HTML injection sinks, no
    eval, no module imports or remote code; its CSS is prefix-scoped."""
    js = cls._esm
    for part in ("common.js", f"{name}.js"):
        assert (STATIC / part).read_text() in js
    assert js.rstrip().endswith("export default { render };")
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval("):
        assert forbidden not in js
    assert "import " not in js  # no external modules
    assert "http://" not in js.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in js
    css = cls._css
    assert css.endswith((STATIC / f"{name}.css").read_text())
    assert "mlnb-widget" not in css and f".{card_class}" in css


def assert_nbconvert_shows_static_fallback(widget) -> None:
    """Without saved widget state, nbconvert's HTML and Markdown exports show the
    static snapshot."""
    nbformat = pytest.importorskip("nbformat")
    nbconvert = pytest.importorskip("nbconvert")
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    data, metadata = widget._repr_mimebundle_()
    nb = new_notebook(
        cells=[
            new_code_cell(
                "w", outputs=[new_output("display_data", data=data, metadata=metadata)]
            )
        ]
    )
    nbformat.validate(nb)
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    assert "static snapshot" in html
    md, _ = nbconvert.MarkdownExporter().from_notebook_node(nb)
    assert "static snapshot" in md
