"""WitConfigBuilder / WitWidget: a What-If Tool notebook ports by changing its import.

Each test writes what a WIT notebook writes (examples, a custom predict function
taking a list of examples, a target feature, a label vocabulary, a model type) and
checks the mlnb.WhatIf arguments it stands for: the data, the label, the features,
and predictions equal to the scikit-learn model's own (the oracle), computed through
the adapted function.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from mlnb.checks.predictor import Predictor
from mlnb.widgets.wit import ExamplePredictFunction, WitConfigBuilder

FEATURES = ["age", "hours", "sex"]


def _data(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "hours": rng.normal(40, 10, n).round(1),
            "sex": rng.choice(["Female", "Male"], n),
        }
    )
    logit = 0.05 * (df["age"] - 45) + 0.08 * (df["hours"] - 40)
    df["income"] = (logit + rng.normal(0, 1, n) > 0).astype(int)
    df["wage"] = 10 + 0.3 * df["age"] + 0.5 * df["hours"] + rng.normal(0, 1, n)
    return df


def _design(rows: pd.DataFrame) -> np.ndarray:
    return np.column_stack(
        [rows["age"], rows["hours"], (rows["sex"] == "Male").astype(float)]
    ).astype(float)


DF = _data()
CLF = LogisticRegression().fit(_design(DF), DF["income"])
CLF2 = LogisticRegression(C=0.01).fit(_design(DF), DF["income"])
REG = LinearRegression().fit(_design(DF), DF["wage"])


class Recorder:
    """A WIT custom predict function: a list of examples in, class scores out; it
    keeps what it was given."""

    def __init__(self, model, to_frame, regression: bool = False):
        self.model, self.to_frame, self.regression = model, to_frame, regression
        self.calls: list[list] = []

    def __call__(self, examples):
        self.calls.append(list(examples))
        rows = self.to_frame(examples)
        if self.regression:
            return self.model.predict(_design(rows)).tolist()
        return self.model.predict_proba(_design(rows)).tolist()


def dicts_to_frame(examples):
    return pd.DataFrame(examples)


def wit_rows(df: pd.DataFrame, columns) -> list[dict]:
    """The JSON examples a WIT notebook builds: plain Python values."""
    return [
        {c: (v.item() if hasattr(v, "item") else v) for c, v in zip(columns, row)}
        for row in df[columns].itertuples(index=False)
    ]


def scores(kwargs) -> np.ndarray:
    return kwargs["model_or_predict_fn"].scores(kwargs["data"][kwargs["features"]])


def test_dict_examples_classification():
    examples = wit_rows(DF, [*FEATURES, "income"])
    predict = Recorder(CLF, dicts_to_frame)
    builder = (
        WitConfigBuilder(examples)
        .set_custom_predict_fn(predict)
        .set_target_feature("income")
    )
    kw = builder.to_whatif_kwargs()
    assert kw["label"] == "income"
    assert kw["features"] == FEATURES
    assert kw["compare"] is None
    pd.testing.assert_frame_equal(
        kw["data"], DF[[*FEATURES, "income"]], check_dtype=False
    )
    np.testing.assert_allclose(scores(kw), CLF.predict_proba(_design(DF))[:, 1])
    # the function got dicts, in order, without the target feature (as WIT does)
    given = predict.calls[-1]
    assert isinstance(given[0], dict) and set(given[0]) == set(FEATURES)
    assert [g["age"] for g in given] == DF["age"].tolist()
    p = kw["model_or_predict_fn"]
    assert isinstance(p, Predictor) and p.kind == "classification"
    assert p.classes == (0, 1)


def test_dataframe_examples_give_the_same_numbers():
    frame = DF[[*FEATURES, "income"]]
    before = frame.copy()
    predict = Recorder(CLF, dicts_to_frame)
    kw = (
        WitConfigBuilder(frame)
        .set_custom_predict_fn(predict)
        .set_target_feature("income")
        .to_whatif_kwargs()
    )
    assert kw["data"] is frame  # no copy needed: nothing changes
    np.testing.assert_allclose(scores(kw), CLF.predict_proba(_design(DF))[:, 1])
    assert isinstance(predict.calls[-1][0], dict)
    pd.testing.assert_frame_equal(frame, before)


def test_polars_examples(require):
    pl = pytest.importorskip("polars")
    frame = pl.from_pandas(DF[[*FEATURES, "income"]])
    kw = (
        WitConfigBuilder(frame)
        .set_custom_predict_fn(Recorder(CLF, dicts_to_frame))
        .set_target_feature("income")
        .to_whatif_kwargs()
    )
    np.testing.assert_allclose(scores(kw), CLF.predict_proba(_design(DF))[:, 1])


def test_dict_of_columns_and_pyarrow_examples():
    pa = pytest.importorskip("pyarrow")
    columns = {c: DF[c].to_numpy() for c in [*FEATURES, "income"]}
    for examples in (columns, pa.Table.from_pandas(DF[[*FEATURES, "income"]])):
        kw = (
            WitConfigBuilder(examples)
            .set_custom_predict_fn(Recorder(CLF, dicts_to_frame))
            .set_target_feature("income")
            .to_whatif_kwargs()
        )
        np.testing.assert_allclose(scores(kw), CLF.predict_proba(_design(DF))[:, 1])


def test_list_examples_with_feature_names():
    examples = [list(d.values()) for d in wit_rows(DF, [*FEATURES, "income"])]

    def from_lists(lists):
        return pd.DataFrame(lists, columns=FEATURES)

    predict = Recorder(CLF, from_lists)
    kw = (
        WitConfigBuilder(examples, feature_names=[*FEATURES, "income"])
        .set_custom_predict_fn(predict)
        .set_target_feature("income")
        .to_whatif_kwargs()
    )
    assert kw["features"] == FEATURES
    np.testing.assert_allclose(scores(kw), CLF.predict_proba(_design(DF))[:, 1])
    assert predict.calls[-1][0] == [DF["age"][0], DF["hours"][0], DF["sex"][0]]


def test_list_examples_default_names_are_positions():
    builder = WitConfigBuilder([[1.0, 2.0], [3.0, 4.0]])
    assert list(builder.examples_frame.columns) == ["0", "1"]
    assert builder.build()["uses_json_list"] is True


def _tf_examples(df: pd.DataFrame) -> list:
    tf = pytest.importorskip("tensorflow")
    out = []
    for row in df.itertuples(index=False):
        ex = tf.train.Example()
        f = ex.features.feature
        f["age"].int64_list.value.append(int(row.age))
        f["hours"].float_list.value.append(float(row.hours))
        f["sex"].bytes_list.value.append(row.sex.encode())
        f["income"].int64_list.value.append(int(row.income))
        out.append(ex)
    return out


@pytest.mark.extra("tensorflow")
def test_tf_example_examples():
    tf = pytest.importorskip("tensorflow")
    examples = _tf_examples(DF)
    spec = {
        "age": tf.io.FixedLenFeature([], tf.int64),
        "hours": tf.io.FixedLenFeature([], tf.float32),
        "sex": tf.io.FixedLenFeature([], tf.string),
    }

    def from_protos(protos):
        assert all(isinstance(p, tf.train.Example) for p in protos)
        parsed = tf.io.parse_example([p.SerializeToString() for p in protos], spec)
        return pd.DataFrame(
            {
                "age": parsed["age"].numpy(),
                "hours": parsed["hours"].numpy().astype(float),
                "sex": [s.decode() for s in parsed["sex"].numpy()],
            }
        )

    predict = Recorder(CLF, from_protos)
    kw = (
        WitConfigBuilder(examples)
        .set_custom_predict_fn(predict)
        .set_target_feature("income")
        .set_label_vocab(["<=50K", ">50K"])
        .to_whatif_kwargs()
    )
    assert sorted(kw["features"]) == sorted(FEATURES)
    assert kw["data"]["age"].tolist() == DF["age"].tolist()
    assert (
        kw["data"]["income"].tolist()
        == DF["income"].map({0: "<=50K", 1: ">50K"}).tolist()
    )
    # the float32 round trip of the proto is the only difference from the oracle
    design = _design(DF.assign(hours=DF["hours"].astype(np.float32).astype(float)))
    np.testing.assert_allclose(scores(kw), CLF.predict_proba(design)[:, 1])
    assert "income" not in predict.calls[-1][0].features.feature


def test_compare_custom_predict_fn():
    examples = wit_rows(DF, [*FEATURES, "income"])
    kw = (
        WitConfigBuilder(examples)
        .set_custom_predict_fn(Recorder(CLF, dicts_to_frame))
        .set_compare_custom_predict_fn(Recorder(CLF2, dicts_to_frame))
        .set_target_feature("income")
        .to_whatif_kwargs()
    )
    X = kw["data"][kw["features"]]
    np.testing.assert_allclose(
        kw["compare"].scores(X), CLF2.predict_proba(_design(DF))[:, 1]
    )
    np.testing.assert_allclose(
        kw["model_or_predict_fn"].scores(X), CLF.predict_proba(_design(DF))[:, 1]
    )


def test_model_names_reach_the_widget_only_when_the_user_set_them():
    examples = wit_rows(DF, [*FEATURES, "income"])

    def builder():
        return (
            WitConfigBuilder(examples)
            .set_custom_predict_fn(Recorder(CLF, dicts_to_frame))
            .set_compare_custom_predict_fn(Recorder(CLF2, dicts_to_frame))
            .set_target_feature("income")
        )

    plain = builder()
    assert plain.config["model_name"] == "1"  # WIT's defaults are kept in the config
    assert "model_names" not in plain.to_whatif_kwargs()  # but not shown as names
    named = builder().set_model_name("logistic").set_compare_model_name("forest")
    assert named.to_whatif_kwargs()["model_names"] == ("logistic", "forest")


def test_label_vocab_names_the_class_indices():
    examples = wit_rows(DF, [*FEATURES, "income"])
    kw = (
        WitConfigBuilder(examples)
        .set_custom_predict_fn(Recorder(CLF, dicts_to_frame))
        .set_target_feature("income")
        .set_label_vocab(["<=50K", ">50K"])
        .to_whatif_kwargs()
    )
    p = kw["model_or_predict_fn"]
    assert p.classes == ("<=50K", ">50K")
    expected = DF["income"].map({0: "<=50K", 1: ">50K"})
    assert kw["data"]["income"].tolist() == expected.tolist()
    s = scores(kw)
    assert p.positive_label == ">50K"
    labels = p.predict_label(kw["data"][kw["features"]])
    oracle = np.where(CLF.predict_proba(_design(DF))[:, 1] >= 0.5, ">50K", "<=50K")
    assert labels.tolist() == oracle.tolist()
    np.testing.assert_allclose(s, CLF.predict_proba(_design(DF))[:, 1])


def test_label_vocab_with_a_target_holding_the_names():
    frame = DF[[*FEATURES, "income"]].assign(
        income=DF["income"].map({0: "<=50K", 1: ">50K"})
    )
    kw = (
        WitConfigBuilder(frame)
        .set_custom_predict_fn(Recorder(CLF, dicts_to_frame))
        .set_target_feature("income")
        .set_label_vocab(["<=50K", ">50K"])
        .to_whatif_kwargs()
    )
    assert kw["data"] is frame


def test_multiclass_with_vocab():
    df = DF.assign(grade=pd.cut(DF["hours"], [-np.inf, 35, 45, np.inf], labels=False))
    model = LogisticRegression(max_iter=500).fit(_design(df), df["grade"])
    kw = (
        WitConfigBuilder(df[[*FEATURES, "grade"]])
        .set_custom_predict_fn(Recorder(model, dicts_to_frame))
        .set_target_feature("grade")
        .set_label_vocab(["part time", "full time", "overtime"])
        .set_multi_class(True)
        .to_whatif_kwargs()
    )
    np.testing.assert_allclose(scores(kw), model.predict_proba(_design(df)))
    assert kw["model_or_predict_fn"].classes == ("part time", "full time", "overtime")
    assert set(kw["data"]["grade"]) == {"part time", "full time", "overtime"}


def test_regression_model_type():
    examples = wit_rows(DF, [*FEATURES, "wage"])
    kw = (
        WitConfigBuilder(examples)
        .set_model_type("regression")
        .set_custom_predict_fn(Recorder(REG, dicts_to_frame, regression=True))
        .set_target_feature("wage")
        .to_whatif_kwargs()
    )
    assert kw["label"] == "wage"
    np.testing.assert_allclose(scores(kw), REG.predict(_design(DF)))
    p = kw["model_or_predict_fn"]
    assert p.kind == "regression" and p.classes is None


def test_wit_dict_form_of_predictions():
    examples = wit_rows(DF, FEATURES)

    def predict(exs):
        probs = CLF.predict_proba(_design(pd.DataFrame(exs))).tolist()
        return {"predictions": probs, "attributions": [{} for _ in exs]}

    kw = WitConfigBuilder(examples).set_custom_predict_fn(predict).to_whatif_kwargs()
    assert kw["label"] is None and kw["features"] == FEATURES
    np.testing.assert_allclose(scores(kw), CLF.predict_proba(_design(DF))[:, 1])


def test_defaults_chaining_and_build():
    b = WitConfigBuilder(wit_rows(DF, FEATURES))
    assert b.build()["model_type"] == "classification"
    assert b.build()["label_vocab"] == []
    assert b.build()["uses_json_input"] is True
    fn = Recorder(CLF, dicts_to_frame)
    for setter, arg in [
        ("set_custom_predict_fn", fn),
        ("set_compare_custom_predict_fn", fn),
        ("set_target_feature", "sex"),
        ("set_label_vocab", ["a", "b"]),
        ("set_model_type", "classification"),
        ("set_model_name", "m"),
        ("set_compare_model_name", "m2"),
        ("set_multi_class", False),
        ("set_max_classes_to_display", 2),
        ("set_examples", wit_rows(DF, FEATURES)),
    ]:
        assert getattr(b, setter)(arg) is b, setter
    config = b.build()
    assert config["custom_predict_fn"] is fn
    assert config["target_feature"] == "sex"
    assert config["model_name"] == "m" and config["model_name_2"] == "m2"
    assert config["max_classes"] == 2
    # WIT gives a first model the name "1" and a second "2" when none is set
    b2 = WitConfigBuilder(wit_rows(DF, FEATURES)).set_custom_predict_fn(fn)
    b2.set_compare_custom_predict_fn(fn)
    assert (b2.build()["model_name"], b2.build()["model_name_2"]) == ("1", "2")
    assert "examples" in repr(b2)


def test_adapted_function_is_a_plain_dataframe_function():
    fn = ExamplePredictFunction(
        Recorder(CLF, dicts_to_frame), form="dict", model_type="classification"
    )
    out = fn(DF[FEATURES].iloc[:5])
    np.testing.assert_allclose(out, CLF.predict_proba(_design(DF.iloc[:5])))
    assert out.shape == (5, 2)


def test_int_and_tuple_feature_names():
    frame = DF[[*FEATURES, "income"]].copy()
    frame.columns = [0, ("x", "hours"), "sex", 1]

    def predict(exs):
        rows = pd.DataFrame(
            {
                "age": [e[0] for e in exs],
                "hours": [e[("x", "hours")] for e in exs],
                "sex": [e["sex"] for e in exs],
            }
        )
        return CLF.predict_proba(_design(rows)).tolist()

    kw = (
        WitConfigBuilder(frame)
        .set_custom_predict_fn(predict)
        .set_target_feature(1)
        .to_whatif_kwargs()
    )
    assert kw["features"] == [0, ("x", "hours"), "sex"]
    np.testing.assert_allclose(scores(kw), CLF.predict_proba(_design(DF))[:, 1])


def test_custom_distance_fn_drives_the_nearest_counterfactual():
    from mlnb.checks.whatif import nearest_counterfactual

    examples = wit_rows(DF, [*FEATURES, "income"])
    seen = []

    def age_gap(example, others, params):
        seen.append((example, params))
        return [
            abs(o["age"] - example["age"]) + 0.001 * i for i, o in enumerate(others)
        ]

    kw = (
        WitConfigBuilder(examples)
        .set_custom_predict_fn(Recorder(CLF, dicts_to_frame))
        .set_target_feature("income")
        .set_custom_distance_fn(age_gap)
        .to_whatif_kwargs()
    )
    X = kw["data"][kw["features"]]
    res = nearest_counterfactual(
        kw["model_or_predict_fn"], X, 0, distance=kw["distance"]
    )
    # brute force: the closest row by the same rule whose predicted class differs
    pred = CLF.predict_proba(_design(DF))[:, 1] >= 0.5
    best = min(
        (abs(DF["age"][i] - DF["age"][0]) + 0.001 * i, i)
        for i in range(len(DF))
        if pred[i] != pred[0]
    )
    assert res.index == best[1]
    assert res.distance == pytest.approx(best[0])
    assert seen[-1][0] == {k: examples[0][k] for k in FEATURES}
    assert seen[-1][1] == {}
    b = WitConfigBuilder(examples).set_custom_distance_fn(age_gap)
    assert "custom_distance_fn" not in b.set_custom_distance_fn(None).build()


def test_wit_widget_is_a_whatif_with_the_examples_and_the_fn_predictions():
    from mlnb.widgets.whatif import WhatIf
    from mlnb.widgets.wit import WitWidget

    examples = wit_rows(DF, [*FEATURES, "income"])
    predict = Recorder(CLF, dicts_to_frame)
    compare = Recorder(CLF2, dicts_to_frame)
    builder = (
        WitConfigBuilder(examples)
        .set_custom_predict_fn(predict)
        .set_compare_custom_predict_fn(compare)
        .set_target_feature("income")
        .set_label_vocab(["<=50K", ">50K"])
    )
    w = WitWidget(builder, height=640, sensitive="sex", max_points=50)
    assert isinstance(w, WhatIf)
    assert w.layout.height == "640px"
    assert not w.error
    pd.testing.assert_frame_equal(
        w.data[FEATURES].reset_index(drop=True), DF[FEATURES], check_dtype=False
    )
    np.testing.assert_allclose(w.predictions(), CLF.predict_proba(_design(DF))[:, 1])
    # an edit re-infers through the WIT function, which sees the edited dict
    w.select(3)
    w.edit("age", 79)
    assert predict.calls[-1] == [
        {"age": 79, "hours": DF["hours"][3], "sex": DF["sex"][3]}
    ]
    edited = DF.iloc[[3]].assign(age=79)
    assert w.predictions()[3] == pytest.approx(CLF.predict_proba(_design(edited))[0, 1])
    assert compare.calls  # the second model was asked too


def test_wit_widget_bad_arguments():
    from mlnb.errors import MlnbValueError
    from mlnb.widgets.wit import WitWidget

    b = WitConfigBuilder(wit_rows(DF, FEATURES)).set_custom_predict_fn(
        Recorder(CLF, dicts_to_frame)
    )
    with pytest.raises(
        MlnbValueError, match="config_builder must be a WitConfigBuilder"
    ):
        WitWidget({"examples": []})
    with pytest.raises(MlnbValueError, match="height must be a positive"):
        WitWidget(b, height=0)
    with pytest.raises(MlnbValueError, match="label come from the config builder"):
        WitWidget(b, label="income")


def test_list_examples_follow_the_feature_order_whatever_the_frame_order():
    def from_lists(lists):
        return pd.DataFrame(lists, columns=FEATURES)

    predict = Recorder(CLF, from_lists)
    examples = [list(d.values()) for d in wit_rows(DF, [*FEATURES, "income"])]
    kw = (
        WitConfigBuilder(examples, feature_names=[*FEATURES, "income"])
        .set_custom_predict_fn(predict)
        .set_target_feature("income")
        .to_whatif_kwargs()
    )
    shuffled = kw["data"][["sex", "hours", "age"]]  # a caller's own column order
    np.testing.assert_allclose(
        kw["model_or_predict_fn"].scores(shuffled),
        CLF.predict_proba(_design(DF))[:, 1],
    )
    assert predict.calls[-1][0] == [DF["age"][0], DF["hours"][0], DF["sex"][0]]


def test_wit_widget_performance_tab_uses_the_vocab_names():
    from mlnb.widgets.wit import WitWidget

    builder = (
        WitConfigBuilder(wit_rows(DF, [*FEATURES, "income"]))
        .set_custom_predict_fn(Recorder(CLF, dicts_to_frame))
        .set_target_feature("income")
        .set_label_vocab(["<=50K", ">50K"])
    )
    w = WitWidget(builder, sensitive="sex")
    w.tab = "performance"
    assert not w.error, w.error
    from sklearn.metrics import roc_auc_score

    perf = w.performance
    assert perf["available"] and perf["positive_label"] == ">50K"
    # the label compared with the predictions is the vocabulary's, positive ">50K"
    oracle = roc_auc_score(DF["income"], CLF.predict_proba(_design(DF))[:, 1])
    assert perf["roc_auc"] == pytest.approx(oracle)
    assert sorted(g["group"] for g in perf["groups"]) == ["Female", "Male"]


def test_wit_widget_regression():
    from mlnb.widgets.wit import WitWidget

    builder = (
        WitConfigBuilder(DF[[*FEATURES, "wage"]])
        .set_model_type("regression")
        .set_custom_predict_fn(Recorder(REG, dicts_to_frame, regression=True))
        .set_target_feature("wage")
    )
    w = WitWidget(builder)
    assert not w.error, w.error
    np.testing.assert_allclose(w.predictions(), REG.predict(_design(DF)))


@pytest.mark.extra("tensorflow")
def test_wit_widget_edits_tf_examples():
    tf = pytest.importorskip("tensorflow")
    from mlnb.widgets.wit import WitWidget

    seen = []

    def predict(protos):
        seen.append(protos)
        rows = pd.DataFrame(
            {
                "age": [p.features.feature["age"].int64_list.value[0] for p in protos],
                "hours": [
                    p.features.feature["hours"].float_list.value[0] for p in protos
                ],
                "sex": [
                    p.features.feature["sex"].bytes_list.value[0].decode()
                    for p in protos
                ],
            }
        )
        return CLF.predict_proba(_design(rows)).tolist()

    builder = (
        WitConfigBuilder(_tf_examples(DF.head(40)))
        .set_custom_predict_fn(predict)
        .set_target_feature("income")
    )
    w = WitWidget(builder)
    assert not w.error, w.error
    w.select(2)
    w.edit("age", 70)
    (edited,) = seen[-1]
    assert isinstance(edited, tf.train.Example)
    assert list(edited.features.feature["age"].int64_list.value) == [70]
    assert "income" not in edited.features.feature
    row = DF.iloc[[2]].assign(age=70, hours=np.float32(DF["hours"][2]).item())
    assert w.predictions()[2] == pytest.approx(
        CLF.predict_proba(_design(row))[0, 1], rel=1e-6
    )
