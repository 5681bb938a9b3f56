"""GateDecision.data_id: a fingerprint of the evaluation rows, by hand."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from mlnb.checks.deployment import ValueThreshold, gate
from mlnb.checks.deployment.gate import data_fingerprint


def _data(seed=0, n=200):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n), "g": rng.choice(["x", "y"], n)})
    df["y"] = (df.a + rng.normal(size=n) > 0).astype(int)
    return df


def _decide(df):
    m = LogisticRegression().fit(df[["a"]], df.y)
    return gate(
        m,
        data=df,
        label="y",
        features=["a"],
        thresholds=[ValueThreshold("accuracy", lower=0.5)],
        publish=False,
    )


def test_data_id_is_sha256_of_names_and_row_hashes():
    df = _data()
    h = hashlib.sha256(repr(["a", "g", "y"]).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    d = _decide(df)
    assert d.data_id == "sha256:" + h.hexdigest() == data_fingerprint(df)
    assert d.to_dict()["data_id"] == d.data_id


def test_data_id_ignores_the_index_and_sees_one_changed_value():
    df = _data()
    assert data_fingerprint(df.set_axis(range(5, 205))) == data_fingerprint(df)
    other = df.copy()
    other.loc[3, "a"] += 1e-9
    assert data_fingerprint(other) != data_fingerprint(df)
    assert data_fingerprint(df.rename(columns={"g": "h"})) != data_fingerprint(df)


def test_unhashable_rows_give_none():
    df = pd.DataFrame({"a": [[1], [2]]})
    assert data_fingerprint(df) is None
