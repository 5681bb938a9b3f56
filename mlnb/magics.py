"""``%load_ext mlnb`` and the ``%mlcheck`` line magic.

``%mlcheck``                 the ten steps with the status known in this kernel
``%mlcheck help [STEP]``     what a step is about and the commands for it
``%mlcheck STEP ARGS``       run the step's check (``%mlcheck imbalance df --label y``)
``%mlcheck STEP --help``     the step command's usage

Names in arguments are looked up in the notebook's namespace; an expression such as
``df[df.amount > 0]`` is evaluated there. Errors in what the user typed become a
short ``UsageError`` without a traceback.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.utils.text import dedent

from .checklist import STEP_IDS, STEPS, get_step
from .errors import MlnbError
from .status_table import ChecklistStatus, StepHelp

__all__ = ["MLCheckMagics", "load_ipython_extension", "unload_ipython_extension"]


def _parse_value(text: str | None) -> Any:
    """Turn a command-line value into int/float/bool when it looks like one."""
    if text is None:
        return None
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _top_level(text: str):
    """``(index, character)`` for each character of ``text`` outside brackets and
    quotes (a backslash escapes the next character inside quotes)."""
    depth, quote, i = 0, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0:
            yield i, ch
        i += 1


def split_expression(text: str) -> tuple[str, str]:
    """Split ``"df[df.x > 0] --label y"`` into the leading expression and the options.

    The expression ends at the first `` -x``/`` --x`` outside brackets and quotes,
    so expressions may contain spaces without quoting.
    """
    for i, ch in _top_level(text):
        option = text[i + 1 : i + 2] == "-" and (
            text[i + 2 : i + 3].isalpha() or text[i + 2 : i + 3] == "-"
        )
        if ch.isspace() and option:
            return text[:i].strip(), text[i:].strip()
    return text.strip(), ""


def split_top_level(text: str) -> list[str]:
    """Split on whitespace outside brackets and quotes: ``"a b[c d]"`` →
    ``["a", "b[c d]"]``."""
    parts, start = [], 0
    for i, ch in _top_level(text):
        if ch.isspace():
            if text[start:i].strip():
                parts.append(text[start:i].strip())
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


# --- step handlers -------------------------------------------------------------------
@magic_arguments()
@argument("data", nargs="?", help="DataFrame: a name or an expression in the notebook")
@argument("--label", required=True, help="label column")
@argument("--score", help="column of model scores: adds ROC/PR metrics and thresholds")
@argument("--positive-label", help="the positive class (needed for string labels)")
@argument("--weight", help="column of sample weights")
@argument("--threshold", type=float, default=0.5, help="operating threshold (0.5)")
@argument("--widget", action="store_true", help="show the ImbalanceExplorer widget")
@argument("-h", "--help", action="store_true", help="show this help")
def _imbalance(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck imbalance DATA --label COL [--score COL] — step 4, imbalanced data.

    Class distribution, the accuracy trap, class weights, initial bias and the
    objective to optimise; with --score also ROC AUC, AUC-PR, log loss and the
    confusion matrix at --threshold.
    """
    from . import imbalance, thresholds

    data = magics.lookup(args.data)
    positive = _parse_value(args.positive_label)
    if args.widget:
        from .widgets.imbalance import ImbalanceExplorer

        return ImbalanceExplorer(
            data=data,
            label=args.label,
            score=args.score,
            positive_label=positive,
            sample_weight=args.weight,
            threshold=args.threshold,
        )
    result = imbalance(data, label=args.label, positive_label=positive)
    if args.score is None:
        return result
    magics.display(result)
    return thresholds(
        data,
        label=args.label,
        score=args.score,
        positive_label=positive,
        sample_weight=args.weight,
        threshold=args.threshold,
    )


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
@argument(
    "--min-slice-size", type=int, default=30, help="smaller slices are not judged"
)
@argument("--engine", default="numpy", help="numpy (in memory) or tfma (Apache Beam)")
@argument("--widget", action="store_true", help="show the SlicedMetricsView widget")
@argument("-h", "--help", action="store_true", help="show this help")
def _slices(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck slices DATA --label COL --score COL --by COL[,COL...] — step 6.

    Metrics overall and per slice with confidence intervals; flags slices that are
    significantly worse than the rest of the data.
    """
    from . import sliced_metrics

    data = magics.lookup(args.data)
    slice_by: list[Any] = []
    for part in args.by.split(","):
        part = part.strip()
        if part:
            cols = tuple(c.strip() for c in part.split("*"))
            slice_by.append(cols if len(cols) > 1 else cols[0])
    score: Any = args.score
    if score and "," in score:
        score = [c.strip() for c in score.split(",") if c.strip()]
    result = sliced_metrics(
        data,
        label=args.label,
        score=score,
        prediction=args.prediction,
        slice_by=slice_by,
        threshold=args.threshold,
        sample_weight=args.weight,
        positive_label=_parse_value(args.positive_label),
        goal_metric=args.goal,
        min_slice_size=args.min_slice_size,
        engine=args.engine,
    )
    if args.widget:
        from .widgets.sliced import SlicedMetricsView

        return SlicedMetricsView(result)
    return result


@magic_arguments()
@argument("data", nargs="?", help="REFERENCE CURRENT: two names or expressions")
@argument("--time", help="time column: compare windows of CURRENT over time")
@argument("--freq", default="1D", help="window length with --time (pandas offset)")
@argument("--method", default="vertex", help="vertex (default), evidently or psi")
@argument("--features", help="features to compare, comma-separated (default: all)")
@argument("--categorical", help="numeric columns to treat as categories")
@argument("--threshold", type=float, help="one threshold for every feature")
@argument("--widget", action="store_true", help="show the DriftChart widget")
@argument("-h", "--help", action="store_true", help="show this help")
def _drift(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck drift REFERENCE CURRENT [--time COL] [--method M] — step 9.

    Which features moved between the reference (a DataFrame, a saved profile, or
    the path of a profile's JSON file) and the current data; with --time, drift
    per window of the current data.
    """
    from . import drift
    from .core.profile import Profile

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
        kwargs["features"] = [f.strip() for f in args.features.split(",") if f.strip()]
    if args.categorical:
        kwargs["categorical"] = [
            f.strip() for f in args.categorical.split(",") if f.strip()
        ]
    if args.threshold is not None:
        kwargs["thresholds"] = args.threshold
    if args.time:
        from .checks.drift_time import drift_over_time

        result = drift_over_time(
            reference, current, time_column=args.time, freq=args.freq, **kwargs
        )
    else:
        result = drift(reference, current, **kwargs)
    if args.widget:
        from .widgets.drift import DriftChart

        return DriftChart(result)
    return result


#: step id -> handler (a function decorated with magic_arguments)
HANDLERS: dict[str, Callable[..., Any]] = {
    "imbalance": _imbalance,
    "fairness": _slices,
    "drift": _drift,
}
#: command names that are not step ids
ALIASES = {"slices": "fairness"}
for _step_id, _handler in HANDLERS.items():
    _names = [a for a, t in ALIASES.items() if t == _step_id] or [_step_id]
    _handler.parser.prog = f"mlcheck {_names[0]}"


@magics_class
class MLCheckMagics(Magics):
    """The ``%mlcheck`` magic."""

    def lookup(self, expr: str) -> Any:
        """A notebook variable by name, or an expression evaluated in the notebook."""
        ns = self.shell.user_ns
        if expr.isidentifier() and not keyword.iskeyword(expr):
            if expr in ns:
                return ns[expr]
            raise UsageError(
                f"name {expr!r} is not defined in this notebook; define it first "
                "(e.g. df = pd.read_csv(...))"
            )
        try:
            return eval(expr, ns)  # noqa: S307 - the user's own kernel and input
        except Exception as exc:
            raise UsageError(f"could not evaluate {expr!r}: {exc}") from None

    def display(self, obj: Any) -> None:
        from IPython.display import display

        display(obj)

    @line_magic
    def mlcheck(self, line: str = "") -> Any:
        """Check your ML project against the ten things that most often go wrong.

        Usage::

          %mlcheck                      the checklist with this kernel's statuses
          %mlcheck help [STEP]          what a step is about and its commands
          %mlcheck STEP ARGS            run the check for STEP
          %mlcheck STEP --help          usage of the command for STEP

        Steps: problem, prototype, training, imbalance, accuracy, fairness,
        explainability, deployment, drift, serving (or their numbers 1-10).
        """
        line = line.strip()
        if not line:
            return ChecklistStatus()
        head, _, rest = line.partition(" ")
        head = head.strip()
        if head in ("help", "-h", "--help", "?"):
            return self._help(rest.strip())
        try:
            step = get_step(ALIASES.get(head, head))
        except MlnbError:
            raise UsageError(
                f"unknown step {head!r}; valid steps are: {', '.join(STEP_IDS)} "
                f"(or 1-10), the commands {', '.join(ALIASES)}, or 'help'"
            ) from None
        handler = HANDLERS.get(step.id)
        if handler is None:
            raise UsageError(
                f"mlnb has no %mlcheck command for step {step.number} ({step.id}) "
                f"yet; %mlcheck help {step.id} shows its guiding questions. Commands "
                f"exist for: {', '.join(HANDLERS)} ({', '.join(ALIASES)})"
            )
        if {"-h", "--help"} & set(rest.split()):
            return _Usage(handler.parser.format_help())
        if not rest.strip():
            return StepHelp(step, handler.parser.format_help())
        expr, options = split_expression(rest)
        args = parse_argstring(handler, options)
        args.data = expr or args.data
        if not args.data:
            raise UsageError(
                f"name the data first: %mlcheck {step.id} DATA --label COL "
                f"(see %mlcheck {step.id} --help)"
            )
        try:
            return handler(self, args)
        except MlnbError as exc:
            raise UsageError(str(exc)) from None

    def _help(self, arg: str) -> Any:
        if not arg:
            return _Usage(dedent(self.mlcheck.__doc__ or ""))
        try:
            step = get_step(arg)
        except MlnbError as exc:
            raise UsageError(str(exc)) from None
        handler = HANDLERS.get(step.id)
        usage = handler.parser.format_help() if handler is not None else ""
        return StepHelp(step, usage)


class _Usage:
    """Help text shown as the cell's result."""

    def __init__(self, text: str) -> None:
        self.text = text.removeprefix("::").strip("\n")

    def __repr__(self) -> str:
        return self.text


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(MLCheckMagics)


def unload_ipython_extension(ipython: Any) -> None:
    magics = ipython.magics_manager.registry.get("MLCheckMagics")
    if magics is not None:
        ipython.magics_manager.magics["line"].pop("mlcheck", None)


assert len(STEPS) == 10
