"""``%mlcheck goal`` and ``%mlcheck baselines`` — step 1.

``%mlcheck goal --task binary --metric roc_auc --target 0.85 [--users "..."]
[--decision "..."]`` writes the goal down (options only).

``%mlcheck baselines DF --label COL`` with the test rows given one of two ways:

- ``--test DF2``: a second frame (same label column) holds the test rows;
- ``--split COL``: a column of DF says which rows are test rows — those equal to
  ``--test-value`` (``test`` by default; ``True`` for a boolean column), every other
  row is a training row;
- ``--test-size F``: a random share ``F`` of DF's rows (``train_test_split`` with
  ``--random-state``, stratified on the label when every class has two rows).

``--features all`` (every column but the label, split and weight columns) or
``--features a,b,c`` adds the one-feature and linear models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from .parser import parse_value, resolve_column, split_top_level

if TYPE_CHECKING:  # pragma: no cover
    from . import MLCheckMagics

__all__ = ["goal_command", "baselines_command"]


@magic_arguments()
@argument(
    "--task", required=True, help="binary, multiclass or regression (the kind of label)"
)
@argument("--metric", required=True, help="success metric, e.g. roc_auc, recall, mae")
@argument("--target", required=True, help="the metric's value the model must reach")
@argument("--positive-label", help="the positive class of a binary task")
@argument("--users", help='who uses the predictions ("loan officers")')
@argument("--decision", help="which decision the predictions feed")
@argument("--notes", help="anything else: constraints, the cost of errors")
@argument("-h", "--help", action="store_true", help="show this help")
def goal_command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck goal --task T --metric M --target X — step 1, write the goal down.

    Records the task, success metric and target for this session (mlnb.goal);
    %mlcheck baselines and later checks read it.
    """
    from ..checks.problem import goal

    return goal(
        task=args.task,
        metric=args.metric,
        target=parse_value(args.target),
        positive_label=parse_value(args.positive_label),
        users=args.users,
        decision=args.decision,
        notes=args.notes,
    )


goal_command.positionals = ()


@magic_arguments()
@argument("data", nargs="?", help="DataFrame: a name or an expression in the notebook")
@argument("--label", required=True, help="label column")
@argument("--test", help="a second DataFrame holding the test rows")
@argument("--split", help="column saying which rows are test rows")
@argument(
    "--test-value",
    default="test",
    help="value of --split that marks a test row ('test'; True for a bool column)",
)
@argument("--test-size", type=float, help="share of rows drawn at random as test rows")
@argument("--metric", help="primary metric (default: the goal's)")
@argument("--task", help="binary, multiclass or regression (default: inferred)")
@argument("--positive-label", help="the positive class (needed for string labels)")
@argument("--weight", help="column of sample weights (test rows score with them)")
@argument(
    "--features",
    help="'all' or a comma-separated list: add a one-feature and a linear model",
)
@argument("--random-state", type=int, default=0, help="seed of the random baselines")
@argument("-h", "--help", action="store_true", help="show this help")
def baselines_command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck baselines DATA --label COL (--test DF2 | --split COL) — step 1.

    Scores of the trivial models (majority, prior, stratified, uniform; mean and
    median for regression) on the goal's metric and its companions; with
    --features also of a one-feature and a linear model.
    """
    from ..checks.problem import baselines
    from ..core import frames

    data = frames.to_pandas(magics.lookup(args.data), role="data")
    label = resolve_column(data, args.label)
    weight = resolve_column(data, args.weight)
    ways = [w for w in ("test", "split", "test_size") if getattr(args, w) is not None]
    if len(ways) != 1:
        raise UsageError(
            "say where the test rows are, one way only: --test DF2 (a second "
            "DataFrame), --split COL (a column whose value --test-value, 'test' by "
            "default, marks a test row) or --test-size 0.2 (a random share)"
        )
    if args.test is not None:
        train = data
        test = frames.to_pandas(magics.lookup(args.test), role="--test")
    elif args.split is not None:
        split = resolve_column(data, args.split)
        col = frames.get_column(data, split, role="split")
        marker = parse_value(args.test_value)
        if col.dtype == bool and isinstance(marker, str) and marker == "test":
            marker = True
        is_test = (col == marker).to_numpy()
        if not is_test.any() or is_test.all():
            values = list(col.drop_duplicates()[:10])
            raise UsageError(
                f"--split {args.split!r}: {int(is_test.sum()):,} of {len(col):,} rows "
                f"equal --test-value {marker!r}, so there is no "
                f"{'test' if not is_test.any() else 'training'} row; the column "
                f"holds values such as {values!r}. Pass --test-value VALUE"
            )
        train, test = data[~is_test], data[is_test]
    else:
        train, test = _random_split(data, label, args.test_size, args.random_state)
    y_train = frames.get_column(train, label, role="label")
    y_test = frames.get_column(test, label, role="label")
    kwargs: dict[str, Any] = {}
    if weight is not None:
        kwargs["sample_weight"] = frames.get_column(test, weight, role="weight")
        kwargs["train_weight"] = frames.get_column(train, weight, role="weight")
    if args.features:
        used = {label, weight}
        if args.split is not None:
            used.add(resolve_column(data, args.split))
        if args.features.strip() == "all":
            cols = [c for c in frames.column_names(train) if c not in used]
        else:
            cols = [
                resolve_column(data, c.strip())
                for c in split_top_level(args.features.replace(",", " "))
                if c.strip()
            ]
            for c in cols:
                frames.get_column(train, c, role="feature")  # unknown → listed
            if label in cols:
                raise UsageError(
                    f"--features includes the label column {args.label!r}; leave it out"
                )
        if not cols:
            raise UsageError("--features all leaves no column besides the label")
        kwargs["X_train"] = train[cols]
        kwargs["X_test"] = test[cols]
    return baselines(
        y_train,
        y_test,
        task=args.task,
        metric=args.metric,
        positive_label=parse_value(args.positive_label),
        random_state=args.random_state,
        **kwargs,
    )


baselines_command.positionals = ("data",)


def _random_split(data: Any, label: Any, size: float, random_state: int):
    """``train_test_split`` of ``data``, stratified on the label when it can be."""
    from sklearn.model_selection import train_test_split

    from ..core import frames

    if not 0 < size < 1:
        raise UsageError(
            f"--test-size must be a share between 0 and 1 (e.g. 0.2); got {size}"
        )
    y = frames.get_column(data, label, role="label")
    counts = y.value_counts()
    stratify = y if len(counts) <= 100 and counts.min() >= 2 else None
    try:
        return train_test_split(
            data, test_size=size, random_state=random_state, stratify=stratify
        )
    except ValueError as exc:  # too few rows for the share
        raise UsageError(f"--test-size {size}: {exc}") from None
