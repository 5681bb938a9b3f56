"""Step 5: when accuracy is stuck — a diagnosis of one scikit-learn model.

:func:`diagnose` assembles scikit-learn's pieces into an answer on one set of
cross-validation folds: the learning curve (would more data help?), the
train/validation gap (over- or underfitting?), permutation importance and
drop-one-feature ablation (which features matter, which hurt?), a few model
families and their soft-voting ensemble (would another model do better?), and
ranked suggestions, each with the numbers behind it.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...checklist.result import CheckResult, internal, judge
from ...core.conditions import Condition
from ...core.jsonsafe import jsonable
from ...errors import MlnbError, MlnbValueError
from . import curves, suggest
from . import families as fam
from . import features as feat
from .engine import Done, Fit, run_fits
from .inputs import FAMILY_KINDS, Inputs, read_inputs
from .noise import NOISE_Z, paired_gain

__all__ = ["diagnose", "Diagnosis", "CONDITION_VALUES", "PARTS", "GAP_WARN"]

#: The parts of a diagnosis, in the order they are computed; an interrupted run
#: lists the ones it did not finish in :attr:`Diagnosis.missing`.
PARTS = (
    "learning_curve",
    "dummy",
    "cross_validation",
    "importance",
    "families",
    "ensemble",
    "ablation",
)
#: A train/validation gap above this share of the room between the dummy model's
#: score and a perfect score is a large gap (overfitting).
GAP_WARN = 0.1
#: A validation skill below this (the share of the room between the dummy model and
#: a perfect score that the model covers) is close to the dummy: underfitting.
UNDERFIT_SKILL = 0.2

#: The values conditions on :func:`diagnose` can read, and what they mean.
CONDITION_VALUES = {
    "valid_score": "mean validation score over the folds at full training size",
    "train_score": "mean training score over the folds at full training size",
    "train_valid_gap": "train_score - valid_score (scorer units, higher is better)",
    "relative_gap": (
        "train_valid_gap as a share of the room between the dummy model's score and "
        "a perfect score (of |valid_score| when the scorer has no known best value)"
    ),
    "dummy_score": "validation score of the dummy model (class prior / mean)",
    "dummy_gain": "valid_score - dummy_score, paired over the folds",
    "dummy_gain_z": "dummy_gain in corrected standard errors (Nadeau & Bengio)",
    "valid_skill": "(valid_score - dummy_score) / (perfect - dummy_score)",
    "more_data_gain": "extrapolated validation-score gain at twice the data",
    "more_data_z": "more_data_gain in standard errors across folds",
    "best_family_gain": "validation gain of the best other model over yours",
    "best_family_z": "best_family_gain in corrected standard errors",
    "ensemble_gain": "validation gain of the soft-voting ensemble over your model",
    "n_hurting_features": "features whose removal raises the score beyond noise",
    "holdout_score": "score on X_valid of the model fitted on all of X (if given)",
    "goal_margin": (
        "how far the validation score is beyond the goal's target (negative: short "
        "of it; undefined without a goal on the same metric)"
    ),
    "complete": "1 when every part was computed, 0 after an interruption",
}

_NADEAU = (
    "fold noise by Nadeau & Bengio's corrected resampled t statistic (Machine "
    "Learning 52, 2003): a gain counts beyond noise above 2 corrected standard errors"
)


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _nan() -> float:
    return math.nan


@dataclass(frozen=True, kw_only=True, repr=False)
class Diagnosis(CheckResult):
    """A diagnosis of one model on one set of folds.

    Attributes
    ----------
    learning_curve:
        A frame: ``train_size``, ``train_score``, ``valid_score``,
        ``train_score_std``, ``valid_score_std`` (means and numpy standard
        deviations over the folds, as scikit-learn's ``learning_curve``).
    models:
        One row per model on the same folds: ``model``, ``kind`` (``yours``,
        ``dummy``, ``family``, ``ensemble``), ``valid_score``, ``valid_score_std``,
        ``train_score``, ``gain`` over yours, ``gain_se`` (corrected), ``z``,
        ``fit_time`` (mean seconds per fold), ``error``.
    importance:
        One row per feature: ``feature``, ``importance_mean``, ``importance_std``
        (permutation importance), ``ablation_gain`` (score without the feature
        minus with it, paired over the folds; positive: the model is better
        without it), ``ablation_gain_se``, ``ablation_z``, ``hurts``.
    suggestions:
        Ranked: ``rank``, ``suggestion``, ``kind``, ``evidence``,
        ``expected_gain``, ``strength`` (see :func:`diagnose` for the rule).
    verdict:
        ``"overfitting"``, ``"underfitting"``, ``"good fit"`` or
        ``"undetermined"``.
    more_data:
        The slope of the curve's end and the extrapolation to twice the data, with
        its standard error and assumption (a dict).
    complete, missing:
        Whether every part was computed; the parts that were not (after a
        ``KeyboardInterrupt``), in :data:`PARTS` order.
    """

    check: ClassVar[str] = "diagnose"

    #: The documented default conditions.
    DEFAULT_CONDITIONS: ClassVar[tuple] = (
        Condition(
            "dummy_gain_z",
            ">",
            NOISE_Z,
            name="beats the dummy model",
            why=(
                "a model that does not beat predicting the class prior (the mean "
                "for regression) has learnt nothing usable; the dummy is "
                "scikit-learn's DummyClassifier/DummyRegressor on the same folds, "
                + _NADEAU
            ),
        ),
        Condition(
            "relative_gap",
            "<=",
            GAP_WARN,
            status="warn",
            name="no large train/validation gap",
            why=(
                "a training score well above the validation score is high variance "
                "(overfitting): Ng, Machine Learning Yearning, ch. 20-23 (bias and "
                "variance); 10% of the room between the dummy model and a perfect "
                "score is this check's rule of thumb"
            ),
        ),
        Condition(
            "best_family_z",
            "<=",
            NOISE_Z,
            status="warn",
            if_undefined="pass",
            name="no other model family beats yours",
            why=(
                "another family (or their ensemble) scoring higher on the same folds "
                "beyond noise means the model, not the data, is the limit; "
                + _NADEAU
                + " (passes when no family was compared)"
            ),
        ),
        Condition(
            "goal_margin",
            ">=",
            0.0,
            status="warn",
            if_undefined="pass",
            name="reaches the goal's target",
            why=(
                "step 1's goal (mlnb.goal) says what score is good enough; the "
                "validation score is compared with its target when the goal's metric "
                "is the scorer's (passes without such a goal)"
            ),
        ),
        Condition(
            "complete",
            ">=",
            1,
            status="info",
            name="diagnosis complete",
            why="an interrupted diagnosis leaves parts out (listed in .missing)",
        ),
    )

    estimator_name: str
    task: str
    scoring: str
    n_samples: int
    n_features: int
    n_folds: int
    valid_score: float
    valid_score_std: float
    train_score: float
    train_valid_gap: float
    dummy_score: float
    holdout_score: float
    verdict: str
    more_data: dict
    best_family: Any
    best_family_gain: float
    complete: bool
    missing: tuple
    notes: tuple
    learning_curve: Any = internal(default=None)
    models: Any = internal(default=None)
    importance: Any = internal(default=None)
    suggestions: Any = internal(default=None)
    fold_scores: dict = internal(default_factory=dict)

    # -- public ----------------------------------------------------------------
    def plot(self, *, ax: Any = None) -> Any:
        """Learning curve with ±1 std bands, permutation importance and ablation
        bars, and the model comparison; returns the three Axes (a numpy array). Pass
        ``ax`` as three Axes to draw on them."""
        from ...render.accuracy import diagnosis_plot

        return diagnosis_plot(self, ax=ax)

    def to_frame(self):
        """The ranked suggestions (see :attr:`suggestions`); the other tables are
        :attr:`learning_curve`, :attr:`models` and :attr:`importance`."""
        return self.suggestions.copy()

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        for name in ("learning_curve", "models", "importance", "suggestions"):
            frame = getattr(self, name)
            out[name] = jsonable(
                [] if frame is None else frame.to_dict(orient="records")
            )
        return out

    # -- rendering -------------------------------------------------------------
    def record_metrics(self) -> dict[str, Any]:
        cv = self.condition_values
        m: dict[str, Any] = {
            "scoring": self.scoring,
            "valid_score": self.valid_score,
            "train_score": self.train_score,
            "train_valid_gap": self.train_valid_gap,
            "dummy_score": self.dummy_score,
            "verdict": self.verdict,
            "more_data_gain": cv.get("more_data_gain"),
            "best_family": self.best_family,
            "best_family_gain": self.best_family_gain,
            "complete": self.complete,
        }
        if self.suggestions is not None and len(self.suggestions):
            m["top_suggestion"] = str(self.suggestions["suggestion"].iloc[0])
        return m

    def _frame_rows(self) -> list[dict[str, Any]]:
        return self.suggestions.to_dict(orient="records")

    def _html_sections(self) -> list[str]:
        from ...render.accuracy import html_sections

        return html_sections(self)


# -- the check -----------------------------------------------------------------


def _check_options(
    families: Any, n_repeats: Any, progress: Any, publish: Any, random_state: Any
) -> tuple[str, ...]:
    if isinstance(families, str) or not hasattr(families, "__iter__"):
        raise MlnbValueError(
            f"families must be a tuple of model kinds from {', '.join(FAMILY_KINDS)} "
            f"(or () for none), e.g. families=('linear', 'boosted'); got {families!r}"
        )
    kinds = tuple(families)
    bad = [k for k in kinds if not (isinstance(k, str) and k in FAMILY_KINDS)]
    if bad:
        raise MlnbValueError(
            f"families holds {bad[0]!r}, which is not a model kind; choose from "
            f"{', '.join(FAMILY_KINDS)}"
        )
    if (
        isinstance(n_repeats, (bool, np.bool_))
        or not isinstance(n_repeats, (int, np.integer))
        or n_repeats < 1
    ):
        raise MlnbValueError(
            f"n_repeats must be a whole number >= 1 (shuffles per feature for "
            f"permutation importance, 5 by default); got {n_repeats!r}"
        )
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise MlnbValueError(f"progress must be True, False or None; got {progress!r}")
    if not isinstance(publish, (bool, np.bool_)):
        raise MlnbValueError(f"publish must be True or False; got {publish!r}")
    if random_state is not None and (
        isinstance(random_state, (bool, np.bool_))
        or not isinstance(random_state, (int, np.integer))
        or not 0 <= random_state < 2**32
    ):
        raise MlnbValueError(
            "random_state must be None or an int in [0, 2**32) (the seed of "
            f"permutation importance and of the model families); got {random_state!r}"
        )
    return tuple(dict.fromkeys(kinds))


def _current_goal() -> Any:
    """Step 1's goal for this session, when mlnb.checks.problem has one."""
    import importlib

    try:  # step 1's module, looked up by name: it may not be installed alongside
        problem = importlib.import_module("mlnb.checks.problem")
    except ImportError:
        return None
    try:
        return problem.current_goal()
    except Exception:  # noqa: BLE001 - no goal is not an error here
        return None


def _interactive() -> bool:
    return "ipykernel" in sys.modules or hasattr(sys, "ps1")


def _scores(done: list[Done], k: int) -> tuple[np.ndarray, np.ndarray]:
    test = np.array([d.test_score for d in done], dtype=np.float64).reshape(-1, k)
    train = np.array([d.train_score for d in done], dtype=np.float64).reshape(-1, k)
    return test, train


def _mean(a: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    return float(np.nanmean(a)) if np.isfinite(a).any() else math.nan


def _std(a: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    return float(np.nanstd(a)) if np.isfinite(a).any() else math.nan


def _first_error(done: list[Done]) -> str:
    return next((d.error for d in done if d.error), "")


def _estimator_name(estimator: Any) -> str:
    steps = getattr(estimator, "steps", None)
    if steps:
        return f"{_estimator_name(steps[-1][1])} (Pipeline)"
    return type(estimator).__name__


def diagnose(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    X_valid: Any = None,
    y_valid: Any = None,
    cv: Any = 5,
    scoring: Any = None,
    train_sizes: Any = None,
    families: Any = ("linear", "boosted", "forest"),
    n_repeats: int = 5,
    ablate: Any = None,
    random_state: int | None = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
    conditions: Any = None,
    publish: bool = True,
) -> Diagnosis:
    """Diagnose a model whose accuracy is stuck: more data? over- or underfitting?
    which features? another model family?

    Everything is computed on one set of cross-validation folds of ``X, y`` (the
    splits of ``cv``, drawn once), so the numbers of the parts can be compared
    with each other and with scikit-learn's.

    Parameters
    ----------
    estimator:
        An unfitted scikit-learn estimator or Pipeline (``fit``, ``predict`` or
        ``predict_proba``, clonable). It is cloned for every fit and never changed.
        Keras models: wrap them with scikeras.
    X, y:
        Features (pandas or polars DataFrame, pyarrow Table, dict of arrays, or a
        2-D numpy / sparse array) and labels. Tables are converted with
        :func:`mlnb.core.frames.to_pandas` before scikit-learn sees them.
    X_valid, y_valid:
        Validation rows. When given, permutation importance is measured there with
        the model fitted on all of ``X`` (and :attr:`Diagnosis.holdout_score` is
        its score); otherwise on the held-out rows of the first fold.
    cv:
        Number of folds (stratified for classifiers, as scikit-learn does), a
        splitter (``KFold(5, shuffle=True, random_state=0)``) or a list of
        ``(train, test)`` index pairs. Used as given.
    scoring:
        A scikit-learn scorer name (``"roc_auc"``, ``"neg_log_loss"``, ...), an
        mlnb metric name (``"rmse"``, ``"macro_f1"``), or a callable
        ``scorer(estimator, X, y)``. Default: the goal's metric (:func:`mlnb.goal`,
        step 1) when one is set for this task, else ROC AUC (binary), accuracy
        (multiclass) or ``neg_root_mean_squared_error`` (regression). Scores keep
        scikit-learn's sign: higher is better (losses are negated). Precision,
        recall, F1 and average precision count the goal's ``positive_label`` as
        positive, else (string labels) the last sorted class.
    train_sizes:
        Learning-curve sizes, fractions of a fold's training rows or counts
        (default scikit-learn's: 10% to 100% in 5 steps).
    families:
        Model families of :mod:`mlnb.checks.modeling` to compare with your model
        (``"linear"``, ``"boosted"``, ``"forest"``, ``"knn"``), each with its own
        preprocessing of the raw columns; with two or more, their soft-voting
        ensemble too. ``()`` compares none.
    n_repeats:
        Shuffles per feature for permutation importance.
    ablate:
        Features for drop-one-feature ablation (each costs one fit per fold):
        ``None`` — the :data:`~mlnb.checks.accuracy.features.MAX_ABLATED` (5) with
        the lowest permutation importance, the candidates for dropping; ``True`` —
        every feature; a list of column names; ``()`` / ``False`` — none.
    random_state:
        Seed of permutation importance and of the families' models.
    n_jobs:
        Fits run side by side (scikit-learn's joblib ``Parallel``); also passed to
        ``permutation_importance``. ``None``: one at a time.
    progress:
        Show one progress bar over every fit (tqdm). ``None``: only in an
        interactive session (Jupyter, the Python prompt).
    conditions:
        :class:`mlnb.Condition` rules that decide the status, replacing the
        defaults; they read :data:`CONDITION_VALUES`.
    publish:
        Record the result as this session's evidence for step 5.

    Returns
    -------
    Diagnosis

    Interrupting
    ------------
    Interrupting the kernel (``KeyboardInterrupt``) during a diagnosis does not
    lose the work done: the parts finished so far are kept and a
    :class:`Diagnosis` with ``complete == False`` is returned, its ``missing``
    listing the parts left out (in :data:`PARTS` order: learning curve, dummy,
    cross-validation, importance, families, ensemble, ablation). Its status is at
    least ``info`` (condition "diagnosis complete").

    Verdict
    -------
    *Underfitting* when even the training score is close to the dummy model's
    (skill below 0.2: the share of the room between the dummy model and a perfect
    score covered); else ``relative_gap`` > 0.1 is *overfitting*; else
    *underfitting* when the validation skill is below 0.2, when another family
    beats the model beyond fold noise, or when its training score is short of the
    goal's target; otherwise a *good fit*.

    Suggestions
    -----------
    "Collect more data" (the learning curve's slope), "try family F" and "use the
    ensemble" (gain on the same folds), "drop feature X" (ablation), "regularise or
    simplify" (overfitting), "a more flexible model or more features"
    (underfitting). Ranked: first the suggestions whose gain is beyond fold noise
    (more than 2 corrected standard errors, Nadeau & Bengio 2003), largest expected
    gain first; then the verdict's advice; then positive gains within noise
    but above one standard error, largest first (ties: strength, then text).

    Status
    ------
    The worst of the conditions (:attr:`Diagnosis.DEFAULT_CONDITIONS`): fail when
    the model does not beat the dummy model beyond fold noise
    (``dummy_gain_z > 2``); warn on a large train/validation gap
    (``relative_gap <= 0.1``), when another family or the ensemble beats the model
    beyond noise (``best_family_z <= 2``), or when the validation score is short
    of the goal's target (``goal_margin >= 0``); info when interrupted.

    Raises
    ------
    MlnbValueError
        Not a scikit-learn estimator; X and y of different lengths; an unknown
        scorer (the message lists usual ones); a cv that cannot split the data
        (more folds than a class has rows); X_valid without y_valid; bad options;
        the estimator fails to fit on every fold (the message quotes the error).
    DataValidationError
        Empty X; every feature missing; missing or infinite labels; one class.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> d = mlnb.diagnose(LogisticRegression(), X, y)  # doctest: +SKIP
    >>> d.learning_curve  # doctest: +SKIP
    >>> d.suggestions[["rank", "suggestion", "evidence"]]  # doctest: +SKIP
    """
    kinds = _check_options(families, n_repeats, progress, publish, random_state)
    goal = _current_goal()
    inp = read_inputs(
        estimator,
        X,
        y,
        X_valid=X_valid,
        y_valid=y_valid,
        cv=cv,
        scoring=scoring,
        n_jobs=n_jobs,
        random_state=random_state,
        goal=goal,
    )
    n_max = len(inp.splits[0][0])
    sizes = curves.train_sizes_abs(train_sizes, n_max)
    ablated_guess = feat.choose_ablated(ablate, inp.feature_names, None)
    run = _Run(inp, sizes, kinds, n_repeats, progress, len(ablated_guess))
    run.no_ablation = not ablated_guess
    try:
        run.all(ablate)
    except KeyboardInterrupt:  # between fits: keep what is finished, as within one
        run.interrupted = True
    finally:
        run.bar.close()
    result = _assemble(run, goal, conditions)
    return result.publish() if publish else result


class _Run:
    """The state of one diagnosis: what each part computed so far."""

    def __init__(self, inp: Inputs, sizes, kinds, n_repeats, progress, n_ablate):
        from tqdm.auto import tqdm

        self.inp = inp
        self.sizes = sizes
        self.kinds = kinds
        self.n_repeats = int(n_repeats)
        self.k = len(inp.splits)
        self.full_from_curve = int(sizes[-1]) == len(inp.splits[0][0]) and all(
            len(tr) == int(sizes[-1]) for tr, _ in inp.splits
        )
        self.done_parts: list[str] = []
        self.interrupted = False
        self.notes: list[str] = []
        if inp.empty_columns:
            from ...core.frames import describe_names

            self.notes.append(
                f"{len(inp.empty_columns)} feature(s) hold no value at all "
                f"({describe_names(inp.empty_columns)}): drop them"
            )
        self.curve_train = self.curve_valid = None
        self.curve_models: list[Any] = []
        self.full_valid = self.full_train = None
        self.full_fit_time = math.nan
        self.dummy_valid = None
        self.importance = None
        self.holdout_score = math.nan
        self.family_scores: dict[str, tuple] = {}
        self.family_models: dict[str, list] = {}
        self.ensemble_scores = None
        self.ablation: dict[int, np.ndarray] = {}
        k = self.k
        n_fam = len(kinds)
        total = (
            k * len(sizes)
            + k
            + (0 if self.full_from_curve else k)
            + 1
            + (1 if inp.X_valid is not None else 0)
            + n_fam * k
            + (k if n_fam >= 2 else 0)
            + n_ablate * k
        )
        show = _interactive() if progress is None else bool(progress)
        self.bar = tqdm(total=total, desc="diagnose", unit="fit", disable=not show)

    # -- running ---------------------------------------------------------------
    def _fits(self, jobs: list[Fit], stage: str) -> list[Done] | None:
        self.bar.set_description(f"diagnose: {stage}")
        done, interrupted = run_fits(jobs, n_jobs=self.inp.n_jobs, bar=self.bar)
        if interrupted:
            self.interrupted = True
            return None
        return done

    def all(self, ablate: Any) -> None:
        for part in (
            self.learning_curve,
            self.dummy,
            self.cross_validation,
            self.importance_part,
            self.families,
            self.ensemble,
        ):
            if not part():
                return
        self.ablation_part(ablate)

    def learning_curve(self) -> bool:
        inp = self.inp
        jobs = curves.curve_jobs(inp, self.sizes, keep_full=self.full_from_curve)
        done = self._fits(jobs, "learning curve")
        if done is None:
            return False
        s = len(self.sizes)
        test = np.array([d.test_score for d in done]).reshape(self.k, s).T
        train = np.array([d.train_score for d in done]).reshape(self.k, s).T
        if not np.isfinite(test).any():
            error = _first_error(done)
            raise MlnbValueError(
                f"estimator {_estimator_name(inp.estimator)} failed to fit or score on "
                f"every fold: {error}. If X holds strings or missing values, pass a "
                "Pipeline that encodes and imputes them (e.g. "
                "mlnb.checks.modeling.pipeline('boosted', X, task=...)) or the "
                "scoring its output supports"
            )
        n_failed = sum(1 for d in done if d.error)
        if n_failed:
            self.notes.append(
                f"{n_failed} of {len(done)} learning-curve fits failed and score NaN "
                f"(as scikit-learn's error_score=nan), e.g. {_first_error(done)}"
            )
        self.curve_train, self.curve_valid = train, test
        if self.full_from_curve:
            self.full_valid = test[-1].copy()
            self.full_train = train[-1].copy()
            full = [d for i, d in enumerate(done) if i % s == s - 1]
            self.curve_models = [d.model for d in full]
            self.full_fit_time = float(np.mean([d.fit_time for d in full]))
        self.done_parts.append("learning_curve")
        return True

    def dummy(self) -> bool:
        inp = self.inp
        model = fam.dummy(inp.task)
        jobs = [Fit(model, inp.X, inp.y, tr, te, inp.scorer) for tr, te in inp.splits]
        done = self._fits(jobs, "dummy model")
        if done is None:
            return False
        self.dummy_valid = np.array([d.test_score for d in done])
        self.done_parts.append("dummy")
        return True

    def cross_validation(self) -> bool:
        if self.full_from_curve:
            self.done_parts.append("cross_validation")
            return True
        inp = self.inp
        jobs = [
            Fit(
                inp.estimator,
                inp.X,
                inp.y,
                tr,
                te,
                inp.scorer,
                train_score=True,
                keep=True,
            )
            for tr, te in inp.splits
        ]
        done = self._fits(jobs, "cross-validation")
        if done is None:
            return False
        self.full_valid = np.array([d.test_score for d in done])
        self.full_train = np.array([d.train_score for d in done])
        self.curve_models = [d.model for d in done]
        self.full_fit_time = float(np.mean([d.fit_time for d in done]))
        self.done_parts.append("cross_validation")
        return True

    def importance_part(self) -> bool:
        from sklearn.inspection import permutation_importance

        inp = self.inp
        self.bar.set_description("diagnose: permutation importance")
        if inp.X_valid is not None:
            job = Fit(
                inp.estimator,
                inp.X,
                inp.y,
                np.arange(len(inp.y)),
                None,
                inp.scorer,
                keep=True,
                X_test=inp.X_valid,
                y_test=inp.y_valid,
            )
            done = self._fits([job], "fit on all rows")
            if done is None:
                return False
            model, Xv, yv = done[0].model, inp.X_valid, inp.y_valid
            self.holdout_score = done[0].test_score
            if model is None:
                self.notes.append(f"fitting on all of X failed: {done[0].error}")
        else:
            from sklearn.utils import _safe_indexing

            model = self.curve_models[0] if self.curve_models else None
            te = inp.splits[0][1]
            Xv, yv = _safe_indexing(inp.X, te), _safe_indexing(inp.y, te)
        if model is not None:
            try:
                pi = permutation_importance(
                    model,
                    Xv,
                    yv,
                    scoring=inp.scorer,
                    n_repeats=self.n_repeats,
                    random_state=inp.random_state,
                    n_jobs=inp.n_jobs,
                )
            except KeyboardInterrupt:
                self.interrupted = True
                return False
            except Exception as exc:  # noqa: BLE001 - reported, the rest goes on
                self.notes.append(
                    f"permutation importance failed: {type(exc).__name__}: "
                    f"{str(exc)[:200]}"
                )
            else:
                self.importance = pi
        self.bar.update(1)
        self.done_parts.append("importance")
        return True

    def families(self) -> bool:
        inp = self.inp
        if not self.kinds:
            self.done_parts.append("families")
            return True
        Xf = fam.frame_for_families(inp.X)
        self.Xf = Xf
        for kind in self.kinds:
            try:
                est = fam.family_estimator(
                    kind, Xf, task=inp.task, random_state=inp.random_state
                )
            except MlnbError as exc:  # e.g. a column kind it cannot encode
                self.notes.append(f"family {kind} left out: {exc}")
                self.bar.update(self.k)
                continue
            jobs = [
                Fit(est, Xf, inp.y, tr, te, inp.scorer, train_score=True, keep=True)
                for tr, te in inp.splits
            ]
            done = self._fits(jobs, f"family {kind}")
            if done is None:
                return False
            self.family_scores[kind] = (
                np.array([d.test_score for d in done]),
                np.array([d.train_score for d in done]),
                float(np.mean([d.fit_time for d in done])),
                _first_error(done),
            )
            if all(d.model is not None for d in done):
                self.family_models[kind] = [d.model for d in done]
        self.done_parts.append("families")
        return True

    def ensemble(self) -> bool:
        inp = self.inp
        usable = {
            k: m
            for k, m in self.family_models.items()
            if inp.task == "regression" or all(hasattr(x, "predict_proba") for x in m)
        }
        if len(self.kinds) < 2:
            self.done_parts.append("ensemble")
            return True
        if len(usable) < 2:
            self.notes.append(
                "the ensemble needs two families that fitted on every fold"
            )
            self.bar.update(self.k)
            self.done_parts.append("ensemble")
            return True
        jobs = fam.ensemble_jobs(
            usable, self.Xf, inp.y, inp.splits, inp.scorer, inp.task
        )
        done = self._fits(jobs, "ensemble")
        if done is None:
            return False
        self.ensemble_scores = (
            np.array([d.test_score for d in done]),
            np.array([d.train_score for d in done]),
            list(usable),
            _first_error(done),
        )
        self.done_parts.append("ensemble")
        return True

    def ablation_part(self, ablate: Any) -> bool:
        inp = self.inp
        imp = None if self.importance is None else self.importance.importances_mean
        positions = feat.choose_ablated(ablate, inp.feature_names, imp)
        jobs, kept = feat.ablation_jobs(inp, positions)
        skipped = len(positions) - len(kept)
        if skipped:
            self.bar.update(skipped * self.k)
        done = self._fits(jobs, "ablation")
        if done is None:
            return False
        for i, j in enumerate(kept):
            self.ablation[j] = np.array(
                [d.test_score for d in done[i * self.k : (i + 1) * self.k]]
            )
        self.ablated = positions
        self.done_parts.append("ablation")
        return True


def _test_to_train(inp: Inputs) -> float:
    return float(np.mean([len(te) / max(len(tr), 1) for tr, te in inp.splits]))


def _assemble(run: _Run, goal: Any, conditions: Any) -> Diagnosis:
    import pandas as pd

    from ...core import metrics as M

    inp = run.inp
    ratio = _test_to_train(inp)
    scoring = inp.scoring
    # -- learning curve and the full-size scores -------------------------------
    if run.curve_valid is not None:
        lc = curves.curve_frame(run.sizes, run.curve_train, run.curve_valid)
        more = curves.more_data(run.sizes, run.curve_valid, perfect=inp.perfect)
    else:
        lc = curves.curve_frame(
            np.array([], dtype=np.int64), np.empty((0, 0)), np.empty((0, 0))
        )
        more = curves.MoreData(*(math.nan,) * 6, 0)
    valid = _mean(run.full_valid) if run.full_valid is not None else math.nan
    valid_std = _std(run.full_valid) if run.full_valid is not None else math.nan
    train = _mean(run.full_train) if run.full_train is not None else math.nan
    gap = train - valid
    dummy_score = _mean(run.dummy_valid) if run.dummy_valid is not None else math.nan
    perfect = inp.perfect
    room = perfect - dummy_score if math.isfinite(perfect) else math.nan
    if not (room > 0):
        room = abs(valid) if valid == valid and valid != 0 else math.nan
    relative_gap = gap / room if room == room else math.nan
    skill = (
        (valid - dummy_score) / (perfect - dummy_score)
        if math.isfinite(perfect) and perfect - dummy_score > 0
        else math.nan
    )
    if run.full_valid is not None and run.dummy_valid is not None:
        dummy_gain = paired_gain(run.dummy_valid, run.full_valid, test_to_train=ratio)
    else:
        dummy_gain = paired_gain(np.array([]), np.array([]), test_to_train=ratio)

    # -- the models on the same folds ------------------------------------------
    rows = []

    def model_row(name, kind, v, t, fit_time, error):
        g = (
            paired_gain(run.full_valid, v, test_to_train=ratio)
            if run.full_valid is not None and kind != "yours"
            else None
        )
        rows.append(
            {
                "model": name,
                "kind": kind,
                "valid_score": _mean(v),
                "valid_score_std": _std(v),
                "train_score": _mean(t) if t is not None else math.nan,
                "gain": g.mean if g else (0.0 if kind == "yours" else math.nan),
                "gain_se": g.se if g else math.nan,
                "z": g.z if g else math.nan,
                "fit_time": fit_time,
                "error": error,
            }
        )
        return g

    if run.full_valid is not None:
        model_row(
            f"your model: {_estimator_name(inp.estimator)}",
            "yours",
            run.full_valid,
            run.full_train,
            run.full_fit_time,
            "",
        )
    if run.dummy_valid is not None:
        model_row(
            fam.FAMILY_NAMES["dummy"], "dummy", run.dummy_valid, None, math.nan, ""
        )
    gains: dict[str, Any] = {}
    for kind, (v, t, ft, err) in run.family_scores.items():
        gains[kind] = model_row(fam.FAMILY_NAMES[kind], "family", v, t, ft, err)
    if run.ensemble_scores is not None:
        v, t, members, err = run.ensemble_scores
        name = "ensemble: soft vote of " + ", ".join(members)
        gains["ensemble"] = model_row(name, "ensemble", v, t, math.nan, err)
    models = pd.DataFrame(
        rows,
        columns=[
            "model",
            "kind",
            "valid_score",
            "valid_score_std",
            "train_score",
            "gain",
            "gain_se",
            "z",
            "fit_time",
            "error",
        ],
    )
    scored = {k: g for k, g in gains.items() if g is not None and g.mean == g.mean}
    best = max(scored, key=lambda k: (scored[k].mean, k)) if scored else None
    best_gain = scored[best] if best else None

    # -- features --------------------------------------------------------------
    names = inp.feature_names
    imp = run.importance
    feat_rows = []
    n_hurting = 0
    for j, name in enumerate(names):
        a = run.ablation.get(j)
        g = (
            paired_gain(run.full_valid, a, test_to_train=ratio)
            if a is not None and run.full_valid is not None
            else None
        )
        hurts = bool(g is not None and g.beyond_noise)
        n_hurting += hurts
        feat_rows.append(
            {
                "feature": name,
                "importance_mean": float(imp.importances_mean[j]) if imp else math.nan,
                "importance_std": float(imp.importances_std[j]) if imp else math.nan,
                "ablation_gain": g.mean if g else math.nan,
                "ablation_gain_se": g.se if g else math.nan,
                "ablation_z": g.z if g else math.nan,
                "hurts": hurts,
            }
        )
    importance = pd.DataFrame(
        feat_rows,
        columns=[
            "feature",
            "importance_mean",
            "importance_std",
            "ablation_gain",
            "ablation_gain_se",
            "ablation_z",
            "hurts",
        ],
    )
    if len(importance):
        order = sorted(
            range(len(importance)),
            key=lambda i: (
                -importance["importance_mean"].iat[i]
                if importance["importance_mean"].iat[i]
                == importance["importance_mean"].iat[i]
                else math.inf,
                i,
            ),
        )
        importance = importance.iloc[order].reset_index(drop=True)
    if "ablation" not in run.done_parts:
        n_hurting_value: float = math.nan
    else:
        n_hurting_value = n_hurting

    # -- the goal --------------------------------------------------------------
    goal_margin = math.nan
    goal_train_short = False
    target = getattr(goal, "target", None)
    if (
        goal is not None
        and inp.metric is not None
        and getattr(goal, "metric", None) == inp.metric
        and isinstance(target, (int, float))
        and not isinstance(target, bool)
    ):
        sign = -1.0 if scoring.startswith("neg_") else 1.0
        hib = getattr(goal, "higher_is_better", None)
        if hib is None:
            hib = M.get(inp.metric).higher_is_better
        natural, natural_train = sign * valid, sign * train
        goal_margin = natural - target if hib else target - natural
        short = natural_train - target if hib else target - natural_train
        goal_train_short = bool(short < 0)

    # -- verdict ---------------------------------------------------------------
    family_beats = bool(best_gain is not None and best_gain.beyond_noise)
    train_skill = (
        (train - dummy_score) / (perfect - dummy_score)
        if math.isfinite(perfect) and perfect - dummy_score > 0
        else math.nan
    )
    if relative_gap != relative_gap:
        verdict = "undetermined"
    elif train_skill == train_skill and train_skill < UNDERFIT_SKILL:
        verdict = "underfitting"  # it does not even fit the training rows
    elif relative_gap > GAP_WARN:
        verdict = "overfitting"
    elif (
        (skill == skill and skill < UNDERFIT_SKILL) or family_beats or goal_train_short
    ):
        verdict = "underfitting"
    else:
        verdict = "good fit"

    # -- suggestions -----------------------------------------------------------
    items = _suggestions(
        run=run,
        more=more,
        scoring=scoring,
        valid=valid,
        train=train,
        gap=gap,
        relative_gap=relative_gap,
        skill=skill,
        train_skill=train_skill,
        dummy_score=dummy_score,
        verdict=verdict,
        gains=gains,
        models=models,
        importance=importance,
        family_beats=family_beats,
    )
    suggestions = suggest.rank(items)

    skipped = set()
    if not run.kinds:
        skipped.add("families")
    if len(run.kinds) < 2:
        skipped.add("ensemble")
    if run.no_ablation:
        skipped.add("ablation")
    missing = tuple(p for p in PARTS if p not in run.done_parts and p not in skipped)
    complete = not missing
    values = {
        "valid_score": valid,
        "train_score": train,
        "train_valid_gap": gap,
        "relative_gap": relative_gap,
        "dummy_score": dummy_score,
        "dummy_gain": dummy_gain.mean,
        "dummy_gain_z": dummy_gain.z,
        "valid_skill": skill,
        "more_data_gain": more.gain,
        "more_data_z": more.z,
        "best_family_gain": best_gain.mean if best_gain else math.nan,
        "best_family_z": best_gain.z if best_gain else math.nan,
        "ensemble_gain": gains["ensemble"].mean if gains.get("ensemble") else math.nan,
        "n_hurting_features": n_hurting_value,
        "holdout_score": run.holdout_score,
        "goal_margin": goal_margin,
        "complete": int(complete),
    }
    status, outcomes = judge(
        conditions, values, defaults=Diagnosis.DEFAULT_CONDITIONS, check="diagnose"
    )
    best_name = None
    if best is not None:
        best_name = "ensemble" if best == "ensemble" else best
    summary = _summary(
        scoring=scoring,
        valid=valid,
        valid_std=valid_std,
        train=train,
        gap=gap,
        verdict=verdict,
        k=run.k,
        dummy_score=dummy_score,
        suggestions=suggestions,
        missing=missing,
    )
    more_dict = {
        "slope_per_doubling": more.slope,
        "slope_se": more.slope_se,
        "gain_at_2x": more.gain,
        "gain_se": more.gain_se,
        "expected_at_2x": more.expected,
        "points": more.n_points,
        "assumption": more.assumption,
    }
    return Diagnosis(
        step="accuracy",
        status=status,
        summary=summary,
        outcomes=outcomes,
        condition_values=values,
        estimator_name=_estimator_name(inp.estimator),
        task=inp.task,
        scoring=scoring,
        n_samples=len(inp.y),
        n_features=len(names),
        n_folds=run.k,
        valid_score=valid,
        valid_score_std=valid_std,
        train_score=train,
        train_valid_gap=gap,
        dummy_score=dummy_score,
        holdout_score=run.holdout_score,
        verdict=verdict,
        more_data=more_dict,
        best_family=best_name,
        best_family_gain=best_gain.mean if best_gain else math.nan,
        complete=complete,
        missing=missing,
        notes=tuple(run.notes),
        learning_curve=lc,
        models=models,
        importance=importance,
        suggestions=suggestions,
        fold_scores={
            "valid": run.full_valid,
            "train": run.full_train,
            "dummy": run.dummy_valid,
            "splits": inp.splits,
            "curve_valid": run.curve_valid,
            "curve_train": run.curve_train,
        },
    )


def _g(x: float) -> str:
    """A score, a gap or a standard error: three decimals (scores of one scale
    line up; a tiny gap reads 0.000)."""
    from ...render.html import fixed

    return fixed(x)


def _suggestions(
    *,
    run,
    more,
    scoring,
    valid,
    train,
    gap,
    relative_gap,
    skill,
    train_skill,
    dummy_score,
    verdict,
    gains,
    models,
    importance,
    family_beats,
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    k = run.k
    if more.gain == more.gain and more.gain > 0:
        items.append(
            {
                "suggestion": "Collect more training data",
                "kind": "more data",
                "evidence": more.sentence(scoring),
                "expected_gain": more.gain,
                "strength": more.z,
            }
        )
    by_kind = {r["kind"] + ":" + r["model"]: r for r in models.to_dict("records")}
    for kind, g in gains.items():
        if g is None or not (g.mean == g.mean and g.mean > 0):
            continue
        if kind == "ensemble":
            row = next(r for r in by_kind.values() if r["kind"] == "ensemble")
            text = "Use the ensemble (soft vote of the families)"
            what = "ensemble"
        else:
            row = by_kind["family:" + fam.FAMILY_NAMES[kind]]
            text = f"Try the {fam.FAMILY_NAMES[kind]} model family"
            what = "family"
        items.append(
            {
                "suggestion": text,
                "kind": what,
                "evidence": (
                    f"{scoring} {_g(row['valid_score'])} ± "
                    f"{_g(row['valid_score_std'])} vs yours {_g(valid)} on the same "
                    f"{k} folds: {g.mean:+.4g} "
                    f"(± {_g(g.se)} corrected s.e., z = {_g(g.z)})"
                ),
                "expected_gain": g.mean,
                "strength": g.z,
            }
        )
    for r in importance.to_dict("records"):
        gain = r["ablation_gain"]
        if gain == gain and gain > 0:
            items.append(
                {
                    "suggestion": f"Drop feature {r['feature']!r}",
                    "kind": "feature",
                    "evidence": (
                        f"without it {scoring} changes by {gain:+.4g} on the same {k} "
                        f"folds (± {_g(r['ablation_gain_se'])} corrected s.e., z = "
                        f"{_g(r['ablation_z'])}); permutation importance "
                        f"{_g(r['importance_mean'])}"
                    ),
                    "expected_gain": gain,
                    "strength": r["ablation_z"],
                }
            )
    if verdict == "overfitting":
        items.append(
            {
                "suggestion": (
                    "Regularise or simplify the model (stronger regularisation, "
                    "shallower trees, fewer features), or add data"
                ),
                "kind": "verdict",
                "evidence": (
                    f"train {scoring} {_g(train)} vs validation {_g(valid)}: gap "
                    f"{_g(gap)}, {relative_gap:.0%} of the room between the dummy "
                    f"model and a perfect score (> {GAP_WARN:.0%})"
                ),
                "expected_gain": math.nan,
                "strength": math.nan,
            }
        )
    elif verdict == "underfitting":
        why = []
        if train_skill == train_skill and train_skill < UNDERFIT_SKILL:
            why.append(
                f"even the training {scoring} {_g(train)} is close to the dummy "
                f"model's {_g(dummy_score)} (skill {train_skill:.0%})"
            )
        elif skill == skill and skill < UNDERFIT_SKILL:
            why.append(
                f"validation {scoring} {_g(valid)} is close to the dummy model's "
                f"{_g(dummy_score)} (skill {skill:.0%})"
            )
        if family_beats:
            why.append("another model family scores higher beyond fold noise")
        if not why:
            why.append(
                f"the training {scoring} {_g(train)} is short of the goal's target"
            )
        items.append(
            {
                "suggestion": (
                    "Use a more flexible model or add informative features "
                    "(the model does not fit even the training data well)"
                ),
                "kind": "verdict",
                "evidence": "; ".join(why) + f"; train/validation gap only {_g(gap)}",
                "expected_gain": math.nan,
                "strength": math.nan,
            }
        )
    return items


def _summary(
    *,
    scoring,
    valid,
    valid_std,
    train,
    gap,
    verdict,
    k,
    dummy_score,
    suggestions,
    missing,
) -> str:
    if valid != valid:
        head = f"diagnosis interrupted before the {scoring} of the model was known"
    else:
        head = (
            f"{scoring} {_g(valid)} ± {_g(valid_std)} on {k} folds (train {_g(train)}, "
            f"gap {_g(gap)}; dummy {_g(dummy_score)}): {verdict}"
        )
    if len(suggestions):
        top = suggestions.iloc[0]
        weak = top["kind"] != "verdict" and not (top["strength"] > NOISE_Z)
        what = "best lead, within fold noise" if weak else "first suggestion"
        head += f"; {what}: {top['suggestion']}"
    if missing:
        head += f" (interrupted: {', '.join(missing)} not computed)"
    return head
