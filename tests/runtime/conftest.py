"""Runtime test fixtures: the local Vertex AI server (tests/vertexserver.py)."""

from vertexserver import vertex_sdk, vertex_server  # noqa: F401
