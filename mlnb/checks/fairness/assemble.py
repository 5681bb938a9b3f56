"""Assemble a sliced-metrics result from per-slice rows: flag the slices, apply the
conditions, word the summary — the same for every engine and for re-thresholding.

The result class is passed in (``cls``), so this module does not import the result
module that calls it back (:meth:`SlicedMetrics.at_threshold`, ``with_goal``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...checklist.result import judge
from ...core import intervals as ci
from .custom import add_custom_metrics
from .judge import (
    DEFAULT_CONDITIONS,
    DEFAULT_CORRECTION,
    condition_values,
    flag_rows,
    word_summary,
)
from .tables import BinaryState, binary_table, table_rows

__all__ = ["assemble", "assemble_binary", "CHECK"]

CHECK = "sliced_metrics"


# ---------------------------------------------------------------------------------
# judge and word: the same for every engine
# ---------------------------------------------------------------------------------
def assemble(state: dict, *, publish: bool, cls: type) -> Any:
    """The result of ``state``'s rows (``rows``, ``overall_row``): flag the
    slices, apply the conditions, word the summary."""
    return _result(
        state,
        state["rows"],
        state["overall_row"],
        threshold=state.get("threshold"),
        publish=publish,
        cls=cls,
    )


def _result(state, rows, overall_row, *, threshold, publish, cls: type) -> Any:
    frame, support = flag_rows(rows, overall_row, state)
    values = condition_values(frame, state)
    status, outcomes = judge(
        state.get("conditions"), values, defaults=DEFAULT_CONDITIONS, check=CHECK
    )
    summary = word_summary(frame, state, status, outcomes)
    result = cls(
        step="fairness",
        status=status,
        summary=summary,
        outcomes=outcomes,
        condition_values=values,
        task=state["task"],
        metrics=tuple(state["metrics"]),
        goal_metric=state["goal_metric"],
        slice_columns=tuple(state["slice_names"]),
        threshold=threshold,
        confidence=state["confidence"],
        correction=state.get("correction", DEFAULT_CORRECTION),
        min_slice_size=state["min_slice_size"],
        n_rows=state["n_rows"],
        n_dropped=state["n_dropped"],
        dropped_reason=state["dropped_reason"],
        positive_label=state.get("positive_label"),
        engine=state.get("engine", "numpy"),
        _frame=frame,
        _support=support,
        _state=state,
    )
    return result.publish() if publish else result


def assemble_binary(state: dict, threshold: float, *, publish: bool, cls: type) -> Any:
    """The binary result at ``threshold`` from the threshold-free state (binary
    searches per slice; nothing is re-sorted)."""
    z = ci.z_value(state["confidence"])
    conf, rs = state["confidence"], state.get("random_state", 0)
    total: BinaryState = state["total"]
    total.tp, total.fp = total.confusion(threshold)
    metrics = state["metrics"]
    custom, cdata = state.get("custom", []), state.get("custom_data")
    t = threshold if state.get("kind") == "binary_scores" else None
    overall_table = binary_table(
        total, total.tp, total.fp, z, conf, None, random_state=rs
    )
    if custom:
        zero = np.zeros(len(cdata.y), dtype=np.int64)
        add_custom_metrics(overall_table, custom, cdata, zero, 1, threshold=t)
    overall_row = table_rows(
        "overall", ["all"], total.n, total.weight, overall_table, metrics
    )[0]
    rows = []
    for sc, st in zip(state["slicings"], state["slice_states"]):
        tp, fp = st.confusion(threshold)
        table = binary_table(st, tp, fp, z, conf, total, random_state=rs)
        if custom:
            add_custom_metrics(table, custom, cdata, sc.codes, sc.n_slices, threshold=t)
        rows += table_rows(
            sc.name, sc.values, st.n, st.weight, table, metrics, raw=sc.raw
        )
    return _result(
        state, rows, overall_row, threshold=threshold, publish=publish, cls=cls
    )
