"""``%mlcheck whatif`` — step 6, What-If probing in a widget.

``%mlcheck whatif MODEL DF --label COL [--sensitive COL] [--features a,b]
[--max-points N]`` opens :class:`mlnb.WhatIf` on the notebook's ``MODEL`` (a fitted
model or a predict function) and ``DF``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from .parser import parse_value, resolve_column, resolve_columns

if TYPE_CHECKING:  # pragma: no cover
    from . import MLCheckMagics

__all__ = ["command"]


def column_list(values: list[str] | None) -> list[str] | None:
    """``--features a,b c`` → ``["a", "b", "c"]`` (commas or spaces)."""
    if values is None:
        return None
    names = [t.strip() for v in values for t in v.split(",") if t.strip()]
    if not names:
        raise UsageError("--features needs column names, e.g. --features age,hours")
    return names


@magic_arguments()
@argument("model", nargs="?", help="MODEL: a fitted model or a predict function")
@argument("df", nargs="?", help="DF: the rows to probe (a name or an expression)")
@argument("--label", help="label column (the performance tab needs it)")
@argument("--sensitive", help="column whose groups get their own thresholds")
@argument(
    "--features",
    nargs="+",
    help="the model's feature columns, comma-separated (default: every other)",
)
@argument("--max-points", type=int, help="most points the scatter draws (5000)")
@argument("--compare", help="a second model to compare (a name or an expression)")
@argument("--positive-label", help="the positive class of a binary classifier")
@argument("--threshold", type=float, help="decision threshold (0.5)")
@argument("--model-type", help="classification or regression, for a plain function")
@argument("--random-state", type=int, help="seed of the scatter's sample (0)")
@argument("-h", "--help", action="store_true", help="show this help")
def command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck whatif MODEL DF --label COL [--sensitive COL] [--features a,b]
    [--max-points N] — step 6, probe a model in the What-If widget.

    Datapoints, the datapoint editor (edit a point and re-infer), the nearest
    counterfactual, partial dependence, performance and per-group thresholds for
    --sensitive, attributions, and --compare for a second model.
    """
    from ..widgets.whatif import WhatIf

    model = magics.lookup(args.model)
    data = magics.lookup(args.df)
    features = column_list(args.features)
    kwargs: dict[str, Any] = {
        "label": resolve_column(data, args.label),
        "sensitive": resolve_column(data, args.sensitive),
        "features": None if features is None else resolve_columns(data, features),
    }
    if args.compare:
        kwargs["compare"] = magics.lookup(args.compare)
    if args.max_points is not None:
        kwargs["max_points"] = args.max_points
    if args.positive_label is not None:
        kwargs["positive_label"] = parse_value(args.positive_label)
    if args.threshold is not None:
        kwargs["threshold"] = args.threshold
    if args.model_type is not None:
        kwargs["model_type"] = args.model_type
    if args.random_state is not None:
        kwargs["random_state"] = args.random_state
    return WhatIf(model, data, **kwargs)


command.positionals = ("model", "df")
command.parser.prog = "mlcheck whatif"
