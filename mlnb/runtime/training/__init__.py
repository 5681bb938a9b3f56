"""Step 3 — training that is too slow: what accelerators this machine has and what
Vertex AI offers (:func:`accelerators`, :mod:`.vertex_catalog`), the ground the
training launcher stands on.

Nothing here imports TensorFlow, PyTorch or the Google Cloud SDK.
"""

from __future__ import annotations

from .accelerators import GPU, Accelerators, accelerators
from .vertex_catalog import check_accelerator, valid_accelerators

__all__ = [
    "accelerators",
    "Accelerators",
    "GPU",
    "check_accelerator",
    "valid_accelerators",
]
