"""The DriftChart widget (step 9) in JupyterLab, in Chromium.

A notebook simulates eight weeks of serving data (seeded) in which one feature,
``amount``, shifts from the fifth week on (and ``channel`` moves a little,
below the threshold, in the last two), and shows ``DriftChart`` of
``mlnb.drift_over_time`` by week. The page must show one heatmap cell per feature
and week, mark exactly the planted cells as drifted, draw the line chart with its
threshold, and — on a click or with the keyboard — the reference and window
distributions of the chosen cell, whose shares are checked against pandas on the
same rows here. Screenshots in the light and dark themes, and on a narrow page,
go to ``tests/ui/artifacts/drift-chart-{light,dark,narrow}.png``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from labpage import TIMEOUT_MS, LabPage, code, write_notebook
from playwright.sync_api import expect
from widgetpage import (
    cut_off,
    labels_overlap,
    light_and_dark,
    narrow,
    screenshot,
)

pytestmark = pytest.mark.ui

# The data, built the same way in the notebook and here (for the oracle).
DATA_CODE = """\
import numpy as np
import pandas as pd

rng = np.random.default_rng(20240304)
def batch(n):
    return pd.DataFrame({
        "amount": rng.lognormal(3.0, 0.6, n),
        "age": rng.normal(41, 12, n).round(),
        "channel": rng.choice(["web", "app", "store", "phone"], n,
                              p=[0.45, 0.3, 0.15, 0.1]),
        "basket_items": rng.poisson(3, n),
        "region": rng.choice(["north", "south", "east", "west"], n),
    })

reference = batch(6_000)
current = batch(8_400)
start = pd.Timestamp("2024-02-05")
current["ts"] = start + pd.to_timedelta(
    np.sort(rng.uniform(0, 56 * 86_400, len(current))), unit="s")
late = current["ts"] >= "2024-03-04"
current.loc[late, "amount"] *= 3.0
# a smaller move, below the threshold: more orders in the app for two weeks
later = current["ts"] >= "2024-03-18"
current.loc[later, "channel"] = rng.choice(
    ["web", "app", "store", "phone"], later.sum(), p=[0.3, 0.45, 0.15, 0.1])
# a broken pipeline lost "age" for the third week
week3 = (current["ts"] >= "2024-02-19") & (current["ts"] < "2024-02-26")
current.loc[week3, "age"] = np.nan
# and the week in progress has only 40 rows so far: too few to judge
partial = batch(40).assign(ts=pd.Timestamp("2024-04-01 09:00")
                           + pd.to_timedelta(np.arange(40), unit="min"))
current = pd.concat([current, partial], ignore_index=True)
"""
WIDGET_CODE = """\
from mlnb.checks.drift.over_time import drift_over_time
from mlnb.widgets import DriftChart

over = drift_over_time(reference, current, time_column="ts", freq="7D",
                       progress=False)
chart = DriftChart(over)
chart
"""
FEATURES = ["amount", "age", "channel", "basket_items", "region"]
WEEKS = [
    f"2024-{m:02d}-{d:02d}"
    for m, d in [(2, 5), (2, 12), (2, 19), (2, 26), (3, 4), (3, 11), (3, 18), (3, 25)]
]
PARTIAL = "2024-04-01"  # the ninth week: 40 rows, too few to judge
WINDOWS = [*WEEKS, PARTIAL]


def the_data() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(DATA_CODE, namespace)  # noqa: S102 - the constant above
    return namespace


# -- the page --------------------------------------------------------------------------
def widget(lp: LabPage) -> Any:
    """The widget once it has drawn (a traceback in the notebook fails at once)."""
    notebook = lp.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    w = notebook.locator(".mlnb-dc").first
    error = notebook.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
    w.locator(".mlnb-dc-heat").or_(error).first.wait_for(timeout=TIMEOUT_MS)
    assert error.count() == 0, error.first.inner_text()
    w.locator(".mlnb-dc-dist").wait_for(timeout=TIMEOUT_MS)
    return w


def cells(w: Any) -> list[dict[str, Any]]:
    """Every heatmap cell: feature, window label, classes."""
    return w.evaluate(
        """(root) => {
            const names = [...root.querySelectorAll('.mlnb-dc-heat .flabel')]
                .map(g => g.querySelector('title').textContent.split(' (')[0]);
            const ticks = [...root.querySelectorAll('.mlnb-dc-heat .xaxis .tick')]
                .map(t => t.textContent);
            return [...root.querySelectorAll('.mlnb-dc-heat rect.cell')].map(r => ({
                feature: names[Number(r.dataset.f)],
                j: Number(r.dataset.j),
                cls: r.getAttribute('class'),
                label: r.getAttribute('aria-label'),
            }));
        }"""
    )


def distribution(w: Any) -> dict[str, Any]:
    return w.evaluate(
        """(root) => ({
            head: root.querySelector('.mlnb-dc-disthead').textContent,
            bins: [...root.querySelectorAll('.mlnb-dc-dist .bin title')]
                .map(t => t.textContent),
            ref: root.querySelectorAll('.mlnb-dc-dist rect.ref').length,
            cur: root.querySelectorAll('.mlnb-dc-dist rect.cur').length,
        })"""
    )


def cell(w: Any, feature: str, week: str) -> Any:
    return w.locator(
        f'.mlnb-dc-heat rect.cell[aria-label^="{feature} · window {week}"]'
    )


def shares(values: pd.Series) -> dict[str, str]:
    """Category shares as the panel prints them."""
    return {
        k: f"{v * 100:.1f}%" for k, v in values.value_counts(normalize=True).items()
    }


# -- the test --------------------------------------------------------------------------
def test_drift_chart_heatmap_lines_and_distributions(
    lab_page: LabPage, artifacts
) -> None:
    lp = lab_page
    ns = the_data()
    reference, current = ns["reference"], ns["current"]
    write_notebook(
        lp.lab.root / "drift_chart.ipynb", [code(DATA_CODE), code(WIDGET_CODE)]
    )
    lp.page.set_viewport_size({"width": 1280, "height": 1400})
    lp.set_theme(dark=False)  # another test may have left the dark theme
    lp.open_notebook("drift_chart.ipynb", wait_kernel=True)
    lp.run_all(timeout_ms=90_000)
    w = widget(lp)

    # One cell per feature and week; exactly the planted ones are marked drifted.
    shown = cells(w)
    assert len(shown) == len(FEATURES) * len(WINDOWS)
    assert {c["feature"] for c in shown} == set(FEATURES)
    ticks = w.locator(".mlnb-dc-heat .xaxis .tick").all_text_contents()
    assert set(ticks) <= set(WINDOWS) and PARTIAL in ticks
    drifted = {
        (c["feature"], c["label"].split("window ")[1][:10])
        for c in shown
        if "drifted" in c["cls"]
    }
    assert drifted == {("amount", week) for week in WEEKS[4:]}
    assert w.locator(".mlnb-dc-heat circle.mark").count() == len(drifted)
    assert all("— drifted" in c["label"] for c in shown if "drifted" in c["cls"])
    # the week in progress is hatched, never judged; the lost column is named
    small = [c for c in shown if f"window {PARTIAL}" in c["label"]]
    assert len(small) == len(FEATURES)
    assert all("small" in c["cls"] and "too few rows" in c["label"] for c in small)
    assert not any("small" in c["cls"] for c in shown if c not in small)
    lost = [c for c in shown if "skipped" in c["cls"]]
    assert [(c["feature"], c["label"].split("window ")[1][:10]) for c in lost] == [
        ("age", WEEKS[2])
    ]
    assert "not compared — every value is missing" in lost[0]["label"]
    assert (
        "amount drifted from 2024-03-04 on"
        in w.locator(".mlnb-dc-summary").inner_text()
    )

    # The line chart: the drifted feature first, the threshold line and its label.
    lines = w.locator(".mlnb-dc-lines path.line")
    assert lines.count() == 3
    assert w.locator(".mlnb-dc-chip").first.inner_text().startswith("amount")
    assert w.locator(".mlnb-dc-lines .thr").count() == 1
    assert w.locator(".mlnb-dc-lines .thr-label").text_content() == "threshold 0.3"
    assert w.locator(".mlnb-dc-lines circle.pt.drifted").count() == 4

    # Opening on the worst cell of the last week; click another cell: its shares.
    assert "amount" in distribution(w)["head"]
    week = WEEKS[2]
    end = "2024-02-26"
    cell(w, "channel", week).click()
    lp.page.wait_for_function(
        "(el) => el.querySelector('.mlnb-dc-disthead').textContent"
        ".includes('window 2024-02-19 – 2024-02-26')",
        arg=w.element_handle(),
    )
    d = distribution(w)
    assert d["head"].startswith("channel") and "no drift" in d["head"]
    rows = current[(current["ts"] >= week) & (current["ts"] < end)]
    assert f"{len(rows):,} rows" in d["head"]
    ref_shares, cur_shares = shares(reference["channel"]), shares(rows["channel"])
    assert d["ref"] == d["cur"] == 4
    for title in d["bins"]:
        label = title.split(":")[0]
        assert title == (
            f"{label}: reference {ref_shares[label]}, window {cur_shares[label]}"
        )
    assert w.locator(".mlnb-dc-heat rect.sel").count() == 1
    pressed = w.locator('.mlnb-dc-heat rect.cell[aria-pressed="true"]')
    assert pressed.count() == 1
    assert pressed.get_attribute("aria-label").startswith(f"channel · window {week}")
    # one tab stop in the heatmap: the chosen cell
    stops = w.locator('.mlnb-dc-heat rect.cell[tabindex="0"]')
    assert stops.count() == 1 and stops.get_attribute("aria-pressed") == "true"

    # The keyboard: the focused cell moves with the arrows, Enter shows it.
    target = cell(w, "channel", week)
    target.focus()
    target.press("ArrowRight")
    lp.page.keyboard.press("ArrowUp")
    lp.page.keyboard.press("Enter")
    order = [c["feature"] for c in shown[:: len(WINDOWS)]]  # the heatmap's rows
    above = order[order.index("channel") - 1]
    lp.page.wait_for_function(
        "([el, f]) => el.querySelector('.mlnb-dc-disthead').textContent"
        ".startsWith(f) && el.querySelector('.mlnb-dc-disthead').textContent"
        ".includes('window 2024-02-26')",
        arg=[w.element_handle(), above],
    )

    # The week in progress: not judged, and said so.
    cell(w, "region", PARTIAL).click()
    w.locator(".mlnb-dc-distbox", has_text="fewer than min_rows=100").wait_for()
    assert "not judged" in distribution(w)["head"]

    # A feature name adds its line; a chip's × removes it.
    chips_before = w.locator(".mlnb-dc-chip").count()
    names = [c.strip("×").strip() for c in w.locator(".mlnb-dc-chip").all_inner_texts()]
    extra = next(f for f in FEATURES if f not in names)
    w.locator(f'.mlnb-dc-heat .flabel[aria-label^="{extra}:"]').click()
    w.locator(".mlnb-dc-chip", has_text=extra).wait_for()
    # the chip shows at once; its line follows when Python has sent the series
    expect(lines).to_have_count(chips_before + 1)
    w.get_by_role("button", name=f"Remove {extra} from the line chart").click()
    w.locator(".mlnb-dc-chip", has_text=extra).wait_for(state="detached")
    expect(lines).to_have_count(chips_before)

    summary = w.locator(".mlnb-dc-summary").inner_text()
    assert "the latest 1 window(s) (from 2024-04-01) had fewer than 100" in summary
    assert "not compared in some earlier window: age" in summary

    # A drifted cell: the window's bars in the alert colour.
    cell(w, "amount", WEEKS[5]).click()
    w.locator(".mlnb-dc-dist rect.cur.drifted").first.wait_for(state="attached")
    d = distribution(w)
    assert d["head"].startswith("amount") and "drift" in d["head"]
    assert "Jensen-Shannon divergence 0.425" in d["head"]

    # Nothing is cut off or overlapping; data is text, never markup.
    assert w.locator("img").count() == 0
    assert cut_off(w, ".mlnb-dc-heatbox svg") == []
    assert labels_overlap(w) == []
    light_and_dark(
        lp,
        w,
        ".mlnb-dc-card",
        artifacts / "drift-chart-light.png",
        artifacts / "drift-chart-dark.png",
        scrolls=".mlnb-dc-heatbox svg",
    )

    # A narrow page: the charts stack, nothing is cut off.
    narrow(lp, w, 2000)
    lp.page.wait_for_timeout(300)  # the charts redraw at the new width
    assert cut_off(w, ".mlnb-dc-heatbox svg") == []
    assert labels_overlap(w) == []
    screenshot(lp, w, artifacts / "drift-chart-narrow.png")
    assert lp.errors == [], lp.errors
