"""``%mlcheck diagnose`` — step 5."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from .parser import resolve_columns

if TYPE_CHECKING:  # pragma: no cover
    from . import MLCheckMagics

__all__ = ["command"]


def _names(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


@magic_arguments()
@argument("model", nargs="?", help="MODEL: an unfitted scikit-learn estimator")
@argument("X", nargs="?", help="X: the features (a name or an expression)")
@argument("y", nargs="?", help="y: the labels (a name or an expression)")
@argument("--cv", type=int, default=5, help="number of folds (5)")
@argument("--scoring", help="scikit-learn scorer name, e.g. roc_auc (default: goal)")
@argument(
    "--valid",
    nargs=2,
    metavar=("XV", "YV"),
    help="validation features and labels (permutation importance there)",
)
@argument(
    "--families",
    default="linear,boosted,forest",
    help="model families to compare, comma-separated, or 'none'",
)
@argument(
    "--ablate",
    help="features for drop-one ablation, comma-separated; 'all' or 'none' "
    "(default: the 5 least important)",
)
@argument("--n-jobs", type=int, help="fits run side by side")
@argument("--random-state", type=int, default=0, help="seed (0)")
@argument("--no-progress", action="store_true", help="hide the progress bar")
@argument("-h", "--help", action="store_true", help="show this help")
def command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck diagnose MODEL X y [--cv 5] [--scoring S] [--valid XV YV] — step 5.

    When accuracy is stuck: the learning curve (would more data help?), the
    train/validation gap (over- or underfitting?), permutation importance and
    drop-one-feature ablation, a few model families and their ensemble on the same
    folds, and ranked suggestions with the numbers behind them.
    """
    from ..checks.accuracy import diagnose

    model = magics.lookup(args.model)
    X = magics.lookup(args.X)
    y = magics.lookup(args.y)
    kwargs: dict[str, Any] = {"cv": args.cv, "random_state": args.random_state}
    if args.scoring:
        kwargs["scoring"] = args.scoring
    if args.valid:
        kwargs["X_valid"] = magics.lookup(args.valid[0])
        kwargs["y_valid"] = magics.lookup(args.valid[1])
    families = _names(args.families)
    if families == ["none"]:
        families = []
    kwargs["families"] = tuple(families)
    if args.ablate is not None:
        wanted = _names(args.ablate)
        if wanted == ["all"]:
            kwargs["ablate"] = True
        elif wanted == ["none"]:
            kwargs["ablate"] = ()
        elif not wanted:
            raise UsageError("--ablate needs column names, 'all' or 'none'")
        else:
            from ..core import frames

            kwargs["ablate"] = (
                resolve_columns(X, wanted) if frames.is_table(X) else wanted
            )
    if args.n_jobs is not None:
        kwargs["n_jobs"] = args.n_jobs
    if args.no_progress:
        kwargs["progress"] = False
    return diagnose(model, X, y, **kwargs)


command.positionals = ("model", "X", "y")
