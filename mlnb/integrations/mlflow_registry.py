"""The local model registry on MLflow's model registry (``mlnb[registry]``).

A registry is a folder::

    mlnb-registry/
      registry.db          MLflow's SQLite store (registered models, versions,
                           tags, aliases)
      models/<name>/<id>/  one MLflow model folder per version (never rewritten)
      tmp/<id>/            artefacts being written (leftovers of a crash: gc())
      locks/<name>.lock    the promotion lock (fcntl.flock)
      history/<name>.jsonl promotions and rollbacks, one JSON line each

``sqlite:///abs/path.db`` uses that database, with the folders beside it in
``path-mlnb/``.

Why this sequence (MLflow 3): no tracking run and no logged model are needed — the
model is saved with the flavour's ``save_model`` into a temporary folder inside the
store, fsynced, moved into place with ``os.replace`` (atomic on one file system),
read back (its fingerprint is recorded), and only then registered with
``MlflowClient.create_model_version(source=<that folder>)``, which a local SQLite
store accepts; the alias is one ``set_registered_model_alias`` write. scikit-learn
estimators use the ``sklearn`` flavour (``serialization_format="cloudpickle"``:
``skops``, MLflow 3's default, is not a dependency), so users can also read them
with ``mlflow.sklearn.load_model("models:/income@champion")`` once
``mlflow.set_registry_uri`` points at the store; anything else (a function, a
custom object) is a ``python_function`` model wrapping the object with cloudpickle.
Requirements are written explicitly, not inferred (inference starts a subprocess).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import uuid
import warnings
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from mlnb.checks.deployment import model_fingerprint
from mlnb.errors import MissingDependencyError, MlnbValueError
from mlnb.runtime.registry.base import TAG_PREFIX, ModelVersion, RegistryBackend
from mlnb.runtime.registry.faults import fault
from mlnb.runtime.registry.filelock import file_lock
from mlnb.runtime.registry.lineage import version_from_tags

__all__ = ["MlflowBackend", "open_backend"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_FLAVOR = TAG_PREFIX + "flavor"


def _mlflow():
    try:
        import mlflow  # noqa: F401
        from mlflow import MlflowClient
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        raise MissingDependencyError(
            "mlflow-skinny", "registry", "the local model registry"
        ) from exc
    return MlflowClient


def _iso(ms: Any) -> str | None:
    if ms is None:
        return None
    when = _dt.datetime.fromtimestamp(int(ms) / 1000, tz=_dt.timezone.utc)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _fsync_tree(path: str) -> None:
    for root, _dirs, files in os.walk(path):
        for f in files:
            fd = os.open(os.path.join(root, f), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(root)


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_sklearn(model: Any) -> bool:
    try:
        from sklearn.base import BaseEstimator
    except ImportError:  # pragma: no cover
        return False
    return isinstance(model, BaseEstimator)


def _not_exist(exc: Exception) -> bool:
    return getattr(exc, "error_code", "") == "RESOURCE_DOES_NOT_EXIST"


def _wrapper_class():
    import mlflow.pyfunc

    class ObjectModel(mlflow.pyfunc.PythonModel):
        """Any Python object as a pyfunc model: ``predict`` calls the object (or its
        ``predict``); mlnb reads the object back with ``unwrap_python_model().obj``."""

        # The wrapped object's input is not ours to type: MLflow's type-hint checks
        # (and their warning when a subclass's ``predict`` has no hints) stay off.
        _skip_type_hint_validation = True

        def __init__(self, obj: Any) -> None:
            self.obj = obj

        def predict(self, context, model_input, params=None):  # noqa: ARG002
            f = getattr(self.obj, "predict", self.obj)
            return f(model_input)

    return ObjectModel


@contextmanager
def _quiet(*loggers: str) -> Iterator[None]:
    """Raise these loggers to WARNING for the duration (their levels restored)."""
    import logging

    saved = [(lg, lg.level) for lg in map(logging.getLogger, loggers)]
    for lg, _ in saved:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in saved:
            lg.setLevel(level)


def open_backend(path_or_uri: str) -> MlflowBackend:
    """The backend of a folder or of a ``sqlite:///`` URI (see the module doc)."""
    return MlflowBackend(path_or_uri)


class MlflowBackend(RegistryBackend):
    """MLflow's model registry in a local SQLite store (see the module doc)."""

    kind = "mlflow"

    def __init__(self, path_or_uri: str) -> None:
        text = str(path_or_uri)
        if text.startswith("sqlite:"):
            if not text.startswith("sqlite:///") or len(text) <= len("sqlite:///"):
                raise MlnbValueError(
                    f"registry: {text!r} is not a SQLite URI with a path; write "
                    "sqlite:///abs/path/registry.db (three slashes, then the path)"
                )
            db = os.path.abspath(text[len("sqlite:///") :])
            stem = os.path.splitext(db)[0]
            self.root = stem + "-mlnb"
            self.db_path = db
            if os.path.isdir(db):
                raise MlnbValueError(
                    f"registry: {db} is a folder, not a database file; pass the "
                    "folder itself as registry=, or a .db file path in the URI"
                )
        else:
            root = os.path.abspath(os.path.expanduser(text))
            if os.path.exists(root) and not os.path.isdir(root):
                raise MlnbValueError(
                    f"registry: {root} is a file, not a folder; pass a folder "
                    "(created if missing) or a sqlite:///path.db URI"
                )
            self.root = root
            self.db_path = os.path.join(root, "registry.db")
        self._check_db()
        for sub in ("models", "tmp", "locks", "history"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        os.makedirs(os.path.dirname(self.db_path), exist_ok=True)
        self.uri = "sqlite:///" + self.db_path
        client_cls = _mlflow()
        try:
            # MLflow logs its table creation at INFO on a new store; a notebook
            # opening a registry should not print a database's housekeeping.
            with _quiet("mlflow.store.db.utils", "alembic"):
                self.client = client_cls(tracking_uri=self.uri, registry_uri=self.uri)
                self.client.search_registered_models(max_results=1)
        except Exception as exc:  # noqa: BLE001 - any store error
            raise MlnbValueError(
                f"registry: {self.db_path} cannot be opened as an MLflow registry "
                f"({type(exc).__name__}: {str(exc)[:200]}); restore it from a "
                "backup or pass another folder"
            ) from exc

    def _check_db(self) -> None:
        db = self.db_path
        if not os.path.exists(db):
            return
        if os.path.isdir(db):
            raise MlnbValueError(
                f"registry: {db} is a folder where the SQLite database should be; "
                "move it away or pass another folder"
            )
        with open(db, "rb") as fh:
            head = fh.read(16)
        if head and head != _SQLITE_MAGIC:
            raise MlnbValueError(
                f"registry: {db} is not a SQLite database (damaged or another "
                "file); restore it from a backup, or pass another folder"
            )

    # -- contract ------------------------------------------------------------------
    @property
    def location(self) -> str:
        return self.root

    def lock(self, name: str, timeout: float) -> AbstractContextManager[None]:
        path = os.path.join(self.root, "locks", f"{name}.lock")
        return file_lock(path, timeout=timeout, what=f"model {name!r} in {self.root}")

    def names(self) -> list[str]:
        return sorted(m.name for m in self.client.search_registered_models())

    def _convert(self, mv: Any, aliases: Any = None) -> ModelVersion:
        return version_from_tags(
            name=mv.name,
            version=str(mv.version),
            tags=dict(mv.tags or {}),
            aliases=tuple(mv.aliases or () if aliases is None else aliases),
            created=_iso(mv.creation_timestamp),
            description=mv.description,
            source=mv.source,
        )

    def versions(self, name: str) -> list[ModelVersion]:
        from mlflow.exceptions import MlflowException

        found = self.client.search_model_versions(f"name='{name}'")
        if not found:
            return []
        try:  # search results carry no aliases: read them from the model
            by_alias = self.client.get_registered_model(name).aliases or {}
        except MlflowException as exc:
            if not _not_exist(exc):
                raise
            by_alias = {}
        held: dict[str, list[str]] = {}
        for a, v in by_alias.items():
            held.setdefault(str(v), []).append(a)
        return sorted(
            (self._convert(m, held.get(str(m.version), ())) for m in found),
            key=lambda v: int(v.version),
        )

    def get_version(self, name: str, version: str) -> ModelVersion:
        from mlflow.exceptions import MlflowException

        try:
            mv = self.client.get_model_version(name, str(version))
        except MlflowException as exc:
            if not _not_exist(exc):
                raise
            have = [v.version for v in self.versions(name)]
            raise MlnbValueError(
                f"version: {name!r} has no version {version!r}; it has "
                f"{', '.join(have) if have else 'none (promote a model first)'}"
            ) from None
        return self._convert(mv)

    def alias_version(self, name: str, alias: str) -> ModelVersion | None:
        from mlflow.exceptions import MlflowException

        try:
            mv = self.client.get_model_version_by_alias(name, alias)
        except MlflowException as exc:
            if _not_exist(exc):
                return None
            raise
        return self._convert(mv)

    def create_version(
        self,
        name: str,
        model: Any,
        *,
        tags: Mapping[str, str],
        description: str | None = None,
    ) -> ModelVersion:
        from mlflow.exceptions import MlflowException

        ident = uuid.uuid4().hex
        tmp = os.path.join(self.root, "tmp", ident)
        flavor = self._save(model, tmp)
        _fsync_tree(tmp)
        fault("after_artifact")
        parent = os.path.join(self.root, "models", name)
        os.makedirs(parent, exist_ok=True)
        final = os.path.join(parent, ident)
        os.replace(tmp, final)
        _fsync_dir(parent)
        fault("after_replace")
        loaded = model_fingerprint(self._load(final, flavor))
        all_tags = {**tags, _FLAVOR: flavor, TAG_PREFIX + "loaded_fingerprint": loaded}
        try:
            self.client.create_registered_model(name)
        except MlflowException as exc:
            if getattr(exc, "error_code", "") != "RESOURCE_ALREADY_EXISTS":
                raise
        mv = self.client.create_model_version(
            name, source=final, tags=all_tags, description=description
        )
        return self._convert(mv)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self.client.set_registered_model_alias(name, alias, str(version))

    def set_tags(self, name: str, version: str, tags: Mapping[str, str]) -> None:
        for k, v in tags.items():
            self.client.set_model_version_tag(name, str(version), k, v)

    def load(self, name: str, version: str) -> Any:
        v = self.client.get_model_version(name, str(version))
        return self._load(v.source, (v.tags or {}).get(_FLAVOR, "sklearn"))

    def history(self, name: str) -> Iterator[Mapping[str, Any]]:
        path = os.path.join(self.root, "history", f"{name}.jsonl")
        if not os.path.exists(path):
            return iter(())
        out = []
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    out.append(json.loads(line))
                except ValueError:  # a line cut by a crash
                    continue
        return iter(out)

    def record_event(self, name: str, event: Mapping[str, Any]) -> None:
        path = os.path.join(self.root, "history", f"{name}.jsonl")
        line = json.dumps(dict(event), sort_keys=True) + "\n"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def collect_garbage(self, *, dry_run: bool = True) -> list[str]:
        used = set()
        for n in self.names():
            used.update(os.path.abspath(v.source or "") for v in self.versions(n))
        found = [
            os.path.join(self.root, "tmp", d)
            for d in sorted(os.listdir(os.path.join(self.root, "tmp")))
        ]
        models = os.path.join(self.root, "models")
        for n in sorted(os.listdir(models)):
            for d in sorted(os.listdir(os.path.join(models, n))):
                p = os.path.join(models, n, d)
                if os.path.abspath(p) not in used:
                    found.append(p)
        if not dry_run:
            for p in found:
                shutil.rmtree(p, ignore_errors=True)
        return found

    # -- artefacts -------------------------------------------------------------------
    def _save(self, model: Any, path: str) -> str:
        import logging

        quiet = logging.getLogger("mlflow.sklearn")
        level = quiet.level
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quiet.setLevel(logging.ERROR)  # the pickle-format notice: we chose it
            try:
                return self._save_quietly(model, path)
            finally:
                quiet.setLevel(level)

    def _save_quietly(self, model: Any, path: str) -> str:
        import mlflow.pyfunc

        if _is_sklearn(model):
            import mlflow.sklearn
            import sklearn

            mlflow.sklearn.save_model(
                model,
                path,
                serialization_format="cloudpickle",
                pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
            )
            return "sklearn"
        mlflow.pyfunc.save_model(
            path, python_model=_wrapper_class()(model), pip_requirements=[]
        )
        return "python_function"

    def _load(self, path: str, flavor: str) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if flavor == "sklearn":
                import mlflow.sklearn

                return mlflow.sklearn.load_model(path)
            import mlflow.pyfunc

            return mlflow.pyfunc.load_model(path).unwrap_python_model().obj
