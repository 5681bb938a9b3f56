"""mlnb.runtime.training.accelerators(): the NVML path (a fake ``pynvml``), the
nvidia-smi path (a fake ``nvidia-smi`` on PATH), no GPU, framework device lists
(already imported, or in a subprocess) — all without a GPU."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import types

import pytest

from mlnb.checklist import session
from mlnb.runtime.training import Accelerators, accelerators

acc_module = sys.modules["mlnb.runtime.training.accelerators"]

MIB = 2**20


@pytest.fixture
def no_gpu_tools(monkeypatch, tmp_path):
    """No pynvml importable and an empty PATH directory: no driver tools at all."""
    monkeypatch.setitem(sys.modules, "pynvml", None)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    for name in ("tensorflow", "torch"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return empty


def fake_smi(bin_dir, output: str, *, code: int = 0, stderr: str = "") -> None:
    """An executable ``nvidia-smi`` that records its arguments and prints ``output``
    (which must not contain a single quote)."""
    script = bin_dir / "nvidia-smi"
    args_file = bin_dir / "nvidia-smi.args"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{args_file}"\n'
        f"printf '%s' '{output}'\n"  # shell builtins only: PATH is this directory
        + (f"echo '{stderr}' >&2\n" if stderr else "")
        + f"exit {code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


SMI_TWO_GPUS = (
    "0, NVIDIA A100-SXM4-40GB, 40960, 1024, 37, GPU-aaaa, 550.54.15\n"
    "1, NVIDIA A100-SXM4-40GB, 40960, 0, [N/A], GPU-bbbb, 550.54.15\n"
)


# -- nvidia-smi ------------------------------------------------------------------------
def test_nvidia_smi_on_path_is_read(no_gpu_tools):
    fake_smi(no_gpu_tools, SMI_TWO_GPUS)
    result = accelerators(publish=False)

    assert result.source == "nvidia-smi"
    assert result.driver_version == "550.54.15"
    assert [g.name for g in result.gpus] == ["NVIDIA A100-SXM4-40GB"] * 2
    first, second = result.gpus
    assert (first.index, first.memory_total_mib, first.memory_used_mib) == (
        0,
        40960,
        1024,
    )
    assert first.utilization_pct == 37 and first.uuid == "GPU-aaaa"
    assert second.utilization_pct is None  # [N/A]
    assert result.summary.startswith("2 CUDA GPUs: 2 × NVIDIA A100-SXM4-40GB, 40 GiB")
    assert "nvidia-smi" in result.summary and "550.54.15" in result.summary
    args = (no_gpu_tools / "nvidia-smi.args").read_text().split()
    assert args == [
        "--query-gpu=index,name,memory.total,memory.used,utilization.gpu,uuid,"
        "driver_version",
        "--format=csv,noheader,nounits",
    ]
    frame = result.to_frame()
    assert list(frame["device"]) == ["cuda:0", "cuda:1"]
    as_json = json.loads(json.dumps(result.to_dict()))
    assert as_json["gpus"][1] == {
        "index": 1,
        "name": "NVIDIA A100-SXM4-40GB",
        "memory_total_mib": 40960.0,
        "memory_used_mib": 0.0,
        "utilization_pct": None,
        "uuid": "GPU-bbbb",
    }
    assert list(frame["memory_total_mib"]) == [40960, 40960]


def test_a_failing_nvidia_smi_means_no_gpu_with_its_message(no_gpu_tools):
    message = "NVIDIA-SMI has failed because it could not communicate with the driver"
    fake_smi(no_gpu_tools, "", code=9, stderr=message)
    result = accelerators(publish=False)
    assert result.gpus == () and result.source == "none"
    assert any("exit code 9" in n and message in n for n in result.notes)
    assert result.summary.startswith("No CUDA GPU on this machine")


# -- NVML ------------------------------------------------------------------------------
class NVMLError(Exception):
    pass


def fake_pynvml(devices, *, init_error=None, driver=b"535.104.05"):
    """A stand-in for nvidia-ml-py's ``pynvml`` over ``devices``: dicts with name,
    total/used bytes and utilisation (None: NVMLError, as on MIG devices)."""
    calls = []
    mod = types.ModuleType("pynvml")
    mod.NVMLError = NVMLError

    def init():
        calls.append("init")
        if init_error:
            raise NVMLError(init_error)

    def utilization(handle):
        util = devices[handle]["util"]
        if util is None:
            raise NVMLError("Not Supported")
        return types.SimpleNamespace(gpu=util, memory=0)

    mod.nvmlInit = init
    mod.nvmlShutdown = lambda: calls.append("shutdown")
    mod.nvmlSystemGetDriverVersion = lambda: driver
    mod.nvmlDeviceGetCount = lambda: len(devices)
    mod.nvmlDeviceGetHandleByIndex = lambda i: i
    mod.nvmlDeviceGetName = lambda h: devices[h]["name"]
    mod.nvmlDeviceGetUUID = lambda h: f"GPU-{h}"
    mod.nvmlDeviceGetMemoryInfo = lambda h: types.SimpleNamespace(
        total=devices[h]["total"], used=devices[h]["used"], free=0
    )
    mod.nvmlDeviceGetUtilizationRates = utilization
    mod.calls = calls
    return mod


def test_nvml_is_preferred_and_read(no_gpu_tools, monkeypatch):
    fake_smi(no_gpu_tools, SMI_TWO_GPUS)  # present, but NVML comes first
    nvml = fake_pynvml(
        [
            {"name": b"Tesla T4", "total": 15360 * MIB, "used": 512 * MIB, "util": 80},
            {"name": "NVIDIA L4", "total": 23034 * MIB, "used": 0, "util": None},
        ]
    )
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    result = accelerators(publish=False)

    assert result.source == "nvml" and result.driver_version == "535.104.05"
    assert [g.name for g in result.gpus] == ["Tesla T4", "NVIDIA L4"]  # bytes decoded
    t4, l4 = result.gpus
    assert (t4.memory_total_mib, t4.memory_used_mib, t4.utilization_pct) == (
        15360,
        512,
        80,
    )
    assert l4.utilization_pct is None and l4.uuid == "GPU-1"
    assert nvml.calls == ["init", "shutdown"]
    assert not (no_gpu_tools / "nvidia-smi.args").exists()
    assert "1 × Tesla T4, 15 GiB; 1 × NVIDIA L4, 22 GiB" in result.summary


def test_nvml_without_a_driver_falls_back_to_nvidia_smi(no_gpu_tools, monkeypatch):
    fake_smi(no_gpu_tools, SMI_TWO_GPUS)
    monkeypatch.setitem(
        sys.modules, "pynvml", fake_pynvml([], init_error="Driver Not Loaded")
    )
    result = accelerators(publish=False)
    assert result.source == "nvidia-smi" and len(result.gpus) == 2
    assert any("Driver Not Loaded" in n for n in result.notes)


def test_nvml_with_no_device_reports_none(no_gpu_tools, monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml([]))
    result = accelerators(publish=False)
    assert result.source == "nvml" and result.gpus == ()
    assert result.summary.startswith("No CUDA GPU")


# -- no GPU ----------------------------------------------------------------------------
def test_no_gpu_is_said_plainly(no_gpu_tools):
    result = accelerators(publish=False)
    assert isinstance(result, Accelerators)
    assert result.gpus == () and result.source == "none" and not result.has_gpu
    assert result.status == "info" and result.step == "training"
    assert result.summary.startswith("No CUDA GPU on this machine")
    assert any("nvidia-smi is not on PATH" in n for n in result.notes)
    assert any("frameworks=True" in n for n in result.notes)
    assert result.to_frame().empty
    assert list(result.to_frame().columns)[:3] == ["kind", "device", "name"]
    html = result._repr_html_()
    assert "No CUDA GPU" in html and "n1-standard-4" in html
    assert "configure-compute" in html and "2026-12-02" in html


def test_cuda_visible_devices_is_reported(no_gpu_tools, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    result = accelerators(publish=False)
    assert result.visible_devices == "1"
    assert any("CUDA_VISIBLE_DEVICES='1'" in n for n in result.notes)


def test_the_record_is_json_safe_and_published(no_gpu_tools):
    result = accelerators()
    record = json.loads(json.dumps(result.record()))
    assert record["step"] == "training" and record["check"] == "accelerators"
    assert record["status"] == "info"
    assert record["metrics"] == {
        "n_gpus": 0,
        "gpu_memory_total_mib": 0,
        "source": "none",
    }
    assert [r["check"] for r in session.checks("training")] == ["accelerators"]
    json.dumps(result.to_dict())


def test_html_escapes_device_names(no_gpu_tools):
    fake_smi(no_gpu_tools, "0, <script>alert(1)</script>, 100, 1, 2, u, 1.0\n")
    html = accelerators(publish=False)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


# -- frameworks ------------------------------------------------------------------------
def test_frameworks_already_imported_are_asked_in_process(no_gpu_tools, monkeypatch):
    device = types.SimpleNamespace
    tf = types.ModuleType("tensorflow")
    tf.config = types.SimpleNamespace(
        list_physical_devices=lambda: [
            device(name="/physical_device:CPU:0"),
            device(name="/physical_device:GPU:0"),
        ]
    )
    torch = types.ModuleType("torch")
    torch.cuda = types.SimpleNamespace(
        is_initialized=lambda: True,
        device_count=lambda: 1,
        get_device_name=lambda i: "Tesla T4",
    )
    monkeypatch.setitem(sys.modules, "tensorflow", tf)
    monkeypatch.setitem(sys.modules, "torch", torch)
    result = accelerators(publish=False)
    assert result.frameworks == {
        "tensorflow": ("/physical_device:CPU:0", "/physical_device:GPU:0"),
        "torch": ("cuda:0 (Tesla T4)",),
    }
    frame = result.to_frame()
    assert list(frame.loc[frame["kind"] == "framework", "name"]) == [
        "tensorflow",
        "tensorflow",
        "torch",
    ]


def test_torch_without_cuda_initialised_is_not_touched(no_gpu_tools, monkeypatch):
    torch = types.ModuleType("torch")

    def boom(*a):
        raise AssertionError("CUDA must not be initialised by mlnb")

    torch.cuda = types.SimpleNamespace(
        is_initialized=lambda: False, device_count=boom, get_device_name=boom
    )
    monkeypatch.setitem(sys.modules, "torch", torch)
    result = accelerators(publish=False)
    assert "torch" not in result.frameworks
    assert any("has not initialised CUDA" in n for n in result.notes)


def test_frameworks_true_asks_in_a_subprocess(no_gpu_tools, monkeypatch, tmp_path):
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    (fakes / "tensorflow.py").write_text(
        textwrap.dedent(
            """
            import types
            _d = types.SimpleNamespace
            config = types.SimpleNamespace(
                list_physical_devices=lambda: [_d(name="/physical_device:CPU:0")])
            """
        )
    )
    (fakes / "torch.py").write_text(
        textwrap.dedent(
            """
            import types
            cuda = types.SimpleNamespace(is_available=lambda: False)
            """
        )
    )
    monkeypatch.setenv("PYTHONPATH", str(fakes))
    result = accelerators(frameworks=True, publish=False)
    assert result.frameworks == {
        "tensorflow": ("/physical_device:CPU:0",),
        "torch": ("cpu",),
    }
    assert "tensorflow" not in sys.modules and "torch" not in sys.modules


def test_a_failing_framework_is_a_note(no_gpu_tools, monkeypatch, tmp_path):
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    (fakes / "torch.py").write_text("raise OSError('libcudart.so.12 not found')\n")
    (fakes / "tensorflow.py").write_text("raise ImportError('no')\n")
    monkeypatch.setenv("PYTHONPATH", str(fakes))
    result = accelerators(frameworks=True, publish=False)
    assert result.frameworks == {}
    assert any("libcudart.so.12" in n for n in result.notes)


# -- stays light -----------------------------------------------------------------------
def test_accelerators_imports_no_framework_or_cloud_sdk(tmp_path):
    """In a fresh interpreter: importing and calling accelerators() loads no
    TensorFlow, PyTorch, Google Cloud SDK, pandas or UI library."""
    code = textwrap.dedent(
        """
        import json, sys
        before = set(sys.modules)
        import mlnb
        from mlnb.runtime.training import accelerators, check_accelerator
        result = accelerators(publish=False)
        check_accelerator("n1-standard-4", "NVIDIA_TESLA_T4", 1)
        result._repr_html_()
        print(json.dumps(sorted(set(sys.modules) - before)))
        """
    )
    env = {**os.environ, "PATH": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    added = json.loads(proc.stdout.strip().splitlines()[-1])
    heavy = ("tensorflow", "torch", "google.cloud.aiplatform", "pandas", "matplotlib",
             "IPython", "ipywidgets", "sklearn")  # fmt: skip
    assert [m for m in added if m.split(".")[0] in heavy or m.startswith(heavy)] == []


def test_the_module_has_the_step_3_docstring():
    import mlnb.runtime.training as training

    assert "Step 3" in training.__doc__
    # the package's name is the function; the module stays reachable
    assert training.accelerators is accelerators
    assert acc_module.__name__ == "mlnb.runtime.training.accelerators"
