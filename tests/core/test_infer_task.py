"""One rule for the task a label implies (mlnb.core.labels.infer_task), used by
baselines, prototype and diagnose alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import FunctionTransformer

from mlnb.checks.accuracy.inputs import _task
from mlnb.checks.prototype.run import _infer_task
from mlnb.core.labels import MAX_CLASSES_INFERRED, infer_task
from mlnb.errors import DataValidationError

CASES = [
    (np.array([True, False, True]), "binary"),
    (np.array([0, 1, 1, 0]), "binary"),
    (np.array([1.0, 2.0, 3.0]), "multiclass"),
    (np.array(["a", "b", "c", "a"], dtype=object), "multiclass"),
    (np.array([0.5, 1.0]), "regression"),
    (np.arange(MAX_CLASSES_INFERRED + 1), "regression"),
    (np.arange(MAX_CLASSES_INFERRED), "multiclass"),
]


@pytest.mark.parametrize("y,task", CASES)
def test_every_reader_applies_the_same_rule(y, task):
    assert infer_task(y)[0] == task
    assert _infer_task(pd.Series(y), "y") == task
    # an estimator that is neither classifier nor regressor: the label decides
    assert _task(FunctionTransformer(), y) == task


def test_split_parts_are_counted_together():
    assert infer_task(np.arange(12), np.arange(12, 24))[0] == "regression"
    assert infer_task(np.array([0, 1]), np.array([2]))[0] == "multiclass"


def test_nullable_and_string_dtypes_give_the_same_task():
    assert _infer_task(pd.Series([0, 1, 1], dtype="Int64"), "y") == "binary"
    assert _infer_task(pd.Series([True, False], dtype="boolean"), "y") == "binary"
    assert _infer_task(pd.Series(["a", "b", "c"], dtype="string"), "y") == "multiclass"


def test_too_many_string_classes_names_the_column():
    y = pd.Series([f"id{i}" for i in range(150)])
    with pytest.raises(
        DataValidationError, match="label column 'uid'.*task='regression'"
    ):
        _infer_task(y, "uid")
