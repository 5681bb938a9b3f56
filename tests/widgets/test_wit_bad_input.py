"""WitConfigBuilder under bad input: each case raises the right error and its message
names the argument (or setter) and the fix."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from mlnb.errors import MlnbError, MlnbValueError
from mlnb.widgets.wit import WitConfigBuilder

ROWS = [
    {"age": 30, "sex": "F", "y": 0},
    {"age": 50, "sex": "M", "y": 1},
    {"age": 40, "sex": "M", "y": 1},
]


def proba(exs):
    return [[1 - e["age"] / 100, e["age"] / 100] for e in exs]


def build(examples=ROWS, fn=proba, **setters):
    b = WitConfigBuilder(examples)
    if fn is not None:
        b.set_custom_predict_fn(fn)
    for name, arg in setters.items():
        getattr(b, name)(arg)
    return b


def predict_all(b):
    kw = b.to_whatif_kwargs()
    return kw["model_or_predict_fn"].scores(kw["data"][kw["features"]])


def _tf_example(**features):
    tf = pytest.importorskip("tensorflow")
    ex = tf.train.Example()
    for k, v in features.items():
        ex.features.feature[k].float_list.value.extend(v)
    return ex


def _sequence_example():
    tf = pytest.importorskip("tensorflow")
    return tf.train.SequenceExample()


# (id, action, error type, patterns the message must contain)
BAD = [
    (
        "predict fn returns too few rows",
        lambda: predict_all(build(fn=lambda exs: proba(exs)[:-1])),
        MlnbValueError,
        [r"set_custom_predict_fn", r"2 results for 3 examples", r"one result per"],
    ),
    (
        "predict fn returns one number per example for a classifier",
        lambda: predict_all(build(fn=lambda exs: [e["age"] / 100 for e in exs])),
        MlnbValueError,
        [r"classification", r"list of class scores", r"set_model_type\('regression'"],
    ),
    (
        "regression fn returns two numbers per example",
        lambda: predict_all(build(set_model_type="regression")),
        MlnbValueError,
        [r"regression", r"one number per example"],
    ),
    (
        "predict fn returns text",
        lambda: predict_all(build(fn=lambda exs: [["a", "b"] for _ in exs])),
        MlnbValueError,
        [r"not a list of numbers", r"class scores per example"],
    ),
    (
        "dict result without predictions",
        lambda: predict_all(build(fn=lambda exs: {"scores": proba(exs)})),
        MlnbValueError,
        [r"'predictions'", r"scores"],
    ),
    (
        "vocab length differs from the class scores",
        lambda: predict_all(build(set_label_vocab=["a", "b", "c"])),
        MlnbValueError,
        [r"label_vocab", r"2 class scores", r"3 classes", r"set_label_vocab"],
    ),
    (
        "predict fn raises",
        lambda: predict_all(build(fn=lambda exs: 1 / 0)),
        MlnbError,
        [r"custom_predict_fn", r"ZeroDivisionError"],
    ),
    (
        "examples of mixed keys",
        lambda: WitConfigBuilder([*ROWS, {"age": 1, "y": 0}]),
        MlnbValueError,
        [r"example 3", r"lacks 'sex'", r"same features"],
    ),
    (
        "examples with an extra key",
        lambda: WitConfigBuilder([*ROWS, {"age": 1, "sex": "F", "y": 0, "z": 2}]),
        MlnbValueError,
        [r"example 3", r"'z' in addition"],
    ),
    (
        "examples of mixed forms",
        lambda: WitConfigBuilder([ROWS[0], [1, 2, 3]]),
        MlnbValueError,
        [r"example 1 is a list", r"same form"],
    ),
    (
        "a feature holding a list",
        lambda: WitConfigBuilder([{"age": [1, 2], "y": 0}]),
        MlnbValueError,
        [r"'age'", r"one value per\s+feature"],
    ),
    (
        "no examples",
        lambda: WitConfigBuilder([]),
        MlnbValueError,
        [r"examples", r"at least one"],
    ),
    (
        "examples of an unknown kind",
        lambda: WitConfigBuilder([1, 2, 3]),
        MlnbValueError,
        [r"example 0 is a int", r"dicts"],
    ),
    (
        "examples not a list",
        lambda: WitConfigBuilder("age,y"),
        MlnbValueError,
        [r"examples must be a list", r"str"],
    ),
    (
        "one example instead of a list",
        lambda: WitConfigBuilder({"age": 30, "y": 0}),
        MlnbValueError,
        [r"examples", r"column's values"],
    ),
    (
        "feature_names repeating a name",
        lambda: WitConfigBuilder([[1, 2]], feature_names=["a", "a"]),
        MlnbValueError,
        [r"feature_names repeat", r"its own name"],
    ),
    (
        "list examples of different lengths",
        lambda: WitConfigBuilder([[1, 2], [1]]),
        MlnbValueError,
        [r"example 1 has 1 values", r"same features"],
    ),
    (
        "feature_names of the wrong length",
        lambda: WitConfigBuilder([[1, 2]], feature_names=["a"]),
        MlnbValueError,
        [r"feature_names has 1 names", r"one name per value"],
    ),
    (
        "unknown target feature",
        lambda: build(set_target_feature="income"),
        MlnbValueError,
        [r"target_feature column 'income'", r"'age', 'sex', 'y'"],
    ),
    (
        "target names without a vocab",
        lambda: build(
            examples=[dict(r, y=["no", "yes"][r["y"]]) for r in ROWS],
            set_target_feature="y",
        ).to_whatif_kwargs(),
        MlnbValueError,
        [r"target_feature 'y'", r"set_label_vocab"],
    ),
    (
        "target values the vocab does not name",
        lambda: build(
            set_target_feature="y", set_label_vocab=["no"]
        ).to_whatif_kwargs(),
        MlnbValueError,
        [r"target_feature 'y'", r"label_vocab", r"class indices 0..0"],
    ),
    (
        "no predict fn",
        lambda: build(fn=None).to_whatif_kwargs(),
        MlnbValueError,
        [r"set_custom_predict_fn", r"no model"],
    ),
    (
        "predict fn not callable",
        lambda: build(fn=[[0.5, 0.5]] * 3),
        MlnbValueError,
        [r"set_custom_predict_fn", r"function", r"not its result"],
    ),
    (
        "unknown model type",
        lambda: build(set_model_type="ranking"),
        MlnbValueError,
        [r"set_model_type", r"'regression'", r"'ranking'"],
    ),
    (
        "vocab as one string",
        lambda: build(set_label_vocab="yes"),
        MlnbValueError,
        [r"set_label_vocab", r"list of class names"],
    ),
    (
        "vocab repeating a name",
        lambda: build(set_label_vocab=["a", "a"]),
        MlnbValueError,
        [r"set_label_vocab", r"repeat"],
    ),
    (
        "distance fn not callable",
        lambda: build(set_custom_distance_fn="l1"),
        MlnbValueError,
        [r"set_custom_distance_fn", r"f\(example, examples, params\)"],
    ),
    (
        "max classes not positive",
        lambda: build(set_max_classes_to_display=0),
        MlnbValueError,
        [r"set_max_classes_to_display", r"positive int"],
    ),
    (
        "an Example with several values in a feature",
        lambda: WitConfigBuilder([_tf_example(x=[1.0, 2.0])]),
        MlnbValueError,
        [r"feature 'x' of example 0 holds 2 values", r"its own feature"],
    ),
    (
        "a SequenceExample",
        lambda: WitConfigBuilder([_sequence_example()]),
        MlnbValueError,
        [r"SequenceExample", r"tf.train.Example"],
    ),
]

UNSUPPORTED = [
    ("set_inference_address", ("localhost:8500",), [r"TF Serving", r"predict_fn"]),
    ("set_model_version", ("2",), [r"TF Serving"]),
    ("set_model_signature", ("serving_default",), [r"TF Serving"]),
    ("set_uses_predict_api", (True,), [r"TF Serving"]),
    ("set_predict_input_tensor", ("x",), [r"TF Serving"]),
    ("set_predict_output_tensor", ("y",), [r"TF Serving"]),
    ("set_compare_inference_address", ("h:1",), [r"set_compare_custom_predict_fn"]),
    ("set_compare_model_version", ("1",), [r"set_compare_custom_predict_fn"]),
    ("set_compare_model_signature", ("s",), [r"set_compare_custom_predict_fn"]),
    (
        "set_estimator_and_feature_spec",
        (object(), {}),
        [r"tf.estimator was removed", r"set_custom_predict_fn", r"Keras"],
    ),
    (
        "set_compare_estimator_and_feature_spec",
        (object(), {}),
        [r"tf.estimator", r"set_compare_custom_predict_fn", r"compare="],
    ),
    (
        "set_ai_platform_model",
        ("project", "model"),
        [r"cloud-hosted", r"set_custom_predict_fn", r"Endpoint"],
    ),
    ("set_uai_platform_model", ("p", "m", "us-central1"), [r"set_custom_predict_fn"]),
    ("set_compare_ai_platform_model", ("p", "m"), [r"set_compare_custom_predict_fn"]),
    (
        "set_compare_uai_platform_model",
        ("p", "m", "l"),
        [r"set_compare_custom_predict_fn"],
    ),
]


NEEDS_TF = {"an Example with several values in a feature", "a SequenceExample"}


@pytest.mark.parametrize(
    ("action", "error", "patterns"),
    [
        pytest.param(
            a,
            e,
            p,
            id=i,
            marks=[pytest.mark.extra("tensorflow")] if i in NEEDS_TF else [],
        )
        for i, a, e, p in BAD
    ],
)
def test_bad_input(action, error, patterns):
    with pytest.raises(error) as info:
        action()
    msg = str(info.value)
    for pat in patterns:
        assert re.search(pat, msg), (pat, msg)


@pytest.mark.parametrize(
    ("setter", "args", "patterns"),
    [pytest.param(s, a, p, id=s) for s, a, p in UNSUPPORTED],
)
def test_unsupported_setters_say_what_to_use(setter, args, patterns):
    b = build()
    with pytest.raises(MlnbError) as info:
        getattr(b, setter)(*args)
    msg = str(info.value)
    assert f"WitConfigBuilder.{setter}() is not supported" in msg
    for pat in patterns:
        assert re.search(pat, msg), (pat, msg)
    assert getattr(WitConfigBuilder, setter).__doc__.startswith("Not supported")


def test_a_bad_call_leaves_the_builder_as_it_was():
    b = build(set_target_feature="y")
    with pytest.raises(MlnbValueError):
        b.set_target_feature("nope")
    with pytest.raises(MlnbValueError):
        b.set_examples([{"a": 1}, {"b": 2}])
    assert b.to_whatif_kwargs()["label"] == "y"
    np.testing.assert_allclose(predict_all(b), [0.3, 0.5, 0.4])


def test_nan_scores_are_caught():
    b = build(fn=lambda exs: [[np.nan, np.nan] for _ in exs])
    with pytest.raises(MlnbValueError, match="NaN"):
        predict_all(b)


def test_user_frame_is_not_modified_by_vocab_mapping():
    frame = pd.DataFrame(ROWS)
    before = frame.copy()
    kw = (
        WitConfigBuilder(frame)
        .set_custom_predict_fn(proba)
        .set_target_feature("y")
        .set_label_vocab(["no", "yes"])
        .to_whatif_kwargs()
    )
    assert kw["data"]["y"].tolist() == ["no", "yes", "yes"]
    pd.testing.assert_frame_equal(frame, before)
