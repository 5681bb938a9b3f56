"""``tf.train.Example`` protos to a pandas DataFrame and back, for WIT-style
notebooks that hand the What-If widget a list of protos.

Each feature of an Example holds one of three lists: ``int64_list`` (→ Python int),
``float_list`` (→ float) or ``bytes_list`` (→ str, decoded as UTF-8; bytes that are
not UTF-8 stay bytes). mlnb's What-If widget edits one value per feature, so a
feature with several values in one Example is an error that names it; a feature
missing from an Example is a missing value (``None`` / ``NaN``) and is left out of
the proto again on the way back, so a sparse Example round-trips as it was.

Nothing here imports TensorFlow: an Example is recognised by its protobuf type name
and new Examples are built from the type of the ones given.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import MlnbValueError

__all__ = [
    "ExampleSchema",
    "is_tf_example",
    "is_sequence_example",
    "examples_to_frame",
    "frame_to_examples",
]

_KINDS = ("int64_list", "float_list", "bytes_list")


def _type_name(obj: Any) -> str:
    descriptor = getattr(type(obj), "DESCRIPTOR", None)
    return str(getattr(descriptor, "full_name", ""))


def is_tf_example(obj: Any) -> bool:
    """Whether ``obj`` is a ``tf.train.Example`` proto (without importing
    TensorFlow)."""
    return _type_name(obj) == "tensorflow.Example"


def is_sequence_example(obj: Any) -> bool:
    """Whether ``obj`` is a ``tf.train.SequenceExample`` proto."""
    return _type_name(obj) == "tensorflow.SequenceExample"


@dataclass(frozen=True)
class ExampleSchema:
    """What :func:`frame_to_examples` needs to rebuild the protos: the proto type,
    the features in their first-seen order and the list kind of each
    (``"int64_list"``, ``"float_list"`` or ``"bytes_list"``)."""

    proto_type: type
    features: tuple[str, ...]
    kinds: dict[str, str]


def _value(ex_index: int, name: str, feature: Any, argument: str) -> tuple[str, Any]:
    kind = feature.WhichOneof("kind")
    if kind is None:
        return "", None
    values = getattr(feature, kind).value
    if len(values) == 0:
        return kind, None
    if len(values) > 1:
        raise MlnbValueError(
            f"{argument}: feature {name!r} of example {ex_index} holds {len(values)} "
            f"values; the What-If widget edits one value per feature — put each "
            f"value in its own feature (e.g. {name}_0, {name}_1) or leave the "
            f"feature out of the examples"
        )
    value = values[0]
    if kind == "bytes_list":
        with contextlib.suppress(UnicodeDecodeError):
            value = value.decode("utf-8")
    elif kind == "int64_list":
        value = int(value)
    else:
        value = float(value)
    return kind, value


def examples_to_frame(examples: Sequence[Any], *, argument: str = "examples") -> Any:
    """A pandas DataFrame with one row per Example and one column per feature.

    Parameters
    ----------
    examples:
        ``tf.train.Example`` protos.
    argument:
        The argument's name in error messages.

    Returns
    -------
    (pandas.DataFrame, ExampleSchema)
        The rows, and what :func:`frame_to_examples` needs to rebuild protos.

    Raises
    ------
    MlnbValueError
        An item is not a ``tf.train.Example`` (a ``SequenceExample`` says so), a
        feature holds several values, or one feature holds different list kinds
        in different Examples.
    """
    import pandas as pd

    if len(examples) == 0:
        raise MlnbValueError(
            f"{argument}: got no examples; pass a non-empty list of tf.train.Example"
        )
    kinds: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    proto_type = type(examples[0])
    for i, ex in enumerate(examples):
        if not is_tf_example(ex):
            what = (
                "a tf.train.SequenceExample (sequence features are not supported: "
                "flatten them into an Example's features)"
                if is_sequence_example(ex)
                else f"a {type(ex).__name__}"
            )
            raise MlnbValueError(
                f"{argument}: example {i} is {what}; every example must be a "
                "tf.train.Example (or pass dicts or a DataFrame for all of them)"
            )
        row: dict[str, Any] = {}
        for name in sorted(ex.features.feature):  # stable within an Example
            kind, value = _value(i, name, ex.features.feature[name], argument)
            if kind:
                seen = kinds.setdefault(name, kind)
                if seen != kind:
                    raise MlnbValueError(
                        f"{argument}: feature {name!r} is a {seen} in an earlier "
                        f"example but a {kind} in example {i}; give each feature "
                        "one kind in every example"
                    )
            row[name] = value
        rows.append(row)
    names = list(kinds)
    for row in rows:  # features with no value anywhere still get a column
        for name in row:
            if name not in kinds:
                kinds[name] = ""
                names.append(name)
    frame = pd.DataFrame.from_records(rows, columns=names)
    for name in names:
        if kinds[name] == "int64_list" and frame[name].isna().any():
            frame[name] = frame[name].astype("Int64")
    schema = ExampleSchema(proto_type=proto_type, features=tuple(names), kinds=kinds)
    return frame, schema


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is a hard dependency
        pass
    return isinstance(value, float) and math.isnan(value)


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "int64_list"
    if isinstance(value, int):
        return "int64_list"
    if isinstance(value, float):
        return "float_list"
    try:
        import numpy as np

        if isinstance(value, np.integer | np.bool_):
            return "int64_list"
        if isinstance(value, np.floating):
            return "float_list"
    except ImportError:  # pragma: no cover
        pass
    return "bytes_list"


def _put(feature: Any, kind: str, value: Any, name: Any) -> None:
    if kind == "int64_list":
        if isinstance(value, float) and not value.is_integer():
            raise MlnbValueError(
                f"feature {name!r} is an int64 feature of the examples but got "
                f"{value!r}; give it a whole number"
            )
        feature.int64_list.value.append(int(value))
    elif kind == "float_list":
        feature.float_list.value.append(float(value))
    else:
        data = value if isinstance(value, bytes) else str(value).encode("utf-8")
        feature.bytes_list.value.append(data)


def frame_to_examples(X: Any, schema: ExampleSchema) -> list[Any]:
    """One ``tf.train.Example`` per row of the pandas DataFrame ``X``.

    Each column becomes the feature of that name with the list kind it had in the
    original Examples (a column they did not have: int64 for integers and
    booleans, float for other numbers, bytes otherwise). Missing values are left
    out of the proto.
    """
    columns = list(X.columns)
    values = [X[c].tolist() for c in columns]
    kinds = [schema.kinds.get(str(c)) or "" for c in columns]
    out = []
    for r in range(len(X)):
        ex = schema.proto_type()
        feats = ex.features.feature
        for c, name in enumerate(columns):
            value = values[c][r]
            if _missing(value):
                continue
            _put(feats[str(name)], kinds[c] or _kind_of(value), value, name)
        out.append(ex)
    return out
