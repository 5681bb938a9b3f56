"""Bridges to other tools, each behind an optional extra.

- :mod:`mlnb.integrations.tfma` — TensorFlow Model Analysis on Apache Beam
  (``pip install "mlnb[tfma]"``): ``sliced_metrics(..., engine="tfma")`` and
  :func:`~mlnb.integrations.tfma.from_tfma`.

Nothing here is imported by ``import mlnb``; each module imports its tool inside
the functions that need it.
"""
