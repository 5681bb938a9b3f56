"""``%mlcheck explain`` — step 7, feature attributions.

``%mlcheck explain MODEL X [--method auto|linear|tree|sampling|gradients]
[--background EXPR] [--max-rows N]`` runs :func:`mlnb.explain` on the notebook's
``MODEL`` and ``X``: global importance and per-example attributions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments

if TYPE_CHECKING:  # pragma: no cover
    from . import MLCheckMagics

__all__ = ["command", "METHODS"]

#: What ``--method`` accepts (those of :func:`mlnb.explain`).
METHODS = ("auto", "linear", "tree", "sampling", "gradients")


@magic_arguments()
@argument("model", nargs="?", help="MODEL: a fitted model or a predict function")
@argument("X", nargs="?", help="X: the rows to explain (a name or an expression)")
@argument(
    "--method",
    default="auto",
    choices=METHODS,
    help="auto (fits the model), linear, tree (TreeSHAP), sampling (sampled "
    "Shapley) or gradients (integrated gradients, Keras)",
)
@argument(
    "--background",
    help="rows attributions are measured against (a name or an expression; default: X)",
)
@argument("--max-rows", type=int, help="explain a random sample of this many rows")
@argument("--random-state", type=int, default=0, help="seed (0)")
@argument("--no-progress", action="store_true", help="hide the progress bar")
@argument("-h", "--help", action="store_true", help="show this help")
def command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck explain MODEL X [--method auto] [--background EXPR] [--max-rows N]
    — step 7, global and per-example feature attributions.

    Exact for linear models, TreeSHAP for tree ensembles, sampled Shapley for any
    predict function, integrated gradients for Keras models; the additivity check
    where the method guarantees it.
    """
    from ..checks.explainability import explain

    model = magics.lookup(args.model)
    X = magics.lookup(args.X)
    kwargs: dict[str, Any] = {
        "method": args.method,
        "random_state": args.random_state,
    }
    if args.background is not None:
        kwargs["background"] = magics.lookup(args.background)
    if args.max_rows is not None:
        kwargs["max_rows"] = args.max_rows
    if args.no_progress:
        kwargs["progress"] = False
    return explain(model, X, **kwargs)


command.positionals = ("model", "X")
command.parser.prog = "mlcheck explain"
