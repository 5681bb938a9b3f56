"""Magic test fixtures: the local Vertex AI server (tests/vertexserver.py), for
``%mlcheck train --backend vertex``."""

from vertexserver import vertex_sdk, vertex_server  # noqa: F401
