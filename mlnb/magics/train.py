"""``%mlcheck train`` — step 3, launch a training script locally or on Vertex AI.

``%mlcheck train SCRIPT [--backend local|vertex] [--trials N --parallel N]
[--param NAME=SPEC ...] [--metric NAME] [--wait] [-- SCRIPT ARGS...]`` launches
``SCRIPT`` through :func:`mlnb.train.launch` and shows the job in the
``TrainingLauncher`` widget (the job's own HTML where widgets are not available).
The job is also kept in the notebook as ``_mlnb_train_job``.

A ``--param`` SPEC becomes one :mod:`mlnb.runtime.training.space` object:

===========================  ======================================
``lr=1e-4:1e-1:log``         ``Float(0.0001, 0.1, log=True)``
``dropout=0.1:0.5``          ``Float(0.1, 0.5)``
``depth=2:8``                ``Int(2, 8)`` (both ends whole numbers)
``leaves=8:256:log``         ``Int(8, 256, log=True)``
``kernel=rbf,linear``        ``Choice(("rbf", "linear"))``
``seed=0``                   ``Choice((0,))`` — a fixed value
===========================  ======================================
"""

from __future__ import annotations

import ast
import keyword
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import MlnbValueError
from .parser import parse_value

if TYPE_CHECKING:  # pragma: no cover
    from . import MLCheckMagics

__all__ = ["command", "parse_param", "parse_params", "JOB_VARIABLE"]

#: The notebook variable that holds the last job ``%mlcheck train`` launched.
JOB_VARIABLE = "_mlnb_train_job"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_INT = re.compile(r"[+-]?\d+\Z")
_SCALES = ("log", "linear")

SPEC_HELP = """\
--param NAME=SPEC, one or more (space-separated or --param repeated):
  lr=1e-4:1e-1:log    float range LOW:HIGH on a log scale (LOW > 0)
  dropout=0.1:0.5     float range (either end written with a '.' or 'e')
  depth=2:8           int range (both ends whole numbers); depth=2:64:log
  kernel=rbf,linear   a choice (commas; numbers and true/false are typed)
  seed=0              a fixed value (any text that is not a range or a choice)
Each trial runs SCRIPT with --NAME=VALUE arguments (mlnb.train.params() reads
them). A range or a choice needs --metric (the number the script reports
with mlnb.train.report); --trials N runs N trials (1), --parallel N at once.

Script arguments go after a lone '--': %mlcheck train train.py -- --epochs 3.
The job is kept in the notebook as _mlnb_train_job (job.wait(), job.result(),
job.logs(), job.metrics(), job.cancel()).
"""


def _number(text: str, *, param: str, spec: str) -> int | float | None:
    """An int for whole-number text, a float for other numeric text, else None."""
    text = text.strip()
    if _INT.match(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        raise MlnbValueError(
            f"--param {param}={spec}: range ends must be finite numbers, got "
            f"{text!r}; e.g. --param {param}=1e-4:1e-1:log"
        )
    return value


def parse_param(text: str) -> tuple[str, Any]:
    """``"lr=1e-4:1e-1:log"`` → ``("lr", Float(0.0001, 0.1, log=True))``.

    Parameters
    ----------
    text:
        One ``NAME=SPEC`` as typed after ``--param`` (grammar in the module
        docstring and in ``%mlcheck train --help``).

    Returns
    -------
    tuple
        The name and its :class:`~mlnb.runtime.training.space.Float`,
        :class:`~mlnb.runtime.training.space.Int` or
        :class:`~mlnb.runtime.training.space.Choice` (a fixed value is a choice
        of one).

    Raises
    ------
    MlnbValueError
        No ``=``, a name that cannot be a ``--name=value`` argument, an empty
        SPEC, a range whose ends are not numbers or not increasing, an unknown
        scale, an empty choice or a repeated choice value; the message names
        ``--param``, what was typed and the fix.

    Examples
    --------
    >>> parse_param("depth=2:8")
    ('depth', Int(low=2, high=8, log=False))
    >>> parse_param("kernel=rbf,linear")
    ('kernel', Choice(values=('rbf', 'linear')))
    """
    from ..runtime.training.space import Choice, Float, Int

    if not isinstance(text, str) or "=" not in text:
        raise MlnbValueError(
            f"--param needs NAME=SPEC, got {text!r}; e.g. --param lr=1e-4:1e-1:log "
            "or --param kernel=rbf,linear (see %mlcheck train --help)"
        )
    name, _, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    if not _NAME.match(name) or keyword.iskeyword(name):
        raise MlnbValueError(
            f"--param {text!r}: the name {name!r} must be a Python-style identifier "
            "(letters, digits, underscores, not starting with a digit) because each "
            "trial gets it as --NAME=VALUE; e.g. --param learning_rate=1e-4:1e-1:log"
        )
    if not spec:
        raise MlnbValueError(
            f"--param {name}= has no SPEC; give a range (--param {name}=1e-4:1e-1:log"
            f", --param {name}=2:8), a choice (--param {name}=a,b) or a fixed "
            f"value (--param {name}=0)"
        )
    try:
        if "," in spec:
            parts = [p.strip() for p in spec.split(",")]
            if not all(parts):
                raise MlnbValueError(
                    f"--param {name}={spec}: a choice has an empty value; write the "
                    f"values between commas, e.g. --param {name}=rbf,linear"
                )
            values = tuple(parse_value(p) for p in parts)
            seen: list[Any] = []
            for v in values:
                if any(type(v) is type(s) and v == s for s in seen):
                    raise MlnbValueError(
                        f"--param {name}={spec}: the choice repeats {v!r}; list each "
                        "value once"
                    )
                seen.append(v)
            return name, Choice(values)
        pieces = spec.split(":")
        low = _number(pieces[0], param=name, spec=spec) if len(pieces) > 1 else None
        if low is None:
            return name, Choice((parse_value(spec),))  # fixed, e.g. gs://b/x.csv
        if len(pieces) > 3:
            raise MlnbValueError(
                f"--param {name}={spec}: a range is LOW:HIGH or LOW:HIGH:log, got "
                f"{len(pieces)} parts"
            )
        high = _number(pieces[1], param=name, spec=spec)
        if high is None:
            raise MlnbValueError(
                f"--param {name}={spec}: the range's HIGH end {pieces[1]!r} is not a "
                f"number; write LOW:HIGH[:log], e.g. --param {name}=1e-4:1e-1:log"
            )
        scale = pieces[2].strip().lower() if len(pieces) == 3 else "linear"
        if scale not in _SCALES:
            raise MlnbValueError(
                f"--param {name}={spec}: the scale {pieces[2]!r} is not one of "
                f"{', '.join(_SCALES)}; e.g. --param {name}={pieces[0]}:{pieces[1]}:log"
            )
        log = scale == "log"
        if not low < high:
            raise MlnbValueError(
                f"--param {name}={spec}: LOW must be below HIGH, got {low!r} and "
                f"{high!r}; write --param {name}={high}:{low}" + (":log" if log else "")
            )
        if log and low <= 0:
            raise MlnbValueError(
                f"--param {name}={spec}: a log scale needs LOW > 0, got {low!r}; "
                f"start the range above zero (e.g. --param {name}=1e-5:{pieces[1]}"
                ":log) or drop ':log'"
            )
        if isinstance(low, int) and isinstance(high, int):
            return name, Int(low, high, log=log)
        return name, Float(float(low), float(high), log=log)
    except MlnbValueError as exc:
        message = str(exc)
        if message.startswith("--param"):
            raise
        raise MlnbValueError(f"--param {name}={spec}: {message}") from None


def parse_params(groups: list[list[str]] | list[str] | None) -> dict[str, Any]:
    """Every ``--param`` (repeated, or several after one) → ``{name: space
    object}`` in the order typed; a name given twice is an error."""
    if not groups:
        return {}
    flat = [t for g in groups for t in ([g] if isinstance(g, str) else g)]
    out: dict[str, Any] = {}
    for text in flat:
        name, param = parse_param(text)
        if name in out:
            raise MlnbValueError(
                f"--param {name} is given twice ({text!r}); give each parameter once"
            )
        out[name] = param
    return out


def _whole(value: str | None, option: str, *, minimum: int = 1) -> int | None:
    """A whole number >= ``minimum`` typed after ``option`` (None when absent)."""
    if value is None:
        return None
    text = str(value).strip()
    if not _INT.match(text) or int(text) < minimum:
        raise MlnbValueError(
            f"{option} needs a whole number >= {minimum}, got {value!r}; e.g. "
            f"{option} {max(minimum, 2)}"
        )
    return int(text)


def _seconds(value: str | None, option: str) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0 or seconds == float("inf"):
        raise MlnbValueError(
            f"{option} needs a number of seconds > 0, got {value!r}; e.g. {option} 3600"
        )
    return seconds


def _accelerator(value: str | None) -> str | None:
    """The ``AcceleratorType`` name typed after ``--accelerator`` (normalised)."""
    if value is None:
        return None
    from ..runtime.training.vertex_catalog import ACCELERATOR_TYPES

    name = value.strip().upper().replace("-", "_")
    if name not in ACCELERATOR_TYPES:
        raise MlnbValueError(
            f"--accelerator {value!r} is not a Vertex AI accelerator type; valid: "
            f"{', '.join(ACCELERATOR_TYPES)} (mlnb.accelerators() shows which "
            "machine types take each, and how many)"
        )
    return name


def _count(machine: str | None, accelerator: str | None, count: int | None) -> int:
    """``--count``, or the count the machine type fixes, or 1 with an accelerator."""
    if count is not None:
        return count
    if accelerator is None:
        return 0
    if machine:
        from ..runtime.training.vertex_catalog import valid_accelerators

        try:
            allowed = valid_accelerators(machine).get(accelerator, ())
        except MlnbValueError:
            allowed = ()  # launch() names the unknown machine type
        if allowed:
            return allowed[0]
    return 1


def resolve_script(magics: MLCheckMagics, text: str) -> Any:
    """SCRIPT as typed → what :func:`launch` takes: a notebook variable holding a
    callable or a path wins; then a path (relative to the notebook's working
    directory, ``~`` expanded; quoted when it has spaces)."""
    text = text.strip()
    if text[:1] in "\"'":
        try:
            text = str(ast.literal_eval(text))
        except (ValueError, SyntaxError):
            raise MlnbValueError(
                f"SCRIPT {text!r} has an unclosed quote; write it as "
                '%mlcheck train "my script.py"'
            ) from None
        quoted = True
    else:
        quoted = False
    ns = magics.shell.user_ns
    if not quoted and text.isidentifier() and text in ns:
        value = ns[text]
        if callable(value) or isinstance(value, (str, os.PathLike)):
            return value
        raise MlnbValueError(
            f"SCRIPT {text!r} is a {type(value).__name__} in this notebook; pass a "
            "training function defined in the notebook or the path of a Python "
            "script (%%writefile train.py writes one)"
        )
    path = os.path.expanduser(text)
    if os.path.exists(path):
        return path
    raise MlnbValueError(
        f"SCRIPT {text!r} is neither a file (looked in {os.getcwd()}) nor a notebook "
        "variable; pass the path of a Python script (%%writefile train.py writes "
        "one) or the name of a training function defined in this notebook"
    )


#: launch()'s argument names -> the options that set them (for launch's messages).
OPTION_OF = {
    "target": "SCRIPT",
    "backend": "--backend",
    "machine_type": "--machine",
    "accelerator_type": "--accelerator",
    "accelerator_count": "--count",
    "replica_count": "--replicas",
    "max_trials": "--trials",
    "parallel_trials": "--parallel",
    "hyperparameters": "--param",
    "metric": "--metric",
    "goal": "--goal",
    "image": "--image",
    "requirements": "--requirements",
    "name": "--name",
    "timeout": "--timeout",
    "project": "--project",
    "location": "--region",
    "staging_bucket": "--bucket",
}
# plain words that name an argument only when written as ``word=``
_PLAIN = (
    "target",
    "backend",
    "metric",
    "goal",
    "image",
    "name",
    "timeout",
    "project",
    "location",
    "requirements",
)


def _with_options(exc: MlnbValueError) -> MlnbValueError:
    """``exc`` from :func:`launch` (or a backend) with the ``%mlcheck train``
    options its argument names stand for appended: ``accelerator_count=3 is not
    allowed ... (accelerator_count is --count)``."""
    message = str(exc)
    named = []
    for keyword_, option in OPTION_OF.items():
        tail = "=" if keyword_ in _PLAIN else r"\b"
        if re.search(rf"\b{keyword_}{tail}", message):
            named.append(f"{keyword_} is {option}")
    if not named:
        return exc
    return MlnbValueError(f"{message} (in %mlcheck train: {', '.join(named)})")


def _widget_class() -> Callable[..., Any] | None:
    try:
        from ..widgets.training import TrainingLauncher
    except ImportError:  # no widgets installed (or not built yet): the job's HTML
        return None
    return TrainingLauncher


def _split_script_args(parse: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap the parser's ``parse_args``: words after a lone ``--`` are the
    script's own arguments (``args.script_args``), never read as options."""

    def parse_args(argv: list[str] | None = None, namespace: Any = None) -> Any:
        argv = list(argv or [])
        tail: list[str] = []
        if "--" in argv:
            cut = argv.index("--")
            argv, tail = argv[:cut], argv[cut + 1 :]
        args = parse(argv, namespace)
        args.script_args = tail
        return args

    return parse_args


@magic_arguments()
@argument(
    "script",
    nargs="?",
    help="SCRIPT: a Python script's path, or a notebook variable holding a "
    "training function or a path",
)
@argument("--backend", default="local", metavar="local|vertex", help="where (local)")
@argument("--machine", metavar="TYPE", help="Vertex AI machine type: n1-standard-8")
@argument(
    "--accelerator",
    metavar="TYPE",
    help="accelerator type, e.g. NVIDIA_TESLA_T4 (mlnb.accelerators() lists them)",
)
@argument(
    "--count", metavar="N", help="accelerators per replica (1, or what --machine fixes)"
)
@argument("--replicas", metavar="N", help="worker replicas (Vertex; 1)")
@argument("--trials", metavar="N", help="hyperparameter trials (1)")
@argument("--parallel", metavar="N", help="trials run at the same time (1)")
@argument(
    "--param",
    nargs="+",
    action="append",
    metavar="NAME=SPEC",
    help="a hyperparameter: lr=1e-4:1e-1:log, depth=2:8, kernel=rbf,linear, seed=0",
)
@argument(
    "--metric",
    metavar="NAME",
    help="the metric the search optimises (reported by the script)",
)
@argument(
    "--goal",
    default="maximize",
    metavar="maximize|minimize",
    help="the metric's direction (maximize)",
)
@argument(
    "--image",
    metavar="URI",
    help="container image (needed for Vertex: a prebuilt training container "
    "with the script's framework)",
)
@argument(
    "--requirements",
    nargs="+",
    metavar="PKG",
    help="pip requirements for the script (Vertex)",
)
@argument("--name", help="run name (default: the script's stem or function name)")
@argument("--timeout", metavar="S", help="seconds the whole job may run (no limit)")
@argument(
    "--project",
    metavar="P",
    help="Google Cloud project (Vertex; else aiplatform.init's)",
)
@argument("--region", metavar="R", help="Vertex AI region (else aiplatform.init's)")
@argument(
    "--bucket",
    metavar="gs://B",
    help="staging bucket gs://B (Vertex; else aiplatform.init's)",
)
@argument("--wait", action="store_true", help="wait with a progress bar, show record")
@argument(
    "--no-widget",
    action="store_true",
    help="show the job's HTML instead of the TrainingLauncher widget",
)
@argument("-h", "--help", action="store_true", help="show this help")
def command(magics: MLCheckMagics, args: Any) -> Any:
    """%mlcheck train SCRIPT [--backend local|vertex] [--machine TYPE]
    [--accelerator NVIDIA_TESLA_T4] [--count N] [--trials N] [--parallel N]
    [--param NAME=SPEC ...] [--metric NAME] [--goal maximize|minimize] [--wait]
    [-- SCRIPT ARGS...] — step 3, run training locally or on Vertex AI.

    Launches SCRIPT through mlnb.train.launch: locally a subprocess per trial
    (an Optuna search for --trials > 1, its study kept on disk so a stopped
    search resumes), or on Vertex AI a custom job / hyperparameter-tuning job.
    Shows the TrainingLauncher widget watching the job; --wait blocks with a
    progress bar and shows step 3's record (wall time, devices, trials, best
    metric, speed-up against the previous run).
    """
    if args.backend not in ("local", "vertex"):
        raise MlnbValueError(
            f"--backend must be local or vertex, got {args.backend!r}; e.g. "
            "--backend vertex --machine n1-standard-8 --accelerator NVIDIA_TESLA_T4"
        )
    if args.goal not in ("maximize", "minimize"):
        raise MlnbValueError(
            f"--goal must be maximize or minimize, got {args.goal!r}; e.g. "
            "--metric loss --goal minimize"
        )
    target = resolve_script(magics, args.script)
    hyperparameters = parse_params(args.param)
    accelerator = _accelerator(args.accelerator)
    count = _count(args.machine, accelerator, _whole(args.count, "--count", minimum=0))
    trials = _whole(args.trials, "--trials") or 1
    parallel = _whole(args.parallel, "--parallel") or 1
    kwargs: dict[str, Any] = {
        "backend": args.backend,
        "args": tuple(getattr(args, "script_args", ()) or ()),
        "machine_type": args.machine,
        "accelerator_type": accelerator,
        "accelerator_count": count,
        "replica_count": _whole(args.replicas, "--replicas") or 1,
        "image": args.image,
        "requirements": tuple(args.requirements) if args.requirements else None,
        "hyperparameters": hyperparameters or None,
        "metric": args.metric,
        "goal": args.goal,
        "max_trials": trials,
        "parallel_trials": parallel,
        "timeout": _seconds(args.timeout, "--timeout"),
    }
    for key, value in (
        ("name", args.name),
        ("project", args.project),
        ("location", args.region),
        ("staging_bucket", args.bucket),
    ):
        if value is not None:
            kwargs[key] = value
    from ..runtime.training.launch import launch

    try:
        job = launch(target, **kwargs)
    except MlnbValueError as exc:
        raise _with_options(exc) from None
    magics.shell.user_ns[JOB_VARIABLE] = job
    print(
        f"{job.backend} training job {job.spec.name!r} is in {JOB_VARIABLE} "
        "(.wait(), .result(), .logs(), .metrics(), .cancel())"
    )
    widget_class = None if args.no_widget else _widget_class()
    view = job if widget_class is None else widget_class(job=job)
    if not args.wait:
        return view
    if view is not job:
        magics.display(view)  # the widget follows the job while we wait
    job.wait(progress=True)
    if not job.done:  # Ctrl-C stopped the waiting, not the job
        return job if view is not job else None
    return job.record()


command.positionals = ("script",)
command.parser.prog = "mlcheck train"
command.parser.epilog = SPEC_HELP
command.parser.parse_args = _split_script_args(command.parser.parse_args)
