"""``%mlcheck schema``, ``validate``, ``gate``, ``promote`` and ``rollback`` — step 8,
never push a bad model.

``%mlcheck schema DF [--categorical-max N] [--id COL ...] [--save PATH]``
    :func:`mlnb.schema` of the training data, optionally saved as JSON.
``%mlcheck validate DF --schema PATH_OR_NAME [--reference TRAIN_DF]``
    :func:`mlnb.validate_data` of new data against a schema (a JSON file written by
    ``Schema.save`` or a :class:`~mlnb.checks.deployment.Schema` in the notebook).
``%mlcheck gate CANDIDATE [BASELINE] DF --label COL --min roc_auc=0.8 ...``
    :func:`mlnb.gate`; the bounds become thresholds:

    ==============================  ===============================================
    ``--min roc_auc=0.8``           ``ValueThreshold("roc_auc", lower=0.8)``
    ``--max log_loss=0.4``          ``ValueThreshold("log_loss", upper=0.4)``
    ``--max-drop roc_auc=0.01``     ``ChangeThreshold("roc_auc", absolute=-0.01,
                                    direction="higher_is_better")``: at most 0.01
                                    below the baseline
    ``--max-rel-drop roc_auc=2%``   ``... relative=-0.02`` (``0.02`` is the same)
    ``--max-rise log_loss=0.01``    ``ChangeThreshold("log_loss", absolute=0.01,
                                    direction="lower_is_better")``: at most 0.01
                                    above the baseline
    ``--max-rel-rise mae=5%``       ``... relative=0.05``
    ==============================  ===============================================

    ``--min`` and ``--max`` of one metric make one threshold (``lower <= value <=
    upper``); so do ``--max-drop`` and ``--max-rel-drop`` (and the two rises). A
    drop bound needs a metric where higher is better and a rise bound one where
    lower is better: the other way round the bound would limit an improvement.
    With two expressions the gate has no baseline (value bounds only); with three
    the middle one is the baseline.
``%mlcheck promote MODEL DECISION --registry PATH --name NAME [--alias A]``
    :func:`mlnb.promote`: MODEL becomes the alias's version only if DECISION (the
    gate's, about MODEL) blessed it against the current champion.
``%mlcheck rollback --registry PATH --name NAME [--alias A]``
    :func:`mlnb.rollback`: the alias goes back to the version it replaced.
"""

from __future__ import annotations

import argparse
import difflib
import keyword
import math
import os
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import MlnbValueError
from .parser import resolve_column, resolve_columns, split_top_level

if TYPE_CHECKING:  # pragma: no cover
    from . import MLCheckMagics

__all__ = [
    "schema_command",
    "validate_command",
    "gate_command",
    "gate_metrics",
    "parse_bounds",
    "gate_thresholds",
    "promote_command",
    "rollback_command",
]

#: The gate's bound options: option -> (kind, direction, sign, relative).
BOUND_OPTIONS = {
    "--min": ("lower", None, 1.0, False),
    "--max": ("upper", None, 1.0, False),
    "--max-drop": ("absolute", "higher_is_better", -1.0, False),
    "--max-rel-drop": ("relative", "higher_is_better", -1.0, True),
    "--max-rise": ("absolute", "lower_is_better", 1.0, False),
    "--max-rel-rise": ("relative", "lower_is_better", 1.0, True),
}
_EXAMPLES = {
    "--min": "roc_auc=0.8",
    "--max": "log_loss=0.4",
    "--max-drop": "roc_auc=0.01",
    "--max-rel-drop": "roc_auc=2%",
    "--max-rise": "log_loss=0.01",
    "--max-rel-rise": "mae=5%",
}


def _names(values: list | None, option: str, what: str = "column names") -> list[str]:
    """``--id a,b c`` (repeatable) → ``["a", "b", "c"]``."""
    if values is None:
        return []
    flat = [
        v for group in values for v in (group if isinstance(group, list) else [group])
    ]
    names = [t.strip() for v in flat for t in v.split(",") if t.strip()]
    if not names:
        raise UsageError(f"{option} needs {what}, e.g. {option} age,sex")
    return names


# -- schema -------------------------------------------------------------------------
@magic_arguments()
@argument("df", nargs="?", help="DF: the training data (a name or an expression)")
@argument(
    "--categorical-max",
    type=int,
    metavar="N",
    help="a text column with at most N distinct values is a category (20)",
)
@argument(
    "--id",
    nargs="+",
    action="append",
    metavar="COL",
    help="id columns (values must be unique), commas or spaces; default: detected",
)
@argument("--no-id", action="store_true", help="no id columns (no detection)")
@argument("--save", metavar="PATH", help="write the schema as JSON to PATH")
@argument("--overwrite", action="store_true", help="replace PATH if it exists")
@argument("-h", "--help", action="store_true", help="show this help")
def schema_command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck schema DF [--categorical-max N] [--id COL ...] [--save PATH
    [--overwrite]] — step 8, the schema of the training data.

    Per column: its kind, whether it may be missing, its range or its categories;
    edit it in Python (schema.with_column(...)) and check new data with
    %mlcheck validate NEW_DF --schema PATH.
    """
    from ..checks.deployment import schema

    data = magics.lookup(args.df)
    kwargs: dict[str, Any] = {}
    if args.categorical_max is not None:
        kwargs["categorical_max"] = args.categorical_max
    if args.id is not None and args.no_id:
        raise UsageError(
            "--id and --no-id contradict each other: name the id columns with --id, "
            "or turn detection off with --no-id"
        )
    if args.id is not None:
        kwargs["id_columns"] = resolve_columns(data, _names(args.id, "--id"))
    elif args.no_id:
        kwargs["id_columns"] = []
    if args.overwrite and not args.save:
        raise UsageError(
            "--overwrite goes with --save PATH: %mlcheck schema DF --save "
            "schema.json --overwrite"
        )
    result = schema(data, **kwargs)
    if args.save:
        try:
            path = result.save(args.save, overwrite=args.overwrite)
        except MlnbValueError as exc:
            raise UsageError(
                str(exc).replace("pass overwrite=True", "add --overwrite")
            ) from None
        print(f"schema saved to {path}")
    return result


schema_command.positionals = ("df",)
schema_command.parser.prog = "mlcheck schema"


# -- validate -----------------------------------------------------------------------
def _load_schema(magics: MLCheckMagics, text: str) -> Any:
    """``--schema``: a Schema in the notebook (a name or an expression), or the
    path of a JSON file written by ``Schema.save`` (a notebook variable holding
    that path works too)."""
    from ..checks.deployment import Schema

    ns = magics.shell.user_ns
    t = text.strip()
    is_name = t.isidentifier() and not keyword.iskeyword(t)
    if is_name and t in ns:
        value = ns[t]
    elif os.path.exists(t) or t.lower().endswith(".json") or os.sep in t:
        return Schema.load(t)
    elif is_name:
        raise UsageError(
            f"--schema {t!r}: no Schema named {t} in this notebook and no file {t!r}; "
            "give a schema's JSON path (--schema schema.json, written by "
            "mlnb.schema(train_df).save(path)) or the name of a Schema "
            "(schema = mlnb.schema(train_df))"
        )
    else:
        value = magics.lookup(t)
    if isinstance(value, Schema):
        return value
    if isinstance(value, (str, os.PathLike)):
        return Schema.load(value)
    raise UsageError(
        f"--schema {t!r} is a {type(value).__name__}, not a Schema; give "
        "mlnb.schema(train_df) or the path of a schema's JSON file"
    )


@magic_arguments()
@argument("df", nargs="?", help="DF: the data to check (a name or an expression)")
@argument(
    "--schema",
    required=True,
    metavar="PATH_OR_NAME",
    help="a schema's JSON file (Schema.save) or a Schema in the notebook",
)
@argument(
    "--reference",
    metavar="TRAIN_DF",
    help="the training data: also check skew against it",
)
@argument(
    "--skew-threshold",
    type=float,
    metavar="X",
    help="distance at which a feature is skewed (0.3; needs --reference)",
)
@argument(
    "--missing-rate-jump",
    type=float,
    metavar="X",
    help="rise of a column's missing share that is an anomaly (0.1 = 10 points)",
)
@argument("-h", "--help", action="store_true", help="show this help")
def validate_command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck validate DF --schema PATH_OR_NAME [--reference TRAIN_DF]
    [--skew-threshold X] [--missing-rate-jump X] — step 8, data validation.

    The anomalies of DF against the schema (missing or unexpected columns, wrong
    kinds, values out of range or outside the categories, missing values, duplicate
    ids) and, with --reference, the features skewed against the training data.
    """
    from ..checks.deployment import validate_data

    data = magics.lookup(args.df)
    schema = _load_schema(magics, args.schema)
    kwargs: dict[str, Any] = {}
    if args.reference:
        kwargs["reference"] = magics.lookup(args.reference)
    if args.skew_threshold is not None:
        if not args.reference:
            raise UsageError(
                "--skew-threshold applies to the skew against --reference; add "
                "--reference TRAIN_DF"
            )
        kwargs["skew_threshold"] = args.skew_threshold
    if args.missing_rate_jump is not None:
        kwargs["missing_rate_jump"] = args.missing_rate_jump
    return validate_data(data, schema, **kwargs)


validate_command.positionals = ("df",)
validate_command.parser.prog = "mlcheck validate"


# -- gate ---------------------------------------------------------------------------
def gate_metrics() -> list[str]:
    """The metrics a gate can judge (those with a better direction), sorted."""
    from ..core import metrics as M

    return sorted({n for task in M.TASKS for n in M.goals(task)})


def _number(text: str, option: str, metric: str, relative: bool) -> float:
    t = text.strip()
    percent = relative and t.endswith("%")
    try:
        value = float(t[:-1] if percent else t)
    except ValueError:
        value = math.nan
    if math.isnan(value) or not t:
        example = _EXAMPLES[option].split("=", 1)[1]
        raise UsageError(
            f"{option} {metric}={text}: {text!r} is not a number; write "
            f"{option} {metric}={example}"
        )
    return value / 100 if percent else value


def parse_bounds(values: list | None, option: str) -> dict[str, float]:
    """``--min roc_auc=0.8 accuracy=0.7`` (repeatable, commas allowed) →
    ``{"roc_auc": 0.8, "accuracy": 0.7}``; with ``--max-rel-*`` a value may be a
    percentage (``2%`` = 0.02)."""
    if values is None:
        return {}
    relative = BOUND_OPTIONS[option][3]
    example = _EXAMPLES[option]
    flat = [
        v for group in values for v in (group if isinstance(group, list) else [group])
    ]
    items = [t.strip() for v in flat for t in v.split(",") if t.strip()]
    if not items:
        raise UsageError(f"{option} needs METRIC=VALUE, e.g. {option} {example}")
    known = gate_metrics()
    out: dict[str, float] = {}
    for item in items:
        metric, eq, text = item.partition("=")
        metric = metric.strip()
        if not eq or not metric:
            raise UsageError(
                f"{option} takes METRIC=VALUE, e.g. {option} {example}; got {item!r}"
            )
        if metric not in known:
            close = difflib.get_close_matches(metric, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UsageError(
                f"{option}: unknown metric {metric!r}; {hint}the gate judges "
                f"{', '.join(known)}"
            )
        if metric in out:
            raise UsageError(
                f"{option} names {metric} twice; give one bound per metric"
            )
        out[metric] = _number(text, option, metric, relative)
    return out


def gate_thresholds(bounds: dict[str, dict[str, float]]) -> list:
    """The thresholds for the bounds of each option (``{"--min": {...}, ...}``):
    one :class:`ValueThreshold` per metric with ``--min``/``--max``, then one
    :class:`ChangeThreshold` per metric with a drop bound, then one per metric with
    a rise bound."""
    from ..checks.deployment import ChangeThreshold, ValueThreshold
    from ..core import metrics as M

    out: list = []
    groups = (
        (ValueThreshold, None, ("--min", "--max")),
        (ChangeThreshold, "higher_is_better", ("--max-drop", "--max-rel-drop")),
        (ChangeThreshold, "lower_is_better", ("--max-rise", "--max-rel-rise")),
    )
    for cls, direction, options in groups:
        metrics = list(dict.fromkeys(m for o in options for m in bounds.get(o, {})))
        for metric in metrics:
            if direction is not None:
                higher = M.get(metric).higher_is_better
                if (direction == "higher_is_better") != higher:
                    o = next(o for o in options if metric in bounds.get(o, {}))
                    better = "higher" if higher else "lower"
                    other = (
                        o.replace("drop", "rise")
                        if "drop" in o
                        else o.replace("rise", "drop")
                    )
                    raise UsageError(
                        f"{o} {metric}: {better} {metric} is better, so "
                        f"{'a rise' if higher else 'a drop'} is the worsening to "
                        f"bound; write {other} {metric}=... ({o} would limit an "
                        "improvement)"
                    )
            kwargs: dict[str, Any] = {}
            for o in options:
                if metric in bounds.get(o, {}):
                    kind, _, sign, _ = BOUND_OPTIONS[o]
                    kwargs[kind] = sign * bounds[o][metric]
            if direction is not None:
                kwargs["direction"] = direction
            out.append(cls(metric, **kwargs))
    return out


def _slices(values: list | None, data: Any) -> list | None:
    """``--slices sex race`` (each on its own), ``sex*race`` (crossed); commas too."""
    if values is None:
        return None
    out: list[Any] = []
    for part in _names(values, "--slices", "slice columns"):
        cols = tuple(c.strip() for c in part.split("*") if c.strip())
        out.append(cols if len(cols) > 1 else cols[0])
    return resolve_columns(data, out)


_GATE_EXPRS = "candidate [baseline] df"


@magic_arguments()
@argument("extra", nargs="*", help=argparse.SUPPRESS)
@argument("--label", required=True, metavar="COL", help="label column of DF")
@argument(
    "--min",
    nargs="+",
    action="append",
    metavar="METRIC=V",
    help="the candidate's METRIC must be at least V (roc_auc=0.8)",
)
@argument(
    "--max",
    nargs="+",
    action="append",
    metavar="METRIC=V",
    help="the candidate's METRIC must be at most V (log_loss=0.4)",
)
@argument(
    "--max-drop",
    nargs="+",
    action="append",
    metavar="METRIC=V",
    help="at most V below the baseline (roc_auc=0.01; higher-is-better metrics)",
)
@argument(
    "--max-rel-drop",
    nargs="+",
    action="append",
    metavar="METRIC=V",
    help="at most a share V below the baseline (roc_auc=0.02 or roc_auc=2%%)",
)
@argument(
    "--max-rise",
    nargs="+",
    action="append",
    metavar="METRIC=V",
    help="at most V above the baseline (log_loss=0.01; lower-is-better metrics)",
)
@argument(
    "--max-rel-rise",
    nargs="+",
    action="append",
    metavar="METRIC=V",
    help="at most a share V above the baseline (mae=0.05 or mae=5%%)",
)
@argument(
    "--slices",
    nargs="+",
    action="append",
    metavar="COL",
    help="judge every slice of these columns too (sex race; sex*race crossed)",
)
@argument(
    "--features",
    nargs="+",
    metavar="COL",
    help="the models' feature columns (default: all)",
)
@argument(
    "--threshold",
    type=float,
    metavar="T",
    help="decision threshold of binary scores (0.5)",
)
@argument(
    "--model-type",
    metavar="TYPE",
    help="classification or regression, for a plain function",
)
@argument("-h", "--help", action="store_true", help="show this help")
def gate_command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck gate CANDIDATE [BASELINE] DF --label COL [--min METRIC=V ...]
    [--max METRIC=V ...] [--max-drop METRIC=V ...] [--max-rel-drop METRIC=V ...]
    [--max-rise METRIC=V ...] [--max-rel-rise METRIC=V ...] [--slices COL ...]
    — step 8, bless a candidate only if every bound holds, overall and per slice.

    Two expressions: CANDIDATE DF, value bounds only; three: CANDIDATE BASELINE DF,
    and --max-drop/--max-rise compare the candidate with the baseline.
    """
    from ..checks.deployment import gate

    if args.extra:
        raise UsageError(
            f"unexpected argument {' '.join(args.extra)!r}: CANDIDATE [BASELINE] DF "
            "come first (%mlcheck gate CANDIDATE [BASELINE] DF --label COL --min "
            'roc_auc=0.8); quote option values that contain spaces (--label "is fraud")'
        )
    parts = split_top_level(getattr(args, _GATE_EXPRS) or "")
    if len(parts) not in (2, 3):
        raise UsageError(
            "give CANDIDATE DF or CANDIDATE BASELINE DF (names or expressions; got "
            f"{len(parts)}): %mlcheck gate CANDIDATE [BASELINE] DF --label COL --min "
            "roc_auc=0.8"
        )
    bounds = {
        o: parse_bounds(getattr(args, o[2:].replace("-", "_")), o)
        for o in BOUND_OPTIONS
    }
    if not any(bounds.values()):
        raise UsageError(
            "give at least one bound (a gate without bounds would bless anything): "
            "--min roc_auc=0.8, --max log_loss=0.4, --max-drop roc_auc=0.01 (with a "
            "baseline), ...; see %mlcheck gate --help"
        )
    if len(parts) == 2:
        used = [o for o in BOUND_OPTIONS if o not in ("--min", "--max") and bounds[o]]
        if used:
            raise UsageError(
                f"{used[0]} compares the candidate with a baseline, but only "
                f"CANDIDATE DF were given; name the model in service too: %mlcheck "
                f"gate CANDIDATE BASELINE DF ... {used[0]} "
                f"{next(iter(bounds[used[0]]))}=..., or use --min/--max only"
            )
    thresholds = gate_thresholds(bounds)
    candidate = magics.lookup(parts[0])
    baseline = magics.lookup(parts[1]) if len(parts) == 3 else None
    data = magics.lookup(parts[-1])
    kwargs: dict[str, Any] = {}
    if args.slices is not None:
        kwargs["slices"] = _slices(args.slices, data)
    if args.features is not None:
        kwargs["features"] = resolve_columns(data, _names(args.features, "--features"))
    if args.threshold is not None:
        kwargs["threshold"] = args.threshold
    if args.model_type is not None:
        kwargs["model_type"] = args.model_type
    return gate(
        candidate,
        baseline,
        data=data,
        label=resolve_column(data, args.label),
        thresholds=thresholds,
        **kwargs,
    )


#: One positional text holding two or three expressions (the dispatcher stores it
#: under this name; its upper case is the usage line's ``CANDIDATE [BASELINE] DF``).
gate_command.positionals = (_GATE_EXPRS,)
gate_command.parser.prog = "mlcheck gate"


# -- promote and rollback -----------------------------------------------------------
def _registry(magics: MLCheckMagics, text: str) -> Any:
    """``--registry``: a ModelRegistry in the notebook (a name or an expression),
    a notebook variable holding a folder path, or a folder path (created if
    missing, as :func:`mlnb.registry` does)."""
    from ..runtime.registry import ModelRegistry

    ns = magics.shell.user_ns
    t = text.strip()
    is_name = t.isidentifier() and not keyword.iskeyword(t)
    if is_name and t in ns:
        value = ns[t]
    elif is_name or os.path.exists(t) or os.sep in t or ":" in t:
        return t  # a folder, or a sqlite:/// URI: promote() opens it
    else:
        value = magics.lookup(t)
    if isinstance(value, (ModelRegistry, str, os.PathLike)):
        return value
    raise UsageError(
        f"--registry {t!r} is a {type(value).__name__}; give a registry folder "
        "(--registry mlnb-registry) or a ModelRegistry (reg = mlnb.registry(path))"
    )


def _tags(values: list | None) -> dict[str, str] | None:
    """``--tag team=risk ticket=42`` (repeatable) → ``{"team": "risk", ...}``."""
    if values is None:
        return None
    out: dict[str, str] = {}
    for item in (v for group in values for v in group):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UsageError(
                f"--tag takes KEY=VALUE, e.g. --tag team=risk; got {item!r}"
            )
        out[key.strip()] = value
    return out


@magic_arguments()
@argument("model", nargs="?", help="MODEL: the candidate the gate judged")
@argument("decision", nargs="?", help="DECISION: its GateDecision (%%mlcheck gate)")
@argument(
    "--registry",
    default="mlnb-registry",
    metavar="PATH_OR_NAME",
    help="registry folder (created if missing) or a ModelRegistry (mlnb-registry)",
)
@argument("--name", required=True, help="the registered model's name")
@argument("--alias", default="champion", help="the alias to move (champion)")
@argument(
    "--validation",
    metavar="RESULT",
    help="the data's ValidationResult (%%mlcheck validate); a failed one refuses",
)
@argument(
    "--schema",
    metavar="PATH_OR_NAME",
    help="the data schema to keep with the version (a JSON file or a Schema)",
)
@argument("--data", metavar="TRAIN_DF", help="the training rows, fingerprinted")
@argument("--description", metavar="TEXT", help="free text for the version")
@argument(
    "--tag",
    nargs="+",
    action="append",
    metavar="KEY=VALUE",
    help="tags for the version (team=risk)",
)
@argument(
    "--timeout",
    type=float,
    metavar="S",
    help="seconds to wait for another promotion of NAME (30)",
)
@argument("-h", "--help", action="store_true", help="show this help")
def promote_command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck promote MODEL DECISION --registry PATH --name NAME [--alias A]
    — step 8, make MODEL the registry's champion only if the gate blessed it.

    The promotion is refused (nothing registered) when the decision is not
    blessed, when --validation failed, or when the champion changed since the
    gate compared against it; DECISION must be the gate's decision about MODEL.
    """
    from ..runtime.registry import promote

    model = magics.lookup(args.model)
    decision = magics.lookup(args.decision)
    kwargs: dict[str, Any] = {"alias": args.alias}
    if args.validation:
        kwargs["validation"] = magics.lookup(args.validation)
    if args.schema:
        kwargs["schema"] = _load_schema(magics, args.schema)
    if args.data:
        kwargs["data"] = magics.lookup(args.data)
    if args.description is not None:
        kwargs["description"] = args.description
    if args.tag is not None:
        kwargs["tags"] = _tags(args.tag)
    if args.timeout is not None:
        kwargs["timeout"] = args.timeout
    return promote(
        model,
        decision,
        registry=_registry(magics, args.registry),
        name=args.name,
        **kwargs,
    )


promote_command.positionals = ("model", "decision")
promote_command.parser.prog = "mlcheck promote"


@magic_arguments()
@argument(
    "--registry",
    default="mlnb-registry",
    metavar="PATH_OR_NAME",
    help="registry folder or a ModelRegistry (mlnb-registry)",
)
@argument("--name", required=True, help="the registered model's name")
@argument("--alias", default="champion", help="the alias to move back (champion)")
@argument(
    "--timeout",
    type=float,
    metavar="S",
    help="seconds to wait for a promotion of NAME (30)",
)
@argument("-h", "--help", action="store_true", help="show this help")
def rollback_command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck rollback --registry PATH --name NAME [--alias A] — step 8, point
    the alias back at the version the current one replaced."""
    from ..runtime.registry import rollback

    kwargs: dict[str, Any] = {"alias": args.alias}
    if args.timeout is not None:
        kwargs["timeout"] = args.timeout
    return rollback(_registry(magics, args.registry), args.name, **kwargs)


rollback_command.positionals = ()
rollback_command.parser.prog = "mlcheck rollback"
