# ruff: noqa: F811  (pytest fixtures imported from vertexserver)
"""Vertex AI Model Registry as a registry backend, through the real SDK against the
local Vertex AI server (tests/vertexserver.py): what the server holds is read back
from the server, never from the backend's own cache."""

from __future__ import annotations

import json
import os
import re
import threading
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from vertexserver import vertex_sdk, vertex_server  # noqa: F401

from mlnb.checks.deployment import ValueThreshold, gate, model_fingerprint
from mlnb.errors import MlnbError, MlnbValueError

pytestmark = pytest.mark.extra("vertex", module="google.cloud.aiplatform")

NAME = "churn"
LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}\Z")
LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}\Z")


def _frame(n=300, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["y"] = ((df.a + 0.5 * df.b + rng.normal(size=n) * 0.7) > 0).astype(int)
    return df


DF = _frame()
M1 = LogisticRegression().fit(DF[["a", "b"]], DF.y)
M2 = LogisticRegression(C=0.01).fit(DF[["a", "b"]], DF.y)


def _tags(model, *, lower=0.5, extra=None):
    from mlnb.runtime.registry.lineage import lineage_tags

    decision = gate(
        model,
        data=DF,
        label="y",
        thresholds=[ValueThreshold("roc_auc", lower=lower)],
        features=["a", "b"],
        publish=False,
    )
    return decision, lineage_tags(
        fingerprint=model_fingerprint(model), decision=decision, tags=extra
    )


@pytest.fixture
def registry(vertex_sdk, tmp_path, monkeypatch):
    from mlnb.integrations.vertex_registry import open_registry

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return open_registry()


def _server_versions(server, name=NAME):
    [(model, versions)] = [
        (m, vs)
        for m, vs in server.models.versions.items()
        if vs[0]["displayName"] == name
    ]
    return model, versions


def test_first_and_second_version_share_one_model(registry, vertex_server):
    _, tags1 = _tags(M1)
    v1 = registry.create_version(NAME, M1, tags=tags1, description="first")
    _, tags2 = _tags(M2)
    v2 = registry.create_version(NAME, M2, tags=tags2)
    model, versions = _server_versions(vertex_server)
    assert [v["versionId"] for v in versions] == ["1", "2"] == [v1.version, v2.version]
    uploads = [r.body for r in vertex_server.requests_to("POST", "models:upload")]
    assert "parentModel" not in uploads[0] and uploads[1]["parentModel"] == model
    # Vertex gives version 1 'default'; version 2 leaves it there (no alias of ours)
    assert versions[0]["versionAliases"] == ["default"]
    assert versions[1]["versionAliases"] == []
    for body, v in zip(uploads, versions):
        uri = body["model"]["artifactUri"]
        assert re.fullmatch(r"gs://b/mlnb-registry/churn/[0-9a-f]{32}", uri)
        assert v["artifactUri"] == uri
        for file in ("model.pkl", "mlnb.json"):
            assert (
                "b",
                uri[len("gs://b/") :] + "/" + file,
            ) in vertex_server.storage.objects
    assert versions[0]["description"] == "first"
    # read back through the backend: both versions, their lineage from mlnb.json
    listed = registry.versions(NAME)
    assert [v.version for v in listed] == ["1", "2"]
    assert listed[0].fingerprint == model_fingerprint(M1)
    assert listed[1].fingerprint == model_fingerprint(M2)
    assert listed[0].aliases == ("default",) and listed[1].aliases == ()
    assert listed[0].description == "first"
    assert listed[0].source == versions[0]["artifactUri"]
    assert registry.get_version(NAME, "2") == listed[1]
    assert registry.names() == [NAME]


def test_names_list_only_models_registered_by_mlnb(registry, vertex_server):
    vertex_server.models.add("someone-elses", labels={"team": "risk"})
    assert registry.names() == []
    registry.create_version(NAME, M1, tags=_tags(M1)[1])
    assert registry.names() == [NAME]
    # a model registered without mlnb is readable, with no lineage
    [foreign] = registry.versions("someone-elses")
    assert foreign.version == "1" and foreign.fingerprint is None
    assert registry.versions("unknown") == []


def test_labels_carry_the_gate_result_in_vertex_format(registry, vertex_server):
    decision, tags = _tags(M1, extra={"team": "risk", "Owner Name": "Ann"})
    assert decision.blessed
    registry.create_version(NAME, M1, tags=tags)
    failing, bad_tags = _tags(M2, lower=0.999)
    assert not failing.blessed
    registry.create_version(NAME, M2, tags=bad_tags)
    _, versions = _server_versions(vertex_server)
    first, second = versions[0]["labels"], versions[1]["labels"]
    assert first["mlnb-blessed"] == "true" and second["mlnb-blessed"] == "false"
    assert first["mlnb-status"] == decision.status
    assert second["mlnb-status"] == failing.status == "fail"
    assert first["mlnb-fingerprint"] == model_fingerprint(M1).split(":")[1][:16]
    assert first["mlnb-data"] == decision.data_id.split(":")[1][:16]
    assert first["mlnb-registry"] == "true"
    assert first["team"] == "risk" and "Owner Name" not in first
    for labels in (first, second):
        for k, v in labels.items():
            assert LABEL_KEY.match(k) and LABEL_VALUE.match(v), (k, v)
    # the full tag set, the user's too, is in the artefact's mlnb.json
    meta = json.loads(
        vertex_server.storage.objects[
            ("b", versions[0]["artifactUri"][len("gs://b/") :] + "/mlnb.json")
        ]
    )
    assert meta["tags"]["Owner Name"] == "Ann"
    assert json.loads(meta["tags"]["mlnb.decision"])["status"] == decision.status
    assert registry.get_version(NAME, "1").tags == {"team": "risk", "Owner Name": "Ann"}


def test_the_alias_moves_from_v1_to_v2_on_the_server(registry, vertex_server):
    registry.create_version(NAME, M1, tags=_tags(M1)[1])
    registry.create_version(NAME, M2, tags=_tags(M2)[1])
    assert registry.alias_version(NAME, "champion") is None
    registry.set_alias(NAME, "champion", "1")
    model, versions = _server_versions(vertex_server)
    assert [v["versionAliases"] for v in versions] == [["default", "champion"], []]
    registry.set_alias(NAME, "champion", "2")
    _, versions = _server_versions(vertex_server)
    assert [v["versionAliases"] for v in versions] == [["default"], ["champion"]]
    merge = vertex_server.requests_to("POST", ":mergeVersionAliases")[-1]
    assert merge.path.endswith(f"{model}@2:mergeVersionAliases")
    assert merge.body == {"versionAliases": ["champion"]}
    champion = registry.alias_version(NAME, "champion")
    assert champion.version == "2" and champion.fingerprint == model_fingerprint(M2)
    # rolling back moves it again, in one call
    registry.set_alias(NAME, "champion", "1")
    _, versions = _server_versions(vertex_server)
    assert [v["versionAliases"] for v in versions] == [["default", "champion"], []]


def test_load_returns_a_model_with_equal_predictions(registry):
    created = registry.create_version(NAME, M1, tags=_tags(M1)[1])
    loaded = registry.load(NAME, created.version)
    X = DF[["a", "b"]]
    np.testing.assert_array_equal(loaded.predict_proba(X), M1.predict_proba(X))
    assert created.loaded_fingerprint == model_fingerprint(loaded)
    assert created.fingerprints()[0] == model_fingerprint(M1)


def test_set_tags_and_history_are_read_back(registry, vertex_server):
    registry.create_version(NAME, M1, tags=_tags(M1)[1])
    registry.create_version(NAME, M2, tags=_tags(M2)[1])
    registry.set_tags(NAME, "2", {"mlnb.previous": "1", "note": "ok"})
    v2 = registry.get_version(NAME, "2")
    assert v2.previous == "1" and v2.tags["note"] == "ok"
    assert v2.fingerprint == model_fingerprint(M2)  # earlier tags kept
    assert list(registry.history(NAME)) == []
    events = [
        {"action": "promote", "version": "1", "previous": None, "alias": "champion"},
        {"action": "promote", "version": "2", "previous": "1", "alias": "champion"},
    ]
    registry.record_event(NAME, events[0])
    # a writer that lost the race (412 on its conditional write) reads again
    vertex_server.inject(412, method="POST", path="/upload/storage", message="moved")
    registry.record_event(NAME, events[1])
    assert [r.status for r in vertex_server.requests_to("POST", "/upload/")][-2:] == [
        412,
        200,
    ]
    assert list(registry.history(NAME)) == events
    raw = vertex_server.storage.objects[("b", "mlnb-registry/churn/history.jsonl")]
    assert [json.loads(x) for x in raw.decode().splitlines()] == events


def test_a_failed_upload_operation_raises_and_registers_nothing(
    registry, vertex_server
):
    from google.api_core import exceptions

    from mlnb.integrations.vertex_registry import VertexRegistryError

    vertex_server.models.fail_next_upload("Model directory is not readable.")
    with pytest.raises(VertexRegistryError) as info:
        registry.create_version(NAME, M1, tags=_tags(M1)[1])
    message = str(info.value)
    assert "Model directory is not readable." in message
    assert "artefact stays at gs://b/mlnb-registry/churn/" in message
    assert isinstance(info.value.__cause__, exceptions.GoogleAPICallError)
    assert vertex_server.models.versions == {}
    # the orphaned artefact is garbage: listed, then removed
    orphans = registry.collect_garbage(min_age_s=0)
    assert len(orphans) == 1 and orphans[0] in message
    assert registry.collect_garbage(dry_run=False, min_age_s=0) == orphans
    assert not any(
        k[1].startswith("mlnb-registry/") for k in vertex_server.storage.objects
    )
    # a fresh one is left alone (a promotion may be in flight)
    vertex_server.models.fail_next_upload()
    with pytest.raises(VertexRegistryError):
        registry.create_version(NAME, M1, tags=_tags(M1)[1])
    assert registry.collect_garbage() == []


@pytest.mark.parametrize(
    ("code", "method", "path", "words"),
    [
        (403, "POST", "models:upload", ["permission denied", "roles/aiplatform.user"]),
        (403, "POST", "/upload/storage", ["permission denied", "objectAdmin"]),
        (429, "POST", "models:upload", ["quota exceeded", "Quotas"]),
    ],
)
def test_refusals_say_what_to_do(registry, vertex_server, code, method, path, words):
    from google.api_core import exceptions

    from mlnb.integrations.vertex_registry import VertexRegistryError

    vertex_server.inject(code, method=method, path=path, message="refused here")
    with pytest.raises(VertexRegistryError) as info:
        registry.create_version(NAME, M1, tags=_tags(M1)[1])
    for w in words + ["refused here"]:
        assert w in str(info.value)
    assert isinstance(info.value.__cause__, exceptions.GoogleAPICallError)


def test_unknown_model_or_version_lists_what_exists(registry):
    with pytest.raises(
        MlnbValueError, match=r"no model named 'nope'.*registered by mlnb"
    ):
        registry.get_version("nope", "1")
    registry.create_version(NAME, M1, tags=_tags(M1)[1])
    with pytest.raises(MlnbValueError, match=r"has no version '7'.*its versions: 1"):
        registry.get_version(NAME, "7")
    with pytest.raises(MlnbValueError, match="its versions: 1"):
        registry.set_alias(NAME, "champion", "7")
    with pytest.raises(MlnbValueError, match="its versions: 1"):
        registry.load(NAME, "3")


def test_the_lock_serialises_and_names_the_holder(registry, tmp_path):
    from mlnb.runtime.registry.filelock import LockTimeout

    held, release = threading.Event(), threading.Event()

    def hold():
        with registry.lock(NAME, timeout=5):
            held.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    assert held.wait(5)
    try:
        with pytest.raises(LockTimeout) as info:
            with registry.lock(NAME, timeout=0.2):
                pass  # pragma: no cover - must not get here
        assert f"pid {os.getpid()}" in str(info.value)
        assert "churn" in str(info.value) and "timeout=" in str(info.value)
        assert isinstance(info.value, MlnbError)
        with registry.lock("another-model", timeout=0.2):  # other names are free
            pass
    finally:
        release.set()
        t.join(5)
    with registry.lock(NAME, timeout=1):  # released
        pass
    # a second lock() waits for the holder to finish
    held.clear()
    release.clear()
    t = threading.Thread(target=hold)
    t.start()
    assert held.wait(5)
    timer = threading.Timer(0.3, release.set)
    timer.start()
    start = time.monotonic()
    with registry.lock(NAME, timeout=5):
        waited = time.monotonic() - start
    t.join(5)
    assert waited >= 0.25
    assert list((tmp_path / "cache" / "mlnb" / "locks").glob("vertex-*.lock"))


def test_the_default_serving_image_comes_from_the_sdk_catalogue(
    registry, vertex_server
):
    import sklearn
    from google.cloud.aiplatform import helpers

    from mlnb.integrations.vertex_registry import open_registry

    registry.create_version(NAME, M1, tags=_tags(M1)[1])
    body = vertex_server.requests_to("POST", "models:upload")[0].body
    image = body["model"]["containerSpec"]["imageUri"]
    try:
        expected = helpers.get_prebuilt_prediction_container_uri(
            "sklearn", ".".join(sklearn.__version__.split(".")[:2]), "us-central1"
        )
    except ValueError:  # the installed version is newer than the catalogue
        assert "/prediction/sklearn-cpu." in image
    else:
        assert image == expected
    mine = open_registry(serving_container_image_uri="example.org/me/serve:1")
    mine.create_version(NAME, M2, tags=_tags(M2)[1])
    body = vertex_server.requests_to("POST", "models:upload")[1].body
    assert body["model"]["containerSpec"]["imageUri"] == "example.org/me/serve:1"


# -- end to end: mlnb.promote / rollback on Vertex AI ----------------------------------
def _decision(model, baseline=None, lower=0.5):
    return gate(
        model,
        baseline,
        data=DF,
        label="y",
        thresholds=[ValueThreshold("roc_auc", lower=lower)],
        features=["a", "b"],
        publish=False,
    )


@pytest.fixture
def reg(vertex_sdk, tmp_path, monkeypatch):
    from mlnb.runtime.registry.registry import registry

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return registry(
        "vertex", project="p", location="us-central1", staging_bucket="gs://b"
    )


def test_promote_puts_a_blessed_model_on_vertex_and_rolls_back(reg, vertex_server):
    from mlnb.runtime.registry.promote import promote, rollback

    assert reg.kind == "vertex" and reg.location == "projects/p/locations/us-central1"
    first = promote(M1, _decision(M1), registry=reg, name=NAME, publish=False)
    assert first.promoted and first.version == "1"
    champion = reg.load(NAME)  # the gate's baseline is what the registry serves
    second = promote(
        M2, _decision(M2, champion), registry=reg, name=NAME, publish=False
    )
    assert second.promoted and (second.version, second.previous) == ("2", "1")
    _, versions = _server_versions(vertex_server)
    assert [v["versionAliases"] for v in versions] == [["default"], ["champion"]]
    assert versions[1]["labels"]["mlnb-blessed"] == "true"
    assert reg.backend.get_version(NAME, "2").previous == "1"
    back = rollback(reg, NAME, publish=False)
    assert back.version == "1"
    _, versions = _server_versions(vertex_server)
    assert [v["versionAliases"] for v in versions] == [["default", "champion"], []]
    actions = [e["action"] for e in reg.backend.history(NAME)]
    assert actions[:2] == ["promote", "promote"] and len(actions) == 3


def test_promote_uploads_nothing_when_the_gate_did_not_bless(reg, vertex_server):
    from mlnb.runtime.registry.promote import promote

    decision = _decision(M1, lower=0.999)
    assert not decision.blessed
    p = promote(M1, decision, registry=reg, name=NAME, publish=False)
    assert not p.promoted
    assert vertex_server.requests_to("POST", "models:upload") == []
    assert vertex_server.models.versions == {}
    assert not any(n.endswith("model.pkl") for _, n in vertex_server.storage.objects)


def test_registry_vertex_names_an_unknown_option(vertex_sdk):
    from mlnb.runtime.registry.registry import registry

    with pytest.raises(MlnbValueError, match="staging_bucket.*got bucket"):
        registry("vertex", bucket="gs://b")


CHILD = """
import sys
sys.path[:0] = {paths!r}
import google.auth.credentials
from google.cloud import aiplatform
from test_vertex_registry import M2, _decision
from mlnb.runtime.registry.promote import promote
from mlnb.runtime.registry.registry import registry

aiplatform.init(project="p", location="us-central1", api_transport="rest",
                api_endpoint={url!r}, staging_bucket="gs://b",
                credentials=google.auth.credentials.AnonymousCredentials())
reg = registry("vertex")
promote(M2, _decision(M2, reg.load("churn")), registry=reg, name="churn",
        publish=False)
print("not killed")
"""


def test_a_promotion_killed_midway_leaves_the_champion_on_the_server(
    reg, vertex_server, tmp_path
):
    """A real child process promoting against the server dies (SIGKILL) between
    the two writes (version registered, alias not moved): the champion on the
    server is still v1, and a later promotion works (the lock died with the child).
    (One point: each child imports the SDK anew; the artefact-only crash is the
    failed-upload test's orphan.)"""
    import subprocess
    import sys

    from mlnb.runtime.registry.promote import promote

    assert promote(M1, _decision(M1), registry=reg, name=NAME, publish=False).promoted
    here = os.path.dirname(os.path.abspath(__file__))
    paths = [here, os.path.dirname(here), os.getcwd()]
    point = "after_register"
    env = {**os.environ, "MLNB_FAULT_POINT": point}
    code = CHILD.format(paths=paths, url=vertex_server.url)
    child = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, timeout=120
    )
    assert child.returncode == -9, child.stderr.decode()[-2000:]
    _, versions = _server_versions(vertex_server)
    registered = 2
    assert len(versions) == registered and versions[1]["versionAliases"] == []
    assert [v["versionAliases"] for v in versions][0] == ["default", "champion"]
    assert reg.champion(NAME).version == "1"
    again = promote(
        M2, _decision(M2, reg.load(NAME)), registry=reg, name=NAME, publish=False
    )
    assert again.promoted and again.version == str(registered + 1)
    assert reg.champion(NAME).version == again.version
