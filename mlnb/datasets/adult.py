"""The UCI Adult (census income) data set, shipped with mlnb.

Becker, B. & Kohavi, R. (1996). *Adult*. UCI Machine Learning Repository.
Licence: CC BY 4.0 (see ``data/ADULT_LICENSE.txt``; the original description is
``data/adult.names``). It is the data set Google's What-If Tool and many fairness
tutorials use, so results can be compared with theirs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["load_adult", "ADULT_CITATION"]

_DATA = Path(__file__).parent / "data"
ADULT_CITATION = (
    "Becker, B. & Kohavi, R. (1996). Adult. UCI Machine Learning Repository. CC BY 4.0."
)


def load_adult(split: str = "train", *, missing: str = "keep") -> Any:
    """The Adult data as a pandas DataFrame.

    Parameters
    ----------
    split:
        ``"train"`` (32,561 rows), ``"test"`` (16,281 rows) or ``"all"`` (both,
        with a ``split`` column).
    missing:
        ``"keep"`` (missing values, ``?`` in the files, become NaN) or ``"drop"``
        (rows with any missing value are left out: 30,162 train / 15,060 test).

    The label column is ``income`` (``"<=50K"`` / ``">50K"``); about 24% of rows
    earn more than 50K.
    """
    import pandas as pd

    from ..errors import MlnbValueError

    if split not in ("train", "test", "all"):
        raise MlnbValueError(f"split must be 'train', 'test' or 'all'; got {split!r}")
    if missing not in ("keep", "drop"):
        raise MlnbValueError(f"missing must be 'keep' or 'drop'; got {missing!r}")
    parts = ["train", "test"] if split == "all" else [split]
    frames = []
    for part in parts:
        df = pd.read_csv(
            _DATA / f"adult_{part}.csv.gz", na_values=["?"], skipinitialspace=True
        )
        if split == "all":
            df["split"] = part
        frames.append(df)
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if missing == "drop":
        df = df.dropna().reset_index(drop=True)
    return df
