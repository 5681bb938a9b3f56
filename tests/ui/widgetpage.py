"""What the widget browser tests share: framing a widget's output, screenshots
in the light and dark themes, and the checks that nothing is cut off or
overlapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labpage import LabPage


def output_of(w: Any) -> Any:
    """The output area around a widget (what a screenshot frames)."""
    return w.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-child')][1]")


def screenshot(lp: LabPage, w: Any, path: Path) -> None:
    """The whole widget, checked to be inside the notebook's visible area."""
    box = output_of(w)
    box.scroll_into_view_if_needed()
    lp.page.mouse.move(0, 0)  # no hover effects
    rect = box.bounding_box()
    viewport = lp.page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer"
    ).bounding_box()
    assert rect["y"] >= viewport["y"] - 1, (rect, viewport)
    assert rect["y"] + rect["height"] <= viewport["y"] + viewport["height"] + 1
    box.screenshot(path=str(path))


def cut_off(w: Any, scrolls: str | None = None) -> list[str]:
    """Elements of the widget that overflow it, or are clipped, horizontally.
    Elements inside ``scrolls`` (a selector of a box that scrolls sideways on
    purpose) are left out."""
    return w.evaluate(
        """(root, scrolls) => {
            const box = root.getBoundingClientRect();
            return [...root.querySelectorAll('*')]
                .filter(e => e.getClientRects().length > 0)
                .filter(e => !(scrolls && e.closest(scrolls)))
                .filter(e => {
                    const r = e.getBoundingClientRect();
                    return r.right > box.right + 1 || r.left < box.left - 1 ||
                        (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0 &&
                         !['visible', 'auto', 'scroll'].includes(
                             getComputedStyle(e).overflowX));
                })
                .map(e => (e.getAttribute('class') || e.tagName));
        }""",
        scrolls,
    )


def labels_overlap(w: Any, charts: str = "svg") -> list[str]:
    """Text in any chart (``charts``: a selector of SVG elements) that overlaps
    other text, or leaves its chart."""
    return w.evaluate(
        """(root, charts) => {
            const out = [];
            for (const chart of root.querySelectorAll(charts)) {
                const box = chart.getBoundingClientRect();
                const texts = [...chart.querySelectorAll('text')]
                    .map(t => [t.textContent, t.getBoundingClientRect()])
                    .filter(([s, r]) => s && r.width > 0);
                for (const [s, r] of texts) {
                    if (r.left < box.left - 1 || r.right > box.right + 1 ||
                        r.top < box.top - 1 || r.bottom > box.bottom + 1) {
                        out.push(`${s} leaves its chart`);
                    }
                }
                for (let i = 0; i < texts.length; i++) {
                    for (let j = i + 1; j < texts.length; j++) {
                        const [a, ra] = texts[i], [b, rb] = texts[j];
                        const x = Math.min(ra.right, rb.right) -
                            Math.max(ra.left, rb.left);
                        const y = Math.min(ra.bottom, rb.bottom) -
                            Math.max(ra.top, rb.top);
                        if (x > 1 && y > 1) out.push(`${a} / ${b}`);
                    }
                }
            }
            return out;
        }""",
        charts,
    )


def light_and_dark(
    lp: LabPage, w: Any, card: str, light: Path, dark: Path, scrolls: str | None = None
) -> None:
    """Screenshot ``w`` in the light theme, switch to the dark theme, wait until
    the widget's ``card`` elements are drawn on a dark background, check nothing
    is cut off, screenshot again, and go back to the light theme."""
    try:
        screenshot(lp, w, light)
        lp.set_theme(dark=True)
        lp.page.wait_for_function(
            """([el, card]) => {
                const c = getComputedStyle(el.querySelector(card))
                    .backgroundColor.match(/[\\d.]+/g).map(Number);
                return c.length >= 3 && c[0] + c[1] + c[2] < 3 * 128;
            }""",
            arg=[w.element_handle(), card],
        )
        assert cut_off(w, scrolls) == []
        screenshot(lp, w, dark)
    finally:
        lp.set_theme(dark=False)


def narrow(lp: LabPage, w: Any, height: int) -> None:
    """Make the page 700 px wide and wait until the widget has followed."""
    lp.page.set_viewport_size({"width": 700, "height": height})
    lp.page.wait_for_function(
        "(el) => el.getBoundingClientRect().width < 600", arg=w.element_handle()
    )
