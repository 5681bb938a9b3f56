"""Data validation (step 8): schema inference, editing, JSON round trip, and each
anomaly kind of validate_data on hand-made frames; expected counts come from
hand computation or plain pandas, never from validate_data itself."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlnb import MlnbValueError
from mlnb.checks.deployment import (
    DEFAULT_SEVERITIES,
    Schema,
    ValidationResult,
    schema,
    validate_data,
)
from mlnb.core.distances import js_divergence

pytestmark = pytest.mark.extra("validate", module="pandera")

N = 40


def train_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "id": np.arange(N),
            "age": np.arange(N) % 30 + 20,  # 20..49
            "income": np.linspace(1000.0, 5000.0, N),
            "city": np.array(["paris", "lyon", "nice", "lyon"] * (N // 4), object),
            "member": np.arange(N) % 3 == 0,
            "seen": pd.date_range("2024-01-01", periods=N, freq="D"),
            "note": [f"free text {i}" if i % 5 else None for i in range(N)],
            "score": np.where(np.arange(N) % 10 == 0, np.nan, rng.normal(size=N)),
        }
    )


TRAIN = train_frame()
SCHEMA = schema(TRAIN, categorical_max=10)


def anomalies(df, s=SCHEMA, **kw):
    return validate_data(df, s, publish=False, **kw).anomalies


def only(frame, kind):
    rows = frame[frame["kind"] == kind]
    assert len(rows) == 1, frame.to_string()
    return rows.iloc[0]


# -- schema ------------------------------------------------------------------------
def test_schema_types_ranges_categories_missing_and_ids():
    s = SCHEMA
    assert [c.type for c in s.columns] == [
        "int",
        "int",
        "float",
        "category",
        "bool",
        "datetime",
        "text",
        "float",
    ]
    assert s["id"].unique and not s["age"].unique
    assert (s["age"].min, s["age"].max) == (20, 49)
    assert s["income"].min == 1000.0 and s["income"].max == 5000.0
    assert s["city"].categories == ("lyon", "nice", "paris")
    assert s["seen"].min == pd.Timestamp("2024-01-01").isoformat()
    assert (
        s["seen"].max
        == (pd.Timestamp("2024-01-01") + pd.Timedelta(days=N - 1)).isoformat()
    )
    # text: above categorical_max, said so; 8 of 40 missing
    assert s["note"].categories is None and "categorical_max=10" in s["note"].note
    assert s["note"].missing_rate == pytest.approx(TRAIN["note"].isna().mean())
    assert s["score"].nullable and s["score"].missing_rate == pytest.approx(0.1)
    assert not s["age"].nullable and s["age"].missing_rate == 0.0
    assert s.n_rows == N


def test_ids_given_explicitly_or_none():
    assert schema(TRAIN, id_columns=[])["id"].unique is False
    s = schema(TRAIN, id_columns=["note"])
    assert s["note"].unique and not s["id"].unique


def test_small_tables_detect_no_ids():
    s = schema(TRAIN.head(5))
    assert not any(c.unique for c in s.columns)


def test_with_column_edits_a_copy():
    s2 = SCHEMA.with_column("age", min=0, max=120)
    assert (s2["age"].min, s2["age"].max) == (0, 120)
    assert (SCHEMA["age"].min, SCHEMA["age"].max) == (20, 49)
    s3 = SCHEMA.with_column("city", type="text")
    assert s3["city"].categories is None
    with pytest.raises(MlnbValueError, match="unknown field"):
        SCHEMA.with_column("age", lower=0)
    with pytest.raises(MlnbValueError, match="no column 'nope'"):
        SCHEMA.with_column("nope", min=0)


def test_json_round_trip(tmp_path):
    path = tmp_path / "schema.json"
    SCHEMA.save(path)
    back = Schema.load(path)
    assert back == SCHEMA
    assert back.to_dict() == SCHEMA.to_dict()
    # to_dict → edit → from_dict
    d = SCHEMA.to_dict()
    d["columns"][1]["max"] = 100
    assert Schema.from_dict(d)["age"].max == 100


def test_json_round_trip_int_and_tuple_names(tmp_path):
    df = pd.DataFrame({0: [1, 2, 3], ("a", 1): ["x", "y", "x"], "0": [0.5, 1.0, 2.0]})
    df.columns = pd.Index([0, ("a", 1), "0"], tupleize_cols=False)
    s = schema(df)
    path = s.save(tmp_path / "s.json")
    back = Schema.load(path)
    assert back.names == [0, ("a", 1), "0"]
    assert back[0].type == "int" and back["0"].type == "float"
    assert back == s


def test_save_refuses_to_overwrite(tmp_path):
    path = tmp_path / "schema.json"
    path.write_text("keep me")
    with pytest.raises(MlnbValueError, match="overwrite=True"):
        SCHEMA.save(path)
    assert path.read_text() == "keep me"
    SCHEMA.save(path, overwrite=True)
    assert Schema.load(path) == SCHEMA


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not an mlnb schema"),
        (json.dumps({"columns": []}), "not an mlnb schema"),
        (
            json.dumps({"format": "mlnb.schema", "version": 99, "columns": []}),
            "version 99",
        ),
        (json.dumps({"format": "mlnb.schema", "version": 1, "columns": 3}), "columns"),
        (
            json.dumps({"format": "mlnb.schema", "version": 1, "columns": [{"x": 1}]}),
            "column 0",
        ),
        (
            json.dumps(
                {
                    "format": "mlnb.schema",
                    "version": 1,
                    "columns": [{"name": "a", "type": "complex"}],
                }
            ),
            "type must be one of",
        ),
    ],
)
def test_malformed_json(tmp_path, text, match):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(MlnbValueError, match=match) as e:
        Schema.load(path)
    assert "schema" in str(e.value)


def test_load_missing_file(tmp_path):
    with pytest.raises(MlnbValueError, match="no such file"):
        Schema.load(tmp_path / "absent.json")


def test_to_pandera_matches_the_schema():
    pa = pytest.importorskip("pandera.pandas")
    ps = SCHEMA.to_pandera()
    assert isinstance(ps, pa.DataFrameSchema)
    assert list(ps.columns) == SCHEMA.names
    assert ps.columns["id"].unique and not ps.columns["score"].unique
    ps.validate(TRAIN)  # the training data satisfies its own schema
    bad = TRAIN.assign(city=TRAIN["city"].replace("nice", "rome"))
    with pytest.raises(pa.errors.SchemaError):
        ps.validate(bad)


# -- validate_data: each anomaly kind ----------------------------------------------
def test_training_data_has_no_anomaly():
    r = validate_data(TRAIN, SCHEMA, publish=False)
    assert isinstance(r, ValidationResult)
    assert r.status == "pass" and r.anomalies.empty
    assert r.step == "deployment" and r.check == "validate_data"


def test_missing_and_unexpected_column():
    df = TRAIN.drop(columns=["income"]).assign(extra=1)
    a = anomalies(df)
    assert only(a, "missing_column")["column"] == "income"
    assert only(a, "missing_column")["severity"] == "error"
    assert only(a, "unexpected_column")["column"] == "extra"
    assert only(a, "unexpected_column")["severity"] == "warning"


def test_type_change():
    df = TRAIN.assign(age=TRAIN["age"].astype(str), member=TRAIN["member"].astype(int))
    a = anomalies(df)
    rows = a[a["kind"] == "type_change"]
    assert set(rows["column"]) == {"age", "member"}
    assert (rows["severity"] == "error").all()


def test_int_column_read_as_whole_floats_is_not_a_type_change():
    df = TRAIN.assign(age=TRAIN["age"].astype(float))
    df.loc[3, "age"] = np.nan
    a = anomalies(df)
    assert "type_change" not in set(a["kind"])
    assert only(a, "missing_values")["count"] == 1
    df2 = TRAIN.assign(age=TRAIN["age"] + 0.5)
    assert only(anomalies(df2), "type_change")["column"] == "age"


def test_new_category_counts_and_values():
    df = TRAIN.copy()
    df.loc[[0, 1, 2], "city"] = "rome"
    df.loc[5, "city"] = "oslo"
    row = only(anomalies(df), "new_category")
    expected = int((~df["city"].isin(["paris", "lyon", "nice"])).sum())
    assert row["count"] == expected == 4
    assert row["share"] == pytest.approx(4 / N)
    assert "'rome'" in row["found"] and "'oslo'" in row["found"]
    assert row["severity"] == "error"


def test_out_of_range_numbers_and_dates():
    df = TRAIN.copy()
    df.loc[0, "age"] = 10
    df.loc[1, "age"] = 99
    df.loc[2, "income"] = 6000.0
    df.loc[3, "seen"] = pd.Timestamp("2030-01-01")
    a = anomalies(df)
    rows = a[a["kind"] == "out_of_range"].set_index("column")
    lo, hi = SCHEMA["age"].min, SCHEMA["age"].max
    assert (
        rows.loc["age", "count"]
        == int(((df["age"] < lo) | (df["age"] > hi)).sum())
        == 2
    )
    assert rows.loc["income", "count"] == 1
    assert rows.loc["seen", "count"] == 1
    assert (rows["severity"] == "warning").all()


def test_missing_values_and_missing_rate_jump():
    df = TRAIN.copy()
    df.loc[:4, "income"] = np.nan  # income had none: error
    df.loc[:19, "score"] = np.nan  # 10% → 50%: jump of 40 points
    a = anomalies(df)
    assert only(a, "missing_values")["column"] == "income"
    assert only(a, "missing_values")["count"] == 5
    jump = only(a, "missing_rate_jump")
    assert jump["column"] == "score"
    assert jump["count"] == int(df["score"].isna().sum())
    # a jump within the tolerance is fine
    assert "missing_rate_jump" not in set(anomalies(df, missing_rate_jump=0.5)["kind"])


def test_duplicate_id():
    df = TRAIN.copy()
    df.loc[[1, 2], "id"] = 0
    row = only(anomalies(df), "duplicate_id")
    assert row["column"] == "id"
    assert row["count"] == int(df["id"].duplicated(keep=False).sum()) == 3
    assert row["severity"] == "error"


def test_skew_through_step_9_distances():
    rng = np.random.default_rng(1)
    n = 2000
    ref = pd.DataFrame({"x": rng.normal(0, 1, n), "c": rng.choice(["a", "b"], n)})
    cur = pd.DataFrame(
        {"x": rng.normal(0, 1, n), "c": rng.choice(["a", "b"], n, p=[0.95, 0.05])}
    )
    s = schema(ref)
    r = validate_data(cur, s, reference=ref, publish=False)
    row = only(r.anomalies, "skew")
    assert row["column"] == "c"
    # L-infinity distance of the category shares, by hand
    p = ref["c"].value_counts(normalize=True).sort_index()
    q = cur["c"].value_counts(normalize=True).sort_index()
    linf = float((p - q).abs().max())
    assert f"{linf:.3f}" in row["found"]
    assert r.skew_report is not None and r.skew_report.check == "skew"
    # numeric skew uses the Jensen-Shannon divergence
    cur2 = cur.assign(x=rng.normal(3, 1, n), c=ref["c"])
    r2 = validate_data(cur2, s, reference=ref, publish=False)
    row2 = only(r2.anomalies, "skew")
    assert row2["column"] == "x"
    assert js_divergence([1, 0], [0, 1]) == 1.0  # the distance module in use
    # a higher threshold hides it
    r3 = validate_data(cur2, s, reference=ref, skew_threshold=0.99, publish=False)
    assert "skew" not in set(r3.anomalies["kind"])


def test_schema_from_another_data_set():
    other = pd.DataFrame({"sepal": [1.0, 2.0], "petal": [0.1, 0.2]})
    r = validate_data(other, SCHEMA, publish=False)
    assert r.status == "fail"
    assert "another data set" in r.summary
    assert (r.anomalies["kind"] == "missing_column").sum() == len(SCHEMA)
    assert (r.anomalies["kind"] == "unexpected_column").sum() == 2


def test_status_from_conditions_and_severities():
    df = TRAIN.copy()
    df.loc[0, "age"] = 99  # out of range: a warning
    r = validate_data(df, SCHEMA, publish=False)
    assert r.status == "warn" and r.n_warnings == 1 and r.n_errors == 0
    r2 = validate_data(df, SCHEMA, severities={"out_of_range": "error"}, publish=False)
    assert r2.status == "fail" and r2.decided_by
    assert set(DEFAULT_SEVERITIES) >= {"skew", "new_category"}


def test_publish_records_step_8():
    from mlnb.checklist import session

    r = validate_data(TRAIN, SCHEMA)
    rec = r.record()
    assert rec["step"] == "deployment" and rec["check"] == "validate_data"
    assert rec["status"] == "pass"
    assert json.dumps(r.to_dict())
    assert session is not None


def test_html_escapes_malicious_categories_and_names():
    evil = "<script>alert(1)</script>"
    df = TRAIN.copy()
    df.loc[0, "city"] = evil
    df['"><img src=x onerror=alert(1)>'] = 1
    r = validate_data(df, SCHEMA, publish=False)
    html = r._repr_html_()
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    s = schema(df)
    assert "<script" not in s._repr_html_() and "<img" not in s._repr_html_()


def test_plot_returns_axes():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    df = TRAIN.drop(columns=["income"])
    ax = validate_data(df, SCHEMA, publish=False).plot()
    assert len(ax.patches) == 1


def test_skew_against_a_stored_profile():
    import mlnb

    rng = np.random.default_rng(2)
    n = 2000
    ref = pd.DataFrame({"x": rng.normal(0, 1, n)})
    cur = pd.DataFrame({"x": rng.normal(3, 1, n)})
    s = schema(ref)
    from_data = validate_data(cur, s, reference=ref, publish=False).anomalies
    from_profile = validate_data(
        cur, s, reference=mlnb.profile(ref), publish=False
    ).anomalies
    assert from_data["kind"].tolist() == from_profile["kind"].tolist()
    assert only(from_data, "skew")["found"] == only(from_profile, "skew")["found"]


def test_time_zone_aware_dates():
    t = pd.DataFrame(
        {"ts": pd.date_range("2024-01-01", periods=5, freq="D", tz="Europe/Paris")}
    )
    s = schema(t)
    assert s["ts"].type == "datetime" and s["ts"].min.endswith("+01:00")
    cur = t.copy()
    cur.loc[0, "ts"] = pd.Timestamp("2025-06-01", tz="Europe/Paris")
    row = only(validate_data(cur, s, publish=False).anomalies, "out_of_range")
    assert row["count"] == 1


def test_importing_the_module_loads_no_pandera_or_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys, mlnb.checks.deployment as d; "
        "d.schema({'a': [1, 2]}); "
        "print(sorted(m for m in ('pandera', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_a_categorical_of_numbers_is_a_category_column():
    t = pd.DataFrame({"k": pd.Categorical([1, 2, 3, 1])})
    s = schema(t)
    assert s["k"].type == "category" and s["k"].categories == (1, 2, 3)
    assert validate_data(t, s, publish=False).anomalies.empty
    cur = pd.DataFrame({"k": pd.Categorical([1, 2, 9, 9])})
    row = only(validate_data(cur, s, publish=False).anomalies, "new_category")
    assert row["count"] == 2 and "9" in row["found"]


def test_naive_dates_against_zoned_schema_are_a_type_change():
    t = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=5, tz="UTC")})
    cur = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=5)})
    a = validate_data(cur, schema(t), publish=False).anomalies
    assert a["kind"].tolist() == ["type_change"]
    assert "cannot be compared" in a["sentence"].iloc[0]
