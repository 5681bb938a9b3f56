"""ImbalanceExplorer without a browser: build it, set traits as the view would, and
check the derived traits against scikit-learn; check the display bundle, the size of
what goes to the browser, and bad inputs.

The real rendering is checked in Chromium by tests/ui/test_imbalance_widget.py.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
)
from widgetkit import (
    EVIL,
    assert_nbconvert_shows_static_fallback,
    assert_view_code_is_safe,
    browser_sets,
    sent_keys,
)

import mlnb
from mlnb.checklist import session
from mlnb.checklist.result import MIME_TYPE

pytest.importorskip("anywidget")

from mlnb.widgets.imbalance import ImbalanceExplorer  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def fraud_like(n: int = 4_000, share: float = 0.03, seed: int = 7):
    """Labels with about ``share`` positives and overlapping probability scores."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < share).astype(np.int64)
    y[:2] = [0, 1]
    logit = rng.normal(size=n) + 2.5 * y - 3.0
    return y, 1.0 / (1.0 + np.exp(-logit))


# One widget shared by the property tests (hypothesis dislikes function fixtures).
_Y, _S = fraud_like()
_SHARED = ImbalanceExplorer(_Y, _S)


@pytest.fixture
def data():
    return fraud_like()


@pytest.fixture
def widget(data):
    y, s = data
    return ImbalanceExplorer(y, s)


def oracle_point(y, s, t, *, pos_label=1, sample_weight=None):
    """Confusion matrix and rates at threshold ``t`` by scikit-learn."""
    y_pred = np.where(s >= t, pos_label, _other(y, pos_label))
    labels = [_other(y, pos_label), pos_label]
    tn, fp, fn, tp = confusion_matrix(
        y, y_pred, labels=labels, sample_weight=sample_weight
    ).ravel()
    kw = {"pos_label": pos_label, "zero_division": 0, "sample_weight": sample_weight}
    return {
        "tn": tn,
        "fp": fp,
        "fn": fn,
        "tp": tp,
        "precision": precision_score(y, y_pred, **kw),
        "recall": recall_score(y, y_pred, **kw),
        "f1": f1_score(y, y_pred, **kw),
        "fpr": fp / (fp + tn),
    }


def _other(y, pos_label):
    return next(v for v in np.unique(y) if v != pos_label)


def assert_point(point: dict, expected: dict) -> None:
    for key, value in expected.items():
        assert point[key] == pytest.approx(float(value), abs=1e-9), key


# -- initial state ---------------------------------------------------------------------
def test_initial_state_matches_oracles(widget, data):
    y, s = data
    ds = widget.data_summary
    counts = np.bincount(y)
    assert [c["label"] for c in ds["classes"]] == ["0", "1"]
    assert [c["count"] for c in ds["classes"]] == counts.tolist()
    assert ds["majority_accuracy"] == pytest.approx(counts.max() / len(y))
    weights = len(y) / (2 * counts)
    assert [c["class_weight"] for c in ds["classes"]] == pytest.approx(weights)
    assert ds["initial_bias"] == pytest.approx(np.log(counts[1] / counts[0]))
    assert ds["recommended_objective"] == "auc_pr"
    assert widget.objective == "auc_pr"
    assert ds["status"] == "warn"
    assert ds["trap"].startswith("Always predicting 0 scores ")
    assert "accuracy is the wrong yardstick here" in ds["trap"]
    assert f"{counts[0] / len(y):.1%}" in ds["trap"]

    ms = widget.model_summary
    assert ms["roc_auc"] == pytest.approx(roc_auc_score(y, s))
    assert ms["average_precision"] == pytest.approx(average_precision_score(y, s))
    assert ms["prevalence"] == pytest.approx(y.mean())
    assert widget.has_model is True
    assert widget.threshold == 0.5
    assert widget.threshold_source == "initial"
    assert (widget.threshold_min, widget.threshold_max) == (0.0, 1.0)
    assert_point(widget.operating_point, oracle_point(y, s, 0.5))
    assert widget.error == ""
    # the step's status is the worst side's: the data warns, the model passes
    assert ms["status"] == widget.thresholds_result.status == "pass"
    assert ds["decided_by"] == widget.imbalance_result.decided_by
    assert ds["decided_by"].startswith("imbalance_ratio ")
    assert ms["decided_by"] == widget.thresholds_result.decided_by
    assert widget.status == "warn"
    assert widget.summary == widget.imbalance_result.summary


def test_curve_and_histogram_are_the_results_aggregates(widget, data):
    y, s = data
    r = widget.thresholds_result
    expected_curve = r.curve_points(n=101)
    assert set(widget.curve) == set(expected_curve)
    for key, values in expected_curve.items():
        assert widget.curve[key] == pytest.approx(values), key
    hist = widget.histogram
    assert sum(hist["positive"]) == y.sum()
    assert sum(hist["negative"]) == len(y) - y.sum()
    expected, _ = np.histogram(s[y == 1], bins=np.asarray(hist["edges"]))
    assert hist["positive"] == expected.tolist()


# -- threshold slider ------------------------------------------------------------------
@pytest.mark.parametrize("t", [0.0, 0.05, 0.1, 0.3, 0.5, 0.77, 1.0])
def test_threshold_updates_confusion_matrix(widget, data, t):
    y, s = data
    widget.threshold = t
    assert_point(widget.operating_point, oracle_point(y, s, t))
    assert widget.operating_point["threshold"] == t
    # setting the value it already has is no change
    assert widget.threshold_source == ("initial" if t == 0.5 else "manual")


@given(st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_threshold_property_against_sklearn(t):
    _SHARED.threshold = t
    assert_point(_SHARED.operating_point, oracle_point(_Y, _S, t))


def test_threshold_at_an_exact_score_counts_it_as_positive(widget, data):
    y, s = data
    t = float(np.sort(s)[-10])
    widget.threshold = t
    assert widget.operating_point["tp"] + widget.operating_point["fp"] == 10


def test_browser_threshold_update_sends_derived_traits_back(widget, data):
    y, s = data
    widget.target_recall = 0.6
    messages = browser_sets(widget, threshold=0.2)
    sent = sent_keys(messages)
    assert {"operating_point", "target_recall", "threshold_source"} <= sent
    assert "threshold" not in sent  # the view already has it
    assert widget.target_recall is None
    assert_point(widget.operating_point, oracle_point(y, s, 0.2))


# -- targets ---------------------------------------------------------------------------
@pytest.mark.parametrize("target", [0.1, 0.5, 0.8, 0.95, 1.0])
def test_target_recall_sets_threshold(widget, data, target):
    y, s = data
    messages = browser_sets(widget, target_recall=target)
    sent = sent_keys(messages)
    assert {"threshold", "operating_point", "threshold_source"} <= sent
    precision, recall, thr = precision_recall_curve(y, s)
    ok = recall[:-1] >= target
    best = precision[:-1][ok].max()
    point = widget.operating_point
    assert point["recall"] >= target
    assert point["precision"] == pytest.approx(best)
    candidates = thr[ok & np.isclose(precision[:-1], best)]
    assert np.isclose(candidates, widget.threshold).any()
    assert_point(point, oracle_point(y, s, widget.threshold))
    assert widget.threshold_source == "recall"
    assert widget.target_recall == target
    assert widget.error == ""


@pytest.mark.parametrize("target", [0.2, 0.4, 0.6])
def test_target_precision_sets_threshold(widget, data, target):
    y, s = data
    widget.target_recall = 0.5
    browser_sets(widget, target_precision=target)
    precision, recall, thr = precision_recall_curve(y, s)
    ok = precision[:-1] >= target
    best = recall[:-1][ok].max()
    point = widget.operating_point
    assert point["precision"] >= target - 1e-12
    assert point["recall"] == pytest.approx(best)
    assert_point(point, oracle_point(y, s, widget.threshold))
    assert widget.threshold_source == "precision"
    assert widget.target_recall is None  # the other target is cleared
    assert widget.target_precision == target


def test_moving_the_slider_clears_targets(widget):
    widget.target_precision = 0.3
    assert widget.threshold_source == "precision"
    browser_sets(widget, threshold=0.4)
    assert widget.target_precision is None
    assert widget.target_recall is None
    assert widget.cost_ratio is None
    assert widget.threshold_source == "manual"


def test_unreachable_precision_shows_error_and_keeps_threshold():
    y = np.array([0, 1, 0, 1, 0, 0, 0, 0])
    s = np.array([0.99, 0.9, 0.8, 0.7, 0.3, 0.2, 0.1, 0.05])  # top score: a negative
    w = ImbalanceExplorer(y, s)
    before = dict(w.operating_point)
    w.target_precision = 1.0
    assert "no threshold reaches precision 1.0" in w.error
    assert w.threshold == 0.5
    assert w.operating_point == before
    w.target_recall = 1.0
    assert w.error == ""
    assert w.operating_point["recall"] == 1.0


def test_target_outside_unit_interval_shows_error(widget):
    widget.target_recall = 80.0  # a percentage by mistake
    assert "recall must be in [0, 1]" in widget.error
    assert widget.threshold == 0.5


@pytest.mark.parametrize("ratio", [1.0, 10.0, 50.0])
def test_cost_ratio_picks_the_cheapest_threshold(widget, data, ratio):
    y, s = data
    browser_sets(widget, cost_ratio=ratio)
    # brute force over every distinct score, plus "flag nothing"
    candidates = np.r_[np.unique(s), np.inf]
    pos = s[y == 1]
    neg = s[y == 0]
    fn = np.searchsorted(np.sort(pos), candidates, side="left")
    fp = len(neg) - np.searchsorted(np.sort(neg), candidates, side="left")
    best = (ratio * fn + fp).min()
    point = widget.operating_point
    assert ratio * point["fn"] + point["fp"] == pytest.approx(best)
    assert widget.threshold_source == "cost"
    assert widget.cost_ratio == ratio


def test_negative_cost_ratio_shows_error(widget):
    widget.cost_ratio = -1.0
    assert "cost_fn must be a finite number >= 0" in widget.error


# -- objective -------------------------------------------------------------------------
def test_objective_notes(widget):
    objectives = widget.data_summary["objectives"]
    assert set(objectives) == {"auc_pr", "auc_roc", "log_loss"}
    assert [k for k, o in objectives.items() if o["fits"]] == ["auc_pr"]
    assert widget.objective_note.startswith("AUC-PR")
    assert "Fits this data" in widget.objective_note
    widget.objective = "auc_roc"
    assert "Not the best fit for this data" in widget.objective_note
    assert "AUC-PR (precision-recall) is recommended" in widget.objective_note
    from traitlets import TraitError

    with pytest.raises(TraitError):
        widget.objective = "accuracy"


def test_balanced_data_recommends_auc_roc_and_has_no_trap():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 1_000)
    w = ImbalanceExplorer(y, rng.random(1_000))
    assert w.objective == "auc_roc"
    assert w.data_summary["trap"] == ""
    assert w.data_summary["status"] == "pass"


# -- display bundle --------------------------------------------------------------------
def test_mimebundle_has_widget_view_static_fallback_and_record(widget):
    data, metadata = widget._repr_mimebundle_()
    assert data[WIDGET_VIEW]["model_id"] == widget.model_id
    assert isinstance(metadata, dict)
    png = base64.b64decode(data["image/png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    html = data["text/html"]
    assert "static snapshot" in html
    assert "data:image/png;base64," + data["image/png"] in html
    assert "<script" not in html.lower()
    record = data[MIME_TYPE]
    assert record["step"] == "imbalance"
    assert record["check"] == "imbalance"  # the data side warns, the model passes
    assert record["status"] == widget.status == "warn"
    assert record["protocol_version"] == 2
    json.dumps(record)  # JSON-safe
    assert data["text/plain"].startswith("<ImbalanceExplorer step 4 (imbalance)")


def test_mimebundle_shows_the_current_operating_point(widget):
    widget.target_recall = 0.9
    html = widget._repr_mimebundle_()[0]["text/html"]
    assert f"at threshold {widget.threshold:.4g}" in html


def test_mimebundle_respects_include_exclude(widget):
    data, _ = widget._repr_mimebundle_(exclude=["image/png"])
    assert "image/png" not in data and "text/html" in data
    data, _ = widget._repr_mimebundle_(include=[MIME_TYPE])
    assert list(data) == [MIME_TYPE]


def test_malicious_label_is_escaped_in_the_fallback():
    rng = np.random.default_rng(5)
    y = np.where(rng.random(600) < 0.05, EVIL, "ok$x_$")
    y[:2] = [EVIL, "ok$x_$"]
    s = rng.random(600) + (y == EVIL)
    w = ImbalanceExplorer(y, s, positive_label=EVIL)
    data, _ = w._repr_mimebundle_()
    html = data["text/html"]
    assert EVIL not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "image/png" in data  # "$...$" in a label does not break matplotlib
    # the raw label reaches the view as data; the view sets it with textContent
    assert EVIL in [c["label"] for c in w.data_summary["classes"]]
    assert w.model_summary["positive_label"] == EVIL


def test_view_code_never_uses_innerhtml_or_remote_code():
    assert_view_code_is_safe(ImbalanceExplorer, "imbalance", "mlnb-ie-card")


def test_nbconvert_uses_the_static_fallback(widget):
    assert_nbconvert_shows_static_fallback(widget)


# -- what goes to the browser ----------------------------------------------------------
def _state_size(w: ImbalanceExplorer) -> int:
    state = w.get_state()
    for code in ("_esm", "_css"):
        state.pop(code)
    return len(json.dumps(state))


def test_state_stays_small_for_a_million_rows():
    y, s = fraud_like(n=1_000_000, share=0.02, seed=11)
    w = ImbalanceExplorer(y, s)
    big = _state_size(w)
    assert big < 64 * 1024
    small = _state_size(ImbalanceExplorer(*fraud_like(n=5_000, share=0.02, seed=11)))
    assert big < 1.5 * small + 2_048  # does not grow with the rows
    w.target_recall = 0.9
    assert _state_size(w) < 64 * 1024
    assert len(w.curve["threshold"]) <= 2 * 101 + 1


# -- inputs ----------------------------------------------------------------------------
def test_mismatched_lengths_raise_and_publish_nothing():
    with pytest.raises(mlnb.MlnbError, match="same length"):
        ImbalanceExplorer([0, 1, 0, 1], [0.1, 0.2, 0.3])
    assert session.latest("imbalance") is None


def test_bad_inputs_raise_mlnb_errors():
    with pytest.raises(mlnb.MlnbValueError, match="labels are missing"):
        ImbalanceExplorer()
    with pytest.raises(mlnb.MlnbValueError, match="data="):
        ImbalanceExplorer([0, 1], label="y")
    with pytest.raises(mlnb.MlnbError, match="positive_label"):
        ImbalanceExplorer(["a", "b", "a"], [0.1, 0.2, 0.3])
    with pytest.raises(mlnb.DataValidationError, match="NaN"):
        ImbalanceExplorer([0, 1, 0], [0.1, np.nan, 0.3])
    with pytest.raises(mlnb.DataValidationError, match="single class"):
        ImbalanceExplorer([1, 1, 1])


def test_string_labels_with_positive_label():
    rng = np.random.default_rng(9)
    y = np.where(rng.random(3_000) < 0.04, "fraud", "legit")
    y[:2] = ["fraud", "legit"]
    s = rng.random(3_000) * 0.7 + 0.3 * (y == "fraud")
    w = ImbalanceExplorer(y, s, positive_label="fraud")
    assert w.model_summary["positive_label"] == "fraud"
    assert w.model_summary["negative_label"] == "legit"
    assert w.data_summary["trap"].startswith("Always predicting “legit” scores")
    for t in (0.2, 0.5, 0.8):
        w.threshold = t
        assert_point(w.operating_point, oracle_point(y, s, t, pos_label="fraud"))


def test_dataframe_columns_and_sample_weight():
    pd = pytest.importorskip("pandas")
    y, s = fraud_like(n=2_000, seed=4)
    wts = np.random.default_rng(4).uniform(0.5, 2.0, len(y))
    df = pd.DataFrame({"is_fraud": y, "p": s, "w": wts})
    w = ImbalanceExplorer(data=df, label="is_fraud", score="p", sample_weight="w")
    assert w.data_summary["label_name"] == "is_fraud"
    w.threshold = 0.3
    expected = oracle_point(y, s, 0.3, sample_weight=wts)
    assert_point(w.operating_point, expected)
    # a DataFrame as the first argument works the same
    w2 = ImbalanceExplorer(df, label="is_fraud", score="p")
    assert w2.has_model
    with pytest.raises(mlnb.MlnbValueError, match="not in the data"):
        ImbalanceExplorer(data=df, label="nope")


def test_decision_values_set_the_slider_range():
    y, s = fraud_like(n=1_000, seed=2)
    z = np.log(s / (1 - s))  # logits: not probabilities
    w = ImbalanceExplorer(y, z, threshold=0.0)
    assert w.threshold_min == pytest.approx(z.min())
    assert w.threshold_max == pytest.approx(z.max())
    assert w.model_summary["log_loss"] is None
    assert_point(w.operating_point, oracle_point(y, z, 0.0))


# -- data-only mode, from_results, publishing ------------------------------------------
def test_data_only_mode():
    y = np.array([0] * 970 + [1] * 30)
    w = ImbalanceExplorer(y)
    assert w.has_model is False
    assert w.curve == {} and w.operating_point == {} and w.model_summary == {}
    assert w.thresholds_result is None and w.at() is None
    assert w.status == "warn"
    assert w.data_summary["trap"] == (
        "Always predicting 0 scores 97.0% accuracy — accuracy is the wrong "
        "yardstick here"
    )
    w.threshold = 0.3  # nothing to update, no error
    assert w.error == ""
    w.target_recall = 0.8
    assert "y_score" in w.error
    data, _ = w._repr_mimebundle_()
    assert data[MIME_TYPE]["check"] == "imbalance"
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    assert session.latest("imbalance")["check"] == "imbalance"


def test_publishes_data_then_model_record(widget):
    rec = session.latest("imbalance")
    data_rec, model_rec = widget.records()
    assert (data_rec["check"], model_rec["check"]) == ("imbalance", "thresholds")
    assert rec["check"] == "thresholds" and rec == model_rec


@pytest.mark.parametrize(
    "share, separation, data_status, model_status, check",
    [
        (0.03, 2.5, "warn", "pass", "imbalance"),  # a good model on rare positives
        (0.5, 0.0, "pass", "fail", "thresholds"),  # balanced data, a useless model
        (0.5, 3.0, "pass", "pass", "thresholds"),  # a tie: the model side's record
        (0.03, 0.0, "warn", "fail", "thresholds"),
    ],
)
def test_status_and_record_are_the_worse_side(
    share, separation, data_status, model_status, check
):
    """A passing model never hides an imbalance warning, nor the reverse: the
    widget's status and the record its display carries are the worse side's."""
    rng = np.random.default_rng(1)
    y = (rng.random(3_000) < share).astype(int)
    y[:2] = [0, 1]
    s = 1 / (1 + np.exp(-(rng.normal(size=len(y)) + separation * y)))
    w = ImbalanceExplorer(y, s)
    assert w.data_summary["status"] == data_status
    assert w.model_summary["status"] == model_status
    worst = max(data_status, model_status, key=["pass", "warn", "fail"].index)
    assert w.status == worst
    bundle, _ = w._repr_mimebundle_(include=[MIME_TYPE])
    assert bundle[MIME_TYPE]["check"] == check
    assert bundle[MIME_TYPE]["status"] == worst
    assert w.summary == bundle[MIME_TYPE]["summary"]
    assert repr(w).startswith(f"<ImbalanceExplorer step 4 (imbalance): {worst.upper()}")


def test_from_results(data):
    y, s = data
    imb = mlnb.imbalance(y, publish=False)
    thr = mlnb.thresholds(y, s, threshold=0.3, publish=False)
    w = ImbalanceExplorer.from_results(imb, thr)
    assert session.latest("imbalance") is None  # nothing republished
    assert w.imbalance_result is imb and w.thresholds_result is thr
    assert w.threshold == 0.3
    assert_point(w.operating_point, oracle_point(y, s, 0.3))
    w.target_recall = 0.7
    assert w.operating_point["recall"] >= 0.7
    only = ImbalanceExplorer.from_results(imb)
    assert only.has_model is False
    with pytest.raises(mlnb.MlnbValueError, match="mlnb.imbalance"):
        ImbalanceExplorer.from_results(thr)
    flipped = mlnb.thresholds(1 - y, s, publish=False)
    imb_flipped = mlnb.imbalance(np.where(y == 1, "a", "b"), positive_label="a")
    with pytest.raises(mlnb.MlnbValueError, match="positive class"):
        ImbalanceExplorer.from_results(imb_flipped, flipped)


def test_lazy_access_and_light_import():
    assert mlnb.ImbalanceExplorer is ImbalanceExplorer
    code = (
        "import sys, mlnb, mlnb.widgets; "
        "bad = [m for m in ('anywidget', 'ipywidgets', 'matplotlib') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
