"""Promotion is atomic: real child processes killed at every fault point and at
random moments leave the registry readable with the old or the new champion, whose
model predicts as it should; two promotions at once: exactly one wins."""

from __future__ import annotations

import json
import os
import random
import signal
import time

import numpy as np
import pytest
import registry_helpers as H

pytestmark = pytest.mark.extra("registry", module="mlflow")


@pytest.fixture(scope="module")
def template(registry_template):
    return registry_template


@pytest.fixture(scope="module")
def ctx(template):
    return H.context(template)


@pytest.fixture(scope="module")
def trio():
    return H.models()


def _start(ctx, folder, model, decision, tmp, tag, *, fault_point=None, barrier=None):
    ready = str(tmp / f"ready-{tag}")
    out = str(tmp / f"out-{tag}.json")
    p = ctx.Process(
        target=H.worker,
        args=(folder, model, decision, fault_point, barrier, ready, out),
    )
    p.start()
    return p, ready, out


def _invariant(folder, old, new, third):
    """The registry opens; the champion is the old or the new version and loads
    as that model; a following promotion against it succeeds."""
    from mlnb.checks.deployment import model_fingerprint
    from mlnb.runtime.registry import promote, registry

    reg = registry(folder)
    champ = reg.champion(H.NAME)
    assert champ is not None
    loaded = reg.load(H.NAME)
    if champ.fingerprint == model_fingerprint(new):
        which = "new"
        np.testing.assert_array_equal(H.predictions(loaded), H.predictions(new))
    else:
        which = "old"
        assert champ.fingerprint == model_fingerprint(old)
        assert champ.version == "1"
        np.testing.assert_array_equal(H.predictions(loaded), H.predictions(old))
    p = promote(third, H.bless(third, loaded), registry=reg, name=H.NAME, publish=False)
    assert p.promoted, p.reason
    assert p.previous == champ.version
    np.testing.assert_array_equal(H.predictions(reg.load(H.NAME)), H.predictions(third))
    return which


def _seeded(template, folder, old):
    from mlnb.runtime.registry import promote

    reg = H.fresh(template, folder)
    assert promote(old, H.bless(old), registry=reg, name=H.NAME, publish=False).promoted
    return reg


EXPECT = {
    "after_lock": "old",
    "after_artifact": "old",
    "after_replace": "old",
    "after_register": "old",
    "after_alias": "new",
}


def test_every_fault_point_is_covered():
    from mlnb.runtime.registry.faults import FAULT_POINTS

    assert set(FAULT_POINTS) == set(EXPECT)


def test_killed_at_each_fault_point(ctx, template, trio, tmp_path):
    old, new, third = trio
    procs = {}
    for point in EXPECT:  # all children at once: they share no registry
        folder = str(tmp_path / point)
        reg = _seeded(template, folder, old)
        decision = H.bless(new, reg.load(H.NAME))
        procs[point] = (
            folder,
            *_start(ctx, folder, new, decision, tmp_path, point, fault_point=point),
        )
    for point, (folder, p, _ready, out) in procs.items():
        p.join(120)
        assert p.exitcode == -signal.SIGKILL, (point, p.exitcode)
        assert not os.path.exists(out)  # it died before reporting
        assert _invariant(folder, old, new, third) == EXPECT[point], point
        # the lock died with the process: the following promotion did not wait


def test_killed_after_random_delays(ctx, template, trio, tmp_path):
    old, new, third = trio
    rng = random.Random(15)
    seen = set()
    for i in range(10):
        folder = str(tmp_path / f"r{i}")
        reg = _seeded(template, folder, old)
        decision = H.bless(new, reg.load(H.NAME))
        p, ready, out = _start(ctx, folder, new, decision, tmp_path, f"r{i}")
        H.wait_for(ready)
        time.sleep(rng.uniform(0.0, 0.3))  # a promotion takes ~0.15 s
        p.kill()
        p.join(60)
        seen.add(_invariant(folder, old, new, third))
    assert seen <= {"old", "new"}


def test_two_promotions_at_once_one_wins(ctx, template, trio, tmp_path):
    from mlnb.runtime.registry import registry

    old, a, b = trio
    folder = str(tmp_path / "race")
    _seeded(template, folder, old)
    for round_ in range(3):
        reg = registry(folder)
        champ = reg.champion(H.NAME)
        base = reg.load(H.NAME)
        # candidates distinct from the champion: refit with other settings
        from sklearn.linear_model import LogisticRegression

        cands = [
            LogisticRegression(C=0.5 + round_ + k, max_iter=200 + k).fit(H.X, H.DF.y)
            for k in (1, 2)
        ]
        barrier = str(tmp_path / f"go-{round_}")
        started = [
            _start(
                ctx,
                folder,
                m,
                H.bless(m, base),
                tmp_path,
                f"c{round_}{k}",
                barrier=barrier,
            )
            for k, m in enumerate(cands)
        ]
        for _p, ready, _out in started:
            H.wait_for(ready)
        open(barrier, "w").close()
        outs = []
        for p, _ready, out in started:
            p.join(120)
            assert p.exitcode == 0
            with open(out) as fh:
                outs.append(json.load(fh))
        wins = [o for o in outs if o["promoted"]]
        losses = [o for o in outs if not o["promoted"]]
        assert len(wins) == 1 and len(losses) == 1, outs
        assert "changed since the gate compared against it" in losses[0]["reason"]
        assert f"now v{wins[0]['version']}" in losses[0]["reason"]
        after = registry(folder).champion(H.NAME)
        assert after.version == wins[0]["version"]
        assert after.previous == champ.version
