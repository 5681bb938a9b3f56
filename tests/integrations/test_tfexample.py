"""tf.train.Example protos to a DataFrame and back (mlnb.integrations.tfexample)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from mlnb.errors import MlnbValueError

pytestmark = pytest.mark.extra("tensorflow")


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def te():
    from mlnb.integrations import tfexample

    return tfexample


def example(tf, **features):
    ex = tf.train.Example()
    for name, (kind, values) in features.items():
        getattr(ex.features.feature[name], kind).value.extend(values)
    return ex


def test_kinds_become_python_values_and_round_trip(tf, te):
    exs = [
        example(
            tf,
            age=("int64_list", [39]),
            hours=("float_list", [40.5]),
            sex=("bytes_list", [b"Male"]),
            raw=("bytes_list", [b"\xff\xfe"]),
        ),
        example(
            tf,
            age=("int64_list", [50]),
            hours=("float_list", [13.0]),
            sex=("bytes_list", ["Zoë".encode()]),
            raw=("bytes_list", [b"ok"]),
        ),
    ]
    frame, schema = te.examples_to_frame(exs)
    assert frame["age"].tolist() == [39, 50] and frame["age"].dtype == np.int64
    assert frame["hours"].tolist() == [40.5, 13.0]
    assert frame["sex"].tolist() == ["Male", "Zoë"]
    assert frame["raw"].tolist() == [b"\xff\xfe", "ok"]  # not UTF-8: stays bytes
    assert schema.kinds == {
        "age": "int64_list",
        "hours": "float_list",
        "raw": "bytes_list",
        "sex": "bytes_list",
    }
    back = te.frame_to_examples(frame, schema)
    assert back == exs
    assert all(isinstance(b, tf.train.Example) for b in back)


def test_sparse_features_are_missing_values_and_stay_out_of_the_protos(tf, te):
    exs = [
        example(tf, a=("int64_list", [1]), b=("float_list", [2.0])),
        example(tf, a=("int64_list", [3])),
        example(tf, b=("float_list", [4.0])),
    ]
    frame, schema = te.examples_to_frame(exs)
    assert frame["a"].dtype == "Int64"  # ints with a gap stay ints
    assert frame["a"].isna().tolist() == [False, False, True]
    assert np.isnan(frame["b"][1])
    assert te.frame_to_examples(frame, schema) == exs


def test_new_columns_and_edits_take_a_kind_from_their_values(tf, te):
    frame, schema = te.examples_to_frame([example(tf, a=("float_list", [1.0]))])
    edited = frame.assign(a=[2.5], n=[np.int64(7)], flag=[True], s=["x"])
    (ex,) = te.frame_to_examples(edited, schema)
    f = ex.features.feature
    assert list(f["a"].float_list.value) == [2.5]
    assert list(f["n"].int64_list.value) == [7]
    assert list(f["flag"].int64_list.value) == [1]
    assert list(f["s"].bytes_list.value) == [b"x"]


def test_an_empty_feature_is_a_missing_value(tf, te):
    ex = tf.train.Example()
    ex.features.feature["a"].float_list.SetInParent()  # kind set, no value
    ex.features.feature["b"].int64_list.value.append(1)
    frame, _ = te.examples_to_frame([ex])
    assert pd.isna(frame["a"][0]) and frame["b"][0] == 1


def test_detection_does_not_need_tensorflow_objects(tf, te):
    assert te.is_tf_example(tf.train.Example())
    assert not te.is_tf_example({"a": 1})
    assert te.is_sequence_example(tf.train.SequenceExample())
    assert not te.is_sequence_example(tf.train.Example())


BAD = [
    (
        "several values in a feature",
        lambda tf: [example(tf, x=("float_list", [1.0, 2.0]))],
        [r"feature 'x' of example 0 holds 2 values", r"x_0"],
    ),
    (
        "a feature of two kinds",
        lambda tf: [
            example(tf, x=("float_list", [1.0])),
            example(tf, x=("int64_list", [1])),
        ],
        [r"feature 'x'", r"example 1", r"one kind"],
    ),
    (
        "a SequenceExample",
        lambda tf: [tf.train.SequenceExample()],
        [r"example 0 is a tf.train.SequenceExample", r"flatten"],
    ),
    (
        "something else among Examples",
        lambda tf: [tf.train.Example(), {"x": 1}],
        [r"example 1 is a dict", r"tf.train.Example"],
    ),
    ("no examples", lambda tf: [], [r"no examples", r"non-empty"]),
]


@pytest.mark.parametrize(
    ("make", "patterns"), [pytest.param(m, p, id=i) for i, m, p in BAD]
)
def test_bad_examples(tf, te, make, patterns):
    with pytest.raises(MlnbValueError) as info:
        te.examples_to_frame(make(tf), argument="examples")
    msg = str(info.value)
    assert msg.startswith("examples:")
    for pat in patterns:
        assert re.search(pat, msg), (pat, msg)


def test_a_fractional_edit_of_an_int_feature_is_refused(tf, te):
    frame, schema = te.examples_to_frame([example(tf, n=("int64_list", [1]))])
    with pytest.raises(MlnbValueError, match=r"'n' is an int64 feature.*whole number"):
        te.frame_to_examples(frame.assign(n=[1.5]), schema)
