"""Scratch preview (replaced by the real-launch test)."""

from __future__ import annotations

import pytest
from labpage import TIMEOUT_MS, LabPage, code, write_notebook
from widgetpage import cut_off, labels_overlap, light_and_dark

pytestmark = pytest.mark.ui

FAKE = '''\
import threading, time
from mlnb.runtime.training.job import TrainingJob, Trial
from mlnb.runtime.training.spec import LaunchSpec
from mlnb.runtime.training.space import Choice
from mlnb.widgets.training import TrainingLauncher

class Fake(TrainingJob):
    backend = "local"
    def cancel(self):
        self._finish("cancelled")

spec = LaunchSpec(target="/tmp/train_tiny.py", kind="script", backend="local",
                  name="train_tiny", metric="acc", max_trials=4, parallel_trials=2,
                  hyperparameters={"lr": Choice((0.1, 0.2, 0.3, 0.4))})
job = Fake(spec)
def drive():
    job._set_state("running")
    for n, lr in enumerate([0.1, 0.2, 0.3, 0.4]):
        job._update_trial(Trial(number=n, params={"lr": lr}, state="running", started=time.time()))
        for step in range(5):
            job._emit_log(n, [f"epoch {step} lr={lr} <img src=x onerror=alert(1)>"])
            job._emit_metric(n, step, {"acc": lr * (step + 1) / 2, "loss": 1 / (step + 1)}, time.time())
            time.sleep(0.05)
        job._replace_trial(n, state="succeeded", ended=time.time(), exit_code=0)
    job._finish("succeeded")
w = TrainingLauncher("train_tiny.py", job=job, metric="acc", max_trials=4, parallel_trials=2,
                     hyperparameters={"lr": Choice((0.1, 0.2, 0.3, 0.4)), "depth": (2, 8)})
threading.Thread(target=drive).start()
w
'''


def test_preview(lab_page: LabPage, artifacts) -> None:
    lp = lab_page
    write_notebook(lp.lab.root / "t.ipynb", [code(FAKE)])
    lp.page.set_viewport_size({"width": 1280, "height": 1500})
    lp.set_theme(dark=False)
    lp.open_notebook("t.ipynb", wait_kernel=True)
    lp.run_all(timeout_ms=90_000)
    notebook = lp.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    w = notebook.locator(".mlnb-tl").first
    error = notebook.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
    w.or_(error).first.wait_for(timeout=TIMEOUT_MS)
    assert error.count() == 0, error.first.inner_text()
    lp.page.locator('.mlnb-tl[data-state="succeeded"]').wait_for(timeout=TIMEOUT_MS)
    lp.page.wait_for_timeout(500)
    print(cut_off(w), labels_overlap(w))
    light_and_dark(
        lp,
        w,
        ".mlnb-tl-card",
        artifacts / "training-launcher-light.png",
        artifacts / "training-launcher-dark.png",
    )
    print(lp.errors, lp.warnings)
    print(w.evaluate("""(r) => [r.querySelector('.mlnb-tl-gantt').clientWidth, r.querySelector('.mlnb-tl-gantt svg').getAttribute('width')]"""))
    lp.set_theme(dark=True)
    lp.page.wait_for_timeout(1000)
    print(w.evaluate("""(r) => [r.querySelector('.mlnb-tl-gantt').clientWidth, r.querySelector('.mlnb-tl-gantt svg').getAttribute('width')]"""))
    lp.set_theme(dark=False)
