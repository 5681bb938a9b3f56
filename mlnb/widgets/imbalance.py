"""``ImbalanceExplorer``: step 4 (an imbalanced dataset) as an interactive widget.

The data side comes from :func:`mlnb.imbalance` (class distribution, the accuracy
trap, class weights, the objective to optimise, remedies); the model side, when
scores are given, from :func:`mlnb.thresholds` (ROC and precision-recall curves, the
confusion matrix at a threshold, a target recall or precision, the cheapest
threshold for a cost ratio).

The widget never computes a metric itself: its observers call the result objects'
methods and write what they return into synced traits. Only aggregates reach the
browser (about 200 curve points and a 40-bin histogram, whatever the data size).
Where widgets cannot render, the display falls back to the result cards as HTML and
a PNG of the charts.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets as t

from ..checklist.result import worst_status
from ..checks.imbalance import (
    ImbalanceResult,
    OperatingPoint,
    ThresholdsResult,
    imbalance,
    thresholds,
)
from ..core import frames
from ..core.jsonsafe import jsonable
from ..errors import MlnbError, MlnbValueError
from ..render import html as H
from .assets import widget_css, widget_esm
from .fallback import StaticFallback
from .quiet import QuietWrites

__all__ = ["ImbalanceExplorer", "OBJECTIVES"]

#: Number of operating points sent for the curves and bins for the score histogram.
CURVE_POINTS = 101
HISTOGRAM_BINS = 40

#: The objectives a user can choose between: id -> (name, what it measures).
OBJECTIVES: dict[str, tuple[str, str]] = {
    "auc_pr": (
        "AUC-PR (precision-recall)",
        "AUC-PR scores how well the model finds positives without raising false "
        "alarms; true negatives do not count.",
    ),
    "auc_roc": (
        "AUC-ROC",
        "AUC-ROC scores how often a random positive is ranked above a random "
        "negative; with a rare positive class its many true negatives make a model "
        "look better than it is.",
    ),
    "log_loss": (
        "log loss",
        "Log loss scores the predicted probabilities themselves, so it rewards "
        "calibration rather than ranking.",
    ),
}

_SOURCES = ("initial", "manual", "recall", "precision", "cost")
_TARGETS = {"recall": "target_recall", "precision": "target_precision"}
_NO_SCORES = (
    "no model scores: pass y_score=… (or score='column' with data=…) to explore "
    "thresholds"
)


def _label_text(value: Any) -> str:
    """A class label as people read it: numbers bare, strings in quotes."""
    return f"“{value}”" if isinstance(value, str) else str(value)


class ImbalanceExplorer(QuietWrites, StaticFallback, anywidget.AnyWidget):
    """Explore a class imbalance and a classifier's operating threshold.

    Without scores the widget shows the data side: the class distribution with the
    accuracy trap, balanced class weights, the initial output bias, the recommended
    objective and the remedies. With scores it adds the model side: ROC and
    precision-recall curves with the operating point, the scores per class, and the
    confusion matrix, precision, recall, F1 and false positive rate at a threshold
    that a slider, a target recall, a target precision or a cost ratio sets.

    Parameters
    ----------
    y:
        True labels (array-like or Series), or a table (pandas or polars DataFrame,
        pyarrow Table, dict of arrays) with ``label=``.
    y_score:
        Scores, higher meaning more likely positive (probabilities or decision
        values). Leave out for the data side only.
    data:
        A table holding the columns named by ``label``, ``score`` (and
        ``sample_weight`` when it names a column).
    label, score:
        Column names in ``data`` (any hashable: ``"y"``, ``0``, a tuple).
    positive_label:
        The positive class (defaults to 1/True for 0/1 and boolean labels). With
        more than two classes it makes the check "this class vs the rest".
    sample_weight:
        Optional weight per row for the model-side metrics (array-like or a column
        name of ``data``). The class distribution counts rows.
    threshold:
        The initial threshold (``score >= threshold`` predicts positive).

    Attributes
    ----------
    threshold : float
        The operating threshold (the slider). Setting it clears the targets.
    threshold_min, threshold_max : float
        The slider's range: 0..1 for probabilities, else the score range.
    target_recall, target_precision : float or None
        Setting one moves the threshold to the best precision at that recall (or
        the best recall at that precision) and clears the other targets.
    cost_ratio : float or None
        Cost of a missed positive per false alarm; setting it moves the threshold
        to the one with the lowest expected cost.
    threshold_source : str
        What set the threshold: ``"initial"``, ``"manual"``, ``"recall"``,
        ``"precision"`` or ``"cost"``.
    objective : str
        ``"auc_pr"``, ``"auc_roc"`` or ``"log_loss"``; starts at the recommended
        one. ``data_summary["objectives"]`` explains each and says if it fits.
    has_model : bool
        Whether scores were given.
    data_summary, model_summary, curve, histogram, operating_point : dict
        Aggregates the view draws (JSON-safe, small).
    status, summary : str
        The step's status — the worst of the data side's and the model side's, so
        a passing model never hides an imbalance warning — and the summary of the
        side that has it (the model's on a tie). ``data_summary["status"]`` and
        ``model_summary["status"]`` hold each side's own status.
    error : str
        Why the last target could not be met ("" when it was).

    Raises
    ------
    MlnbError
        Whatever :func:`mlnb.imbalance` and :func:`mlnb.thresholds` raise for bad
        input (mismatched lengths, one class, string labels without
        ``positive_label``, NaN scores, ...).

    Notes
    -----
    Displaying the widget gives the widget view plus, for places without a widget
    manager, ``text/html`` (the result cards and a PNG of the charts),
    ``image/png`` and the step's status record. nbconvert's HTML export uses the
    HTML fallback unless the notebook saved the widget state (nbclient does when it
    executes a notebook); then it embeds the live widget, whose JavaScript it loads
    from a CDN. For the static cards instead, run ``jupyter nbconvert --to html
    --NbConvertBase.display_data_priority='["text/html", "image/png",
    "text/plain"]'``. Markdown export uses the HTML, LaTeX/PDF the PNG. The
    fallback shows the state at the time of display.

    Examples
    --------
    >>> import mlnb
    >>> w = mlnb.ImbalanceExplorer(y_test, proba[:, 1])  # doctest: +SKIP
    >>> w.target_recall = 0.9  # doctest: +SKIP
    >>> w.operating_point["precision"]  # doctest: +SKIP
    """

    _esm = widget_esm("imbalance")
    _css = widget_css("imbalance", prefix="mlnb-ie")

    # -- set by the view (or by Python) ---------------------------------------------
    threshold = t.Float(0.5).tag(sync=True)
    target_recall = t.Float(None, allow_none=True).tag(sync=True)
    target_precision = t.Float(None, allow_none=True).tag(sync=True)
    cost_ratio = t.Float(None, allow_none=True).tag(sync=True)
    objective = t.Enum(tuple(OBJECTIVES), default_value="auc_pr").tag(sync=True)

    # -- written by the observers, drawn by the view ----------------------------------
    threshold_min = t.Float(0.0).tag(sync=True)
    threshold_max = t.Float(1.0).tag(sync=True)
    threshold_source = t.Enum(_SOURCES, default_value="initial").tag(sync=True)
    has_model = t.Bool(False).tag(sync=True)
    data_summary = t.Dict().tag(sync=True)
    model_summary = t.Dict().tag(sync=True)
    curve = t.Dict().tag(sync=True)
    histogram = t.Dict().tag(sync=True)
    operating_point = t.Dict().tag(sync=True)
    status = t.Unicode("info").tag(sync=True)
    summary = t.Unicode("").tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __init__(
        self,
        y: Any = None,
        y_score: Any = None,
        *,
        data: Any = None,
        label: Any = None,
        score: Any = None,
        positive_label: Any = None,
        sample_weight: Any = None,
        threshold: float = 0.5,
    ) -> None:
        if data is None and frames.is_table(y):
            data, y = y, None
        if data is not None:
            if y is not None:
                raise MlnbValueError(
                    "pass either the labels y or data=… with label='column', not both"
                )
            if label is None:
                raise MlnbValueError(
                    "with data=…, name the label column: "
                    "ImbalanceExplorer(data=df, label='y', score='p')"
                )
            y = frames.get_column(data, label, role="label")
            if score is not None:
                if y_score is not None:
                    raise MlnbValueError(
                        "pass either y_score or score='column', not both"
                    )
                y_score = frames.get_column(data, score, role="score")
            sample_weight = frames.column_or_values(
                data, sample_weight, role="sample_weight"
            )
        elif y is None:
            raise MlnbValueError(
                "the labels are missing: ImbalanceExplorer(y, y_score) or "
                "ImbalanceExplorer(data=df, label='y', score='p')"
            )
        elif label is not None or score is not None:
            raise MlnbValueError(
                "label= and score= name columns, so pass the table as data=…; "
                "or pass the values themselves as y and y_score"
            )
        # Validate everything before publishing anything, so a bad call leaves the
        # session's checklist as it was.
        data_result = imbalance(
            y if data is None else data,
            label=label,
            positive_label=positive_label,
            publish=False,
        )
        model_result = None
        if y_score is not None:
            model_result = thresholds(
                y,
                y_score,
                positive_label=positive_label,
                sample_weight=sample_weight,
                threshold=threshold,
                publish=False,
            )
        data_result.publish()
        if model_result is not None:
            model_result.publish()
        self._setup(data_result, model_result, threshold)

    @classmethod
    def from_results(
        cls,
        imbalance_result: ImbalanceResult,
        thresholds_result: ThresholdsResult | None = None,
        *,
        threshold: float | None = None,
    ) -> ImbalanceExplorer:
        """A widget over results already computed by :func:`mlnb.imbalance` and
        :func:`mlnb.thresholds` (nothing is recomputed or republished).

        ``threshold`` defaults to the thresholds result's own threshold.
        """
        if not isinstance(imbalance_result, ImbalanceResult):
            raise MlnbValueError(
                "imbalance_result must be what mlnb.imbalance() returns; got "
                f"{type(imbalance_result).__name__}"
            )
        if thresholds_result is not None:
            if not isinstance(thresholds_result, ThresholdsResult):
                raise MlnbValueError(
                    "thresholds_result must be what mlnb.thresholds() returns (or "
                    f"None); got {type(thresholds_result).__name__}"
                )
            pos = imbalance_result.positive_label
            if pos is not None and pos != thresholds_result.positive_label:
                raise MlnbValueError(
                    f"the results disagree on the positive class: imbalance has "
                    f"{pos!r}, thresholds has {thresholds_result.positive_label!r}. "
                    "Pass the same positive_label to both."
                )
        if threshold is None:
            threshold = (
                thresholds_result.threshold if thresholds_result is not None else 0.5
            )
        self = cls.__new__(cls)
        self._setup(imbalance_result, thresholds_result, threshold)
        return self

    # -- the results behind the widget ------------------------------------------------
    @property
    def imbalance_result(self) -> ImbalanceResult:
        """The data side, as :func:`mlnb.imbalance` returned it."""
        return self._imb

    @property
    def thresholds_result(self) -> ThresholdsResult | None:
        """The model side, as :func:`mlnb.thresholds` returned it (None without
        scores)."""
        return self._thr

    def at(self) -> OperatingPoint | None:
        """The operating point at the current threshold (None without scores)."""
        return None if self._thr is None else self._thr.at(self.threshold)

    @property
    def objective_note(self) -> str:
        """The one-line explanation of the chosen objective the view shows."""
        o = self.data_summary["objectives"][self.objective]
        return f"{o['explanation']} {o['verdict']}"

    def record(self) -> dict[str, Any]:
        """The status record the display carries for the checklist: the record of
        the side whose status is the step's (the worse; the model's on a tie), so
        the step never shows better than its worst check."""
        return self._main().record()

    def records(self) -> list[dict[str, Any]]:
        """Both sides' status records: the data side's, then the model side's."""
        return [r.record() for r in (self._imb, self._thr) if r is not None]

    def _main(self) -> ImbalanceResult | ThresholdsResult:
        """The result whose status is the step's: the worse side (model on a tie)."""
        if self._thr is None:
            return self._imb
        if worst_status(self._imb.status, self._thr.status) == self._thr.status:
            return self._thr
        return self._imb

    # -- set-up ------------------------------------------------------------------------
    def _setup(
        self,
        imb: ImbalanceResult,
        thr: ThresholdsResult | None,
        threshold: float,
    ) -> None:
        """Compute every trait first, then open the widget with them: the browser
        gets the full state in one message."""
        self._imb = imb
        self._thr = thr
        main = self._main()
        state: dict[str, Any] = {
            "data_summary": _data_summary(imb),
            "objective": imb.recommended_objective,
            "has_model": thr is not None,
            "status": main.status,
            "summary": main.summary,
            "threshold": float(threshold),
            "threshold_source": "initial",
        }
        if thr is not None:
            histogram = jsonable(thr.score_histogram(bins=HISTOGRAM_BINS))
            state.update(
                model_summary=_model_summary(thr),
                curve=jsonable(thr.curve_points(n=CURVE_POINTS)),
                histogram=histogram,
                threshold_min=float(histogram["edges"][0]),
                threshold_max=float(histogram["edges"][-1]),
                operating_point=thr.at(threshold).to_dict(),
            )
        with self._internal():
            anywidget.AnyWidget.__init__(self, **state)

    # -- observers: call the result's methods, write traits -------------------------
    @t.observe("threshold")
    def _on_threshold(self, change: dict[str, Any]) -> None:
        if self._quiet or self._thr is None:
            return
        try:
            point = self._thr.at(change["new"])
        except MlnbError as exc:
            self.error = str(exc)
            return
        with self._internal(), self.hold_sync():
            self.target_recall = None
            self.target_precision = None
            self.cost_ratio = None
            self.threshold_source = "manual"
            self.operating_point = point.to_dict()
            self.error = ""

    @t.observe("target_recall")
    def _on_target_recall(self, change: dict[str, Any]) -> None:
        value = change["new"]
        if not self._quiet and value is not None:
            self._pin("recall", lambda r: r.operating_point(recall=value))

    @t.observe("target_precision")
    def _on_target_precision(self, change: dict[str, Any]) -> None:
        value = change["new"]
        if not self._quiet and value is not None:
            self._pin("precision", lambda r: r.operating_point(precision=value))

    @t.observe("cost_ratio")
    def _on_cost_ratio(self, change: dict[str, Any]) -> None:
        value = change["new"]
        if not self._quiet and value is not None:
            self._pin("cost", lambda r: r.best_threshold(cost_fn=value, cost_fp=1.0))

    def _pin(
        self, source: str, find: Callable[[ThresholdsResult], OperatingPoint]
    ) -> None:
        """Move the threshold to the point ``find`` returns; keep the trait that
        asked for it, clear the other targets."""
        if self._thr is None:
            self.error = _NO_SCORES
            return
        try:
            point = find(self._thr)
        except MlnbError as exc:
            self.error = str(exc)
            return
        keep = _TARGETS.get(source, "cost_ratio")
        with self._internal(), self.hold_sync():
            for name in ("target_recall", "target_precision", "cost_ratio"):
                if name != keep:
                    setattr(self, name, None)
            self.threshold = point.threshold
            self.threshold_source = source
            self.operating_point = point.to_dict()
            self.error = ""

    # -- display -----------------------------------------------------------------------
    def __repr__(self) -> str:
        if getattr(self, "_imb", None) is None:
            return "<ImbalanceExplorer (not set up)>"
        main = self._main()
        return (
            f"<ImbalanceExplorer step 4 (imbalance): {main.status.upper()} — "
            f"{main.summary}>"
        )

    def _static_png(self) -> str | None:
        """The charts as a base64 PNG (matplotlib without pyplot), or None when
        drawing fails — the fallback must never stop the widget from showing."""
        try:
            from ..render import imbalance as drawings
            from ..render import plots

            if self._thr is None:
                fig, ax = plots.new_axes(figsize=(5.0, 3.0))
                drawings.class_distribution(self._imb, ax=ax)
            else:
                fig, axes = plots.new_axes(figsize=(12.0, 3.3), ncols=3)
                drawings.class_distribution(self._imb, ax=axes[0])
                drawings.threshold_curves(
                    self._thr, ax=axes[1:], threshold=self.threshold
                )
            return plots.figure_png_base64(fig)
        except Exception as exc:  # noqa: BLE001 - report, keep the widget working
            warnings.warn(
                f"ImbalanceExplorer could not draw its static PNG: {exc}",
                RuntimeWarning,
                stacklevel=3,
            )
            return None

    def _static_html(self, png: str | None) -> str:
        parts = [
            '<div class="mlnb-widget-fallback">',
            '<div style="font-size:12px;color:var(--jp-ui-font-color2, #555)">'
            "ImbalanceExplorer — static snapshot; the interactive view needs a "
            "running Jupyter kernel.</div>",
            self._imb._repr_html_(),
        ]
        if self._thr is not None:
            parts.append(self._thr._repr_html_())
            if self.threshold != self._thr.threshold and self.operating_point:
                parts.append(_point_table(self.operating_point, self._thr))
        if png:
            alt = (
                "Class distribution with the accuracy trap"
                if self._thr is None
                else "Class distribution, ROC curve and precision-recall curve "
                f"with the operating point at threshold {self.threshold:.4g}"
            )
            parts.append(H.image_png(png, alt=alt, width=860 if self._thr else 420))
        parts.append("</div>")
        return "".join(parts)


# -- aggregates sent to the view -------------------------------------------------------
def _data_summary(r: ImbalanceResult) -> dict[str, Any]:
    positive = None if r.positive_label is None else str(r.positive_label)
    trap = ""
    if r.degree in ("moderate", "extreme"):
        trap = (
            f"Always predicting {_label_text(r.majority_label)} scores "
            f"{r.majority_accuracy:.1%} accuracy — accuracy is the wrong yardstick "
            "here"
        )
    classes = [
        {
            "label": str(k),
            "count": r.counts[k],
            "share": r.shares[k],
            "class_weight": r.class_weight[k],
            "majority": k == r.majority_label,
            "minority": k == r.minority_label,
            "positive": r.positive_label is not None and k == r.positive_label,
        }
        for k in r.counts
    ]
    recommended = r.recommended_objective
    objectives = {}
    for key, (name, explanation) in OBJECTIVES.items():
        fits = key == recommended
        if fits:
            verdict = f"Fits this data: {r.objective_reason}."
        else:
            verdict = (
                f"Not the best fit for this data: {OBJECTIVES[recommended][0]} is "
                "recommended (see its note)."
            )
        objectives[key] = {
            "name": name,
            "explanation": explanation,
            "fits": fits,
            "verdict": verdict,
        }
    return jsonable(
        {
            "label_name": r.label_name,
            "n_samples": r.n_samples,
            "n_classes": r.n_classes,
            "classes": classes,
            "counts": r.counts,
            "shares": r.shares,
            "class_weight": r.class_weight,
            "majority_label": str(r.majority_label),
            "minority_label": str(r.minority_label),
            "positive_label": positive,
            "majority_accuracy": r.majority_accuracy,
            "imbalance_ratio": r.imbalance_ratio,
            "degree": r.degree,
            "initial_bias": r.initial_bias,
            "initial_loss": r.initial_loss,
            "naive_initial_loss": r.naive_initial_loss,
            "recommended_objective": recommended,
            "objective_reason": r.objective_reason,
            "objectives": objectives,
            "remedies": list(r.remedies),
            "status": r.status,
            "decided_by": r.decided_by,
            "summary": r.summary,
            "trap": trap,
        }
    )


def _model_summary(r: ThresholdsResult) -> dict[str, Any]:
    metrics = r.record_metrics()
    return jsonable(
        {
            "roc_auc": r.roc_auc,
            "average_precision": r.average_precision,
            "prevalence": r.prevalence,
            "ap_gain": r.ap_gain,
            "log_loss": metrics["log_loss"],  # NaN -> None unless probabilities
            "n_samples": r.n_samples,
            "n_positive": r.n_positive,
            "n_negative": r.n_negative,
            "positive_label": str(r.positive_label),
            "negative_label": str(r.negative_label),
            "scores_are_probabilities": r.scores_are_probabilities,
            "weighted": r.weighted,
            "status": r.status,
            "decided_by": r.decided_by,
            "summary": r.summary,
        }
    )


def _point_table(point: dict[str, Any], r: ThresholdsResult) -> str:
    def num(v: Any) -> Any:
        return math.nan if v is None else v

    rows = [
        (f"actual {r.negative_label}", num(point["tn"]), num(point["fp"])),
        (f"actual {r.positive_label}", num(point["fn"]), num(point["tp"])),
    ]
    cm = H.table(
        rows,
        header=(
            f"at threshold {point['threshold']:.4g}",
            f"predicted {r.negative_label}",
            f"predicted {r.positive_label}",
        ),
    )
    rates = H.table(
        [
            ("precision", num(point["precision"])),
            ("recall", num(point["recall"])),
            ("F1", num(point["f1"])),
            ("false positive rate", num(point["fpr"])),
        ],
        header=("rate", "value"),
    )
    return (
        '<div style="display:flex;gap:24px;flex-wrap:wrap;margin:4px 0">'
        f"{cm}{rates}</div>"
    )
