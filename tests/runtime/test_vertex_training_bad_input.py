"""Bad input to the Vertex AI training backend, table-driven: each case raises
MlnbValueError naming the argument and the fix, before anything reaches Vertex AI."""

from __future__ import annotations

import numpy as np
import pytest

from mlnb.errors import MlnbValueError
from mlnb.runtime.training.space import search_space
from mlnb.runtime.training.spec import LaunchSpec

pytestmark = pytest.mark.extra("vertex", module="google.cloud.aiplatform")


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "train.py"
    path.write_text("print('x')\n", encoding="utf-8")
    return path


def spec_for(script, **kw):
    base = {
        "target": str(script),
        "kind": "script",
        "backend": "vertex",
        "name": "train",
        "image": "training-image:1.0",
        "machine_type": "n1-standard-8",
    }
    return LaunchSpec(**(base | kw))


START_CASES = [
    # (id, spec changes or a non-spec, words the message must hold)
    ("not a spec", "not-a-spec", ["LaunchSpec", "mlnb.train.launch"]),
    ("no image", {"image": None}, ["image=", "Prebuilt containers for custom"]),
    (
        "a callable",
        {"kind": "callable", "target": "mod:fn"},
        ["script file", ".py file"],
    ),
    ("no script", {"target": "/nonexistent/train.py"}, ["target", "does not exist"]),
    (
        "trials without a range",
        {"max_trials": 3, "hyperparameters": search_space({"seed": 1})},
        ["max_trials=3", "range", "max_trials=1"],
    ),
    (
        "a search without a metric",
        {"max_trials": 3, "hyperparameters": search_space({"lr": (0.1, 1.0)})},
        ["metric=", "mlnb.train.report"],
    ),
    (
        "an accelerator the machine lacks",
        {"accelerator_type": "NVIDIA_L4", "accelerator_count": 1},
        ["accelerator_type NVIDIA_L4", "valid there", "g2-standard-8"],
    ),
    (
        "a count not allowed",
        {"accelerator_type": "NVIDIA_TESLA_T4", "accelerator_count": 3},
        ["accelerator_count=3", "allowed: 1, 2, 4"],
    ),
    (
        "a bucket that is not Cloud Storage",
        {"staging_bucket": "/tmp/bucket"},
        ["staging_bucket", "gs://my-bucket"],
    ),
]


@pytest.mark.parametrize(
    "changes, words", [c[1:] for c in START_CASES], ids=[c[0] for c in START_CASES]
)
def test_start_refuses(vertex_sdk, vertex_server, script, changes, words):
    from mlnb.integrations.vertex_training import start

    spec = changes if isinstance(changes, str) else spec_for(script, **changes)
    with pytest.raises(MlnbValueError) as info:
        start(spec, poll_interval=0.01)
    for word in words:
        assert word in str(info.value)
    assert vertex_server.requests == []


AUTOML_CASES = [
    # (id, keyword arguments, words the message must hold)
    (
        "an unknown objective",
        {"objective": "maximize-accuracy"},
        ["objective 'maximize-accuracy'", "maximize-au-prc", "minimize-rmse"],
    ),
    (
        "an objective for the other type",
        {"objective": "minimize-rmse", "prediction_type": "classification"},
        ["is for regression", "maximize-au-roc"],
    ),
    (
        "an objective that is not text",
        {"objective": 3},
        ["objective must be", "'maximize-au-prc'"],
    ),
    ("a budget under an hour", {"budget_hours": 0.5}, ["budget_hours", "1 and 72"]),
    ("a budget over 72 hours", {"budget_hours": 73}, ["budget_hours", "1 and 72"]),
    ("a NaN budget", {"budget_hours": float("nan")}, ["budget_hours", "1 and 72"]),
    ("a boolean budget", {"budget_hours": True}, ["budget_hours", "1 and 72"]),
    ("a budget as text", {"budget_hours": "2"}, ["budget_hours", "1 and 72"]),
    ("no target column", {"target_column": None}, ["target_column", "label column"]),
    ("a numbered target", {"target_column": 3}, ["target_column", "(text)"]),
    ("a number as dataset", {"dataset": 42}, ["dataset must be", "gs://", "bq://"]),
    ("an s3 dataset", {"dataset": "s3://x/y.csv"}, ["dataset must be", "gs://"]),
    (
        "a bad transformation",
        {"column_specs": {"a": "float"}},
        ["column_specs['a']", "numeric"],
    ),
    (
        "only the target as feature",
        {"column_specs": {"y": "auto"}},
        ["column_specs", "feature column"],
    ),
    ("column specs as text", {"column_specs": "a"}, ["column_specs must be"]),
    (
        "a recall for another objective",
        {"objective": "maximize-au-prc", "recall_value": 0.8},
        ["recall_value only applies", "maximize-precision-at-recall"],
    ),
    (
        "precision at recall without the recall",
        {"objective": "maximize-precision-at-recall"},
        ["needs recall_value=", "recall_value=0.9"],
    ),
    (
        "a recall above 1",
        {"objective": "maximize-precision-at-recall", "recall_value": 1.5},
        ["recall_value must be", "(0, 1]"],
    ),
    (
        "an unknown prediction type",
        {"prediction_type": "binary"},
        ["prediction_type must be one of", "'classification'"],
    ),
    (
        "no type, objective or step-4 record",
        {"prediction_type": None},
        ["prediction_type is needed", "mlnb.imbalance"],
    ),
]


@pytest.mark.parametrize(
    "kwargs, words", [c[1:] for c in AUTOML_CASES], ids=[c[0] for c in AUTOML_CASES]
)
def test_automl_refuses(vertex_sdk, vertex_server, kwargs, words):
    from mlnb.integrations.vertex_training import automl_tabular

    args = {
        "dataset": "gs://b/train.csv",
        "target_column": "y",
        "column_specs": ["a", "b"],
        "prediction_type": "classification",
    } | kwargs
    with pytest.raises(MlnbValueError) as info:
        automl_tabular(args.pop("dataset"), **args)
    for word in words:
        assert word in str(info.value)
    assert vertex_server.requests == []


def test_a_binary_objective_for_a_multiclass_label_is_refused(
    vertex_sdk, vertex_server
):
    import mlnb
    from mlnb.integrations.vertex_training import automl_tabular

    mlnb.imbalance(np.array([0] * 40 + [1] * 30 + [2] * 30))
    with pytest.raises(MlnbValueError) as info:
        automl_tabular(
            "gs://b/train.csv",
            target_column="y",
            objective="maximize-au-prc",
            column_specs=["a"],
        )
    assert "3 classes" in str(info.value)
    assert "minimize-log-loss" in str(info.value)
    assert vertex_server.requests == []
