"""Step 6 — does the model serve all of its users well: metrics per slice with
confidence intervals, flagged slices and conditions.

Modules: :mod:`.sliced` (:func:`sliced_metrics`: read inputs → compute → judge →
summary), :mod:`.inputs` (reading labels, scores and slices from any table),
:mod:`.tables` (the per-slice metric kernels, shared with the TFMA engine),
:mod:`.custom` (registered metrics per slice), :mod:`.judge` (flagging slices,
the default conditions), :mod:`.result` (:class:`SlicedMetrics`).
"""

from __future__ import annotations

from .inputs import resolve_slicings
from .judge import (
    CONDITION_VALUES,
    DEFAULT_CONDITIONS,
    MIN_SLICE_SIZE,
    MIN_SUPPORT,
    check_goal,
    default_goal,
)
from .result import SlicedMetrics
from .sliced import from_rows, sliced_metrics
from .tables import (
    BinaryState,
    MetricTable,
    binary_table,
    multiclass_table,
    regression_sums,
    regression_table,
    safe_divide,
    table_rows,
)

__all__ = [
    "sliced_metrics",
    "SlicedMetrics",
    "from_rows",
    "DEFAULT_CONDITIONS",
    "CONDITION_VALUES",
    "MIN_SLICE_SIZE",
    "MIN_SUPPORT",
    "check_goal",
    "default_goal",
    "resolve_slicings",
    "MetricTable",
    "BinaryState",
    "binary_table",
    "multiclass_table",
    "regression_sums",
    "regression_table",
    "safe_divide",
    "table_rows",
]
