"""``mlnb.accelerators()``: which accelerators this machine has, and what Vertex AI
offers (step 3, training).

Where the numbers come from, in order
-------------------------------------
1. **NVML** through ``nvidia-ml-py`` (the ``pynvml`` module), when installed: name,
   memory total/used and utilisation of every CUDA GPU, and the driver version.
   NVML reads the driver; it does not create a CUDA context.
2. **nvidia-smi** on ``PATH`` otherwise:
   ``nvidia-smi --query-gpu=index,name,memory.total,memory.used,utilization.gpu,
   uuid,driver_version --format=csv,noheader,nounits``.
3. Neither: "no CUDA GPU" is said plainly (with why: no NVIDIA driver tools).

TensorFlow and PyTorch device lists are read only from a framework that is
already imported in this process — mlnb never imports them itself: ``import
mlnb`` stays light, and CUDA initialised in a kernel breaks CUDA in processes
forked from it later. PyTorch is asked only when its CUDA is already initialised.
With ``frameworks=True`` both are asked in a fresh subprocess instead (seconds:
they import there), which leaves this process untouched.

The Vertex AI side is :mod:`mlnb.runtime.training.vertex_catalog`: machine types
× accelerator types × allowed counts, with its source and date.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ...checklist.result import CheckResult
from ...render import training as R
from . import vertex_catalog

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["accelerators", "Accelerators", "GPU"]

NVIDIA_SMI_QUERY = (
    "index,name,memory.total,memory.used,utilization.gpu,uuid,driver_version"
)


@dataclass(frozen=True)
class GPU:
    """One CUDA GPU as the driver reports it (``None``: not reported)."""

    index: int
    name: str
    memory_total_mib: float | None = None
    memory_used_mib: float | None = None
    utilization_pct: float | None = None
    uuid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, kw_only=True, repr=False)
class Accelerators(CheckResult):
    """What this machine has and what Vertex AI offers; status is always
    ``info`` (a description, not a judgement).

    Attributes
    ----------
    gpus:
        The CUDA GPUs found (:class:`GPU`), in device order.
    source:
        Where they were read: ``"nvml"``, ``"nvidia-smi"`` or ``"none"``.
    driver_version:
        The NVIDIA driver version, when known.
    visible_devices:
        ``CUDA_VISIBLE_DEVICES`` of this process (None when unset).
    frameworks:
        ``{framework: (device, ...)}`` for TensorFlow / PyTorch where asked.
    notes:
        Plain sentences: why a source was not used, what was not asked and how.
    """

    check: ClassVar[str] = "accelerators"

    gpus: tuple[GPU, ...] = ()
    source: str = "none"
    driver_version: str | None = None
    visible_devices: str | None = None
    frameworks: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    vertex_source: str = vertex_catalog.SOURCE
    vertex_source_date: str = vertex_catalog.SOURCE_DATE

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpus)

    def to_dict(self) -> dict[str, Any]:
        """Every public field, JSON-safe; each GPU as a dict."""
        out = super().to_dict()
        out["gpus"] = [g.to_dict() for g in self.gpus]
        out["frameworks"] = {k: list(v) for k, v in sorted(self.frameworks.items())}
        return out

    def record_metrics(self) -> dict[str, Any]:
        total = [g.memory_total_mib for g in self.gpus if g.memory_total_mib]
        return {
            "n_gpus": len(self.gpus),
            "gpu_memory_total_mib": sum(total) if total else 0,
            "source": self.source,
        }

    def _frame_rows(self) -> list[dict[str, Any]]:
        rows = [
            {
                "kind": "gpu",
                "device": f"cuda:{g.index}",
                "name": g.name,
                "memory_total_mib": g.memory_total_mib,
                "memory_used_mib": g.memory_used_mib,
                "utilization_pct": g.utilization_pct,
                "source": self.source,
            }
            for g in self.gpus
        ]
        for framework, devices in sorted((self.frameworks or {}).items()):
            rows.extend(
                {
                    "kind": "framework",
                    "device": d,
                    "name": framework,
                    "source": framework,
                }
                for d in devices
            )
        return rows

    def to_frame(self) -> pd.DataFrame:
        """One row per GPU (``kind`` "gpu") and per framework device (``kind``
        "framework"); an empty frame with those columns when there are none."""
        import pandas as pd

        columns = [
            "kind",
            "device",
            "name",
            "memory_total_mib",
            "memory_used_mib",
            "utilization_pct",
            "source",
        ]
        return pd.DataFrame(self._frame_rows(), columns=columns)

    def vertex_frame(self) -> pd.DataFrame:
        """What Vertex AI custom training offers (see
        :func:`~mlnb.runtime.training.vertex_catalog.catalog_frame`)."""
        return vertex_catalog.catalog_frame()

    valid_accelerators = staticmethod(vertex_catalog.valid_accelerators)
    check_accelerator = staticmethod(vertex_catalog.check_accelerator)

    def _html_sections(self) -> list[str]:
        return R.accelerators_sections(self, vertex_catalog.GPU_MACHINE_TYPES)


def accelerators(
    *, frameworks: bool = False, timeout: float = 30.0, publish: bool = True
) -> Accelerators:
    """What accelerators this machine has, and what Vertex AI offers.

    Parameters
    ----------
    frameworks:
        Also ask TensorFlow and PyTorch (those installed) for their devices, in a
        fresh subprocess — slow (they import there) but safe for this kernel.
        Without it, only a framework already imported here is asked.
    timeout:
        Seconds allowed to ``nvidia-smi`` and to the framework subprocess.
    publish:
        Record the result as step 3's newest ``accelerators`` record.

    Returns
    -------
    Accelerators
        ``gpus``, ``source``, ``frameworks``, ``notes``; ``.to_frame()``,
        ``.vertex_frame()``, ``.check_accelerator(...)``.

    Examples
    --------
    >>> acc = accelerators(publish=False)   # doctest: +SKIP
    >>> acc.has_gpu, acc.source             # doctest: +SKIP
    (False, 'none')
    """
    notes: list[str] = []
    gpus, source, driver = _probe_gpus(timeout, notes)
    found: dict[str, tuple[str, ...]] = {}
    if frameworks:
        found.update(_frameworks_in_subprocess(timeout, notes))
    else:
        found.update(_frameworks_in_process(notes))
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        notes.append(f"CUDA_VISIBLE_DEVICES={visible!r} limits what CUDA programs see.")
    result = Accelerators(
        step="training",
        status="info",
        summary=_summary(gpus, source, driver),
        gpus=tuple(gpus),
        source=source,
        driver_version=driver,
        visible_devices=visible,
        frameworks=found,
        notes=tuple(notes),
    )
    return result.publish() if publish else result


# -- GPUs --------------------------------------------------------------------------
def _probe_gpus(timeout: float, notes: list[str]) -> tuple[list[GPU], str, str | None]:
    if _nvml_installed():
        try:
            gpus, driver = _from_nvml()
            return gpus, "nvml", driver
        except Exception as exc:  # NVMLError: no driver, no device, ...
            notes.append(f"nvidia-ml-py could not read the driver: {_one_line(exc)}")
    smi = shutil.which("nvidia-smi")
    if smi is not None:
        try:
            gpus, driver = _from_nvidia_smi(smi, timeout)
            return gpus, "nvidia-smi", driver
        except Exception as exc:
            notes.append(f"nvidia-smi failed: {_one_line(exc)}")
    else:
        notes.append(
            "No NVIDIA driver tools here: nvidia-ml-py is not installed and "
            "nvidia-smi is not on PATH."
        )
    return [], "none", None


def _nvml_installed() -> bool:
    """nvidia-ml-py's ``pynvml`` is importable (found, or already imported)."""
    if sys.modules.get("pynvml") is not None:
        return True
    try:
        return importlib.util.find_spec("pynvml") is not None
    except (ImportError, ValueError):
        return False


def _from_nvml() -> tuple[list[GPU], str | None]:
    import pynvml

    pynvml.nvmlInit()
    try:
        driver = _text(pynvml.nvmlSystemGetDriverVersion())
        gpus = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(i)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            try:
                util: float | None = float(
                    pynvml.nvmlDeviceGetUtilizationRates(handle).gpu
                )
            except Exception:  # not supported on some devices (MIG)
                util = None
            try:
                uuid: str | None = _text(pynvml.nvmlDeviceGetUUID(handle))
            except Exception:
                uuid = None
            gpus.append(
                GPU(
                    index=i,
                    name=_text(pynvml.nvmlDeviceGetName(handle)),
                    memory_total_mib=memory.total / 2**20,
                    memory_used_mib=memory.used / 2**20,
                    utilization_pct=util,
                    uuid=uuid,
                )
            )
        return gpus, driver
    finally:
        pynvml.nvmlShutdown()


def _from_nvidia_smi(smi: str, timeout: float) -> tuple[list[GPU], str | None]:
    proc = subprocess.run(
        [smi, f"--query-gpu={NVIDIA_SMI_QUERY}", "--format=csv,noheader,nounits"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"exit code {proc.returncode}: {(proc.stderr or proc.stdout).strip()}"
        )
    gpus, driver = [], None
    for row in csv.reader(io.StringIO(proc.stdout)):
        row = [cell.strip() for cell in row]
        if not row or not any(row):
            continue
        if len(row) != 7:
            raise RuntimeError(f"unexpected nvidia-smi line: {','.join(row)!r}")
        index, name, total, used, util, uuid, driver = row
        gpus.append(
            GPU(
                index=int(index),
                name=name,
                memory_total_mib=_number(total),
                memory_used_mib=_number(used),
                utilization_pct=_number(util),
                uuid=None if _missing(uuid) else uuid,
            )
        )
    return gpus, None if driver is None or _missing(driver) else driver


def _missing(cell: str) -> bool:
    return cell in ("", "[N/A]", "N/A", "[Not Supported]", "[Unknown Error]")


def _number(cell: str) -> float | None:
    if _missing(cell):
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


# -- frameworks ----------------------------------------------------------------------
def _frameworks_in_process(notes: list[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        try:
            found["tensorflow"] = tuple(
                d.name for d in tf.config.list_physical_devices()
            )
        except Exception as exc:
            notes.append(f"TensorFlow could not list its devices: {_one_line(exc)}")
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            if torch.cuda.is_initialized():
                n = torch.cuda.device_count()
                found["torch"] = tuple(
                    f"cuda:{i} ({torch.cuda.get_device_name(i)})" for i in range(n)
                )
            else:
                notes.append(
                    "PyTorch is imported but has not initialised CUDA; mlnb does not "
                    "initialise it here (later forks would lose CUDA): pass "
                    "frameworks=True to ask PyTorch in a subprocess."
                )
        except Exception as exc:
            notes.append(f"PyTorch could not list its devices: {_one_line(exc)}")
    if tf is None and torch is None:
        notes.append(
            "TensorFlow and PyTorch were not asked (not imported here): pass "
            "frameworks=True to ask them in a subprocess."
        )
    return found


#: Run in a fresh interpreter: one JSON line {framework: [device, ...] | error}.
_FRAMEWORK_PROBE = r"""
import importlib.util, json
out = {}
if importlib.util.find_spec("tensorflow") is not None:
    try:
        import tensorflow as tf
        out["tensorflow"] = [d.name for d in tf.config.list_physical_devices()]
    except Exception as exc:
        out["tensorflow"] = {"error": f"{type(exc).__name__}: {exc}"}
if importlib.util.find_spec("torch") is not None:
    try:
        import torch
        devices = ["cpu"]
        if torch.cuda.is_available():
            devices += [f"cuda:{i} ({torch.cuda.get_device_name(i)})"
                        for i in range(torch.cuda.device_count())]
        out["torch"] = devices
    except Exception as exc:
        out["torch"] = {"error": f"{type(exc).__name__}: {exc}"}
print("MLNB-FRAMEWORKS " + json.dumps(out))
"""


def _frameworks_in_subprocess(
    timeout: float, notes: list[str]
) -> dict[str, tuple[str, ...]]:
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _FRAMEWORK_PROBE],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        notes.append(f"The framework probe took longer than {timeout:g} s; skipped.")
        return {}
    line = next(
        (
            ln
            for ln in reversed(proc.stdout.splitlines())
            if ln.startswith("MLNB-FRAMEWORKS ")
        ),
        None,
    )
    if proc.returncode != 0 or line is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
        notes.append(f"The framework probe failed (exit {proc.returncode}): {tail[0]}")
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for framework, devices in sorted(json.loads(line.split(" ", 1)[1]).items()):
        if isinstance(devices, dict):
            notes.append(f"{framework} could not list its devices: {devices['error']}")
        else:
            found[framework] = tuple(devices)
    if not found and not any("could not" in n for n in notes):
        notes.append("Neither TensorFlow nor PyTorch is installed.")
    return found


def _summary(gpus: list[GPU], source: str, driver: str | None) -> str:
    if not gpus:
        return (
            "No CUDA GPU on this machine: training runs on the CPU here; Vertex AI "
            "offers GPUs and TPUs (see the table)."
        )
    names: dict[str, int] = {}
    for g in gpus:
        names[g.name] = names.get(g.name, 0) + 1
    parts = []
    for name, n in names.items():
        memory = next(g.memory_total_mib for g in gpus if g.name == name)
        size = f", {memory / 1024:.0f} GiB" if memory else ""
        parts.append(f"{n} × {name}{size}")
    via = {"nvml": "NVML", "nvidia-smi": "nvidia-smi"}[source]
    driver_text = f", driver {driver}" if driver else ""
    plural = "s" if len(gpus) > 1 else ""
    return f"{len(gpus)} CUDA GPU{plural}: {'; '.join(parts)} (via {via}{driver_text})."
