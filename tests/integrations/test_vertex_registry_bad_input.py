# ruff: noqa: F811  (pytest fixtures imported from vertexserver)
"""Bad input to the Vertex AI registry backend: each case names the argument and
the fix, and nothing reaches the server (its request log stays empty)."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from vertexserver import vertex_sdk, vertex_server  # noqa: F401

from mlnb.errors import MlnbError, MlnbValueError

pytestmark = pytest.mark.extra("vertex", module="google.cloud.aiplatform")


@pytest.fixture
def bare_sdk(vertex_sdk, vertex_server, monkeypatch, tmp_path):
    """The SDK pointed at the server with nothing else set: no project, region,
    bucket, and no credentials to be found anywhere."""
    from google.cloud.aiplatform import initializer

    for var in ("GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_REGION", "CLOUD_ML_REGION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # no metadata-server probe
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))  # no ADC file
    initializer.global_config.__init__()
    vertex_sdk.init(api_transport="rest", api_endpoint=vertex_server.url)
    return vertex_sdk


def _anonymous():
    import google.auth.credentials

    return google.auth.credentials.AnonymousCredentials()


FULL = {"project": "p", "location": "us-central1", "staging_bucket": "gs://b"}


@pytest.mark.parametrize(
    ("missing", "words"),
    [
        ("project", ["project (pass project='my-project'", "aiplatform.init("]),
        ("location", ["location (pass location='us-central1'"]),
        ("staging_bucket", ["staging_bucket (pass staging_bucket='gs://my-bucket'",
                            "the models are stored there"]),
    ],
)  # fmt: skip
def test_a_missing_setting_is_named_and_nothing_is_sent(
    bare_sdk, vertex_server, missing, words
):
    from mlnb.integrations.vertex_registry import open_registry

    kwargs = {k: v for k, v in FULL.items() if k != missing}
    with pytest.raises(MlnbValueError) as info:
        open_registry(credentials=_anonymous(), **kwargs)
    for w in words:
        assert w in str(info.value)
    for other in set(FULL) - {missing}:
        assert f"{other} (pass" not in str(info.value)
    assert vertex_server.requests == []


def test_missing_credentials_say_how_to_log_in(bare_sdk, vertex_server):
    from mlnb.integrations.vertex_registry import open_registry

    with pytest.raises(MlnbError, match="gcloud auth application-default login"):
        open_registry(**FULL)
    assert vertex_server.requests == []


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"staging_bucket": "b"}, ["staging_bucket", "gs://my-bucket"]),
        ({"serving_container_image_uri": 3}, ["serving_container_image_uri",
                                              "leave it out"]),
        ({"serving_container_image_uri": ""}, ["serving_container_image_uri"]),
    ],
)  # fmt: skip
def test_bad_settings(vertex_sdk, vertex_server, kwargs, words):
    from mlnb.integrations.vertex_registry import open_registry

    with pytest.raises(MlnbValueError) as info:
        open_registry(**kwargs)
    for w in words:
        assert w in str(info.value)
    assert vertex_server.requests == []


@pytest.fixture
def backend(vertex_sdk, tmp_path, monkeypatch):
    from mlnb.integrations.vertex_registry import open_registry

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return open_registry()


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda b: b.set_alias("m", "Champion_1", "1"), ["alias 'Champion_1'",
                                                        "e.g. 'champion'"]),
        (lambda b: b.alias_version("m", "x"), ["alias 'x'", "2 to 128"]),
        (lambda b: b.alias_version("m", "9lives"), ["alias '9lives'"]),
        (lambda b: b.versions('a"b'), ["name 'a\"b'", "choose another name"]),
        (lambda b: b.versions("a/b"), ["name 'a/b'"]),
        (lambda b: b.versions(""), ["name must be", "non-empty"]),
        (lambda b: b.versions("x" * 129), ["at most 128"]),
        (lambda b: b.create_version("m", threading_lock(), tags={}),
         ["cannot be pickled", "picklable model"]),
        (lambda b: b.lock("", 1), ["name must be"]),
    ],
)  # fmt: skip
def test_bad_arguments_are_refused_before_any_request(
    backend, vertex_server, call, words
):
    with pytest.raises(MlnbValueError) as info:
        call(backend)
    for w in words:
        assert w in str(info.value)
    assert vertex_server.requests == []


def threading_lock():
    import threading

    return threading.Lock()


def test_an_unknown_option_of_the_factory(vertex_sdk):
    from mlnb.integrations.vertex_registry import open_backend

    with pytest.raises(MlnbValueError, match="takes project, location.*got region"):
        open_backend(region="us-central1")


def test_an_alias_vertex_refuses_stops_promote_before_any_upload(
    backend, vertex_server
):
    """mlnb's aliases may hold '_'; Vertex AI's may not. promote() reads the alias
    before it writes, so nothing is uploaded or registered."""
    from mlnb.checks.deployment import ValueThreshold, gate
    from mlnb.runtime.registry.promote import promote
    from mlnb.runtime.registry.registry import ModelRegistry

    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0] * 10, "y": [0, 0, 1, 1] * 10})
    model = LogisticRegression().fit(frame[["a"]], frame.y)
    decision = gate(
        model,
        data=frame,
        label="y",
        thresholds=[ValueThreshold("accuracy", lower=0.5)],
        features=["a"],
        publish=False,
    )
    assert decision.blessed
    with pytest.raises(MlnbValueError, match="alias 'my_champion'.*e.g. 'champion'"):
        promote(
            model,
            decision,
            registry=ModelRegistry(backend),
            name="m",
            alias="my_champion",
            publish=False,
        )
    assert vertex_server.requests_to("POST") == []
