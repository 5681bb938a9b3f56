"""Bad input to registry(), promote(), rollback() and the registry's readers: an
MlnbError that names the argument and the fix (table-driven)."""

from __future__ import annotations

import pytest
import registry_helpers as H

from mlnb.errors import MlnbValueError

pytestmark = pytest.mark.extra("registry", module="mlflow")


@pytest.fixture(scope="module")
def model():
    return H.models()[0]


@pytest.fixture(scope="module")
def decision(model):
    return H.bless(model)


@pytest.fixture
def reg(registry_template, tmp_path):
    return H.fresh(registry_template, str(tmp_path / "reg"))


PROMOTE_CASES = [
    ({"name": ""}, "name must be a non-empty string"),
    ({"name": "   "}, "name must be a non-empty string"),
    ({"name": 5}, "name must be a non-empty string"),
    ({"name": "a/b"}, "name: 'a/b' is not a valid model name"),
    ({"name": "a:b"}, "no '/', ':'"),
    ({"name": "in come"}, "is not a valid model name"),
    ({"name": "..x"}, "starting with a letter or digit"),
    ({"alias": "not valid"}, "alias must be an identifier"),
    ({"alias": "latest"}, "'latest' and 'v<number>' are reserved"),
    ({"alias": "v3"}, "'latest' and 'v<number>' are reserved"),
    ({"alias": "1st"}, "alias must be an identifier"),
    ({"tags": ["a"]}, "tags must be a dict of str → str"),
    ({"tags": {1: "a"}}, "tags must map non-empty str keys to str values"),
    ({"tags": {"a": 1}}, "convert values with str()"),
    ({"tags": {"mlnb.x": "y"}}, "mlnb reserves for lineage"),
    ({"publish": "yes"}, "publish must be True or False"),
    ({"timeout": -1}, "timeout must be 0 or more seconds"),
    ({"timeout": "3"}, "timeout must be a number of seconds"),
    ({"validation": "ok"}, "validation must be the ValidationResult"),
    ({"schema": {"a": 1}}, "schema must be a Schema"),
    ({"data": 5}, "data must be the training rows as a table"),
    ({"description": 3}, "description must be a string or None"),
    ({"registry": None}, "registry must be a ModelRegistry or a folder path"),
    ({"registry": 5}, "registry must be a folder path"),
]


@pytest.mark.parametrize(("changes", "message"), PROMOTE_CASES)
def test_promote_bad_input(reg, model, decision, changes, message):
    from mlnb.runtime.registry import promote

    kw = {"registry": reg, "name": H.NAME, "publish": False, **changes}
    with pytest.raises(MlnbValueError) as info:
        promote(model, decision, **kw)
    assert message in str(info.value)
    assert reg.names() == []  # nothing written


def test_decision_must_be_a_gate_decision(reg, model):
    from mlnb.runtime.registry import promote

    with pytest.raises(MlnbValueError, match="decision must be the GateDecision"):
        promote(model, {"blessed": True}, registry=reg, name=H.NAME)


def test_decision_about_another_model(reg, decision):
    from mlnb.runtime.registry import promote

    other = H.models()[1]
    with pytest.raises(MlnbValueError) as info:
        promote(other, decision, registry=reg, name=H.NAME)
    text = str(info.value)
    assert "this decision was made for another model (sha256:" in text
    assert "gate this model first" in text


def test_registry_path_that_is_a_file(tmp_path):
    from mlnb.runtime.registry import registry

    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(MlnbValueError, match="is a file, not a folder"):
        registry(str(f))


def test_damaged_database(tmp_path):
    from mlnb.runtime.registry import registry

    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "registry.db").write_bytes(b"this is no database at all, sorry")
    with pytest.raises(MlnbValueError, match="is not a SQLite database .*restore it"):
        registry(str(folder))


def test_truncated_database(registry_template, tmp_path):
    from mlnb.runtime.registry import registry

    folder = tmp_path / "cut"
    folder.mkdir()
    with open(registry_template, "rb") as fh:
        data = fh.read()
    (folder / "registry.db").write_bytes(data[:4096])
    with pytest.raises(MlnbValueError, match="cannot be opened as an MLflow registry"):
        registry(str(folder))


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("sqlite://relative.db", "is not a SQLite URI with a path"),
        ("", "registry must be a folder path"),
    ],
)
def test_registry_bad_location(where, message):
    from mlnb.runtime.registry import registry

    with pytest.raises(MlnbValueError, match=message):
        registry(where)


def test_options_for_a_local_registry(tmp_path):
    from mlnb.runtime.registry import registry

    with pytest.raises(MlnbValueError, match="a local registry takes no options"):
        registry(str(tmp_path / "r"), project="p")


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (9, "'income' has no version '9'; it has 1"),
        ("abc", "version must be a positive version number"),
        (0, "version must be a positive version number"),
        (True, "version must be a version number"),
        (1.5, "version must be a version number"),
    ],
)
def test_unknown_or_bad_version(reg, model, decision, version, message):
    from mlnb.runtime.registry import promote

    promote(model, decision, registry=reg, name=H.NAME, publish=False)
    with pytest.raises(MlnbValueError, match=message):
        reg.load(H.NAME, version)


def test_load_without_a_champion(reg):
    with pytest.raises(MlnbValueError, match="has no 'champion'.*promote a model"):
        reg.load(H.NAME)
    assert reg.champion(H.NAME) is None
    assert reg.versions(H.NAME).empty and reg.history(H.NAME).empty


def test_rollback_bad_input(reg):
    from mlnb.runtime.registry import rollback

    with pytest.raises(MlnbValueError, match="alias must be an identifier"):
        rollback(reg, H.NAME, alias="a b")
    with pytest.raises(MlnbValueError, match="publish must be True or False"):
        rollback(reg, H.NAME, publish=1)
    with pytest.raises(MlnbValueError, match="name must be a non-empty string"):
        rollback(reg, "")


def test_gc_dry_run_must_be_bool(reg):
    with pytest.raises(MlnbValueError, match="dry_run must be True or False"):
        reg.gc(dry_run="no")


def test_detached_version_cannot_load():
    from mlnb.runtime.registry import ModelVersion

    with pytest.raises(MlnbValueError, match="not attached to a registry"):
        ModelVersion(name="a", version="1").load()
