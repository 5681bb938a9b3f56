"""Preloaded by the registry tests' fork server: one full promotion into a
throwaway copy of the template registry, so every forked child starts with MLflow's
lazy imports and SQLAlchemy's mappers ready (a cold first promotion takes seconds)."""

from __future__ import annotations

import os
import shutil
import tempfile

_DB = os.environ.get("MLNB_TEST_REGISTRY_TEMPLATE")
if _DB:
    import registry_helpers as H

    from mlnb.runtime.registry import promote

    _dir = tempfile.mkdtemp(prefix="mlnb-warm-")
    try:
        _reg = H.fresh(_DB, _dir)
        _m = H.models()[0]
        promote(_m, H.bless(_m), registry=_reg, name=H.NAME, publish=False)
        _reg.load(H.NAME)
        _reg.versions(H.NAME)
    finally:
        shutil.rmtree(_dir, ignore_errors=True)
