"""The MLflow-backed model registry: promotion writes a version with its lineage
and moves the alias; MLflow's own client reads back what mlnb wrote; rollback,
history, non-scikit-learn models, the sqlite:/// form, gc, HTML, records."""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pandas as pd
import pytest
import registry_helpers as H
from sklearn.metrics import roc_auc_score

pytestmark = pytest.mark.extra("registry", module="mlflow")


class Doubler:
    """A picklable, non-scikit-learn model: a score in (0, 1) from column a."""

    def __init__(self, k):
        self.k = k

    def __call__(self, X):
        return 1 / (1 + np.exp(-np.asarray(X["a"], dtype=float) * self.k))


@pytest.fixture(scope="module")
def trio():
    return H.models()


@pytest.fixture
def reg(registry_template, tmp_path):
    return H.fresh(registry_template, str(tmp_path / "reg"))


def _promote(model, decision, reg, **kw):
    from mlnb.runtime.registry import promote

    return promote(model, decision, registry=reg, name=H.NAME, publish=False, **kw)


def test_promote_then_replace_then_roll_back(reg, trio):
    from mlnb.checks.deployment import model_fingerprint

    old, new, _ = trio
    p1 = _promote(old, H.bless(old), reg)
    assert (p1.promoted, p1.status, p1.version, p1.previous) == (
        True,
        "pass",
        "1",
        None,
    )
    assert p1.summary == "income v1 is now champion (first champion)"
    assert p1.model_id == model_fingerprint(old)
    p2 = _promote(new, H.bless(new, reg.load(H.NAME)), reg)
    assert (p2.promoted, p2.version, p2.previous) == (True, "2", "1")
    assert p2.summary == "income v2 is now champion (was v1)"
    champ = reg.champion(H.NAME)
    assert (champ.version, champ.aliases, champ.previous) == ("2", ("champion",), "1")
    np.testing.assert_array_equal(H.predictions(champ.load()), H.predictions(new))
    r = reg.rollback(H.NAME, publish=False)
    assert (r.action, r.status, r.promoted, r.version, r.previous) == (
        "rollback",
        "info",
        True,
        "1",
        "2",
    )
    assert reg.champion(H.NAME).version == "1"
    np.testing.assert_array_equal(H.predictions(reg.load(H.NAME)), H.predictions(old))
    np.testing.assert_array_equal(
        H.predictions(reg.load(H.NAME, 2)), H.predictions(new)
    )
    hist = reg.history(H.NAME)
    assert list(hist["action"]) == ["promote", "promote", "rollback"]
    assert list(hist["version"]) == ["1", "2", "1"]
    assert list(hist["previous"]) == [None, "1", "2"]
    assert list(hist.columns) == [
        "time",
        "action",
        "alias",
        "version",
        "previous",
        "user",
        "reason",
    ]


def test_lineage_is_read_back_by_mlflow_itself(reg, trio):
    """The oracle is MLflow's own client and its sklearn loader."""
    import mlflow
    import mlflow.sklearn
    from mlflow import MlflowClient

    from mlnb.checks.deployment import model_fingerprint, schema

    old, _, _ = trio
    sch = schema(H.DF)
    decision = H.bless(old)
    p = _promote(
        old,
        decision,
        reg,
        schema=sch,
        data=H.DF,
        description="first <model>",
        tags={"team": "risk"},
    )
    uri = reg.backend.uri
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    mv = client.get_model_version_by_alias(H.NAME, "champion")
    assert str(mv.version) == p.version == "1"
    assert mv.description == "first <model>"
    tags = mv.tags
    assert tags["team"] == "risk"
    assert tags["mlnb.fingerprint"] == model_fingerprint(old)
    assert tags["mlnb.loaded_fingerprint"].startswith("sha256:")
    assert tags["mlnb.blessed"] == "true"
    # the metric is the gate's, which is scikit-learn's
    auc = roc_auc_score(H.DF.y, old.predict_proba(H.X)[:, 1])
    assert float(tags["mlnb.metric.roc_auc"]) == pytest.approx(auc, abs=1e-12)
    assert json.loads(tags["mlnb.decision"])["candidate_id"] == model_fingerprint(old)
    # data_id: sha256 of the column names and pandas' row hashes, by hand
    h = hashlib.sha256(repr(["a", "b", "y"]).encode())
    h.update(pd.util.hash_pandas_object(H.DF, index=False).to_numpy().tobytes())
    assert tags["mlnb.data_id"] == decision.data_id == "sha256:" + h.hexdigest()
    assert tags["mlnb.train_data_id"] == decision.data_id  # same rows here
    # users read the model with plain MLflow
    before = (mlflow.get_tracking_uri(), mlflow.get_registry_uri())
    try:
        mlflow.set_tracking_uri(uri)  # else MLflow creates ./mlflow.db
        mlflow.set_registry_uri(uri)
        loaded = mlflow.sklearn.load_model(f"models:/{H.NAME}@champion")
    finally:
        mlflow.set_tracking_uri(before[0])
        mlflow.set_registry_uri(before[1])
    np.testing.assert_array_equal(H.predictions(loaded), H.predictions(old))
    # and mlnb's view of the same version
    v = reg.version(H.NAME, 1)
    assert v.schema == sch
    assert v.data_id == decision.data_id
    assert v.tags == {"team": "risk"}
    assert v.metrics == {"roc_auc": pytest.approx(auc, abs=1e-12)}
    assert v.decision["blessed"] is True
    frame = reg.versions(H.NAME)
    assert list(frame.columns) == [
        "version",
        "aliases",
        "created",
        "fingerprint",
        "blessed",
        "roc_auc",
        "data_id",
        "previous",
        "description",
    ]
    assert frame.loc[0, "aliases"] == "champion"
    assert frame.loc[0, "roc_auc"] == pytest.approx(auc, abs=1e-12)


def test_a_non_sklearn_model_comes_back_as_itself(reg):
    m = Doubler(3.0)
    decision = H.bless(m, lower=0.5)
    p = _promote(m, decision, reg)
    assert p.promoted
    back = reg.load(H.NAME)
    assert isinstance(back, Doubler) and back.k == 3.0
    v = reg.champion(H.NAME)
    assert v.tags == {} and v.fingerprint == decision.candidate_id


def test_sqlite_uri_keeps_artefacts_beside_the_database(registry_template, tmp_path):
    import shutil

    from mlnb.runtime.registry import registry

    db = tmp_path / "store" / "models.db"
    db.parent.mkdir()
    shutil.copyfile(registry_template, db)
    reg = registry(f"sqlite:///{db}")
    m = H.models()[0]
    assert _promote(m, H.bless(m), reg).promoted
    assert reg.location == str(tmp_path / "store" / "models-mlnb")
    assert reg.champion(H.NAME).source.startswith(reg.location)
    assert registry(f"sqlite:///{db}").champion(H.NAME).version == "1"


def test_gc_lists_and_removes_leftovers(reg, trio):
    old = trio[0]
    _promote(old, H.bless(old), reg)
    tmp = os.path.join(reg.location, "tmp", "dead")
    orphan = os.path.join(reg.location, "models", H.NAME, "orphan")
    os.makedirs(tmp)
    os.makedirs(orphan)
    assert reg.gc() == [tmp, orphan]
    assert os.path.exists(tmp)
    assert reg.gc(dry_run=False) == [tmp, orphan]
    assert reg.gc() == [] and not os.path.exists(orphan)
    np.testing.assert_array_equal(H.predictions(reg.load(H.NAME)), H.predictions(old))


def test_promotion_dict_frame_and_escaped_html(reg, trio):
    from mlnb.render.registry import versions_html

    old = trio[0]
    p = _promote(old, H.bless(old), reg, description="<script>x</script>")
    d = p.to_dict()
    json.dumps(d)
    assert d["check"] == "promotion" and d["version"] == "1" and d["promoted"]
    f = p.to_frame()
    assert f.shape == (1, 9) and f.loc[0, "version"] == "1"
    html = p._repr_html_()
    assert "income v1 is now champion" in html and "<script" not in html
    table = versions_html(reg.versions(H.NAME), name="<b>", location=reg.location)
    assert "&lt;script&gt;" in table and "<script" not in table and "&lt;b&gt;" in table
    assert "<script" not in reg._repr_html_()
    rec = p.record()
    assert (rec["step"], rec["check"], rec["status"]) == (
        "deployment",
        "promotion",
        "pass",
    )


def test_step_8_status_is_the_worst_of_its_checks(reg, trio):
    """validate_data, gate and promotion each keep their newest record."""
    from mlnb.checklist import session
    from mlnb.checks.deployment import schema, validate_data
    from mlnb.runtime.registry import promote

    old, new, _ = trio
    session.clear()
    try:
        validate_data(H.DF, schema(H.DF))  # publishes: pass
        good = H.bless(old, publish=True)
        promote(old, good, registry=reg, name=H.NAME)
        names = [r["check"] for r in session.checks("deployment")]
        assert names == ["validate_data", "gate", "promotion"]
        assert session.step_status("deployment") == "pass"
        bad = H.bless(new, reg.load(H.NAME), lower=0.99, publish=True)  # fails
        p = promote(new, bad, registry=reg, name=H.NAME)
        assert not p.promoted
        assert session.step_status("deployment") == "fail"
        fixed = H.bless(new, reg.load(H.NAME), publish=True)
        assert promote(new, fixed, registry=reg, name=H.NAME).promoted
        assert session.step_status("deployment") == "pass"
    finally:
        session.clear()
