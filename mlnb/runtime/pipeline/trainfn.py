"""The user's training function, made to travel into a pipeline step.

A pipeline step runs in another process (a subprocess locally, a container on Vertex
AI), so the function goes there as text: either ``"package.module:function"`` (the
module must be importable there — installed in the image) or the function's own
source (:func:`inspect.getsource`) with the imports it needs written above it. The
names the function reads from its module (``pd``, ``LogisticRegression``, a constant)
are found in its bytecode (``LOAD_GLOBAL``) and become ``import`` lines, or a
literal for a plain constant; anything else (a notebook variable holding data, an
object defined in ``__main__``) is refused with the fix, never pickled silently.
"""

from __future__ import annotations

import ast
import builtins
import dis
import importlib
import importlib.util
import inspect
import re
import textwrap
import types
from dataclasses import dataclass
from typing import Any

from ...errors import MlnbValueError

__all__ = ["TrainFunction", "as_train_function", "load_train_function"]

_REF = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*$")
_FIX = (
    "define it with def at the top level of a notebook cell or a .py module (no "
    'lambda, no closure), or pass train="package.module:function" naming a '
    "function importable here and in the pipeline's image"
)
_CONSTANTS = (bool, int, float, str, bytes, type(None))


@dataclass(frozen=True)
class TrainFunction:
    """How a step finds the training function: ``ref`` (``"module:function"``) or
    ``source`` (self-contained code defining ``name``)."""

    name: str
    ref: str = ""
    source: str = ""

    def describe(self) -> str:
        return self.ref or f"{self.name}() (source embedded)"


def _check_signature(fn: Any, what: str) -> None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # pragma: no cover - builtins are refused above
        return
    try:
        sig.bind("train_df", "label")
    except TypeError:
        raise MlnbValueError(
            f"train: {what} must accept (train_df, label) — the training rows as a "
            f"DataFrame and the label column's name — and return the fitted model; "
            f"its signature is {fn.__name__}{sig}"
        ) from None


def _from_ref(ref: str) -> TrainFunction:
    if not _REF.match(ref):
        raise MlnbValueError(
            "train must be a function or a 'package.module:function' string, e.g. "
            f"train='mytraining:fit_model'; got {ref!r}"
        )
    module, _, attr = ref.partition(":")
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        found = None
    if found is None:
        raise MlnbValueError(
            f"train={ref!r}: module {module!r} cannot be imported here; it must be "
            "importable both here and in the pipeline's image (install it, or pass "
            "the function itself to embed its source)"
        )
    fn = getattr(importlib.import_module(module), attr, None)
    if not callable(fn):
        raise MlnbValueError(
            f"train={ref!r}: module {module!r} has no function {attr!r}; name a "
            "function defined there"
        )
    _check_signature(fn, ref)
    return TrainFunction(name=attr, ref=ref)


def _global_names(code: types.CodeType) -> list[str]:
    names: list[str] = []
    for ins in dis.get_instructions(code):
        if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL"):
            names.append(str(ins.argval))
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_global_names(const))
    return list(dict.fromkeys(names))


def _import_line(name: str, value: Any, fn_name: str) -> str:
    if isinstance(value, types.ModuleType):
        mod = value.__name__
        return f"import {mod}" if mod == name else f"import {mod} as {name}"
    if isinstance(value, _CONSTANTS):
        return f"{name} = {value!r}"
    mod = getattr(value, "__module__", None)
    qual = getattr(value, "__qualname__", None)
    if (
        isinstance(mod, str)
        and isinstance(qual, str)
        and mod != "__main__"
        and "." not in qual
        and "<" not in qual
    ):
        try:
            same = getattr(importlib.import_module(mod), qual, None) is value
        except Exception:  # noqa: BLE001 - any import failure: not importable
            same = False
        if same:
            return (
                f"from {mod} import {qual}"
                if qual == name
                else f"from {mod} import {qual} as {name}"
            )
    raise MlnbValueError(
        f"train: {fn_name}() reads the global name {name!r} ({type(value).__name__}"
        ") that is defined in the notebook, not imported from a module, so it "
        "cannot travel into the pipeline step; move it inside the function (or "
        "pass it through the data), or put the function in a .py module and pass "
        "train='module:function'"
    )


def _from_function(fn: Any) -> TrainFunction:
    if not inspect.isfunction(fn):
        raise MlnbValueError(
            f"train must be a plain function (train_df, label) -> model or a "
            f"'module:function' string; got {type(fn).__name__} — {_FIX}"
        )
    if fn.__name__ == "<lambda>":
        raise MlnbValueError(f"train is a lambda, whose source cannot travel; {_FIX}")
    if fn.__closure__:
        free = ", ".join(fn.__code__.co_freevars)
        raise MlnbValueError(
            f"train: {fn.__name__}() is a closure (it reads {free} from the function "
            f"that made it), which cannot travel into a pipeline step; {_FIX}"
        )
    _check_signature(fn, f"{fn.__name__}()")
    lines = []
    g = fn.__globals__
    for name in _global_names(fn.__code__):
        if name == fn.__name__:
            continue  # recursion: the def itself provides it
        if name in g:
            lines.append(_import_line(name, g[name], fn.__name__))
        elif not hasattr(builtins, name):
            raise MlnbValueError(
                f"train: {fn.__name__}() reads the name {name!r}, which is not "
                "defined; define or import it, then pass the function again"
            )
    try:
        src = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        raise MlnbValueError(
            f"train: the source of {fn.__name__}() cannot be found (defined with "
            f"exec or in an interactive prompt without history); {_FIX}"
        ) from None
    try:
        tree = ast.parse(src)
    except SyntaxError:
        raise MlnbValueError(
            f"train: the source of {fn.__name__}() does not parse on its own; {_FIX}"
        ) from None
    node = tree.body[0] if tree.body else None
    if not isinstance(node, ast.FunctionDef) or node.name != fn.__name__:
        raise MlnbValueError(
            f"train: the source found for {fn.__name__}() is not its def; {_FIX}"
        )
    if node.decorator_list:
        raise MlnbValueError(
            f"train: {fn.__name__}() is decorated; the decorator cannot travel with "
            f"its source — pass the undecorated function, or {_FIX.split(', or ')[1]}"
        )
    code = "\n".join([*lines, "", src]) if lines else src
    compile(code, f"<mlnb train {fn.__name__}>", "exec")
    return TrainFunction(name=fn.__name__, source=code)


def as_train_function(train: Any) -> TrainFunction:
    """Validate ``Pipeline(train=)``: a function or ``"module:function"``.

    Raises
    ------
    MlnbValueError
        A lambda, a closure, a function without source, a decorated function, a
        function reading a notebook variable, a wrong signature, a malformed or
        unimportable ``"module:function"``.
    """
    if isinstance(train, str):
        return _from_ref(train.strip())
    return _from_function(train)


def load_train_function(ref: str, name: str, source: str) -> Any:
    """The training function inside a step (inverse of :func:`as_train_function`)."""
    if ref:
        module, _, attr = ref.partition(":")
        return getattr(importlib.import_module(module), attr)
    namespace: dict[str, Any] = {"__name__": "mlnb_pipeline_train"}
    exec(compile(source, f"<mlnb train {name}>", "exec"), namespace)  # noqa: S102
    return namespace[name]
