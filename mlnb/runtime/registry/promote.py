"""Conditional promotion and rollback: :func:`promote` and :func:`rollback`.

The rules live here, not in the backends:

1. ``decision`` is a :class:`~mlnb.checks.deployment.GateDecision` about *this*
   model (its ``candidate_id`` is the model's fingerprint) — otherwise an error;
2. it is blessed, and ``validation`` (if given) did not fail — otherwise a refused
   :class:`Promotion` (``promoted=False``, status ``fail``), nothing written but a
   history line;
3. under the model's promotion lock (an OS file lock: promotions of one name run
   one at a time, across processes), the decision's ``baseline_id`` is the
   current champion's fingerprint (as promoted or as read back) — a decision made
   against another or an older champion is refused; a decision without a baseline
   is accepted only while there is no champion;
4. then, still under the lock: store the artefact and register a version whose
   tags hold its lineage (:mod:`~mlnb.runtime.registry.lineage`), then move the
   alias — one write. A crash anywhere before that write leaves the alias on the
   old version, whose artefact is untouched; leftovers are listed by
   :meth:`ModelRegistry.gc`.

:func:`rollback` moves the alias back to the champion's ``previous`` version (one
write). Named fault points (:mod:`~mlnb.runtime.registry.faults`) let tests kill
the process at each step.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import warnings
from collections.abc import Mapping
from typing import Any

from ...checks.deployment import GateDecision, Schema, ValidationResult
from ...checks.deployment.gate import data_fingerprint, model_fingerprint
from ...errors import MlnbValueError
from .base import TAG_PREFIX
from .faults import fault
from .filelock import LockTimeout
from .lineage import lineage_tags
from .registry import ModelRegistry, check_alias, check_name, registry
from .result import Promotion

__all__ = ["promote", "rollback"]


def _now() -> str:
    return (
        _dt.datetime.now(_dt.timezone.utc)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user database (containers)
        return "unknown"


def _short(fp: str | None) -> str:
    if not fp:
        return "none"
    return fp[:15] + "…" if len(fp) > 16 else fp


def _check_common(timeout: Any, publish: Any) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise MlnbValueError(
            f"timeout must be a number of seconds (e.g. 30); got {timeout!r}"
        )
    if not timeout >= 0:
        raise MlnbValueError(f"timeout must be 0 or more seconds; got {timeout!r}")
    if not isinstance(publish, bool):
        raise MlnbValueError(f"publish must be True or False; got {publish!r}")
    return float(timeout)


def _check_tags(tags: Any) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise MlnbValueError(
            f"tags must be a dict of str → str (e.g. {{'team': 'risk'}}); got "
            f"{type(tags).__name__}"
        )
    out = {}
    for k, v in tags.items():
        if not isinstance(k, str) or not isinstance(v, str) or not k.strip():
            raise MlnbValueError(
                f"tags must map non-empty str keys to str values; got {k!r}: {v!r} "
                "(convert values with str())"
            )
        if k.startswith(TAG_PREFIX):
            raise MlnbValueError(
                f"tags: {k!r} starts with {TAG_PREFIX!r}, which mlnb reserves for "
                "lineage; rename the tag"
            )
        out[k] = v
    return out


def _refused(
    *,
    name: str,
    alias: str,
    reason: str,
    model_id: str | None,
    reg: ModelRegistry,
    previous: str | None,
    blocking: tuple = (),
    status: str = "fail",
) -> Promotion:
    return Promotion(
        step="deployment",
        status=status,
        summary=f"{name} not promoted: {reason}",
        promoted=False,
        action="promote",
        name=name,
        alias=alias,
        version=None,
        previous=previous,
        reason=reason,
        model_id=model_id,
        registry=reg.location,
        blocking=blocking,
    )


def _event(action: str, alias: str, version, previous, reason: str, **extra) -> dict:
    return {
        "time": _now(),
        "action": action,
        "alias": alias,
        "version": version,
        "previous": previous,
        "user": _user(),
        "reason": reason,
        **extra,
    }


def promote(
    model: Any,
    decision: Any,
    *,
    registry: Any = "mlnb-registry",
    name: str,
    alias: str = "champion",
    validation: Any = None,
    schema: Any = None,
    data: Any = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    timeout: float = 30,
    publish: bool = True,
) -> Promotion:
    """Make ``model`` the registry's ``alias`` of ``name`` — only if the gate
    blessed this very model against the current champion.

    Parameters
    ----------
    model:
        The candidate the gate judged (a fitted scikit-learn estimator, a function,
        any picklable object).
    decision:
        Its :class:`~mlnb.checks.deployment.GateDecision` from :func:`mlnb.gate`,
        with the registry's current champion as ``baseline`` (``registry.load(name)``)
        or no baseline while there is no champion.
    registry:
        A :class:`ModelRegistry` or what :func:`mlnb.registry` opens (a folder).
    name:
        The registered model's name (letters, digits, ``.``, ``_``, ``-``).
    alias:
        The alias to move (``"champion"``).
    validation:
        The data's :class:`~mlnb.checks.deployment.ValidationResult`; a failed one
        refuses the promotion.
    schema:
        The data :class:`~mlnb.checks.deployment.Schema`, kept with the version.
    data:
        The training rows (a table), fingerprinted into the lineage
        (``mlnb.train_data_id``); the evaluation rows' fingerprint comes from the
        decision (``decision.data_id``).
    description, tags:
        Free text and str → str tags for the version (keys must not start with
        ``mlnb.``).
    timeout:
        Seconds to wait for another promotion of ``name`` to finish.
    publish:
        Publish the result's status record (step 8, check ``"promotion"``).

    Returns
    -------
    Promotion
        ``promoted=True`` (status ``pass``) with the new ``version`` and the
        ``previous`` champion; or ``promoted=False`` (status ``fail``) with the
        ``reason``: not blessed, failed validation, a stale comparison (the
        champion changed since the gate), or the lock held past ``timeout``.

    Raises
    ------
    MlnbValueError
        ``decision`` is not a GateDecision or was made for another model; bad
        ``name``, ``alias``, ``tags``, ``timeout``, ``publish``, ``validation`` or
        ``schema``.
    """
    if not isinstance(decision, GateDecision):
        raise MlnbValueError(
            "decision must be the GateDecision that mlnb.gate(model, baseline, "
            f"...) returned for this model; got {type(decision).__name__}"
        )
    check_name(name)
    check_alias(alias)
    timeout = _check_common(timeout, publish)
    user_tags = _check_tags(tags)
    if validation is not None and not isinstance(validation, ValidationResult):
        raise MlnbValueError(
            "validation must be the ValidationResult of mlnb.validate_data(...) or "
            f"None; got {type(validation).__name__}"
        )
    if schema is not None and not isinstance(schema, Schema):
        raise MlnbValueError(
            "schema must be a Schema (mlnb.schema(train_frame)) or None; got "
            f"{type(schema).__name__}"
        )
    if description is not None and not isinstance(description, str):
        raise MlnbValueError(
            f"description must be a string or None; got {type(description).__name__}"
        )
    train_id = None
    if data is not None:
        from ...core import frames

        if not frames.is_table(data):
            raise MlnbValueError(
                "data must be the training rows as a table (pandas or polars "
                f"DataFrame, pyarrow Table, dict of arrays) or None; got "
                f"{type(data).__name__}"
            )
        train_id = data_fingerprint(frames.to_pandas(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gate() already warned about id: prints
        fp = model_fingerprint(model)
    if decision.candidate_id != fp:
        raise MlnbValueError(
            f"decision: this decision was made for another model "
            f"({_short(decision.candidate_id)}), not this one ({_short(fp)}); gate "
            "this model first: mlnb.gate(model, registry.load(name), ...)"
        )
    reg = registry if isinstance(registry, ModelRegistry) else _open(registry)
    backend = reg.backend

    def refuse(reason, *, previous=None, blocking=(), status="fail", log=True):
        if log:
            backend.record_event(
                name, _event("refused", alias, None, previous, reason, model_id=fp)
            )
        p = _refused(
            name=name,
            alias=alias,
            reason=reason,
            model_id=fp,
            reg=reg,
            previous=previous,
            blocking=blocking,
            status=status,
        )
        return p.publish() if publish else p

    if not decision.blessed:
        blocking = tuple(str(s) for s in decision.blocking["sentence"])
        first = blocking[0] if blocking else decision.summary
        return refuse(
            f"the gate did not bless it ({len(blocking)} blocking check"
            f"{'s' if len(blocking) != 1 else ''}): {first}",
            blocking=blocking,
        )
    if validation is not None and validation.status == "fail":
        return refuse(f"the data validation failed: {validation.summary}")

    try:
        with backend.lock(name, timeout):
            fault("after_lock")
            champ = backend.alias_version(name, alias)
            prev = None if champ is None else champ.version
            if champ is not None:
                if fp in champ.fingerprints():
                    return refuse(
                        f"this model is already {name} v{prev} ({alias}); nothing "
                        "to do",
                        previous=prev,
                        status="info",
                        log=False,
                    )
                if decision.baseline_id is None:
                    return refuse(
                        f"{name} has a {alias} (v{prev}) but the gate compared with "
                        f"no baseline; gate again against registry.load({name!r})",
                        previous=prev,
                    )
                if decision.baseline_id not in champ.fingerprints():
                    return refuse(
                        f"the {alias} changed since the gate compared against it "
                        f"(now v{prev}); gate again against "
                        f"registry.load({name!r})",
                        previous=prev,
                    )
            vtags = lineage_tags(
                fingerprint=fp,
                decision=decision,
                schema=schema,
                validation=validation,
                previous=prev,
                tags=user_tags,
            )
            if train_id is not None:
                vtags[TAG_PREFIX + "train_data_id"] = train_id
            v = backend.create_version(name, model, tags=vtags, description=description)
            fault("after_register")
            backend.set_alias(name, alias, v.version)
            fault("after_alias")
            backend.record_event(
                name,
                _event("promote", alias, v.version, prev, "blessed", model_id=fp),
            )
    except LockTimeout as exc:
        return refuse(str(exc), log=False)
    was = f"was v{prev}" if prev is not None else f"first {alias}"
    p = Promotion(
        step="deployment",
        status="pass",
        summary=f"{name} v{v.version} is now {alias} ({was})",
        condition_values={"promoted": 1},
        promoted=True,
        action="promote",
        name=name,
        alias=alias,
        version=v.version,
        previous=prev,
        reason=f"blessed by the gate ({decision.summary})",
        model_id=fp,
        registry=reg.location,
    )
    return p.publish() if publish else p


def rollback(
    registry: Any,
    name: str,
    alias: str = "champion",
    *,
    timeout: float = 30,
    publish: bool = True,
) -> Promotion:
    """Point ``alias`` back at the version the current one replaced.

    The champion's ``previous`` (recorded when it was promoted) becomes the alias's
    version in one write; a second rollback goes one further back. The result's
    status is ``info``: a deliberate move, neither a new success nor a failure.

    Raises
    ------
    MlnbValueError
        ``name`` has no ``alias``, or its version was the first (nothing to roll
        back to); bad arguments.
    LockTimeout
        Another promotion held the lock past ``timeout``.
    """
    reg = registry if isinstance(registry, ModelRegistry) else _open(registry)
    check_name(name)
    check_alias(alias)
    timeout = _check_common(timeout, publish)
    backend = reg.backend
    with backend.lock(name, timeout):
        champ = backend.alias_version(name, alias)
        if champ is None:
            raise MlnbValueError(
                f"rollback: {name!r} has no {alias!r} in {reg.location}; there is "
                "nothing to roll back (promote a model first)"
            )
        if champ.previous is None:
            raise MlnbValueError(
                f"rollback: {name} v{champ.version} was the first {alias}; there is "
                "no previous version to roll back to (promote another model instead)"
            )
        target = backend.get_version(name, champ.previous)
        backend.set_alias(name, alias, target.version)
        reason = f"rolled back from v{champ.version}"
        backend.record_event(
            name, _event("rollback", alias, target.version, champ.version, reason)
        )
    p = Promotion(
        step="deployment",
        status="info",
        summary=(
            f"{name} rolled back: v{target.version} is {alias} again "
            f"(v{champ.version} withdrawn)"
        ),
        promoted=True,
        action="rollback",
        name=name,
        alias=alias,
        version=target.version,
        previous=champ.version,
        reason=reason,
        model_id=None,
        registry=reg.location,
    )
    return p.publish() if publish else p


def _open(where: Any) -> ModelRegistry:
    if where is None:
        raise MlnbValueError(
            "registry must be a ModelRegistry or a folder path (e.g. "
            "registry='mlnb-registry'); got None"
        )
    return registry(where)
