"""Runtime test fixtures: the local Vertex AI server (tests/vertexserver.py)."""

import pytest
from vertexserver import vertex_sdk, vertex_server  # noqa: F401


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory):
    """A migrated, empty MLflow registry database, made once (MLflow creates its
    tables in seconds); registry tests copy it (registry_helpers.fresh)."""
    pytest.importorskip("mlflow")
    import registry_helpers

    return registry_helpers.make_template(str(tmp_path_factory.mktemp("registry")))
