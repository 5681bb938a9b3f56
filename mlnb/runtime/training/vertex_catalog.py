"""What Vertex AI custom training offers: machine types × accelerator types × the
accelerator counts allowed on each, as a table — no SDK, no network.

Source
------
Vertex AI documentation, "Configure compute resources for custom training"
(https://cloud.google.com/vertex-ai/docs/training/configure-compute), sections
"Machine types" and "GPUs" (the GPU compatibility table), together with its
Compute Engine counterpart "GPU machine types"
(https://cloud.google.com/compute/docs/gpus) for the accelerator-optimized A2, A3,
A4 and G2 series, whose GPU count is fixed by the machine type. Written
2026-12-02 (:data:`SOURCE_DATE`). Vertex AI adds machine types over time and not
every region has every accelerator: a combination missing here is refused by
:func:`check_accelerator`; tell us, or pass ``check=False`` where the launcher
allows it.

Names are the ``AcceleratorType`` enum names of the Vertex AI v1 API
(``NVIDIA_TESLA_T4``); lower-case or dashed spellings (``nvidia-tesla-t4``) are
accepted and normalised.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ...errors import MlnbValueError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "SOURCE",
    "SOURCE_DATE",
    "ACCELERATOR_TYPES",
    "CPU_MACHINE_TYPES",
    "GPU_MACHINE_TYPES",
    "machine_types",
    "valid_accelerators",
    "check_accelerator",
    "catalog_frame",
]

SOURCE = (
    'Vertex AI docs, "Configure compute resources for custom training" '
    "(https://cloud.google.com/vertex-ai/docs/training/configure-compute), "
    "GPUs table; accelerator-optimized series from Compute Engine "
    '"GPU machine types" (https://cloud.google.com/compute/docs/gpus)'
)
SOURCE_DATE = "2026-12-02"

#: AcceleratorType enum names (Vertex AI v1) -> what they are.
ACCELERATOR_TYPES = MappingProxyType(
    {
        "NVIDIA_TESLA_P4": "NVIDIA P4 (8 GB)",
        "NVIDIA_TESLA_P100": "NVIDIA P100 (16 GB)",
        "NVIDIA_TESLA_V100": "NVIDIA V100 (16 GB)",
        "NVIDIA_TESLA_T4": "NVIDIA T4 (16 GB)",
        "NVIDIA_TESLA_A100": "NVIDIA A100 (40 GB)",
        "NVIDIA_A100_80GB": "NVIDIA A100 (80 GB)",
        "NVIDIA_L4": "NVIDIA L4 (24 GB)",
        "NVIDIA_H100_80GB": "NVIDIA H100 (80 GB)",
        "NVIDIA_H100_MEGA_80GB": "NVIDIA H100 Mega (80 GB)",
        "NVIDIA_H200_141GB": "NVIDIA H200 (141 GB)",
        "NVIDIA_B200": "NVIDIA B200 (180 GB)",
        "TPU_V2": "Cloud TPU v2",
        "TPU_V3": "Cloud TPU v3",
        "TPU_V5_LITEPOD": "Cloud TPU v5e",
    }
)

_P4 = "NVIDIA_TESLA_P4"
_P100 = "NVIDIA_TESLA_P100"
_T4 = "NVIDIA_TESLA_T4"
_V100 = "NVIDIA_TESLA_V100"


def _n1(p4: tuple, p100: tuple, t4: tuple, v100: tuple) -> dict[str, tuple]:
    """One N1 row of the GPUs table (an empty tuple: not offered)."""
    row = {_P4: p4, _P100: p100, _T4: t4, _V100: v100}
    return {k: v for k, v in row.items() if v}


_SMALL = _n1((1, 2, 4), (1, 2, 4), (1, 2, 4), (1, 2, 4, 8))
_MID = _n1((1, 2, 4), (1, 2, 4), (1, 2, 4), (2, 4, 8))
_LARGE = _n1((2, 4), (2, 4), (2, 4), (4, 8))
_HUGE = _n1((4,), (), (4,), (8,))

_TABLE: dict[str, dict[str, tuple[int, ...]]] = {
    # N1 general-purpose machines take attached GPUs (counts bounded by vCPUs)
    "n1-standard-4": _SMALL,
    "n1-standard-8": _SMALL,
    "n1-standard-16": _MID,
    "n1-standard-32": _LARGE,
    "n1-standard-64": _HUGE,
    "n1-standard-96": _HUGE,
    "n1-highmem-2": _SMALL,
    "n1-highmem-4": _SMALL,
    "n1-highmem-8": _SMALL,
    "n1-highmem-16": _MID,
    "n1-highmem-32": _LARGE,
    "n1-highmem-64": _HUGE,
    "n1-highmem-96": _HUGE,
    "n1-highcpu-16": _MID,
    "n1-highcpu-32": _LARGE,
    "n1-highcpu-64": _n1((4,), (4,), (4,), (8,)),
    "n1-highcpu-96": _HUGE,
    # accelerator-optimized machines: the GPU and its count come with the machine
    "g2-standard-4": {"NVIDIA_L4": (1,)},
    "g2-standard-8": {"NVIDIA_L4": (1,)},
    "g2-standard-12": {"NVIDIA_L4": (1,)},
    "g2-standard-16": {"NVIDIA_L4": (1,)},
    "g2-standard-24": {"NVIDIA_L4": (2,)},
    "g2-standard-32": {"NVIDIA_L4": (1,)},
    "g2-standard-48": {"NVIDIA_L4": (4,)},
    "g2-standard-96": {"NVIDIA_L4": (8,)},
    "a2-highgpu-1g": {"NVIDIA_TESLA_A100": (1,)},
    "a2-highgpu-2g": {"NVIDIA_TESLA_A100": (2,)},
    "a2-highgpu-4g": {"NVIDIA_TESLA_A100": (4,)},
    "a2-highgpu-8g": {"NVIDIA_TESLA_A100": (8,)},
    "a2-megagpu-16g": {"NVIDIA_TESLA_A100": (16,)},
    "a2-ultragpu-1g": {"NVIDIA_A100_80GB": (1,)},
    "a2-ultragpu-2g": {"NVIDIA_A100_80GB": (2,)},
    "a2-ultragpu-4g": {"NVIDIA_A100_80GB": (4,)},
    "a2-ultragpu-8g": {"NVIDIA_A100_80GB": (8,)},
    "a3-highgpu-1g": {"NVIDIA_H100_80GB": (1,)},
    "a3-highgpu-2g": {"NVIDIA_H100_80GB": (2,)},
    "a3-highgpu-4g": {"NVIDIA_H100_80GB": (4,)},
    "a3-highgpu-8g": {"NVIDIA_H100_80GB": (8,)},
    "a3-megagpu-8g": {"NVIDIA_H100_MEGA_80GB": (8,)},
    "a3-ultragpu-8g": {"NVIDIA_H200_141GB": (8,)},
    "a4-highgpu-8g": {"NVIDIA_B200": (8,)},
    # TPUs
    "cloud-tpu": {"TPU_V2": (8,), "TPU_V3": (8,)},
    "ct5lp-hightpu-1t": {"TPU_V5_LITEPOD": (1,)},
    "ct5lp-hightpu-4t": {"TPU_V5_LITEPOD": (4,)},
    "ct5lp-hightpu-8t": {"TPU_V5_LITEPOD": (8,)},
}

#: machine type -> {accelerator type -> allowed counts} (read-only).
GPU_MACHINE_TYPES = MappingProxyType(
    {m: MappingProxyType(dict(row)) for m, row in _TABLE.items()}
)

#: Machine types without accelerators (CPU-only training).
CPU_MACHINE_TYPES: tuple[str, ...] = (
    *(f"e2-standard-{n}" for n in (4, 8, 16, 32)),
    *(f"e2-highmem-{n}" for n in (2, 4, 8, 16)),
    *(f"e2-highcpu-{n}" for n in (16, 32)),
    *(f"n2-standard-{n}" for n in (4, 8, 16, 32, 48, 64, 80)),
    *(f"n2-highmem-{n}" for n in (2, 4, 8, 16, 32, 48, 64, 80)),
    *(f"n2-highcpu-{n}" for n in (16, 32, 48, 64, 80)),
    *(f"n1-standard-{n}" for n in (4, 8, 16, 32, 64, 96)),
    *(f"n1-highmem-{n}" for n in (2, 4, 8, 16, 32, 64, 96)),
    *(f"n1-highcpu-{n}" for n in (16, 32, 64, 96)),
    *(f"c2-standard-{n}" for n in (4, 8, 16, 30, 60)),
    "m1-ultramem-40",
    "m1-ultramem-80",
    "m1-ultramem-160",
    "m1-megamem-96",
)

#: Machines whose accelerator comes with them (it must be named, with its count).
_BUNDLED = tuple(m for m in _TABLE if not m.startswith("n1-"))


def machine_types(*, accelerator_type: str | None = None) -> tuple[str, ...]:
    """Every machine type Vertex AI custom training offers, sorted; with
    ``accelerator_type``, only those that take it."""
    if accelerator_type is not None:
        accel = _accelerator_name(accelerator_type)
        return tuple(sorted((m for m, r in _TABLE.items() if accel in r), key=_natural))
    return tuple(sorted(set(CPU_MACHINE_TYPES) | set(_TABLE), key=_natural))


def _natural(name: str) -> tuple:
    """Sort key: ``g2-standard-4`` before ``g2-standard-12``."""
    head, _, tail = name.rpartition("-")
    digits = "".join(ch for ch in tail if ch.isdigit())
    return (head, int(digits) if digits else 0, tail)


def valid_accelerators(machine_type: str) -> dict[str, tuple[int, ...]]:
    """``{accelerator type: allowed counts}`` for ``machine_type`` (empty for a
    CPU-only machine type).

    Raises
    ------
    MlnbValueError
        ``machine_type`` is not a Vertex AI training machine type (the message
        lists the ones with accelerators).

    Examples
    --------
    >>> valid_accelerators("g2-standard-24")
    {'NVIDIA_L4': (2,)}
    >>> valid_accelerators("n1-standard-32")["NVIDIA_TESLA_T4"]
    (2, 4)
    """
    machine = _machine_name(machine_type)
    return dict(_TABLE.get(machine, {}))


def check_accelerator(
    machine_type: str, accelerator_type: str | None = None, count: int = 0
) -> tuple[str, str | None, int]:
    """Check that Vertex AI offers ``count`` × ``accelerator_type`` on
    ``machine_type``; return the normalised ``(machine_type, accelerator_type,
    count)`` (``accelerator_type`` None and ``count`` 0 for CPU-only).

    Parameters
    ----------
    machine_type:
        A Vertex AI training machine type (``"n1-standard-8"``).
    accelerator_type:
        An ``AcceleratorType`` name (``"NVIDIA_TESLA_T4"``), or None for none.
        Accelerator-optimized machines (``a2-``, ``a3-``, ``a4-``, ``g2-``, TPU
        hosts) need theirs named.
    count:
        How many accelerators per replica.

    Raises
    ------
    MlnbValueError
        An unknown machine or accelerator type; an accelerator not offered on the
        machine (the message lists the valid ones there, and the machines that do
        take it); a count not allowed (the message lists the allowed counts);
        a count without an accelerator, or an accelerator without a count.

    Examples
    --------
    >>> check_accelerator("n1-standard-4", "nvidia-tesla-t4", 2)
    ('n1-standard-4', 'NVIDIA_TESLA_T4', 2)
    """
    machine = _machine_name(machine_type)
    offered = _TABLE.get(machine, {})
    count = _count(count)
    if accelerator_type is None or accelerator_type == "":
        if count:
            raise MlnbValueError(
                f"accelerator_count={count} needs an accelerator_type; on "
                f"{machine} choose one of: {_describe(offered) or 'none (CPU only)'}"
            )
        if machine in _BUNDLED:
            raise MlnbValueError(
                f"machine_type {machine!r} comes with accelerators: pass "
                f"accelerator_type and accelerator_count, one of: {_describe(offered)}"
            )
        return machine, None, 0
    accel = _accelerator_name(accelerator_type)
    if accel not in offered:
        there = _describe(offered) or "none (a CPU-only machine type)"
        elsewhere = ", ".join(machine_types(accelerator_type=accel)) or "none"
        raise MlnbValueError(
            f"accelerator_type {accel} is not offered on machine_type {machine!r}; "
            f"valid there: {there}. Machine types with {accel}: {elsewhere}"
        )
    allowed = offered[accel]
    if count not in allowed:
        raise MlnbValueError(
            f"accelerator_count={count} is not allowed for {accel} on {machine}; "
            f"allowed: {', '.join(map(str, allowed))}"
        )
    return machine, accel, count


def catalog_frame() -> pd.DataFrame:
    """The table as a :class:`pandas.DataFrame`: one row per machine type and
    accelerator type, with ``counts`` (tuple), ``description`` and ``source`` /
    ``source_date`` columns; CPU-only machine types with ``accelerator_type``
    None."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for machine in machine_types():
        offered = _TABLE.get(machine)
        if machine in CPU_MACHINE_TYPES:
            rows.append(_row(machine, None, (0,)))
        for accel, counts in (offered or {}).items():
            rows.append(_row(machine, accel, counts))
    return pd.DataFrame(rows)


def _row(machine: str, accel: str | None, counts: tuple) -> dict[str, Any]:
    return {
        "machine_type": machine,
        "accelerator_type": accel,
        "counts": counts,
        "description": ACCELERATOR_TYPES.get(accel, "CPU only")
        if accel
        else "CPU only",
        "source": SOURCE,
        "source_date": SOURCE_DATE,
    }


def _describe(offered: Any) -> str:
    return "; ".join(
        f"{a} × {', '.join(map(str, c))}" for a, c in sorted(offered.items())
    )


def _machine_name(machine_type: Any) -> str:
    if not isinstance(machine_type, str) or not machine_type.strip():
        raise MlnbValueError(
            f"machine_type must be a Vertex AI machine type name such as "
            f"'n1-standard-8'; got {machine_type!r}"
        )
    machine = machine_type.strip().lower()
    if machine not in _TABLE and machine not in CPU_MACHINE_TYPES:
        raise MlnbValueError(
            f"machine_type {machine_type!r} is not a Vertex AI training machine type "
            f"(as of {SOURCE_DATE}); with accelerators: "
            f"{', '.join(sorted(_TABLE, key=_natural))}; "
            "CPU only: e2-, n2-, n1-, c2- and m1- types (mlnb.runtime.training."
            "vertex_catalog.machine_types() lists them all)"
        )
    return machine


def _accelerator_name(accelerator_type: Any) -> str:
    if not isinstance(accelerator_type, str):
        raise MlnbValueError(
            f"accelerator_type must be a name such as 'NVIDIA_TESLA_T4'; got "
            f"{accelerator_type!r}"
        )
    accel = accelerator_type.strip().upper().replace("-", "_")
    if accel not in ACCELERATOR_TYPES:
        raise MlnbValueError(
            f"accelerator_type {accelerator_type!r} is not a Vertex AI accelerator "
            f"type; choose one of: {', '.join(ACCELERATOR_TYPES)}"
        )
    return accel


def _count(count: Any) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        try:
            import numpy as np

            if isinstance(count, np.integer) and count >= 0:
                return int(count)
        except ImportError:  # pragma: no cover
            pass
        raise MlnbValueError(
            f"accelerator_count must be a whole number >= 0; got {count!r}"
        )
    return count
