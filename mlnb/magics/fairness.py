"""``%mlcheck slices`` — step 6."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments

from .parser import parse_value, resolve_column, resolve_columns

if TYPE_CHECKING:  # pragma: no cover
    from . import MLCheckMagics

__all__ = ["command"]


@magic_arguments()
@argument("data", nargs="?", help="DataFrame: a name or an expression in the notebook")
@argument("--label", required=True, help="label column")
@argument("--score", help="score column (binary) or comma-separated class scores")
@argument("--prediction", help="column of predicted labels or values")
@argument(
    "--by",
    required=True,
    help="slice columns, comma-separated; cross columns with * (sex*race)",
)
@argument("--threshold", type=float, default=0.5, help="decision threshold (0.5)")
@argument("--weight", help="column of sample weights")
@argument("--positive-label", help="the positive class (needed for string labels)")
@argument("--goal", help="metric the slices are judged on (default: roc_auc/accuracy)")
@argument("--metrics", help="metrics to report, comma-separated (default: all)")
@argument(
    "--min-slice-size", type=int, default=30, help="smaller slices are not judged"
)
@argument(
    "--correction",
    default="holm",
    help="multiple-comparison correction of the flags: holm (default), bh or none",
)
@argument("--engine", default="numpy", help="numpy (in memory) or tfma (Apache Beam)")
@argument("--widget", action="store_true", help="show the SlicedMetricsView widget")
@argument("-h", "--help", action="store_true", help="show this help")
def command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck slices DATA --label COL --score COL --by COL[,COL...] — step 6.

    Metrics overall and per slice with confidence intervals; flags slices that are
    significantly worse than the rest of the data.
    """
    from ..checks.fairness import sliced_metrics

    data = magics.lookup(args.data)
    slice_by: list[Any] = []
    for part in args.by.split(","):
        part = part.strip()
        if part:
            cols = tuple(c.strip() for c in part.split("*"))
            slice_by.append(cols if len(cols) > 1 else cols[0])
    slice_by = resolve_columns(data, slice_by)
    metrics = None
    if args.metrics:
        metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    score: Any = args.score
    if score and "," in score:
        score = resolve_columns(
            data, [c.strip() for c in score.split(",") if c.strip()]
        )
    else:
        score = resolve_column(data, score)
    result = sliced_metrics(
        data,
        label=resolve_column(data, args.label),
        score=score,
        prediction=resolve_column(data, args.prediction),
        slice_by=slice_by,
        threshold=args.threshold,
        sample_weight=resolve_column(data, args.weight),
        positive_label=parse_value(args.positive_label),
        metrics=metrics,
        goal_metric=args.goal,
        min_slice_size=args.min_slice_size,
        correction=None if args.correction.lower() == "none" else args.correction,
        engine=args.engine,
    )
    if args.widget:
        from ..widgets.sliced import SlicedMetricsView

        return SlicedMetricsView(result)
    return result
