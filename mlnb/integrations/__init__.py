"""Bridges to other tools, each behind an optional extra.

- :mod:`mlnb.integrations.tfma` — TensorFlow Model Analysis on Apache Beam
  (``pip install "mlnb[tfma]"``): ``sliced_metrics(..., engine="tfma")`` and
  :func:`~mlnb.integrations.tfma.from_tfma`.
- :mod:`mlnb.integrations.keras` — a small Keras network for prototypes
  (``mlnb[tensorflow]``).
- :mod:`mlnb.integrations.shap` — TreeSHAP for ``mlnb.explain`` (``mlnb[shap]``).
- :mod:`mlnb.integrations.gradients` — integrated gradients of Keras models for
  ``mlnb.explain`` (``mlnb[tensorflow]``).
- :mod:`mlnb.integrations.tfexample` — ``tf.train.Example`` to and from tables, for
  ``WitConfigBuilder`` (no TensorFlow import needed to read them).
- :mod:`mlnb.integrations.vertex` — Vertex AI Model Monitoring objectives from drift
  reports (``mlnb[vertex]``).
- :mod:`mlnb.integrations.vertex_training` — training on Vertex AI for
  ``mlnb.train``: custom jobs, hyperparameter tuning jobs and AutoML tabular
  (``mlnb[vertex]``).
- :mod:`mlnb.integrations.vertex_registry` — Vertex AI Model Registry as the
  backend of ``mlnb.registry("vertex", ...)`` / ``mlnb.promote`` (``mlnb[vertex]``);
  :mod:`mlnb.integrations.vertex_settings` holds the project/region/bucket checks
  both Vertex modules share.
- :mod:`mlnb.integrations.mlflow_registry` — the local model registry of
  ``mlnb.registry`` / ``mlnb.promote`` on MLflow's model registry in a SQLite store
  (``mlnb[registry]``: mlflow-skinny).

Nothing here is imported by ``import mlnb``; each module imports its tool inside
the functions that need it.
"""
