"""The Vertex AI catalog's checks, table-driven: what the launcher will refuse, and
that each message names the argument and the fix (the valid choices)."""

from __future__ import annotations

import numpy as np
import pytest

from mlnb.errors import MlnbValueError
from mlnb.runtime.training import check_accelerator, valid_accelerators
from mlnb.runtime.training import vertex_catalog as catalog

BAD = [
    # (machine_type, accelerator_type, count, words the message must hold)
    (
        "n1-standard-5",
        "NVIDIA_TESLA_T4",
        1,
        ["machine_type", "'n1-standard-5'", "n1-standard-4", "machine_types()"],
    ),
    ("", None, 0, ["machine_type", "'n1-standard-8'"]),
    (None, None, 0, ["machine_type", "None"]),
    (
        "n1-standard-4",
        "NVIDIA_L4",
        1,
        [
            "accelerator_type NVIDIA_L4",
            "'n1-standard-4'",
            "valid there: NVIDIA_TESLA_P100 × 1, 2, 4",
            "g2-standard-4",
        ],
    ),
    (
        "e2-standard-4",
        "NVIDIA_TESLA_T4",
        1,
        ["accelerator_type", "CPU-only", "n1-standard-4"],
    ),
    (
        "g2-standard-8",
        "NVIDIA_TESLA_A100",
        1,
        ["NVIDIA_TESLA_A100", "NVIDIA_L4 × 1", "a2-highgpu-1g"],
    ),
    (
        "n1-standard-4",
        "NVIDIA_TESLA_T4",
        3,
        ["accelerator_count=3", "NVIDIA_TESLA_T4", "allowed: 1, 2, 4"],
    ),
    ("n1-standard-32", "NVIDIA_TESLA_T4", 1, ["accelerator_count=1", "allowed: 2, 4"]),
    (
        "n1-standard-4",
        "NVIDIA_TESLA_T4",
        0,
        ["accelerator_count=0", "allowed: 1, 2, 4"],
    ),
    ("a2-highgpu-2g", "NVIDIA_TESLA_A100", 1, ["accelerator_count=1", "allowed: 2"]),
    ("g2-standard-24", "NVIDIA_L4", 1, ["accelerator_count=1", "allowed: 2"]),
    (
        "n1-standard-4",
        None,
        2,
        ["accelerator_count=2", "accelerator_type", "NVIDIA_TESLA_T4 × 1, 2, 4"],
    ),
    ("e2-standard-4", None, 1, ["accelerator_count=1", "none (CPU only)"]),
    (
        "a2-highgpu-1g",
        None,
        0,
        ["'a2-highgpu-1g'", "accelerator_type", "NVIDIA_TESLA_A100 × 1"],
    ),
    (
        "n1-standard-4",
        "GTX_1080",
        1,
        ["accelerator_type 'GTX_1080'", "NVIDIA_TESLA_T4", "TPU_V3"],
    ),
    ("n1-standard-4", 5, 1, ["accelerator_type", "'NVIDIA_TESLA_T4'", "5"]),
    ("n1-standard-4", "NVIDIA_TESLA_T4", -1, ["accelerator_count", ">= 0", "-1"]),
    (
        "n1-standard-4",
        "NVIDIA_TESLA_T4",
        1.5,
        ["accelerator_count", "whole number", "1.5"],
    ),
    (
        "n1-standard-4",
        "NVIDIA_TESLA_T4",
        True,
        ["accelerator_count", "whole number", "True"],
    ),
]


@pytest.mark.parametrize(("machine", "accel", "count", "words"), BAD)
def test_bad_combinations_name_the_argument_and_the_valid_ones(
    machine, accel, count, words
):
    with pytest.raises(MlnbValueError) as info:
        check_accelerator(machine, accel, count)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    assert isinstance(info.value, ValueError)


GOOD = [
    (("n1-standard-4", "NVIDIA_TESLA_T4", 1), ("n1-standard-4", "NVIDIA_TESLA_T4", 1)),
    (
        ("N1-Standard-8", "nvidia-tesla-v100", 8),
        ("n1-standard-8", "NVIDIA_TESLA_V100", 8),
    ),
    (("n1-standard-4", None, 0), ("n1-standard-4", None, 0)),
    (("e2-standard-4",), ("e2-standard-4", None, 0)),
    (("n1-standard-4", "", 0), ("n1-standard-4", None, 0)),
    (
        ("a2-ultragpu-8g", "NVIDIA_A100_80GB", 8),
        ("a2-ultragpu-8g", "NVIDIA_A100_80GB", 8),
    ),
    (
        ("a3-highgpu-8g", "NVIDIA_H100_80GB", np.int64(8)),
        ("a3-highgpu-8g", "NVIDIA_H100_80GB", 8),
    ),
    (("g2-standard-48", "NVIDIA_L4", 4), ("g2-standard-48", "NVIDIA_L4", 4)),
    (
        ("ct5lp-hightpu-4t", "TPU_V5_LITEPOD", 4),
        ("ct5lp-hightpu-4t", "TPU_V5_LITEPOD", 4),
    ),
]


@pytest.mark.parametrize(("args", "expected"), GOOD)
def test_valid_combinations_come_back_normalised(args, expected):
    result = check_accelerator(*args)
    assert result == expected
    assert type(result[2]) is int


def test_every_row_of_the_table_passes_its_own_check():
    checked = 0
    for machine in catalog.machine_types():
        for accel, counts in valid_accelerators(machine).items():
            for count in counts:
                assert check_accelerator(machine, accel, count) == (
                    machine,
                    accel,
                    count,
                )
                checked += 1
    assert checked > 100


def test_valid_accelerators_and_machine_types():
    assert valid_accelerators("e2-standard-4") == {}
    assert valid_accelerators("a2-highgpu-4g") == {"NVIDIA_TESLA_A100": (4,)}
    assert valid_accelerators("n1-standard-96") == {
        "NVIDIA_TESLA_P4": (4,),
        "NVIDIA_TESLA_T4": (4,),
        "NVIDIA_TESLA_V100": (8,),
    }
    l4 = catalog.machine_types(accelerator_type="nvidia-l4")
    assert l4[:3] == ("g2-standard-4", "g2-standard-8", "g2-standard-12")  # natural
    with pytest.raises(MlnbValueError, match="machine_type"):
        valid_accelerators("x1-huge")


def test_catalog_frame_carries_source_and_date():
    frame = catalog.catalog_frame()
    assert set(frame["source_date"]) == {catalog.SOURCE_DATE}
    assert frame["source"].str.contains("configure-compute").all()
    t4 = frame[
        (frame.machine_type == "n1-standard-16")
        & (frame.accelerator_type == "NVIDIA_TESLA_T4")
    ]
    assert list(t4["counts"]) == [(1, 2, 4)]
    cpu = frame[frame.accelerator_type.isna()]
    assert "e2-standard-4" in set(cpu.machine_type)
    assert "a2-highgpu-1g" not in set(cpu.machine_type)  # never CPU-only


def test_accelerator_names_match_the_local_vertex_server():
    from vertexserver import ACCELERATOR_TYPES as SERVER

    assert set(catalog.ACCELERATOR_TYPES) <= set(SERVER)


@pytest.mark.extra("vertex", module="google.cloud.aiplatform")
def test_accelerator_names_are_the_sdks_enum_names():
    """The independent oracle: the SDK's own AcceleratorType enum."""
    from google.cloud.aiplatform_v1.types import AcceleratorType

    names = {a.name for a in AcceleratorType}
    assert set(catalog.ACCELERATOR_TYPES) <= names
    from vertexserver import ACCELERATOR_TYPES as SERVER

    for name, number in SERVER.items():
        assert AcceleratorType[name].value == number
