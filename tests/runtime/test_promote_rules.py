"""Promotion's refusal rules: a candidate that fails any condition is never
promoted, whatever the order of calls; stale comparisons and a held lock refuse;
a decision about another model is an error."""

from __future__ import annotations

import os

import numpy as np
import pytest
import registry_helpers as H

from mlnb.errors import MlnbValueError

pytestmark = pytest.mark.extra("registry", module="mlflow")


@pytest.fixture(scope="module")
def trio():
    return H.models()


@pytest.fixture
def reg(registry_template, tmp_path):
    return H.fresh(registry_template, str(tmp_path / "reg"))


def _promote(model, decision, reg, **kw):
    from mlnb.runtime.registry import promote

    kw.setdefault("publish", False)
    return promote(model, decision, registry=reg, name=H.NAME, **kw)


def _unchanged(reg, version, model, n_versions):
    champ = reg.champion(H.NAME)
    assert (None if champ is None else champ.version) == version
    assert len(reg.versions(H.NAME)) == n_versions
    if model is not None:
        np.testing.assert_array_equal(
            H.predictions(reg.load(H.NAME)), H.predictions(model)
        )


def test_not_blessed_is_refused_and_writes_only_history(reg, trio):
    old, new, _ = trio
    _promote(old, H.bless(old), reg)
    blocked = H.bless(new, reg.load(H.NAME), lower=0.99)
    assert not blocked.blessed
    p = _promote(new, blocked, reg)
    assert (p.promoted, p.status, p.version, p.previous) == (False, "fail", None, None)
    first = blocked.blocking["sentence"].iloc[0]
    assert first in p.reason and p.blocking == (first,)
    assert p.summary.startswith("income not promoted: the gate did not bless it")
    _unchanged(reg, "1", old, 1)
    assert list(reg.history(H.NAME)["action"]) == ["promote", "refused"]


def test_failed_validation_is_refused(reg, trio):
    from mlnb.checks.deployment import schema, validate_data

    old = trio[0]
    bad = validate_data(H.DF.drop(columns=["b"]), schema(H.DF), publish=False)
    assert bad.status == "fail"
    p = _promote(old, H.bless(old), reg, validation=bad)
    assert not p.promoted and p.status == "fail"
    assert p.reason.startswith("the data validation failed")
    _unchanged(reg, None, None, 0)
    ok = validate_data(H.DF, schema(H.DF), publish=False)
    assert _promote(old, H.bless(old), reg, validation=ok).promoted


def test_stale_comparison_is_refused(reg, trio):
    old, new, third = trio
    _promote(old, H.bless(old), reg)
    v1 = reg.load(H.NAME)
    late = H.bless(third, v1)  # made against v1 ...
    assert _promote(new, H.bless(new, v1), reg).promoted  # ... v2 takes over
    p = _promote(third, late, reg)
    assert not p.promoted and p.previous == "2"
    assert p.reason == (
        "the champion changed since the gate compared against it (now v2); gate "
        "again against registry.load('income')"
    )
    _unchanged(reg, "2", new, 2)
    assert _promote(third, H.bless(third, reg.load(H.NAME)), reg).promoted


def test_no_baseline_is_accepted_only_without_a_champion(reg, trio):
    old, new, _ = trio
    assert _promote(old, H.bless(old), reg).promoted
    p = _promote(new, H.bless(new), reg)
    assert not p.promoted and "compared with no baseline" in p.reason
    _unchanged(reg, "1", old, 1)


def test_the_original_or_the_reloaded_champion_is_a_valid_baseline(reg, trio):
    old, new, third = trio
    _promote(old, H.bless(old), reg)
    assert _promote(new, H.bless(new, old), reg).promoted  # the object itself
    assert _promote(third, H.bless(third, reg.load(H.NAME)), reg).promoted


def test_the_champion_itself_is_not_promoted_again(reg, trio):
    old = trio[0]
    _promote(old, H.bless(old), reg)
    p = _promote(old, H.bless(old, reg.load(H.NAME)), reg)
    assert (p.promoted, p.status) == (False, "info")
    assert "already income v1" in p.reason
    _unchanged(reg, "1", old, 1)


def test_never_promoted_whatever_the_order_of_calls(reg, trio):
    old, new, _ = trio
    # promote before any gate of this model: only another model's decision exists
    other = H.bless(old)
    with pytest.raises(MlnbValueError, match="made for another model"):
        _promote(new, other, reg)
    _unchanged(reg, None, None, 0)
    # a blocked gate, then promote: refused; then a blessing: promoted
    assert not _promote(new, H.bless(new, lower=0.99), reg).promoted
    _unchanged(reg, None, None, 0)
    assert _promote(new, H.bless(new), reg).promoted
    # the model changed after its gate (refit): its old decision no longer applies
    decision = H.bless(old, reg.load(H.NAME))
    old.set_params(C=5.0).fit(H.X, H.DF.y)
    try:
        with pytest.raises(MlnbValueError, match="gate this model first"):
            _promote(old, decision, reg)
    finally:
        old.set_params(C=1.0).fit(H.X, H.DF.y)
    _unchanged(reg, "1", new, 1)


def test_a_held_lock_refuses_after_timeout_naming_the_holder(reg, trio):
    old = trio[0]
    with reg.backend.lock(H.NAME, 1):
        p = _promote(old, H.bless(old), reg, timeout=0.1)
    assert not p.promoted and p.status == "fail"
    assert f"pid {os.getpid()}" in p.reason and "timeout=0.1" in p.reason
    _unchanged(reg, None, None, 0)
    assert _promote(old, H.bless(old), reg).promoted  # released


def test_rollback_needs_a_previous_champion(reg, trio):
    from mlnb.runtime.registry import rollback

    old, new, _ = trio
    with pytest.raises(MlnbValueError, match="nothing to roll back"):
        rollback(reg, H.NAME, publish=False)
    _promote(old, H.bless(old), reg)
    with pytest.raises(MlnbValueError, match="v1 was the first champion"):
        rollback(reg, H.NAME, publish=False)
    _promote(new, H.bless(new, old), reg)
    r = rollback(reg.location, H.NAME, publish=False)  # a path works too
    assert (r.version, r.previous) == ("1", "2")
    # the rolled-back champion is the baseline gates must now compare with
    p = _promote(new, H.bless(new, new), reg)
    assert not p.promoted and "changed since" in p.reason
