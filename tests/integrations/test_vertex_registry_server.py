# ruff: noqa: F811  (pytest fixtures imported from vertexserver)
"""The local Vertex AI server's Model Registry (tests/vertexserver.py) checks what
Vertex AI checks: the real SDK for what it lets through, raw HTTP for what the SDK
already refuses on its side."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from vertexserver import vertex_sdk, vertex_server  # noqa: F401

pytestmark = pytest.mark.extra("vertex", module="google.cloud.aiplatform")

IMAGE = "example.org/serve:1"
MODELS = "/v1/projects/p/locations/us-central1/models"


def _post(server, path, body):
    request = urllib.request.Request(
        server.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _upload(aip, name="m", **kw):
    return aip.Model.upload(
        display_name=name,
        artifact_uri="gs://b/x",
        serving_container_image_uri=IMAGE,
        **kw,
    )


def test_versions_aliases_and_the_default_alias(vertex_sdk, vertex_server):
    aip = vertex_sdk
    v1 = _upload(aip, is_default_version=False)  # the first is default regardless
    assert v1.version_id == "1" and v1.version_aliases == ["default"]
    v2 = _upload(aip, parent_model=v1.resource_name, is_default_version=False)
    assert (v2.resource_name, v2.version_id, v2.version_aliases) == (
        v1.resource_name, "2", []
    )  # fmt: skip
    v3 = _upload(aip, parent_model=v1.resource_name, version_aliases=["staging"])
    assert sorted(v3.version_aliases) == ["default", "staging"]
    registry = aip.models.ModelRegistry(v1.resource_name)
    assert [v.version_aliases for v in registry.list_versions()] == [
        [], [], ["staging", "default"]
    ]  # fmt: skip
    registry.add_version_aliases(["staging", "default"], "1")  # both move
    assert [v.version_aliases for v in registry.list_versions()] == [
        ["staging", "default"], [], []
    ]  # fmt: skip
    registry.remove_version_aliases(["staging"], "1")
    assert registry.get_version_info("1").version_aliases == ["default"]
    # one model in the list, its default version; filters by name and label
    assert [m.version_id for m in aip.Model.list()] == ["1"]
    assert aip.Model.list(filter='display_name="other"') == []
    _upload(aip, name="other", labels={"team": "risk"})
    found = aip.Model.list(filter='labels.team="risk"')
    assert [m.display_name for m in found] == ["other"]
    assert aip.Model(model_name=v1.resource_name + "@2").version_id == "2"


def test_vertex_refusals(vertex_sdk, vertex_server):
    from google.api_core import exceptions

    aip = vertex_sdk
    with pytest.raises(exceptions.NotFound):
        _upload(aip, parent_model="projects/p/locations/us-central1/models/404")
    v1 = _upload(aip)
    registry = aip.models.ModelRegistry(v1.resource_name)
    with pytest.raises(exceptions.BadRequest, match="default alias cannot be removed"):
        registry.remove_version_aliases(["default"], "1")
    with pytest.raises(exceptions.BadRequest, match="Invalid version alias"):
        registry.add_version_aliases(["Bad_alias"], "1")
    with pytest.raises(exceptions.NotFound):
        registry.add_version_aliases(["ok"], "9")
    vertex_server.models.fail_next_upload("no model file", code=9)
    with pytest.raises(exceptions.FailedPrecondition, match="no model file"):
        _upload(aip, parent_model=v1.resource_name)
    assert len(vertex_server.models.versions[v1.resource_name]) == 1


@pytest.mark.parametrize(
    ("model", "words"),
    [
        ({"containerSpec": {"imageUri": IMAGE}}, "displayName is required"),
        ({"displayName": "m"}, "containerSpec.imageUri is required"),
        ({"displayName": "m", "containerSpec": {"imageUri": IMAGE},
          "artifactUri": "/tmp/m"}, "must be a gs:// URI"),
        ({"displayName": "m", "containerSpec": {"imageUri": IMAGE},
          "labels": {"Team": "x"}}, "invalid label key 'Team'"),
        ({"displayName": "m", "containerSpec": {"imageUri": IMAGE},
          "labels": {"team": "X" * 3}}, "invalid label value"),
        ({"displayName": "m", "containerSpec": {"imageUri": IMAGE},
          "labels": {"t": "x" * 64}}, "invalid label value"),
        ({"displayName": "m", "containerSpec": {"imageUri": IMAGE},
          "labels": {f"k{i}": "v" for i in range(65)}}, "at most 64 labels"),
        ({"displayName": "m", "containerSpec": {"imageUri": IMAGE},
          "versionAliases": ["a_b"]}, "Invalid version alias"),
        ({"displayName": "m", "containerSpec": {"imageUri": IMAGE},
          "versionAliases": ["ab", "ab"]}, "Duplicate version aliases"),
    ],
)  # fmt: skip
def test_uploads_are_checked_as_vertex_checks_them(vertex_server, model, words):
    code, body = _post(vertex_server, MODELS + ":upload", {"model": model})
    assert code == 400 and words in body["error"]["message"]
    assert vertex_server.models.versions == {}


def test_labels_at_the_limits_are_accepted(vertex_server):
    labels = {"k" + "x" * 62: "v" * 63, "e": ""}
    model = {"displayName": "m", "containerSpec": {"imageUri": IMAGE},
             "labels": labels}  # fmt: skip
    code, op = _post(vertex_server, MODELS + ":upload", {"model": model})
    assert code == 200 and op["done"] and op["response"]["modelVersionId"] == "1"
    [versions] = vertex_server.models.versions.values()
    assert versions[0]["labels"] == labels


def test_storage_generation_preconditions(vertex_sdk, vertex_server):
    import google.auth.credentials
    from google.api_core import exceptions
    from google.cloud import storage

    client = storage.Client(
        project="p", credentials=google.auth.credentials.AnonymousCredentials()
    )
    blob = client.bucket("b").blob("f.txt")
    blob.upload_from_string(b"one\n", if_generation_match=0)  # only if absent
    with pytest.raises(exceptions.PreconditionFailed):
        blob.upload_from_string(b"two\n", if_generation_match=0)
    got = client.bucket("b").get_blob("f.txt")
    got.upload_from_string(b"two\n", if_generation_match=got.generation)
    assert client.bucket("b").blob("f.txt").download_as_bytes() == b"two\n"
    assert [b.name for b in client.list_blobs("b", prefix="f")] == ["f.txt"]
    client.bucket("b").blob("f.txt").delete()
    assert vertex_server.storage.objects == {}
