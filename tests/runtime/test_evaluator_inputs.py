"""The same stream as pandas, polars, pyarrow or numpy (features as any table or
a dict of arrays) gives the same continuous evaluation; feature columns may have
integer or tuple names; an unknown feature's error lists at most 20 columns and
never the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlnb.errors import MlnbError
from mlnb.runtime.evaluator import ContinuousEvaluator

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")


@pytest.fixture
def stream():
    rng = np.random.default_rng(7)
    n = 600
    ts = pd.Timestamp("2024-03-01") + pd.to_timedelta(
        np.sort(rng.uniform(0, 3, n)), unit="D"
    )
    y = rng.integers(0, 2, n)
    score = np.clip(0.35 * y + rng.uniform(0, 0.65, n), 0, 1)
    x = rng.normal(size=n) + np.where(np.arange(n) >= 400, 2.0, 0.0)
    c = rng.choice(np.array(["a", "b", "c"]), n)
    ref = pd.DataFrame({"x": rng.normal(size=1000), "c": rng.choice(list("abc"), 1000)})
    return {"ts": ts, "y": y, "score": score, "x": x, "c": c, "ref": ref}


def as_kind(kind, values):
    """One column in the given library's form."""
    if kind == "pandas":
        return pd.Series(values)
    if kind == "polars":
        return pl.Series(values)
    if kind == "pyarrow":
        return pa.array(values)
    return np.asarray(values)


def table(kind, columns: dict):
    if kind == "pandas":
        return pd.DataFrame(columns)
    if kind == "polars":
        return pl.DataFrame(columns)
    if kind == "pyarrow":
        return pa.table(columns)
    return dict(columns)  # numpy arrays in a dict


def run(kind, d):
    ev = ContinuousEvaluator(
        metric="accuracy",
        alert_below=0.8,
        window="1D",
        reference=d["ref"],
        min_rows=10,
    )
    ts = np.asarray(d["ts"], dtype="datetime64[ns]")
    for a, b in ((0, 250), (250, 600)):
        ev.update(
            as_kind(kind, d["y"][a:b]),
            as_kind(kind, d["score"][a:b]),
            timestamps=as_kind(kind, ts[a:b]),
            features=table(kind, {"x": d["x"][a:b], "c": d["c"][a:b]}),
        )
    ev.flush()
    return ev.result(publish=False)


def strip(d):
    d = dict(d)
    d.pop("created")
    return d


def test_pandas_polars_pyarrow_numpy_give_identical_results(stream):
    results = {k: run(k, stream) for k in ("pandas", "polars", "pyarrow", "numpy")}
    base = strip(results["pandas"].to_dict())
    assert base["n_windows"] == 3
    assert any(w["drifted_features"] == ["x"] for w in base["windows"])
    for kind, res in results.items():
        assert strip(res.to_dict()) == base, kind
        assert res.status == results["pandas"].status


def test_ids_and_labels_from_any_library(stream):
    got = {}
    for kind in ("pandas", "polars", "pyarrow", "numpy"):
        ev = ContinuousEvaluator(metric="roc_auc", alert_below=0.7, window=200)
        ids = as_kind(kind, [f"t{i}" for i in range(600)])
        ev.add_predictions(ids, as_kind(kind, stream["score"]))
        ev.add_ground_truth(ids, as_kind(kind, stream["y"]))
        ev.flush()
        got[kind] = ev.history["value"].tolist()
    assert len(set(map(tuple, got.values()))) == 1 and len(got["numpy"]) == 3


@pytest.mark.parametrize(
    "names",
    [(0, 1), (("num", "x"), ("cat", "c"))],
    ids=["integer names", "tuple names"],
)
def test_integer_and_tuple_feature_names(stream, names):
    xn, cn = names
    ref = pd.DataFrame({xn: stream["ref"]["x"], cn: stream["ref"]["c"]})
    ev = ContinuousEvaluator(
        metric="accuracy", alert_below=0.8, window=200, reference=ref, min_rows=10
    )
    feats = pd.DataFrame({xn: stream["x"], cn: stream["c"]})
    ev.update(stream["y"], stream["score"], features=feats)
    drifted = list(ev.history["drifted_features"])
    assert [tuple(map(str, d)) for d in drifted][:2] == [(), ()]
    assert len(drifted[2]) == 1 and str(drifted[2][0]) == str(xn)


def test_unknown_feature_error_names_few_columns_and_no_values(stream):
    wide = pd.DataFrame({f"c{i:02d}": np.full(50, 123456.789 + i) for i in range(30)})
    with pytest.raises(MlnbError) as err:
        ContinuousEvaluator(
            metric="accuracy",
            alert_below=0.8,
            reference=wide,
            drift_options={"features": ["nope"]},
        )
    msg = str(err.value)
    assert "nope" in msg and "123456" not in msg
    assert 0 < sum(f"c{i:02d}" in msg for i in range(30)) <= 20
