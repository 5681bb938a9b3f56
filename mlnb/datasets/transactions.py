"""A synthetic, fraud-like card-transactions data set.

**Synthetic, not real.** Every row is drawn by :func:`make_transactions` from
documented distributions; fraud depends on the features through a logistic model
with noise, so a model can learn it but not perfectly — as with real fraud. The file
shipped in ``mlnb/datasets/data/transactions.csv.gz`` is
``make_transactions(n=50_000, fraud_rate=0.017, random_state=7)``; loading it needs no
network and gives the same rows on every machine.

Columns
-------
amount : float        transaction amount (log-normal)
hour : int            hour of day, 0-23
merchant_category : str   grocery, fuel, restaurant, online, travel, electronics, other
card_present : bool   the card was physically present
foreign : bool        merchant country differs from the card's
distance_km : float   distance from the card holder's home
tx_last_24h : int     transactions on the card in the previous 24 hours
account_age_days : int
is_fraud : int        1 for fraud (about 1.7% of rows), else 0
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "make_transactions",
    "make_transaction_stream",
    "load_transactions",
    "TRANSACTIONS_PATH",
]

TRANSACTIONS_PATH = Path(__file__).parent / "data" / "transactions.csv.gz"

_CATEGORIES = np.array(
    ["grocery", "fuel", "restaurant", "online", "travel", "electronics", "other"]
)
_CATEGORY_P = np.array([0.30, 0.12, 0.18, 0.20, 0.05, 0.05, 0.10])
# log-odds added to fraud per category (online and electronics are riskier)
_CATEGORY_RISK = np.array([-0.6, -0.3, -0.5, 0.9, 0.5, 1.1, 0.0])


def make_transactions(
    n: int = 50_000, *, fraud_rate: float = 0.017, random_state: int = 7
) -> Any:
    """Draw ``n`` synthetic transactions with about ``fraud_rate`` fraud.

    Returns a pandas DataFrame with the columns documented in this module.
    """
    import pandas as pd

    rng = np.random.default_rng(random_state)
    amount = np.round(rng.lognormal(mean=3.6, sigma=1.0, size=n), 2)
    hour = rng.choice(24, size=n, p=_hour_profile())
    cat_idx = rng.choice(len(_CATEGORIES), size=n, p=_CATEGORY_P)
    card_present = rng.random(n) < np.where(cat_idx == 3, 0.02, 0.85)
    foreign = rng.random(n) < 0.06
    distance = _distance(rng, n, foreign)
    tx_24h = rng.poisson(2.2, size=n)
    account_age = rng.integers(1, 3650, size=n)

    risk = _risk(
        amount,
        hour,
        _CATEGORY_RISK[cat_idx],
        card_present,
        foreign,
        distance,
        tx_24h,
        account_age,
    )
    # 2.5 x the feature risk, plus noise the features cannot explain
    logit = 2.5 * risk + rng.normal(0.0, 0.6, size=n)
    # choose the intercept so that the expected fraud share is fraud_rate
    intercept = _intercept_for_rate(logit, fraud_rate)
    p = 1.0 / (1.0 + np.exp(-(logit + intercept)))
    is_fraud = (rng.random(n) < p).astype(np.int64)
    return pd.DataFrame(
        {
            "amount": amount,
            "hour": hour.astype(np.int64),
            "merchant_category": _CATEGORIES[cat_idx],
            "card_present": card_present,
            "foreign": foreign,
            "distance_km": distance,
            "tx_last_24h": tx_24h.astype(np.int64),
            "account_age_days": account_age.astype(np.int64),
            "is_fraud": is_fraud,
        }
    )


def _distance(rng: np.random.Generator, n: int, foreign: np.ndarray) -> np.ndarray:
    """Distance from home: near for most purchases, far for foreign ones."""
    distance = rng.gamma(shape=1.2, scale=12.0, size=n)
    distance[foreign] += rng.gamma(2.0, 400.0, size=int(foreign.sum()))
    return np.round(distance, 1)


def _risk(amount, hour, category_risk, card_present, foreign, distance, tx_24h, age):
    """Log-odds of fraud from the features (before the noise and intercept)."""
    night = (hour <= 5).astype(float)
    return (
        0.55 * (np.log(amount) - 3.6)
        + 0.9 * night
        + category_risk
        - 0.9 * card_present
        + 1.1 * foreign
        + 0.35 * np.log1p(distance / 50.0)
        + 0.28 * (tx_24h - 2.2)
        - 0.6 * np.log1p(age / 365.0)
    )


def _hour_profile() -> np.ndarray:
    hours = np.arange(24)
    w = 0.3 + np.exp(-0.5 * ((hours - 14) / 4.5) ** 2)
    return w / w.sum()


def _intercept_for_rate(logit: np.ndarray, rate: float) -> float:
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.mean(1.0 / (1.0 + np.exp(-(logit + mid)))) < rate:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def load_transactions() -> Any:
    """The shipped synthetic transactions (50,000 rows, ~1.7% fraud) as a DataFrame.

    See the module docstring for how the rows were drawn.
    """
    import pandas as pd

    return pd.read_csv(
        TRANSACTIONS_PATH,
        dtype={
            "merchant_category": "str",
            "card_present": "bool",
            "foreign": "bool",
        },
    )


def make_transaction_stream(
    weeks: int = 16,
    rows_per_week: int = 5_000,
    *,
    drift_start: int = 9,
    start: str = "2026-01-05",
    fraud_rate: float = 0.02,
    random_state: int = 11,
) -> Any:
    """Synthetic weekly card transactions whose distribution drifts — a documented
    simulation for the drift tutorial.

    Weeks ``1 .. drift_start - 1`` follow :func:`make_transactions`'s distributions.
    From week ``drift_start`` on, a fraud ring moves to card-not-present purchases,
    growing steadily until the last week:

    - the share of ``online`` purchases rises by up to 15 points, and a merchant
      category the reference never saw, ``digital_goods`` (small amounts), grows
      to 25% of rows;
    - more purchases happen at night;
    - up to 45% of purchases come from new accounts (under 60 days old);
    - fraud follows a new pattern — small ``digital_goods`` and ``online``
      purchases from new accounts — that looks harmless by the old pattern, so a
      model trained on the early weeks misses more and more of it.

    The intercept of the fraud model is fixed in week 1 (about ``fraud_rate``
    fraud), so the fraud rate rises with the drift, as it would in reality.

    Returns a DataFrame with the columns of :func:`make_transactions` plus
    ``timestamp`` (within each week) and ``week`` (1-based).
    """
    import pandas as pd

    from ..errors import MlnbValueError

    if not (1 <= drift_start <= weeks):
        raise MlnbValueError(
            f"drift_start must be between 1 and weeks={weeks}; got {drift_start}"
        )
    rng = np.random.default_rng(random_state)
    categories = np.append(_CATEGORIES, "digital_goods")
    risk_by_cat = np.append(_CATEGORY_RISK, 0.4)
    t0 = pd.Timestamp(start)
    frames = []
    intercept = None
    for week in range(1, weeks + 1):
        n = rows_per_week
        progress = max(0, week - drift_start + 1) / max(1, weeks - drift_start + 1)
        p_cat = np.append(_CATEGORY_P * (1 - 0.25 * progress - 0.12 * progress), 0.0)
        p_cat[3] += 0.25 * progress  # online
        p_cat[-1] = 0.12 * progress  # digital_goods
        p_cat = p_cat / p_cat.sum()
        amount = np.round(
            rng.lognormal(mean=3.6 + 0.5 * progress, sigma=1.0, size=n), 2
        )
        hours = _hour_profile()
        night_boost = np.where(np.arange(24) <= 5, 1.0 + 2.0 * progress, 1.0)
        hours = hours * night_boost / (hours * night_boost).sum()
        hour = rng.choice(24, size=n, p=hours)
        cat_idx = rng.choice(len(categories), size=n, p=p_cat)
        digital = cat_idx == len(categories) - 1
        amount = rng.lognormal(mean=3.6, sigma=1.0, size=n)
        amount[digital] = rng.lognormal(mean=2.3, sigma=0.6, size=int(digital.sum()))
        amount = np.round(amount, 2)
        online_like = (cat_idx == 3) | digital
        card_present = rng.random(n) < np.where(online_like, 0.02, 0.85)
        foreign = rng.random(n) < 0.06
        distance = _distance(rng, n, foreign)
        tx_24h = rng.poisson(2.2, size=n)
        account_age = rng.integers(1, 3650, size=n)
        new = rng.random(n) < 0.45 * progress
        account_age[new] = rng.integers(1, 60, size=int(new.sum()))
        risk = _risk(
            amount,
            hour,
            risk_by_cat[cat_idx],
            card_present,
            foreign,
            distance,
            tx_24h,
            account_age,
        )
        logit = 2.5 * risk + rng.normal(0.0, 0.6, size=n)
        ring = online_like & (account_age < 60)
        logit = logit + ring * 5.5 * progress  # the new fraud pattern
        if intercept is None:
            intercept = _intercept_for_rate(logit, fraud_rate)
        p = 1.0 / (1.0 + np.exp(-(logit + intercept)))
        is_fraud = (rng.random(n) < p).astype(np.int64)
        offsets = np.sort(rng.random(n)) * 7 * 24 * 3600
        timestamp = (
            t0 + pd.Timedelta(weeks=week - 1) + pd.to_timedelta(offsets, unit="s")
        )
        frames.append(
            pd.DataFrame(
                {
                    "timestamp": timestamp,
                    "week": week,
                    "amount": amount,
                    "hour": hour.astype(np.int64),
                    "merchant_category": categories[cat_idx],
                    "card_present": card_present,
                    "foreign": foreign,
                    "distance_km": distance,
                    "tx_last_24h": tx_24h.astype(np.int64),
                    "account_age_days": account_age.astype(np.int64),
                    "is_fraud": is_fraud,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
