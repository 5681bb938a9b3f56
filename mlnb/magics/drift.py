"""``%mlcheck drift`` — step 9."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from .parser import resolve_column, resolve_columns, split_top_level

if TYPE_CHECKING:  # pragma: no cover
    from . import MLCheckMagics

__all__ = ["command"]


@magic_arguments()
@argument("data", nargs="?", help="REFERENCE CURRENT: two names or expressions")
@argument("--time", help="time column: compare windows of CURRENT over time")
@argument("--freq", default="1D", help="window length with --time (pandas offset)")
@argument("--method", default="vertex", help="vertex (default), evidently or psi")
@argument("--features", help="features to compare, comma-separated (default: all)")
@argument("--categorical", help="numeric columns to treat as categories")
@argument(
    "--threshold",
    type=float,
    help="one drift threshold for every feature (drift_thresholds=)",
)
@argument("--widget", action="store_true", help="show the DriftChart widget")
@argument("-h", "--help", action="store_true", help="show this help")
def command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck drift REFERENCE CURRENT [--time COL] [--method M] — step 9.

    Which features moved between the reference (a DataFrame, a saved profile, or
    the path of a profile's JSON file) and the current data; with --time, drift
    per window of the current data.
    """
    from ..checks.drift import drift
    from ..core.profile import Profile

    parts = split_top_level(args.data)
    if len(parts) != 2:
        raise UsageError(
            "give two inputs: %mlcheck drift REFERENCE CURRENT (names or "
            f"expressions; got {len(parts)})"
        )
    ref_expr, cur_expr = parts
    if ref_expr[:1] in "\"'" and ref_expr.rstrip("\"'").endswith(".json"):
        reference: Any = Profile.load(ref_expr.strip("\"'"))
    else:
        reference = magics.lookup(ref_expr)
    current = magics.lookup(cur_expr)
    kwargs: dict[str, Any] = {"method": args.method}
    if args.features:
        kwargs["features"] = resolve_columns(
            current, [f.strip() for f in args.features.split(",") if f.strip()]
        )
    if args.categorical:
        kwargs["categorical"] = resolve_columns(
            current, [f.strip() for f in args.categorical.split(",") if f.strip()]
        )
    if args.threshold is not None:
        kwargs["drift_thresholds"] = args.threshold
    if args.time:
        from ..checks.drift import drift_over_time

        result = drift_over_time(
            reference,
            current,
            time_column=resolve_column(current, args.time),
            freq=args.freq,
            **kwargs,
        )
    else:
        result = drift(reference, current, **kwargs)
    if args.widget:
        from ..widgets.drift import DriftChart

        return DriftChart(result)
    return result
