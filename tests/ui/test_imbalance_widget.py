"""The ImbalanceExplorer widget (step 4) in JupyterLab, in Chromium.

A notebook builds the widget on seeded fraud-like data (2% positives, with scores);
the confusion matrix the page shows is checked against an oracle computed here with
scikit-learn (``confusion_matrix`` of ``score >= t``), never with mlnb: at the
initial threshold, after moving the slider with the keyboard, after typing a target
recall and after "Best threshold" for a cost ratio. Labels are shown as text, the
data-only mode shows the accuracy trap, and screenshots in the light and dark themes
go to ``tests/ui/artifacts/imbalance-explorer-{light,dark}.png``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from labpage import TIMEOUT_MS, LabPage, code, write_notebook
from sklearn.metrics import confusion_matrix, precision_recall_curve
from widgetpage import (
    cut_off,
    labels_overlap,
    light_and_dark,
    narrow,
)

pytestmark = pytest.mark.ui

# The data, built the same way in the notebook and here (for the oracle).
DATA_CODE = """\
import numpy as np
import pandas as pd

rng = np.random.default_rng(20261128)
n = 20_000
y = (rng.random(n) < 0.02).astype(int)
logit = rng.normal(size=n) + 3.0 * y - 2.5
score = 1 / (1 + np.exp(-logit))
df = pd.DataFrame({"is_fraud": y, "p_fraud": score})
"""
WIDGET_CODE = """\
import mlnb

explorer = mlnb.ImbalanceExplorer(data=df, label="is_fraud", score="p_fraud")
explorer
"""
EVIL = "<img src=x onerror=window.__xss=1>"
DATA_ONLY_CODE = 'mlnb.ImbalanceExplorer(df["is_fraud"])'
EVIL_CODE = f"""\
evil = {EVIL!r}
labels = df["is_fraud"].map({{0: "legit", 1: evil}}).rename(evil)
mlnb.ImbalanceExplorer(labels, df["p_fraud"], positive_label=evil)
"""
TARGET_RECALL = 0.8
COST_RATIO = 25


# -- the oracle: scikit-learn on the same data ---------------------------------------
def the_data() -> tuple[np.ndarray, np.ndarray]:
    namespace: dict[str, Any] = {}
    exec(DATA_CODE, namespace)  # noqa: S102 - the constant above
    return namespace["y"], namespace["score"]


def shown(counts: tuple[int, int, int, int]) -> list[str]:
    """tn, fp, fn, tp as the widget prints them (en-US thousands separators)."""
    return [f"{int(v):,}" for v in counts]


def cm_at(y: np.ndarray, score: np.ndarray, t: float) -> tuple[int, int, int, int]:
    tn, fp, fn, tp = confusion_matrix(
        y, (score >= t).astype(int), labels=[0, 1]
    ).ravel()
    return int(tn), int(fp), int(fn), int(tp)


def thresholds_for_recall(y: np.ndarray, score: np.ndarray, target: float) -> list:
    """The thresholds with the best precision among those with recall >= target
    (several only on a tie)."""
    precision, recall, thresholds = precision_recall_curve(y, score)
    precision, recall = precision[:-1], recall[:-1]  # the last point has no threshold
    ok = recall >= target
    best = precision[ok].max()
    return list(thresholds[ok & (precision == best)])


def thresholds_for_cost(y: np.ndarray, score: np.ndarray, ratio: float) -> list:
    """Brute force: the cost ``ratio * FN + FP`` at every distinct score (and above
    the largest, flagging nothing); the thresholds with the lowest cost."""
    candidates = np.append(np.unique(score), np.inf)
    pos, neg = np.sort(score[y == 1]), np.sort(score[y == 0])
    fn = np.searchsorted(pos, candidates, side="left")  # positives below t
    fp = len(neg) - np.searchsorted(neg, candidates, side="left")  # negatives >= t
    cost = ratio * fn + fp
    return list(candidates[cost == cost.min()])


# -- the page --------------------------------------------------------------------------
def explorer(lp: LabPage, index: int) -> Any:
    """The ``index``-th explorer in the notebook, once it has drawn."""
    w = lp.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .mlnb-ie").nth(index)
    w.locator(".mlnb-ie-chart").first.wait_for(timeout=TIMEOUT_MS)
    return w


def counts_shown(w: Any) -> list[str]:
    return w.locator(".mlnb-ie-cmgrid .mlnb-ie-count").all_inner_texts()


def wait_counts(lp: LabPage, w: Any, options: list[list[str]]) -> list[str]:
    """Wait until the confusion matrix shows one of ``options``; return it."""
    try:
        lp.page.wait_for_function(
            """([el, options]) => {
                const got = [...el.querySelectorAll('.mlnb-ie-cmgrid .mlnb-ie-count')]
                    .map(e => e.textContent).join('|');
                return options.some(o => o.join('|') === got);
            }""",
            arg=[w.element_handle(), options],
            timeout=TIMEOUT_MS,
        )
    except Exception:
        assert counts_shown(w) in options  # shows what the page has instead
        raise
    return counts_shown(w)


def wait_source(w: Any, text: str) -> None:
    w.locator(".mlnb-ie-source").filter(has_text=text).wait_for(timeout=TIMEOUT_MS)


def threshold_shown(w: Any) -> float:
    return float(w.get_by_label("threshold value").input_value())


# -- the tests -------------------------------------------------------------------------
def test_confusion_matrix_follows_the_controls(lab_page: LabPage, artifacts) -> None:
    """Initial threshold, slider (keyboard), target recall and best threshold for a
    cost ratio: the page shows scikit-learn's confusion matrix each time. Then
    screenshots in the light and dark themes."""
    lp = lab_page
    y, score = the_data()
    assert 0.015 < y.mean() < 0.025  # fraud-like: about 2% positives
    write_notebook(
        lp.lab.root / "imbalance_explorer.ipynb",
        [code(DATA_CODE), code(WIDGET_CODE)],
    )
    # Tall enough for the whole widget inside the notebook panel (screenshots).
    lp.page.set_viewport_size({"width": 1280, "height": 1700})
    lp.set_theme(dark=False)  # another test may have left the dark theme
    lp.open_notebook("imbalance_explorer.ipynb", wait_kernel=True)
    lp.run_all(timeout_ms=120_000)
    w = explorer(lp, 0)

    # The badges: each side's status, and the condition that decided it on hover.
    data_badge, model_badge = w.locator(".mlnb-ie-badge").all()
    assert data_badge.inner_text() == "data WARN"
    assert model_badge.inner_text() == "model PASS"
    assert data_badge.get_attribute("title").startswith(
        "Status decided by: imbalance_ratio "
    )
    assert model_badge.get_attribute("title").startswith("Status decided by: roc_auc")

    # Initial threshold 0.5.
    wait_source(w, "initial threshold")
    assert counts_shown(w) == shown(cm_at(y, score, 0.5))
    assert threshold_shown(w) == 0.5

    # The slider, with the keyboard: PageDown moves a tenth of the range (0..1).
    slider = w.get_by_label("Threshold", exact=True)
    slider.focus()
    slider.press("PageDown")
    slider.press("PageDown")
    t = float(slider.input_value())
    assert t == pytest.approx(0.3)
    wait_source(w, "set by hand")
    wait_counts(lp, w, [shown(cm_at(y, score, t))])
    assert threshold_shown(w) == pytest.approx(t)

    # A target recall: the best precision among thresholds with recall >= 0.8.
    box = w.get_by_label("Target recall")
    box.fill(str(TARGET_RECALL))
    box.press("Enter")
    wait_source(w, f"best precision with recall ≥ {TARGET_RECALL}")
    options = thresholds_for_recall(y, score, TARGET_RECALL)
    got = wait_counts(lp, w, [shown(cm_at(y, score, t)) for t in options])
    t = options[[shown(cm_at(y, score, t)) for t in options].index(got)]
    assert threshold_shown(w) == pytest.approx(float(f"{t:.4g}"))
    tn, fp, fn, tp = cm_at(y, score, t)
    assert tp / (tp + fn) >= TARGET_RECALL
    assert w.locator(".mlnb-ie-error").is_hidden()

    # Best threshold for a cost ratio: brute-force minimum of ratio * FN + FP.
    cost = w.get_by_label("A missed positive costs")
    cost.fill(str(COST_RATIO))
    w.get_by_role("button", name="lowest expected cost").click()
    wait_source(w, f"lowest expected cost when a missed positive costs {COST_RATIO}")
    options = thresholds_for_cost(y, score, COST_RATIO)
    got = wait_counts(lp, w, [shown(cm_at(y, score, t)) for t in options])
    tn, fp, fn, tp = (int(v.replace(",", "")) for v in got)
    best = min(
        COST_RATIO * cm[2] + cm[1] for cm in (cm_at(y, score, t) for t in options)
    )
    assert COST_RATIO * fn + fp == best
    # The recall target was cleared by the cost ratio.
    assert w.get_by_label("Target recall").input_value() == ""

    assert cut_off(w) == []
    assert labels_overlap(w) == []
    light_and_dark(
        lp,
        w,
        ".mlnb-ie-card",
        artifacts / "imbalance-explorer-light.png",
        artifacts / "imbalance-explorer-dark.png",
    )

    # A narrow page (700 px): the cards wrap, nothing is cut off.
    narrow(lp, w, 1700)
    assert cut_off(w) == []
    assert labels_overlap(w) == []
    assert lp.errors == [], lp.errors


def test_labels_are_text_and_data_only_mode_shows_the_trap(lab_page: LabPage) -> None:
    lp = lab_page
    y, _ = the_data()
    write_notebook(
        lp.lab.root / "imbalance_labels.ipynb",
        [code(DATA_CODE), code("import mlnb"), code(DATA_ONLY_CODE), code(EVIL_CODE)],
    )
    lp.open_notebook("imbalance_labels.ipynb", wait_kernel=True)
    lp.run_all(timeout_ms=120_000)

    # Data only (no scores): the accuracy-trap banner, no model side.
    only = explorer(lp, 0)
    banner = only.locator(".mlnb-ie-banner")
    banner.wait_for(state="visible")
    majority = 1 - y.mean()
    assert f"Always predicting 0 scores {100 * majority:.1f}% accuracy" in (
        banner.inner_text()
    )
    assert "accuracy is the wrong yardstick" in banner.inner_text()
    assert only.locator(".mlnb-ie-model").is_hidden()
    assert only.locator(".mlnb-ie-cmgrid").count() == 0
    # Choosing an objective that does not fit says so.
    only.get_by_label("Objective to optimise").select_option("auc_roc")
    only.locator(".mlnb-ie-note .mlnb-ie-nofit").wait_for()
    assert "Not the best fit" in only.locator(".mlnb-ie-note").first.inner_text()

    # A label that is markup shows as text, everywhere the widget prints it.
    evil = explorer(lp, 1)
    head = evil.locator(".mlnb-ie-head .mlnb-ie-faint").inner_text()
    assert f"label {EVIL}" in head
    assert f"positive class {EVIL}" in head
    assert evil.locator("img").count() == 0
    assert evil.locator(f'th[title="{EVIL}"]').count() >= 2  # matrix headers
    assert evil.locator(".mlnb-ie-cmgrid th").first.is_visible()
    # The output area holds no element the label could have created either.
    assert lp.page.locator(".jp-OutputArea img[src='x']").count() == 0
    # An <img> with a broken src would fire onerror within a moment.
    lp.page.wait_for_timeout(500)
    assert lp.page.evaluate("() => window.__xss === undefined")
    assert lp.errors == [], lp.errors
