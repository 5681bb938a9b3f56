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


def test_adult_has_the_documented_shape_and_attribution():
    from pathlib import Path

    import mlnb.datasets.adult as adult
    from mlnb.datasets import load_adult

    train = load_adult()
    assert train.shape == (32_561, 15)
    assert set(train.income.unique()) == {"<=50K", ">50K"}
    assert len(load_adult("test")) == 16_281
    assert len(load_adult("train", missing="drop")) == 30_162
    assert len(load_adult("test", missing="drop")) == 15_060
    both = load_adult("all")
    assert both.split.value_counts().to_dict() == {"train": 32_561, "test": 16_281}
    licence = (Path(adult.__file__).parent / "data" / "ADULT_LICENSE.txt").read_text()
    assert "CC BY 4.0" in licence and "Kohavi" in licence
