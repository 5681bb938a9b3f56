"""``%mlcheck imbalance`` — step 4."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments

from .parser import parse_value, resolve_column

if TYPE_CHECKING:  # pragma: no cover
    from . import MLCheckMagics

__all__ = ["command"]


@magic_arguments()
@argument("data", nargs="?", help="DataFrame: a name or an expression in the notebook")
@argument("--label", required=True, help="label column")
@argument("--score", help="column of model scores: adds ROC/PR metrics and thresholds")
@argument("--positive-label", help="the positive class (needed for string labels)")
@argument("--weight", help="column of sample weights")
@argument("--threshold", type=float, default=0.5, help="operating threshold (0.5)")
@argument("--widget", action="store_true", help="show the ImbalanceExplorer widget")
@argument("-h", "--help", action="store_true", help="show this help")
def command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck imbalance DATA --label COL [--score COL] — step 4, imbalanced data.

    Class distribution, the accuracy trap, class weights, initial bias and the
    objective to optimise; with --score also ROC AUC, AUC-PR, log loss and the
    confusion matrix at --threshold.
    """
    from ..checks.imbalance import imbalance, thresholds

    data = magics.lookup(args.data)
    positive = parse_value(args.positive_label)
    label = resolve_column(data, args.label)
    score = resolve_column(data, args.score)
    weight = resolve_column(data, args.weight)
    if args.widget:
        from ..widgets.imbalance import ImbalanceExplorer

        return ImbalanceExplorer(
            data=data,
            label=label,
            score=score,
            positive_label=positive,
            sample_weight=weight,
            threshold=args.threshold,
        )
    result = imbalance(data, label=label, positive_label=positive)
    if score is None:
        return result
    magics.display(result)
    return thresholds(
        data=data,
        label=label,
        score=score,
        positive_label=positive,
        sample_weight=weight,
        threshold=args.threshold,
    )
