"""Step 8's model registry: versions with their lineage, conditional promotion and
rollback (:mod:`~mlnb.runtime.registry.base` holds the backend contract).

Nothing heavy is imported here: MLflow and the Vertex AI SDK load only when a
registry of that kind is opened.
"""
