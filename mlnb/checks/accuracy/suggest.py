"""Ranked suggestions, each with the numbers behind it.

Every suggestion has an ``expected_gain`` (in the scorer's units, higher is better:
what the evidence says the change would add to the validation score; NaN where
the evidence gives no number) and a ``strength`` (the gain in corrected standard
errors, :mod:`~mlnb.checks.accuracy.noise`; NaN for verdicts such as overfitting).

**Ranking rule** (documented in :func:`~mlnb.checks.accuracy.diagnose`):

1. suggestions whose gain is beyond fold noise (``strength > 2``), largest
   ``expected_gain`` first;
2. then the fit verdict's advice (regularise when overfitting, a more flexible
   model or more features when underfitting);
3. then the remaining positive gains that are within fold noise but at least one
   standard error, largest first (smaller ones are left out).

Ties are broken by strength, then by the suggestion's text.
"""

from __future__ import annotations

import math
from typing import Any

from .noise import NOISE_Z

__all__ = ["COLUMNS", "rank"]

#: Suggestions whose gain is within this many standard errors are left out.
MIN_STRENGTH = 1.0
#: Columns of the suggestions frame.
COLUMNS = ("rank", "suggestion", "kind", "evidence", "expected_gain", "strength")


def _tier(s: dict[str, Any]) -> int:
    if s["kind"] == "verdict":
        return 1
    strength = s["strength"]
    return 0 if (strength == strength and strength > NOISE_Z) else 2


def rank(items: list[dict[str, Any]]):
    """The suggestions as a frame with ``rank`` 1..n by the ranking rule."""
    import pandas as pd

    def key(s: dict[str, Any]) -> tuple:
        gain = s["expected_gain"]
        strength = s["strength"]
        return (
            _tier(s),
            -gain if not math.isnan(gain) else math.inf,
            -strength if not math.isnan(strength) else math.inf,
            s["suggestion"],
        )

    # a gain within one standard error is no evidence at all: left out
    items = [
        s
        for s in items
        if not (s["strength"] == s["strength"] and s["strength"] < MIN_STRENGTH)
    ]
    ordered = sorted(items, key=key)
    rows = [
        {"rank": i + 1, **{c: s[c] for c in COLUMNS[1:]}} for i, s in enumerate(ordered)
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["rank"] = frame["rank"].astype("int64")
    frame["expected_gain"] = frame["expected_gain"].astype("float64")
    frame["strength"] = frame["strength"].astype("float64")
    return frame
