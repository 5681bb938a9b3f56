"""The result of :meth:`Pipeline.run_local`: :class:`PipelineRun`."""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from typing import Any, ClassVar

from ...checklist.result import CheckResult, internal

__all__ = ["PipelineRun", "STEP_STATES"]

#: What a step's ``state`` can be.
STEP_STATES = ("ran", "skipped", "failed", "not run")


def _read(uri: str) -> Any:
    with open(uri, "rb") as fh:
        return pickle.load(fh)


@dataclass(frozen=True, kw_only=True, repr=False)
class PipelineRun(CheckResult):
    """A run of an :class:`~mlnb.Pipeline`, with its steps' results read back.

    Attributes
    ----------
    name:
        The pipeline's name.
    state:
        ``"succeeded"`` (every step that had to run ran) or ``"failed"``.
    valid:
        Whether the data passed validation (None if validate did not run).
    blessed:
        The gate's blessing (None when the gate did not run).
    promoted:
        Whether the deploy step promoted the model (None when it did not run).
    failed_step, error:
        The step that failed and its error message (None on success).
    not_judged:
        Change thresholds left out because the registry had no champion yet.
    pipeline_root, log_path:
        Where the steps' artefacts and the steps' output are.
    artifacts:
        ``{name: {"uri": ..., "metadata": {...}}}`` of the artefacts the steps
        wrote (``validation``, ``model``, ``decision``, ``metrics``,
        ``promotion``).

    The status is ``pass`` when the candidate was promoted and ``fail`` otherwise
    (invalid data, a blocked candidate, a refused promotion, a failed step).
    """

    check: ClassVar[str] = "pipeline"

    name: str
    state: str
    valid: bool | None
    blessed: bool | None
    promoted: bool | None
    failed_step: str | None
    error: str | None
    not_judged: tuple
    pipeline_root: str
    log_path: str
    artifacts: dict
    _steps: tuple = internal()
    _validation: Any = internal(default=None)
    _decision: Any = internal(default=None)
    _promotion: Any = internal(default=None)

    @classmethod
    def from_local(
        cls, pipe: Any, out: dict, *, pipeline_root: str, log_path: str
    ) -> PipelineRun:
        arts = out["artifacts"]
        validation = decision = promotion = None
        not_judged: tuple = ()
        if "validation" in arts:
            validation = _read(arts["validation"][0])
        if "decision" in arts:
            saved = _read(arts["decision"][0])
            decision, not_judged = saved["decision"], tuple(saved["not_judged"])
        if "promotion" in arts:
            promotion = _read(arts["promotion"][0])
        state_of = {r["step"]: r["state"] for r in out["steps"]}
        valid = (
            None
            if validation is None
            else all(r.status != "fail" for r in validation.values())
        )
        blessed = None if state_of.get("gate") != "ran" else bool(decision.blessed)
        promoted = None if promotion is None else bool(promotion.promoted)
        error = out["error"]
        failed_step = None if error is None else getattr(error, "step", None)
        outputs = {
            "validate": ""
            if validation is None
            else "; ".join(f"{k}: {v.summary}" for k, v in validation.items()),
            "train": ""
            if "model" not in arts
            else f"{arts['model'][1].get('type', 'model')} "
            f"({str(arts['model'][1].get('fingerprint', ''))[:19]}…)",
            "evaluate": "" if decision is None else decision.summary,
            "gate": ""
            if blessed is None
            else ("blessed" if blessed else "blocked: deploy skipped"),
            "deploy": "" if promotion is None else promotion.summary,
        }
        rows = tuple({**r, "outputs": outputs.get(r["step"], "")} for r in out["steps"])
        if error is not None:
            status, summary = "fail", f"{pipe.name}: {error}"
        elif valid is False:
            status = "fail"
            summary = (
                f"{pipe.name}: the data failed validation; train, evaluate, gate and "
                "deploy were skipped"
            )
        elif blessed is False:
            status = "fail"
            summary = (
                f"{pipe.name}: candidate blocked by the gate, deploy skipped — "
                f"{decision.summary}"
            )
        elif promoted:
            status, summary = "pass", f"{pipe.name}: {promotion.summary}"
        else:
            status = "fail"
            why = "" if promotion is None else f" — {promotion.summary}"
            summary = f"{pipe.name}: the blessed candidate was not promoted{why}"
        return cls(
            step="deployment",
            status=status,
            summary=summary,
            name=pipe.name,
            state="failed" if error is not None else "succeeded",
            valid=valid,
            blessed=blessed,
            promoted=promoted,
            failed_step=failed_step,
            error=None if error is None else str(error),
            not_judged=not_judged,
            pipeline_root=pipeline_root,
            log_path=log_path,
            artifacts={
                k: {"uri": uri, "metadata": meta} for k, (uri, meta) in arts.items()
            },
            _steps=rows,
            _validation=validation,
            _decision=decision,
            _promotion=promotion,
        )

    # -- the steps' results -------------------------------------------------------
    @property
    def steps(self):
        """One row per step: ``step``, ``state`` (``ran``, ``skipped`` — by the
        condition —, ``failed``, ``not run``), ``seconds`` (wall time of the step's
        process, None when it did not run) and ``outputs`` (what it produced)."""
        import pandas as pd

        return pd.DataFrame(
            list(self._steps), columns=["step", "state", "seconds", "outputs"]
        )

    @property
    def validation(self) -> dict | None:
        """``{"train_data": ValidationResult, "eval_data": ValidationResult}`` read
        back from the validate step (None if it did not run)."""
        return None if self._validation is None else dict(self._validation)

    @property
    def decision(self):
        """The gate's :class:`~mlnb.GateDecision` read back (None if it did not run)."""
        return self._decision

    @property
    def promotion(self):
        """The deploy step's ``Promotion`` read back (None if deploy did not run)."""
        return self._promotion

    def log(self) -> str:
        """The steps' output (KFP's and the components' log lines)."""
        if not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, encoding="utf-8", errors="replace") as fh:
            return fh.read()

    def publish_all(self) -> PipelineRun:
        """Record the validation results, the decision, the promotion and this run
        as this session's step-8 evidence; returns self."""
        for r in (self._validation or {}).values():
            r.publish()
        for r in (self._decision, self._promotion):
            if r is not None and hasattr(r, "publish"):
                r.publish()
        return self.publish()

    # -- display ------------------------------------------------------------------
    def record_metrics(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "valid": self.valid,
            "blessed": self.blessed,
            "promoted": self.promoted,
        }

    def _frame_rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._steps]

    def to_frame(self):
        """:attr:`steps`."""
        return self.steps

    def _html_sections(self) -> list[str]:
        from ...render import html as H
        from ...render import pipeline as R

        out = [R.step_strip(list(self._steps)), R.steps_table(list(self._steps))]
        if self.not_judged:
            out.append(
                H.bullet_list(
                    [f"{t} (no champion yet)" for t in self.not_judged],
                    title="change thresholds not judged",
                )
            )
        return out
