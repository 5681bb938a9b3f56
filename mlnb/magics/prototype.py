"""``%mlcheck prototype`` — step 2."""

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
@argument("--features", nargs="+", help="feature columns (default: every other)")
@argument("--time", help="time column: the latest rows are the test set")
@argument("--group", help="group column: no group on both sides of the split")
@argument(
    "--models",
    nargs="+",
    default=["linear", "boosted"],
    help="model kinds: linear boosted forest knn dummy keras (linear boosted)",
)
@argument("--task", help="binary, multiclass or regression (inferred by default)")
@argument("--positive-label", help="the positive class (needed for string labels)")
@argument("--metric", help="primary metric (default: the goal's, else the usual)")
@argument("--test-size", type=float, default=0.2, help="share held out (0.2)")
@argument("--random-state", type=int, default=0, help="seed (0)")
@argument("-h", "--help", action="store_true", help="show this help")
def command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck prototype DATA --label COL [--features A B] [--time COL]
    [--group COL] [--models linear boosted] — step 2, a quick honest first model.

    A leakage-aware split (by time, by group, or stratified), the linear and
    boosted pipelines scored on the holdout against trivial baselines, and the
    findings: target leakage, duplicates across the split, id-like, constant and
    mostly-missing columns, train/test mismatch.
    """
    from ..checks.prototype import prototype

    data = magics.lookup(args.data)
    features = None if args.features is None else resolve_columns(data, args.features)
    return prototype(
        data,
        label=resolve_column(data, args.label),
        features=features,
        time_column=resolve_column(data, args.time),
        group_column=resolve_column(data, args.group),
        task=args.task,
        models=tuple(args.models),
        test_size=args.test_size,
        positive_label=parse_value(args.positive_label),
        metric=args.metric,
        random_state=args.random_state,
    )


command.positionals = ("data",)
