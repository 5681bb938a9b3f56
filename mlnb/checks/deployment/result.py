"""The result of :func:`mlnb.gate`: a :class:`GateDecision`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from ...checklist.result import CheckResult, internal
from ...core import conditions as C
from ...errors import MlnbValueError

__all__ = ["GateDecision", "FRAME_COLUMNS", "NOT_EVALUATED"]

#: The row status of a threshold whose metric cannot be computed on a slice.
NOT_EVALUATED = "not evaluated"

#: The columns of :meth:`GateDecision.to_frame`.
FRAME_COLUMNS = (
    "threshold",
    "kind",
    "metric",
    "slice",
    "count",
    "candidate",
    "baseline",
    "change",
    "relative_change",
    "bound",
    "passed",
    "status",
    "sentence",
)


def _num(x: Any) -> float:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return math.nan
    return f


def _g(x: float) -> str:
    return "undefined" if math.isnan(x) else f"{x:.4g}"


@dataclass(frozen=True, kw_only=True, repr=False)
class GateDecision(CheckResult):
    """Whether a candidate model may be deployed: the evaluation gate's blessing.

    Attributes
    ----------
    blessed:
        True only when every threshold holds overall and on every slice it applies
        to (status ``"pass"``; otherwise ``"fail"``).
    candidate_id, baseline_id:
        Fingerprints of the models judged (:func:`model_fingerprint`): a promotion
        checks that a decision is about the model it promotes.
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    metrics:
        The metrics the thresholds read.
    slice_columns:
        The slicings judged (empty: overall only).
    threshold:
        Decision threshold of binary scores (None otherwise).
    n_rows:
        Rows evaluated.
    n_checks, n_blocking, n_not_evaluated:
        Rows of :meth:`to_frame` (threshold × slice), those that failed, and among
        them those whose metric could not be computed.
    thresholds:
        The thresholds, as dicts.
    data_id:
        A fingerprint of the evaluation rows (``sha256:`` of the column names and
        :func:`pandas.util.hash_pandas_object` of the rows), so a promotion's lineage
        names the data the decision was made on; None when the rows cannot be hashed.
    """

    check: ClassVar[str] = "gate"

    blessed: bool
    candidate_id: str
    baseline_id: str | None
    task: str
    metrics: tuple
    slice_columns: tuple
    threshold: float | None
    n_rows: int
    n_checks: int
    n_blocking: int
    n_not_evaluated: int
    thresholds: tuple
    data_id: str | None = None
    _frame: Any = internal()
    _candidate: Any = internal(default=None)
    _baseline: Any = internal(default=None)

    # -- construction --------------------------------------------------------------
    @classmethod
    def build(
        cls,
        *,
        thresholds: tuple,
        candidate: Any,
        baseline: Any,
        only_overall: bool,
        task: str,
        threshold: float | None,
        candidate_id: str,
        baseline_id: str | None,
        slice_text: Any,
        overall: str,
        data_id: str | None = None,
    ) -> GateDecision:
        import pandas as pd

        fc = candidate.to_frame().reset_index(drop=True)
        fb = None if baseline is None else baseline.to_frame().reset_index(drop=True)
        keys = list(zip(fc["slice"], fc["raw_value"].map(repr)))
        base_pos = (
            {}
            if fb is None
            else {
                k: i for i, k in enumerate(zip(fb["slice"], fb["raw_value"].map(repr)))
            }
        )
        slicings = tuple(dict.fromkeys(s for s in fc["slice"] if s != "overall"))
        rows: list[dict[str, Any]] = []
        outcomes: list[Any] = []
        for t in thresholds:
            for i in _targets(t, fc, only_overall, slicings, slice_text, overall):
                r = fc.iloc[i]
                where = (
                    overall if r["slice"] == "overall" else f"{r['slice']}={r['value']}"
                )
                cand = _num(r[t.metric])
                bi = base_pos.get(keys[i])
                base = math.nan if bi is None else _num(fb.iloc[bi][t.metric])
                note = str(r.get("notes", "") or "")
                row, outs = _judge(t, cand, base, where, note, fb is not None)
                row["count"] = int(r["count"])
                rows.append(row)
                outcomes.extend(outs)
        frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
        for col in ("candidate", "baseline", "change", "relative_change"):
            frame[col] = frame[col].astype("float64")
        frame["passed"] = frame["passed"].astype(bool)
        status, _ = C.decide(outcomes, default="fail")
        n_block = int((~frame["passed"]).sum())
        n_undef = int((frame["status"] == NOT_EVALUATED).sum())
        blessed = status == "pass" and n_block == 0
        status = "pass" if blessed else "fail"
        n = len(frame)
        if blessed:
            summary = (
                f"Candidate blessed: all {n} threshold check"
                f"{'s' if n != 1 else ''} hold"
                + ("" if only_overall else f" (overall and {len(fc) - 1} slices)")
            )
        else:
            failed = frame.loc[frame["status"] == "fail", "sentence"]
            first = (
                failed.iloc[0]
                if len(failed)
                else frame.loc[~frame["passed"], "sentence"].iloc[0]
            )
            summary = (
                f"Candidate blocked: {n_block} of {n} threshold checks fail"
                + (f" ({n_undef} not evaluated)" if n_undef else "")
                + f" — {first}"
            )
        return cls(
            step="deployment",
            status=status,
            summary=summary,
            outcomes=tuple(outcomes),
            condition_values={
                "blessed": int(blessed),
                "n_checks": n,
                "n_blocking": n_block,
                "n_not_evaluated": n_undef,
            },
            blessed=blessed,
            candidate_id=candidate_id,
            baseline_id=baseline_id,
            task=task,
            metrics=tuple(dict.fromkeys(t.metric for t in thresholds)),
            slice_columns=() if only_overall else slicings,
            threshold=threshold,
            n_rows=int(candidate.n_rows),
            n_checks=n,
            n_blocking=n_block,
            n_not_evaluated=n_undef,
            thresholds=tuple(t.to_dict() for t in thresholds),
            data_id=data_id,
            _frame=frame,
            _candidate=candidate,
            _baseline=baseline,
        )

    # -- public API ------------------------------------------------------------------
    def to_frame(self):
        """One row per threshold × slice: ``threshold``, ``kind`` (value /
        change), ``metric``, ``slice`` (``overall`` or ``column=value``), ``count``
        (rows), ``candidate``, ``baseline``, ``change``, ``relative_change``,
        ``bound`` (the rule), ``passed``, ``status`` (``pass``, ``fail`` or ``not
        evaluated``) and ``sentence``."""
        return self._frame.copy()

    @property
    def blocking(self):
        """The rows of :meth:`to_frame` that failed or could not be evaluated (what
        stands between the candidate and its blessing)."""
        f = self._frame
        return f.loc[~f["passed"]].reset_index(drop=True)

    @property
    def candidate_metrics(self):
        """The candidate's step-6 metrics (a ``SlicedMetrics``)."""
        return self._candidate

    @property
    def baseline_metrics(self):
        """The baseline's step-6 metrics (a ``SlicedMetrics``; None without one)."""
        return self._baseline

    def judge(self, conditions: Any = None, *, baseline: Any = None):
        """Not available: a blessing is decided by the gate's thresholds only.

        Raises
        ------
        MlnbValueError
            Always; call :func:`mlnb.gate` again with other thresholds.
        """
        raise MlnbValueError(
            "a GateDecision cannot be re-judged with other conditions: its blessing "
            "comes from the gate's thresholds; call gate(...) again with other "
            "thresholds="
        )

    def record_metrics(self) -> dict[str, Any]:
        return {
            "blessed": self.blessed,
            "n_checks": self.n_checks,
            "n_blocking": self.n_blocking,
            "n_not_evaluated": self.n_not_evaluated,
            "candidate_id": self.candidate_id,
        }

    def to_dict(self) -> dict[str, Any]:
        """Every public field and every row, JSON-safe (NaN → None)."""
        from ...core.jsonsafe import jsonable

        out = super().to_dict()
        out["rows"] = jsonable(self._frame.to_dict(orient="records"))
        return out

    def _repr_html_(self) -> str:
        from ...render import deployment

        return deployment.card(self)

    def plot(self, ax: Any = None):
        """Candidate (filled) and baseline (hollow) value of each row, failing rows
        in red, value bounds as bars. Returns the Axes drawn on."""
        from ...render import deployment

        return deployment.plot(self, ax=ax)


def _targets(t, fc, only_overall, slicings, slice_text, overall) -> list[int]:
    labels = list(fc["slice"])
    if t.slice is None:
        if only_overall:
            return [labels.index("overall")]
        return list(range(len(fc)))
    if t.slice == overall:
        return [labels.index("overall")]
    col, val = t.slice
    names = {str(col)}
    if isinstance(col, tuple):
        names.add(" × ".join(map(str, col)))
    want_val = {repr(val), str(val)}
    if isinstance(val, tuple):
        want_val.add(" × ".join(map(str, val)))
    hits = [
        i
        for i in range(len(fc))
        if labels[i] != "overall"
        and (labels[i] == col or str(labels[i]) in names)
        and (
            fc["raw_value"].iloc[i] == val
            or repr(fc["raw_value"].iloc[i]) in want_val
            or str(fc["value"].iloc[i]) in want_val
        )
    ]
    if not hits:
        have = [
            f"{labels[i]}={fc['value'].iloc[i]}"
            for i in range(len(fc))
            if labels[i] != "overall"
        ]
        shown = ", ".join(have[:20]) + (", ..." if len(have) > 20 else "")
        raise MlnbValueError(
            f"thresholds: {t.describe()} is for slice {slice_text(t.slice)}, which "
            "gate(slices=) does not produce; slices are: "
            f"{shown or '(none: pass slices=)'}"
        )
    return hits


def _judge(t, cand, base, where, note, has_base):
    if t.kind == "value":
        outs = [c.evaluate(cand) for c in t.conditions(where)]
        change = rel = math.nan
        if has_base and not (math.isnan(cand) or math.isnan(base)):
            change = cand - base
            rel = (
                change / abs(base)
                if not math.isclose(base, 0.0, abs_tol=1e-12)
                else math.nan
            )
        undefined = math.isnan(cand)
    else:
        change = cand - base
        rel = (
            change / abs(base)
            if not math.isclose(base, 0.0, abs_tol=1e-12)
            else math.nan
        )
        if math.isnan(base):
            rel = math.nan
        values = {f"{t.metric}_change": change, f"{t.metric}_relative_change": rel}
        outs = [c.evaluate(values[c.metric]) for c in t.conditions(where)]
        undefined = (
            math.isnan(cand)
            or math.isnan(base)
            or (t.relative is not None and math.isnan(rel))
        )
    held = all(o.status == "pass" for o in outs)
    bound = t.describe()
    if undefined:
        status = NOT_EVALUATED
        if math.isnan(cand) or math.isnan(base):
            who = "candidate" if math.isnan(cand) else "baseline"
            why = note or f"the {who}'s value is undefined"
            sentence = (
                f"{t.metric} cannot be computed on {where} ({why}): {bound} not "
                "evaluated, so the candidate is not blessed"
            )
        else:
            sentence = (
                f"{t.metric} on {where}: the baseline's value is 0, so the relative "
                f"change is undefined: {bound} not evaluated, so the candidate is not "
                "blessed"
            )
    else:
        status = "pass" if held else "fail"
        if t.kind == "value":
            detail = f"{t.metric} {_g(cand)} on {where}"
        else:
            rel_txt = "" if math.isnan(rel) else f", {rel:+.2%}"
            detail = (
                f"{t.metric} {_g(cand)} on {where} (baseline {_g(base)}, change "
                f"{change:+.4g}{rel_txt})"
            )
        sentence = (
            f"{detail} meets {bound}"
            if held
            else f"{detail} breaks {bound}: blocks the candidate"
        )
    row = {
        "threshold": bound if t.slice is None else f"{bound} [{where}]",
        "kind": t.kind,
        "metric": t.metric,
        "slice": where,
        "candidate": cand,
        "baseline": base,
        "change": change,
        "relative_change": rel,
        "bound": bound,
        "passed": status == "pass",
        "status": status,
        "sentence": sentence,
    }
    return row, outs
