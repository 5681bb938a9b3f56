"""Drawings and HTML for step 5: the learning curve, feature importance and
ablation, and the model comparison of a diagnosis."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import MlnbValueError
from . import html as H
from .plots import PALETTE, plain_text

__all__ = ["diagnosis_plot", "html_sections"]

_MAX_FEATURES_SHOWN = 15


def _axes(ax: Any):
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(13.0, 3.6), dpi=100, layout="constrained")
        return np.asarray(fig.subplots(1, 3))
    axes = np.asarray(ax, dtype=object).reshape(-1)
    if axes.size != 3 or not all(hasattr(a, "plot") for a in axes):
        raise MlnbValueError(
            "ax must be three matplotlib Axes (learning curve, features, models), "
            "e.g. fig.subplots(1, 3); or None for a new figure"
        )
    return axes


def diagnosis_plot(result: Any, *, ax: Any = None):
    """Three panels: the learning curve with ±1 standard-deviation bands (and the
    dummy model's score), permutation importance with the ablation gain beside it,
    and every model's validation score on the same folds. Returns the Axes."""
    axes = _axes(ax)
    _curve(result, axes[0])
    _features(result, axes[1])
    _models(result, axes[2])
    return axes


def _curve(result: Any, ax: Any) -> None:
    lc = result.learning_curve
    scoring = plain_text(result.scoring)
    if lc is not None and len(lc):
        n = lc["train_size"].to_numpy()
        for col, color, label in (
            ("train_score", PALETTE["majority"], "train"),
            ("valid_score", PALETTE["line"], "validation"),
        ):
            mean = lc[col].to_numpy(dtype=float)
            std = lc[f"{col}_std"].to_numpy(dtype=float)
            ax.plot(n, mean, "o-", color=color, label=label, lw=1.5, ms=4)
            ax.fill_between(n, mean - std, mean + std, color=color, alpha=0.2, lw=0)
        if len(n) > 1:
            from matplotlib.ticker import NullFormatter

            ax.set_xscale("log")
            ax.set_xticks(n, [f"{int(v):,}" for v in n], fontsize=7)
            ax.xaxis.set_minor_formatter(NullFormatter())
        more = result.more_data
        if more.get("expected_at_2x") == more.get("expected_at_2x"):
            x2 = 2 * n[-1]
            ax.plot(
                [n[-1], x2],
                [lc["valid_score"].iloc[-1], more["expected_at_2x"]],
                ":",
                color=PALETTE["line"],
                lw=1.2,
                label="extrapolated (2x data)",
            )
    if result.dummy_score == result.dummy_score:
        ax.axhline(
            result.dummy_score, color=PALETTE["accent"], ls="--", lw=1, label="dummy"
        )
    ax.set_xlabel("training rows")
    ax.set_ylabel(scoring)
    ax.set_title("Learning curve", fontsize=10)
    ax.legend(fontsize=7, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _features(result: Any, ax: Any) -> None:
    imp = result.importance
    ax.set_title("Permutation importance and ablation", fontsize=10)
    if imp is None or not len(imp):
        ax.text(
            0.5, 0.5, "not computed", ha="center", va="center", transform=ax.transAxes
        )
        return
    top = imp.head(_MAX_FEATURES_SHOWN)
    y = np.arange(len(top))[::-1]
    labels = [plain_text(f)[:30] for f in top["feature"]]
    ax.barh(
        y + 0.2,
        top["importance_mean"].fillna(0.0),
        height=0.4,
        xerr=top["importance_std"].fillna(0.0),
        color=PALETTE["line"],
        label="permutation importance",
    )
    gain = top["ablation_gain"].to_numpy(dtype=float)
    if np.isfinite(gain).any():
        colors = [
            PALETTE["minority"] if h else PALETTE["majority"] for h in top["hurts"]
        ]
        ax.barh(
            y - 0.2,
            np.nan_to_num(gain),
            height=0.4,
            color=colors,
            label="score gain without it",
        )
    ax.axvline(0, color="#555", lw=0.8)
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel(f"change in {plain_text(result.scoring)}")
    ax.legend(fontsize=7, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _short(model: str, kind: str) -> str:
    if kind == "yours":
        return "your model"
    if kind in ("dummy", "ensemble"):
        return kind
    return model.split(" (")[0]


def _models(result: Any, ax: Any) -> None:
    """Validation score ± std of every model but the dummy (its score is a line in
    the learning curve and in the axis label)."""
    models = result.models
    ax.set_title("Models on the same folds", fontsize=10)
    if models is None or not len(models):
        ax.text(
            0.5, 0.5, "not computed", ha="center", va="center", transform=ax.transAxes
        )
        return
    shown = models[models["kind"] != "dummy"]
    y = np.arange(len(shown))[::-1]
    colors = {
        "yours": PALETTE["minority"],
        "family": PALETTE["line"],
        "ensemble": PALETTE["majority"],
    }
    scores = shown["valid_score"].to_numpy(dtype=float)
    for yi, score, std, kind in zip(
        y, scores, shown["valid_score_std"].fillna(0.0), shown["kind"]
    ):
        if np.isfinite(score):
            ax.errorbar(score, yi, xerr=std, fmt="o", color=colors.get(kind), capsize=3)
    if len(shown) and np.isfinite(scores[0]):
        ax.axvline(scores[0], color=PALETTE["minority"], lw=0.8, ls=":")
    ax.set_yticks(
        y,
        [plain_text(_short(m, k)) for m, k in zip(shown["model"], shown["kind"])],
        fontsize=8,
    )
    ax.set_ylim(-0.7, len(shown) - 0.3)
    label = f"validation {plain_text(result.scoring)}"
    if result.dummy_score == result.dummy_score:
        label += f" (dummy: {result.dummy_score:.4g})"
    ax.set_xlabel(label)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _fmt(x: Any) -> str:
    """Scores, gaps and standard errors with three decimals, so they line up."""
    return H.fixed(x)


def html_sections(result: Any) -> list[str]:
    """The card's sections: facts, suggestions, models, learning curve, features."""
    facts = [
        ("model", result.estimator_name),
        ("scoring", f"{result.scoring} (higher is better)"),
        (
            "validation score",
            f"{_fmt(result.valid_score)} ± {_fmt(result.valid_score_std)}",
        ),
        ("training score", _fmt(result.train_score)),
        ("train/validation gap", _fmt(result.train_valid_gap)),
        ("dummy model", _fmt(result.dummy_score)),
        ("verdict", result.verdict),
        ("more data (2x)", _fmt(result.more_data.get("gain_at_2x"))),
        (
            "rows, features, folds",
            f"{result.n_samples:,}, {result.n_features:,}, {result.n_folds}",
        ),
    ]
    if result.holdout_score == result.holdout_score:
        facts.append(("score on X_valid", _fmt(result.holdout_score)))
    out = [H.table(facts, header=("fact", "value"))]
    sug = result.suggestions
    if sug is not None and len(sug):
        rows = [
            (
                r["rank"],
                r["suggestion"],
                r["evidence"],
                _fmt(r["expected_gain"]),
                H.fixed(r["strength"], 1),
            )
            for r in sug.to_dict("records")
        ]
        out.append(
            "<details open><summary>Suggestions (ranked)</summary>"
            + H.table(
                rows,
                header=("#", "suggestion", "evidence", "gain", "strength"),
                align_right_from=3,
            )
            + "</details>"
        )
    models = result.models
    if models is not None and len(models):
        rows = [
            (
                r["model"],
                _fmt(r["valid_score"]),
                _fmt(r["valid_score_std"]),
                _fmt(r["train_score"]),
                _fmt(r["gain"]),
                H.fixed(r["z"], 1),
            )
            for r in models.to_dict("records")
        ]
        out.append(
            "<details><summary>Models on the same folds</summary>"
            + H.table(rows, header=("model", "validation", "std", "train", "gain", "z"))
            + "</details>"
        )
    lc = result.learning_curve
    if lc is not None and len(lc):
        rows = [
            (
                r["train_size"],
                _fmt(r["train_score"]),
                _fmt(r["valid_score"]),
                _fmt(r["valid_score_std"]),
            )
            for r in lc.to_dict("records")
        ]
        out.append(
            "<details><summary>Learning curve</summary>"
            + H.table(rows, header=("training rows", "train", "validation", "std"))
            + "</details>"
        )
    imp = result.importance
    if imp is not None and len(imp):
        rows = [
            (
                r["feature"],
                _fmt(r["importance_mean"]),
                _fmt(r["ablation_gain"]),
                "yes" if r["hurts"] else "",
            )
            for r in imp.head(_MAX_FEATURES_SHOWN).to_dict("records")
        ]
        out.append(
            "<details><summary>Features</summary>"
            + H.table(
                rows,
                header=("feature", "permutation importance", "gain without", "hurts"),
            )
            + "</details>"
        )
    notes = list(result.notes)
    if result.missing:
        notes.insert(0, "Interrupted: not computed — " + ", ".join(result.missing))
    if notes:
        out.append(H.bullet_list(notes, title="Notes"))
    return out
