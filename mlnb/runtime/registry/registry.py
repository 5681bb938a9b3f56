""":func:`registry` opens a model registry; :class:`ModelRegistry` reads it.

A registry holds named models, each with numbered versions that carry their lineage
(fingerprints, the gate decision, the data's fingerprint, the schema, metrics, the
champion each replaced) and aliases (``champion``) pointing at one version each.
Writes go through :func:`mlnb.promote` and :func:`mlnb.rollback` only.
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import Any

from ...checks.adapters import adapter
from ...errors import MlnbValueError
from .base import ModelVersion, RegistryBackend

__all__ = ["registry", "ModelRegistry", "check_name", "check_alias"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_VERSION_ALIAS = re.compile(r"[vV]\d+")


def check_name(name: Any) -> str:
    """``name`` if it is a valid registered-model name, else MlnbValueError."""
    if not isinstance(name, str) or not name.strip():
        raise MlnbValueError(
            f"name must be a non-empty string naming the model, e.g. name='income'; "
            f"got {name!r}"
        )
    if not _NAME.fullmatch(name):
        raise MlnbValueError(
            f"name: {name!r} is not a valid model name; use letters, digits, '.', "
            "'_' and '-' (starting with a letter or digit, at most 128 characters; "
            "no '/', ':', '@' or spaces), e.g. name='income'"
        )
    return name


def check_alias(alias: Any) -> str:
    """``alias`` if it is a valid alias (a Python identifier, not ``latest`` nor
    ``v<number>``, which MLflow reserves), else MlnbValueError."""
    if (
        not isinstance(alias, str)
        or not alias.isidentifier()
        or not alias.isascii()
        or alias.lower() == "latest"
        or _VERSION_ALIAS.fullmatch(alias)
    ):
        raise MlnbValueError(
            f"alias must be an identifier such as 'champion' or 'staging' (letters, "
            f"digits and '_', not starting with a digit; 'latest' and 'v<number>' "
            f"are reserved); got {alias!r}"
        )
    return alias


def registry(path_or_uri: Any = "mlnb-registry", **options: Any) -> ModelRegistry:
    """Open (creating if needed) a model registry.

    Parameters
    ----------
    path_or_uri:
        A folder (created if missing) holding an MLflow SQLite store and the model
        artefacts; or ``"sqlite:///abs/path.db"`` (artefacts beside it, in
        ``path-mlnb/``); or ``"vertex"`` for Vertex AI Model Registry (``options``:
        ``project=``, ``location=``, ...). A :class:`ModelRegistry` is returned as is.
    options:
        Backend options (only the Vertex backend takes any).

    Returns
    -------
    ModelRegistry

    Raises
    ------
    MlnbValueError
        The path is a file; the database is damaged or not SQLite; options were
        given for a local registry.
    MissingDependencyError
        MLflow is not installed (``pip install "mlnb[registry]"``).

    Examples
    --------
    >>> reg = mlnb.registry("mlnb-registry")          # doctest: +SKIP
    >>> reg.versions("income")                         # doctest: +SKIP
    """
    if isinstance(path_or_uri, ModelRegistry):
        if options:
            raise MlnbValueError(
                "registry: options apply when opening a registry; got an open "
                f"ModelRegistry and {sorted(options)}; drop the options"
            )
        return path_or_uri
    if isinstance(path_or_uri, RegistryBackend):
        return ModelRegistry(path_or_uri)
    if not isinstance(path_or_uri, (str, os.PathLike)) or not str(path_or_uri).strip():
        raise MlnbValueError(
            "registry must be a folder path, a 'sqlite:///abs/path.db' URI, "
            f"'vertex' or a ModelRegistry; got {path_or_uri!r}"
        )
    text = os.fspath(path_or_uri)
    if text == "vertex":
        return ModelRegistry(adapter("vertex_registry", "open_backend")(**options))
    if options:
        raise MlnbValueError(
            f"registry: a local registry takes no options; got {sorted(options)} "
            "(project=/location= are for mlnb.registry('vertex', ...))"
        )
    return ModelRegistry(adapter("mlflow_registry", "open_backend")(text))


class ModelRegistry:
    """A model registry: read versions, lineage and history; load models.

    Open one with :func:`mlnb.registry`. Promote with :meth:`promote` (or
    :func:`mlnb.promote`) and roll back with :meth:`rollback`.
    """

    def __init__(self, backend: RegistryBackend) -> None:
        self.backend = backend

    @property
    def location(self) -> str:
        """Where the registry is (a folder, or a cloud location)."""
        return self.backend.location

    @property
    def kind(self) -> str:
        """``"mlflow"`` or ``"vertex"``."""
        return self.backend.kind

    def _bind(self, v: ModelVersion | None) -> ModelVersion | None:
        if v is None:
            return None
        return dataclasses.replace(v, _loader=self.backend.load)

    def names(self) -> list[str]:
        """The registered model names, sorted."""
        return self.backend.names()

    def version(self, name: str, version: Any) -> ModelVersion:
        """One version of ``name`` (an unknown one raises, listing those that exist)."""
        check_name(name)
        return self._bind(self.backend.get_version(name, _version(version)))

    def champion(self, name: str, alias: str = "champion") -> ModelVersion | None:
        """The version ``alias`` points at, or None."""
        check_name(name)
        check_alias(alias)
        return self._bind(self.backend.alias_version(name, alias))

    def load(self, name: str, version: Any = None, *, alias: str = "champion") -> Any:
        """The model object of ``version`` (default: the one ``alias`` points at),
        as it was promoted (a scikit-learn estimator, a function, ...).

        Raises
        ------
        MlnbValueError
            Unknown version; no version has ``alias``.
        """
        check_name(name)
        if version is None:
            check_alias(alias)
            v = self.backend.alias_version(name, alias)
            if v is None:
                raise MlnbValueError(
                    f"{name!r} has no {alias!r} in {self.location}; promote a model "
                    "first (mlnb.promote), or pass version="
                )
            return self.backend.load(name, v.version)
        v = self.backend.get_version(name, _version(version))
        return self.backend.load(name, v.version)

    def versions(self, name: str):
        """Every version of ``name``, oldest first, as a DataFrame: ``version``,
        ``aliases``, ``created``, ``fingerprint``, ``blessed``, one column per gated
        metric (the candidate's overall value), ``data_id``, ``previous`` and
        ``description``. Empty (with those columns) for an unknown name."""
        import pandas as pd

        check_name(name)
        vs = self.backend.versions(name)
        metrics = sorted({m for v in vs for m in v.metrics})
        rows = []
        for v in vs:
            row = {
                "version": v.version,
                "aliases": ", ".join(v.aliases),
                "created": v.created,
                "fingerprint": v.fingerprint,
                "blessed": (v.decision or {}).get("blessed"),
            }
            for m in metrics:
                row[m] = v.metrics.get(m)
            row.update(
                data_id=v.data_id, previous=v.previous, description=v.description
            )
            rows.append(row)
        cols = ["version", "aliases", "created", "fingerprint", "blessed"]
        cols += [*metrics, "data_id", "previous", "description"]
        return pd.DataFrame(rows, columns=cols)

    def history(self, name: str):
        """Promotions, refusals and rollbacks of ``name``, oldest first: ``time``,
        ``action``, ``alias``, ``version``, ``previous``, ``user``, ``reason``."""
        import pandas as pd

        check_name(name)
        cols = ["time", "action", "alias", "version", "previous", "user", "reason"]
        events = list(self.backend.history(name))
        return pd.DataFrame([{c: e.get(c) for c in cols} for e in events], columns=cols)

    def promote(self, model: Any, decision: Any, *, name: str, **kwargs: Any):
        """:func:`mlnb.promote` into this registry."""
        from .promote import promote

        return promote(model, decision, registry=self, name=name, **kwargs)

    def rollback(self, name: str, alias: str = "champion", **kwargs: Any):
        """:func:`mlnb.rollback` in this registry."""
        from .promote import rollback

        return rollback(self, name, alias=alias, **kwargs)

    def gc(self, *, dry_run: bool = True) -> list[str]:
        """Leftovers of interrupted promotions (temporary folders, artefacts that no
        version refers to); removed when ``dry_run=False``. Versions no alias points
        at are kept: they are history."""
        if not isinstance(dry_run, bool):
            raise MlnbValueError(f"dry_run must be True or False; got {dry_run!r}")
        return self.backend.collect_garbage(dry_run=dry_run)

    def __repr__(self) -> str:
        return f"<ModelRegistry {self.kind} at {self.location}>"

    def _repr_html_(self) -> str:
        from ...render import html as H
        from ...render import registry as R

        parts = [f"<div><strong>{H.esc(repr(self))}</strong></div>"]
        for n in self.names():
            parts.append(R.versions_html(self.versions(n), name=n, location=""))
        return "".join(parts)


def _version(version: Any) -> str:
    if isinstance(version, bool) or not isinstance(version, (int, str)):
        raise MlnbValueError(
            f"version must be a version number such as 3 or '3'; got {version!r}"
        )
    text = str(version).strip()
    if not text.isdigit() or int(text) < 1:
        raise MlnbValueError(
            f"version must be a positive version number such as 3 or '3'; got "
            f"{version!r}"
        )
    return str(int(text))
