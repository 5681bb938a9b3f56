"""The contract every model-registry backend fulfils.

:func:`mlnb.promote` and :class:`~mlnb.runtime.registry.registry.ModelRegistry` hold
the rules (blessed decisions only, a decision about this very model, against the
current champion, one promotion at a time); a backend only stores and reads. The local
backend is MLflow's model registry (:mod:`mlnb.integrations.mlflow_registry`), the
cloud one Vertex AI Model Registry (:mod:`mlnb.integrations.vertex_registry`).

Promotion is two writes on purpose: :meth:`RegistryBackend.create_version` stores the
model and registers a version that no alias points at yet (harmless if a crash stops
there), then :meth:`RegistryBackend.set_alias` moves the alias — a single write the
backend makes atomic — so readers see the old champion or the new one, never a mix.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ModelVersion", "RegistryBackend", "TAG_PREFIX"]

#: Every tag or label mlnb writes on a version starts with this.
TAG_PREFIX = "mlnb."


@dataclass(frozen=True, kw_only=True)
class ModelVersion:
    """One registered version of a model, as the backend read it.

    Attributes
    ----------
    name, version:
        The registered model's name and this version's id (a string: ``"3"``).
    aliases:
        Aliases pointing at this version now (``("champion",)``).
    created:
        ISO-8601 UTC time of registration.
    fingerprint:
        The promoted model's fingerprint
        (:func:`mlnb.checks.deployment.model_fingerprint`).
    loaded_fingerprint:
        The fingerprint of the model read back after storing it (equal to
        ``fingerprint`` for most models; a gate that used ``registry.load(...)`` as its
        baseline carries this one).
    metrics:
        The candidate's overall metrics from the gate decision.
    decision:
        The gate decision's summary (``GateDecision.to_dict()``, trimmed).
    schema:
        The data schema (a :class:`~mlnb.checks.deployment.Schema`; a backend may
        pass ``Schema.to_dict()``, turned into a Schema here), or None.
    data_id:
        Fingerprint of the evaluation data, or None.
    previous:
        The version this one replaced as champion when it was promoted, or None.
    description, tags:
        Free text and the remaining tags (str → str).
    source:
        Where the artefact lives (a folder or a ``gs://`` URI).
    """

    name: str
    version: str
    aliases: tuple[str, ...] = ()
    created: str | None = None
    fingerprint: str | None = None
    loaded_fingerprint: str | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
    decision: Mapping[str, Any] | None = None
    schema: Any = None
    data_id: str | None = None
    previous: str | None = None
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None
    #: Set by :class:`~mlnb.runtime.registry.registry.ModelRegistry`: loads the model.
    _loader: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.schema, Mapping):
            from ...checks.deployment.schema import Schema

            try:
                value = Schema.from_dict(self.schema, source="the registry's schema")
            except Exception:  # noqa: BLE001 - a damaged tag must not hide the version
                value = None
            object.__setattr__(self, "schema", value)

    def load(self) -> Any:
        """The model object of this version (as :meth:`ModelRegistry.load`)."""
        if self._loader is None:
            from ...errors import MlnbValueError

            raise MlnbValueError(
                "this ModelVersion is not attached to a registry; use "
                "mlnb.registry(...).load(name, version) instead"
            )
        return self._loader(self.name, self.version)

    def fingerprints(self) -> tuple[str, ...]:
        """The fingerprints a gate's ``baseline_id`` may carry for this version."""
        return tuple(
            dict.fromkeys(f for f in (self.fingerprint, self.loaded_fingerprint) if f)
        )


class RegistryBackend(abc.ABC):
    """Storage and reads of one registry; no promotion rules live here."""

    #: ``"mlflow"`` or ``"vertex"``.
    kind: str = ""

    @property
    @abc.abstractmethod
    def location(self) -> str:
        """Where the registry is, for messages (a folder,
        ``projects/p/locations/l``)."""

    @abc.abstractmethod
    def lock(self, name: str, timeout: float) -> AbstractContextManager[None]:
        """Hold the promotion lock of ``name`` (blocking up to ``timeout`` seconds;
        raises :class:`~mlnb.runtime.registry.filelock.LockTimeout`, an
        :class:`~mlnb.errors.MlnbError` naming the holder, when it cannot). The
        lock must be released when the holding process dies."""

    @abc.abstractmethod
    def names(self) -> list[str]:
        """Registered model names, sorted."""

    @abc.abstractmethod
    def versions(self, name: str) -> list[ModelVersion]:
        """Every version of ``name``, oldest first (empty when ``name`` is unknown)."""

    @abc.abstractmethod
    def get_version(self, name: str, version: str) -> ModelVersion:
        """One version; an unknown one raises a :class:`~mlnb.errors.MlnbValueError`
        listing the versions that exist."""

    @abc.abstractmethod
    def alias_version(self, name: str, alias: str) -> ModelVersion | None:
        """The version ``alias`` points at, or None."""

    @abc.abstractmethod
    def create_version(
        self,
        name: str,
        model: Any,
        *,
        tags: Mapping[str, str],
        description: str | None = None,
    ) -> ModelVersion:
        """Store ``model`` durably, then register it as a new version carrying
        ``tags`` and no alias. A crash before it returns leaves every existing
        version and alias untouched. A backend also records
        ``mlnb.loaded_fingerprint``: the fingerprint of the model read back from
        storage (see :attr:`ModelVersion.loaded_fingerprint`)."""

    @abc.abstractmethod
    def set_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``alias`` at ``version`` in one atomic write."""

    @abc.abstractmethod
    def set_tags(self, name: str, version: str, tags: Mapping[str, str]) -> None:
        """Add or replace tags on a version (used for the promotion history)."""

    @abc.abstractmethod
    def load(self, name: str, version: str) -> Any:
        """The stored model object of ``version``, as it was promoted."""

    def history(self, name: str) -> Iterator[Mapping[str, Any]]:  # pragma: no cover
        """Promotion and rollback events of ``name``, oldest first (backends that keep
        a log override this)."""
        return iter(())

    def record_event(  # noqa: B027 - optional: backends without a log keep it
        self, name: str, event: Mapping[str, Any]
    ) -> None:  # pragma: no cover
        """Append one event (``time``, ``action``, ``version``, ``previous``,
        ``alias``, ``user``, ``reason``; JSON-safe) to ``name``'s history; called
        after the alias moved, and for refusals. Backends without a log ignore
        it."""
        return None

    def collect_garbage(self, *, dry_run: bool = True) -> list[str]:  # pragma: no cover
        """Leftovers of interrupted promotions (temporary folders, artefacts no
        version refers to): listed, and removed unless ``dry_run``."""
        return []
