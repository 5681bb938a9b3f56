"""mlnb — check an ML project for the ten things that most often go wrong.

    >>> import mlnb
    >>> result = mlnb.imbalance(df, label="is_fraud")      # doctest: +SKIP
    >>> mlnb.thresholds(y_test, model.predict_proba(X_test)[:, 1])  # doctest: +SKIP

In Jupyter: ``%load_ext mlnb`` then ``%mlcheck`` for the checklist.

``import mlnb`` stays light: the checks (and scikit-learn, pandas, widgets) load on
first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .checklist import STEP_IDS, STEPS, get_step
from .errors import (
    DataValidationError,
    MissingDependencyError,
    MlnbError,
    MlnbValueError,
    PredictionError,
)

__version__ = "0.1.0"

# public name -> module that defines it (imported on first access)
_LAZY = {
    "goal": "mlnb.checks.problem",
    "Goal": "mlnb.checks.problem",
    "current_goal": "mlnb.checks.problem",
    "baselines": "mlnb.checks.problem",
    "BaselinesResult": "mlnb.checks.problem",
    "prototype": "mlnb.checks.prototype",
    "PrototypeResult": "mlnb.checks.prototype",
    "diagnose": "mlnb.checks.accuracy",
    "Diagnosis": "mlnb.checks.accuracy",
    "accelerators": "mlnb.runtime.training",
    "Accelerators": "mlnb.runtime.training",
    "TrainingJob": "mlnb.runtime.training",
    "TrainingRun": "mlnb.runtime.training",
    "imbalance": "mlnb.checks.imbalance",
    "gate": "mlnb.checks.deployment",
    "GateDecision": "mlnb.checks.deployment",
    "ValueThreshold": "mlnb.checks.deployment",
    "ChangeThreshold": "mlnb.checks.deployment",
    "schema": "mlnb.checks.deployment",
    "Schema": "mlnb.checks.deployment",
    "validate_data": "mlnb.checks.deployment",
    "ValidationResult": "mlnb.checks.deployment",
    "registry": "mlnb.runtime.registry",
    "ModelRegistry": "mlnb.runtime.registry",
    "ModelVersion": "mlnb.runtime.registry",
    "promote": "mlnb.runtime.registry",
    "rollback": "mlnb.runtime.registry",
    "Promotion": "mlnb.runtime.registry",
    "Pipeline": "mlnb.runtime.pipeline",
    "PipelineRun": "mlnb.runtime.pipeline",
    "ImbalanceResult": "mlnb.checks.imbalance",
    "thresholds": "mlnb.checks.imbalance",
    "ThresholdsResult": "mlnb.checks.imbalance",
    "OperatingPoint": "mlnb.checks.imbalance",
    "explain": "mlnb.checks.explainability",
    "Explanation": "mlnb.checks.explainability",
    "fair_thresholds": "mlnb.checks.whatif",
    "FairThresholds": "mlnb.checks.whatif",
    "nearest_counterfactual": "mlnb.checks.whatif",
    "Counterfactual": "mlnb.checks.whatif",
    "partial_dependence": "mlnb.checks.whatif",
    "PartialDependence": "mlnb.checks.whatif",
    "sliced_metrics": "mlnb.checks.fairness",
    "SlicedMetrics": "mlnb.checks.fairness",
    "drift": "mlnb.checks.drift",
    "skew": "mlnb.checks.drift",
    "DriftReport": "mlnb.checks.drift",
    "SkewReport": "mlnb.checks.drift",
    "drift_over_time": "mlnb.checks.drift",
    "DriftOverTime": "mlnb.checks.drift",
    "DriftChart": "mlnb.widgets.drift",
    "profile": "mlnb.core.profile",
    "profile_parquet": "mlnb.core.profile",
    "Profile": "mlnb.core.profile",
    "ContinuousEvaluator": "mlnb.runtime.evaluator",
    "ContinuousEvaluationResult": "mlnb.runtime.evaluator",
    "Alert": "mlnb.runtime.delivery",
    "CheckResult": "mlnb.checklist.result",
    "Condition": "mlnb.core.conditions",
    "register_metric": "mlnb.core.metrics",
    "ImbalanceExplorer": "mlnb.widgets.imbalance",
    "SlicedMetricsView": "mlnb.widgets.sliced",
    "WhatIf": "mlnb.widgets.whatif",
    "TrainingLauncher": "mlnb.widgets.training",
    "WitConfigBuilder": "mlnb.widgets.wit",
    "WitWidget": "mlnb.widgets.wit",
}
_SUBMODULES = {
    "checks",
    "core",
    "datasets",
    "render",
    "widgets",
    "checklist",
    "runtime",
    "magics",
    "integrations",
    "train",
}

__all__ = [
    "STEPS",
    "STEP_IDS",
    "get_step",
    "MlnbError",
    "MlnbValueError",
    "DataValidationError",
    "MissingDependencyError",
    "PredictionError",
    "load_ipython_extension",
    "unload_ipython_extension",
    *_LAZY,
]

if TYPE_CHECKING:  # pragma: no cover
    from .checklist.result import CheckResult  # noqa: F401
    from .checks.accuracy import Diagnosis, diagnose  # noqa: F401
    from .checks.deployment import (  # noqa: F401
        ChangeThreshold,
        GateDecision,
        Schema,
        ValidationResult,
        ValueThreshold,
        gate,
        schema,
        validate_data,
    )
    from .checks.drift import (  # noqa: F401
        DriftOverTime,
        DriftReport,
        SkewReport,
        drift,
        drift_over_time,
        skew,
    )
    from .checks.explainability import Explanation, explain  # noqa: F401
    from .checks.fairness import SlicedMetrics, sliced_metrics  # noqa: F401
    from .checks.imbalance import (  # noqa: F401
        ImbalanceResult,
        OperatingPoint,
        ThresholdsResult,
        imbalance,
        thresholds,
    )
    from .checks.problem import (  # noqa: F401
        BaselinesResult,
        Goal,
        baselines,
        current_goal,
        goal,
    )
    from .checks.prototype import PrototypeResult, prototype  # noqa: F401
    from .checks.whatif import (  # noqa: F401
        Counterfactual,
        FairThresholds,
        PartialDependence,
        fair_thresholds,
        nearest_counterfactual,
        partial_dependence,
    )
    from .core.conditions import Condition  # noqa: F401
    from .core.metrics import register_metric  # noqa: F401
    from .core.profile import Profile, profile, profile_parquet  # noqa: F401
    from .runtime.delivery import Alert  # noqa: F401
    from .runtime.evaluator import (  # noqa: F401
        ContinuousEvaluationResult,
        ContinuousEvaluator,
    )
    from .runtime.pipeline import Pipeline, PipelineRun  # noqa: F401
    from .runtime.registry import (  # noqa: F401
        ModelRegistry,
        ModelVersion,
        Promotion,
        promote,
        registry,
        rollback,
    )
    from .runtime.training import (  # noqa: F401
        Accelerators,
        TrainingJob,
        TrainingRun,
        accelerators,
    )
    from .widgets.drift import DriftChart  # noqa: F401
    from .widgets.imbalance import ImbalanceExplorer  # noqa: F401
    from .widgets.sliced import SlicedMetricsView  # noqa: F401
    from .widgets.training import TrainingLauncher  # noqa: F401
    from .widgets.whatif import WhatIf  # noqa: F401
    from .widgets.wit import WitConfigBuilder, WitWidget  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return import_module(f"mlnb.{name}")
    raise AttributeError(f"module 'mlnb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext mlnb``: register the ``%mlcheck`` magics."""
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where Jupyter finds the prebuilt JupyterLab extension (the checklist panel)."""
    return [{"src": "labextension", "dest": "mlnb"}]
