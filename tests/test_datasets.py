"""The shipped synthetic transactions data set."""

from __future__ import annotations

import pandas as pd

from mlnb.datasets import load_transactions, make_transactions


def test_shipped_transactions_are_what_the_generator_documents():
    df = load_transactions()
    assert len(df) == 50_000
    assert list(df.columns) == [
        "amount",
        "hour",
        "merchant_category",
        "card_present",
        "foreign",
        "distance_km",
        "tx_last_24h",
        "account_age_days",
        "is_fraud",
    ]
    assert df.isna().sum().sum() == 0
    assert set(df.is_fraud.unique()) == {0, 1}
    assert 0.012 < df.is_fraud.mean() < 0.022
    assert df.hour.between(0, 23).all()


def test_generator_is_deterministic_and_respects_the_rate():
    a = make_transactions(5_000, fraud_rate=0.05, random_state=1)
    b = make_transactions(5_000, fraud_rate=0.05, random_state=1)
    pd.testing.assert_frame_equal(a, b)
    assert 0.035 < a.is_fraud.mean() < 0.065
