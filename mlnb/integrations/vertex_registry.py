"""Vertex AI Model Registry as a model registry backend (the ``vertex`` extra).

:func:`open_registry` gives a :class:`VertexRegistryBackend` that fulfils
:class:`~mlnb.runtime.registry.base.RegistryBackend` with the real
google-cloud-aiplatform SDK, so ``mlnb.promote`` puts a blessed model into Vertex AI
Model Registry with the same rules as into the local MLflow registry.

What goes where
---------------
- **The artefact**: the model pickled (with cloudpickle when it is installed, else
  pickle) into ``model.pkl``, next to ``mlnb.json`` (the version's full tag set and
  how it was written), under ``gs://BUCKET/mlnb-registry/NAME/UUID/`` — written with
  google-cloud-storage before anything is registered, then read back to record
  ``mlnb.loaded_fingerprint``.
- **The version**: ``aiplatform.Model.upload(display_name=NAME, artifact_uri=...,
  parent_model=<the model named NAME, when there is one>, is_default_version=False)``
  — a new version of the same registered model, which no alias of mlnb's points at
  yet. (Vertex AI gives the very first version of a model its ``default`` alias
  whatever is asked; later versions leave ``default`` where it is.)
- **Labels** carry the gate result in Vertex AI's label format (keys and values of at
  most 63 lowercase letters, digits, ``_`` and ``-``): ``mlnb-registry: "true"``,
  ``mlnb-blessed: "true"|"false"``, ``mlnb-status`` (the gate's status),
  ``mlnb-validation`` (the data validation's status), ``mlnb-fingerprint`` and
  ``mlnb-data`` (the first 16 hex characters of the model's and the data's
  fingerprints), plus the user's own tags that already fit the format. Labels are
  set once, at registration. **The full, current tag set** (the gate decision,
  metrics, schema, lineage, and what :meth:`~VertexRegistryBackend.set_tags` adds
  later) **lives in the artefact's** ``mlnb.json``, rewritten under a generation
  precondition by ``set_tags``; the version's description is the user's text.
- **Aliases**: ``ModelRegistry(model).add_version_aliases([alias], version)`` — one
  REST call (``models/ID@VERSION:mergeVersionAliases``) that Vertex AI applies
  atomically: an alias held by another version moves, so one version holds it.
- **History**: promotion and rollback events are lines of
  ``gs://BUCKET/mlnb-registry/NAME/history.jsonl`` (appended under a generation
  precondition, so two writers never lose a line).

Concurrency
-----------
Vertex AI has no lock. :meth:`~VertexRegistryBackend.lock` is an ``fcntl.flock``
file lock under ``$XDG_CACHE_HOME/mlnb/locks`` (``~/.cache/mlnb/locks``): it
serialises promotions made from this machine, and the kernel releases it if the
process dies. Across machines, the promotion rules re-read the champion right
before moving the alias; the window that remains is the time between that read and
the alias call (one request): two machines promoting the same model at once can
both succeed, the later alias move winning, with both versions registered. Two
machines registering the *first* version of a new name at once can create two
models with that display name; mlnb then uses the oldest.

Errors
------
Missing project, region, bucket or credentials raise before any request. Vertex
AI's refusals become :class:`~mlnb.errors.MlnbError` s that say what to do
(permission 403, quota 429, an unknown model or version 404, an upload whose
operation fails), with the SDK's exception as ``__cause__``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import pickle
import re
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from ..checks.deployment import model_fingerprint
from ..errors import MissingDependencyError, MlnbError, MlnbValueError
from ..runtime.registry.base import TAG_PREFIX, ModelVersion, RegistryBackend
from ..runtime.registry.faults import fault
from ..runtime.registry.filelock import file_lock
from ..runtime.registry.lineage import version_from_tags
from .vertex_settings import LOGIN
from .vertex_settings import settings as _settings

__all__ = [
    "open_registry",
    "open_backend",
    "VertexRegistryBackend",
    "VertexRegistryError",
    "default_serving_image",
    "gate_labels",
    "ARTIFACT_FOLDER",
    "MODEL_FILE",
    "TAGS_FILE",
    "HISTORY_FILE",
]

#: Folder of the staging bucket that holds mlnb's artefacts.
ARTIFACT_FOLDER = "mlnb-registry"
MODEL_FILE = "model.pkl"
TAGS_FILE = "mlnb.json"
HISTORY_FILE = "history.jsonl"
#: Vertex AI's version alias format.
ALIAS_FORMAT = re.compile(r"[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]\Z")
#: Google Cloud label format (keys start with a letter; values may be empty).
LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}\Z")
LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}\Z")
MAX_LABELS = 64
#: Hex characters of a fingerprint kept in a label.
FINGERPRINT_CHARS = 16
#: Longest model display name Vertex AI accepts.
MAX_NAME = 128
#: Framework and region used for the default serving image.
_IMAGE_REGIONS = ("us", "europe", "asia")
_GRANT = (
    "the account needs the Vertex AI User role (roles/aiplatform.user) on the "
    "project and Storage Object Admin (roles/storage.objectAdmin) on the bucket"
)


class VertexRegistryError(MlnbError, RuntimeError):
    """Vertex AI (or its Cloud Storage) refused or failed a registry call; the
    message says what to do, the SDK's exception is the ``__cause__``."""


# -- the SDK ---------------------------------------------------------------------------
def _sdk() -> Any:
    try:
        from google.cloud import aiplatform
    except ImportError:
        raise MissingDependencyError(
            "google-cloud-aiplatform", "vertex", "Vertex AI Model Registry"
        ) from None
    return aiplatform


def default_serving_image(location: str, framework: str = "sklearn") -> str:
    """The prebuilt Vertex AI prediction container for ``framework``, from the SDK's
    own catalogue: the installed framework's version when the catalogue has it,
    else its newest; the registry region's continent (``us`` when the catalogue has
    none for it). A model served by it must load in that framework version: pass
    ``serving_container_image_uri=`` for anything else."""
    from google.cloud.aiplatform.constants import prediction

    catalogue = prediction._SERVING_CONTAINER_URI_MAP
    region = str(location).split("-", 1)[0]
    if region not in catalogue:
        region = "us"
    images = catalogue[region][framework]["cpu"]
    installed = None
    if framework == "sklearn":
        try:
            import sklearn

            installed = ".".join(sklearn.__version__.split(".")[:2])
        except ImportError:  # pragma: no cover - a hard dependency of mlnb
            installed = None
    if installed in images:
        return images[installed]
    newest = max(images, key=lambda v: tuple(int(p) for p in v.split(".")))
    return images[newest]


def open_registry(
    *,
    project: str | None = None,
    location: str | None = None,
    staging_bucket: str | None = None,
    serving_container_image_uri: str | None = None,
    credentials: Any = None,
) -> VertexRegistryBackend:
    """Vertex AI Model Registry of ``project`` in ``location`` as a registry backend.

    Parameters
    ----------
    project, location, staging_bucket:
        Default: what ``aiplatform.init`` set. The bucket (``gs://...``) holds the
        artefacts under ``mlnb-registry/``.
    serving_container_image_uri:
        The container Vertex AI serves the model with (``Model.upload`` needs one).
        Default: the prebuilt scikit-learn prediction container of the installed
        scikit-learn version (:func:`default_serving_image`).
    credentials:
        ``google.auth`` credentials; default: those of ``aiplatform.init``, else
        Application Default Credentials.

    Returns
    -------
    VertexRegistryBackend

    Raises
    ------
    MissingDependencyError
        google-cloud-aiplatform is not installed (``pip install "mlnb[vertex]"``).
    MlnbValueError
        Project, location or staging bucket missing (each named, with how to set
        it), or a bucket that is not a ``gs://`` URI. Nothing is sent.
    MlnbError
        No credentials were found (nothing is sent).
    """
    aiplatform = _sdk()
    s = _settings(
        aiplatform,
        project=project,
        location=location,
        staging_bucket=staging_bucket,
        credentials=credentials,
        bucket_use="the models are stored there",
        again="open the registry again",
    )
    if serving_container_image_uri is not None and not (
        isinstance(serving_container_image_uri, str) and serving_container_image_uri
    ):
        raise MlnbValueError(
            "serving_container_image_uri must be a container image URI (text); got "
            f"{serving_container_image_uri!r}; leave it out for the prebuilt "
            "scikit-learn prediction container"
        )
    image = serving_container_image_uri or default_serving_image(s.location)
    return VertexRegistryBackend(
        aiplatform,
        project=s.project,
        location=s.location,
        staging_bucket=str(s.staging_bucket),
        serving_container_image_uri=image,
        credentials=credentials,
    )


_OPTIONS = (
    "project",
    "location",
    "staging_bucket",
    "serving_container_image_uri",
    "credentials",
)


def open_backend(**options: Any) -> VertexRegistryBackend:
    """:func:`open_registry` for ``mlnb.registry("vertex", **options)``; an unknown
    option is named with the ones that exist."""
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise MlnbValueError(
            f"mlnb.registry('vertex', ...) takes {', '.join(_OPTIONS)}; got "
            f"{', '.join(unknown)}"
        )
    return open_registry(**options)


# -- labels ----------------------------------------------------------------------------
def _hex_prefix(fingerprint: str | None) -> str | None:
    if not fingerprint:
        return None
    hexpart = fingerprint.split(":", 1)[-1].lower()
    if not re.fullmatch(r"[0-9a-f]+", hexpart):
        return None
    return hexpart[:FINGERPRINT_CHARS]


def gate_labels(tags: Mapping[str, str]) -> dict[str, str]:
    """Vertex AI labels carrying the gate result in ``tags`` (see the module
    docstring); every key and value fits Vertex AI's label format."""
    p = TAG_PREFIX
    labels = {"mlnb-registry": "true"}
    blessed = tags.get(p + "blessed")
    if blessed in ("true", "false"):
        labels["mlnb-blessed"] = blessed
    try:
        decision = json.loads(tags.get(p + "decision") or "null")
    except ValueError:
        decision = None
    status = decision.get("status") if isinstance(decision, dict) else None
    if isinstance(status, str) and LABEL_VALUE.match(status):
        labels["mlnb-status"] = status
    validation = tags.get(p + "validation")
    if validation and LABEL_VALUE.match(validation):
        labels["mlnb-validation"] = validation
    for key, tag in (("mlnb-fingerprint", "fingerprint"), ("mlnb-data", "data_id")):
        prefix = _hex_prefix(tags.get(p + tag))
        if prefix:
            labels[key] = prefix
    for key, value in sorted(tags.items()):  # the user's own tags that fit
        if len(labels) >= MAX_LABELS:
            break
        if key.startswith(p) or key.startswith("mlnb-") or key in labels:
            continue
        if LABEL_KEY.match(key) and isinstance(value, str) and LABEL_VALUE.match(value):
            labels[key] = value
    return labels


# -- the backend -----------------------------------------------------------------------
class VertexRegistryBackend(RegistryBackend):
    """Vertex AI Model Registry (see the module docstring); made by
    :func:`open_registry`.

    Attributes
    ----------
    project, location, staging_bucket, serving_container_image_uri:
        Where the registry and its artefacts are, and the serving container every
        new version is registered with.
    """

    kind = "vertex"

    def __init__(
        self,
        aiplatform: Any,
        *,
        project: str,
        location: str,
        staging_bucket: str,
        serving_container_image_uri: str,
        credentials: Any = None,
    ) -> None:
        self._aip = aiplatform
        self.project = project
        self._location = location  # the region (``location`` is the contract's path)
        self.staging_bucket = staging_bucket.rstrip("/")
        self.serving_container_image_uri = serving_container_image_uri
        self._credentials = credentials
        self._storage_client: Any = None
        self._resource: dict[str, str] = {}  # name -> model resource name (found)

    # -- where ------------------------------------------------------------------------
    @property
    def location(self) -> str:
        return f"projects/{self.project}/locations/{self._location}"

    @property
    def region(self) -> str:
        return self._location

    def __repr__(self) -> str:
        return (
            f"VertexRegistryBackend({self.location!r}, "
            f"staging_bucket={self.staging_bucket!r})"
        )

    @property
    def credentials(self) -> Any:
        return self._credentials or self._aip.initializer.global_config.credentials

    def _where(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "location": self._location,
            "credentials": self._credentials,
        }

    # -- lock -------------------------------------------------------------------------
    def lock(self, name: str, timeout: float) -> AbstractContextManager[None]:
        _check_name(name)
        key = hashlib.sha256(f"{self.location}\n{name}".encode()).hexdigest()[:24]
        path = os.path.join(_lock_dir(), f"vertex-{key}.lock")
        return file_lock(
            path,
            timeout=timeout,
            what=f"the Vertex AI model {name!r} ({self.location}, lock file {path})",
        )

    # -- reads ------------------------------------------------------------------------
    def _find(self, name: str) -> str | None:
        """The resource name of the model displayed as ``name`` (the oldest when
        several are), or None."""
        _check_name(name)
        if name in self._resource:
            return self._resource[name]
        found = self._call(
            lambda: self._aip.Model.list(
                filter=f'display_name="{name}"', **self._where()
            ),
            f"list the models named {name!r}",
        )
        if not found:
            return None
        found = sorted(
            found, key=lambda m: (_time(m.gca_resource.create_time), m.resource_name)
        )
        self._resource[name] = found[0].resource_name
        return found[0].resource_name

    def _registry(self, resource: str) -> Any:
        return self._aip.models.ModelRegistry(resource, **self._where())

    def names(self) -> list[str]:
        models = self._call(
            lambda: self._aip.Model.list(**self._where()), "list the models"
        )
        return sorted(
            {
                m.display_name
                for m in models
                if (m.gca_resource.labels or {}).get("mlnb-registry") == "true"
            }
        )

    def _protos(self, name: str) -> list[Any]:
        resource = self._find(name)
        if resource is None:
            return []
        registry = self._registry(resource)
        pages = self._call(
            lambda: list(registry.client.list_model_versions(name=resource)),
            f"list the versions of {name!r}",
        )
        return sorted(pages, key=lambda m: _version_key(m.version_id))

    def versions(self, name: str) -> list[ModelVersion]:
        return [self._version(name, m) for m in self._protos(name)]

    def _proto(self, name: str, version: str) -> Any:
        from google.api_core import exceptions as api_errors

        resource = self._find(name)
        if resource is None:
            raise MlnbValueError(
                f"no model named {name!r} in Vertex AI Model Registry "
                f"({self.location}); registered by mlnb: {self.names() or 'none'}"
            )
        registry = self._registry(resource)
        try:
            return self._call(
                lambda: registry.client.get_model(name=f"{resource}@{version}"),
                f"read version {version} of {name!r}",
                reraise=(api_errors.NotFound,),
            )
        except api_errors.NotFound:
            known = [m.version_id for m in self._protos(name)]
            raise MlnbValueError(
                f"model {name!r} has no version {version!r} in Vertex AI Model "
                f"Registry ({self.location}); its versions: "
                f"{', '.join(known) or 'none'}"
            ) from None

    def get_version(self, name: str, version: str) -> ModelVersion:
        return self._version(name, self._proto(name, str(version)))

    def alias_version(self, name: str, alias: str) -> ModelVersion | None:
        from google.api_core import exceptions as api_errors

        _check_alias(alias)
        resource = self._find(name)
        if resource is None:
            return None
        try:
            model = self._call(
                lambda: self._aip.Model(
                    model_name=f"{resource}@{alias}", **self._where()
                ),
                f"read the version {name!r}@{alias}",
                reraise=(api_errors.NotFound,),
            )
        except api_errors.NotFound:
            return None
        return self._version(name, model.gca_resource)

    def _version(self, name: str, proto: Any) -> ModelVersion:
        source = proto.artifact_uri or None
        meta = self._read_json(source, TAGS_FILE) if source else None
        tags = dict((meta or {}).get("tags") or {})
        return version_from_tags(
            name=name,
            version=str(proto.version_id),
            tags=tags,
            aliases=tuple(proto.version_aliases),
            created=_iso(proto.version_create_time),
            description=proto.description or None,
            source=source,
        )

    # -- writes -----------------------------------------------------------------------
    def create_version(
        self,
        name: str,
        model: Any,
        *,
        tags: Mapping[str, str],
        description: str | None = None,
    ) -> ModelVersion:
        _check_name(name)
        tags = {str(k): str(v) for k, v in dict(tags).items()}
        data, writer = _pickle(model)
        folder = f"{self.staging_bucket}/{ARTIFACT_FOLDER}/{name}/{uuid.uuid4().hex}"
        self._write(f"{folder}/{MODEL_FILE}", data)
        loaded = pickle.loads(self._read(f"{folder}/{MODEL_FILE}"))
        tags[TAG_PREFIX + "loaded_fingerprint"] = model_fingerprint(loaded)
        meta = {
            "format": writer,
            "python": ".".join(map(str, sys.version_info[:3])),
            "name": name,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(),
            "tags": tags,
        }
        self._write(f"{folder}/{TAGS_FILE}", json.dumps(meta, sort_keys=True).encode())
        fault("after_artifact")
        parent = self._find(name)
        uploaded = self._call(
            lambda: self._aip.Model.upload(
                display_name=name,
                artifact_uri=folder,
                serving_container_image_uri=self.serving_container_image_uri,
                parent_model=parent,
                is_default_version=False,
                version_aliases=None,
                labels=gate_labels(tags),
                description=description,
                **self._where(),
            ),
            f"register a new version of {name!r} (its artefact stays at {folder}; "
            "no alias moved)",
        )
        self._resource.setdefault(name, uploaded.resource_name)
        return self._version(name, uploaded.gca_resource)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        _check_alias(alias)
        proto = self._proto(name, str(version))  # an unknown version: listed
        resource = self._find(name)
        registry = self._registry(str(resource))
        self._call(
            lambda: registry.add_version_aliases([alias], str(proto.version_id)),
            f"point the alias {alias!r} of {name!r} at version {version}",
        )

    def set_tags(self, name: str, version: str, tags: Mapping[str, str]) -> None:
        proto = self._proto(name, str(version))
        source = proto.artifact_uri
        if not source:
            raise MlnbValueError(
                f"version {version} of {name!r} has no artefact folder (it was not "
                "registered by mlnb), so it has no tags to update"
            )

        def update(meta: dict | None) -> dict:
            meta = dict(meta or {})
            meta["tags"] = {**(meta.get("tags") or {}), **{
                str(k): str(v) for k, v in tags.items()
            }}  # fmt: skip
            return meta

        self._rewrite(f"{source}/{TAGS_FILE}", update)

    def load(self, name: str, version: str) -> Any:
        proto = self._proto(name, str(version))
        if not proto.artifact_uri:
            raise MlnbValueError(
                f"version {version} of {name!r} has no artefact (artifactUri) to load"
            )
        return pickle.loads(self._read(f"{proto.artifact_uri}/{MODEL_FILE}"))

    # -- history and leftovers --------------------------------------------------------
    def _history_uri(self, name: str) -> str:
        return f"{self.staging_bucket}/{ARTIFACT_FOLDER}/{name}/{HISTORY_FILE}"

    def record_event(self, name: str, event: Mapping[str, Any]) -> None:
        _check_name(name)
        line = json.dumps(dict(event), sort_keys=True, default=str)
        self._rewrite(
            self._history_uri(name),
            lambda text: (text or "") + line + "\n",
            as_text=True,
        )

    def history(self, name: str) -> Iterator[Mapping[str, Any]]:
        _check_name(name)
        data = self._read(self._history_uri(name), missing_ok=True)
        lines = (data or b"").decode("utf-8").splitlines()
        return iter([json.loads(x) for x in lines if x.strip()])

    def collect_garbage(
        self, *, dry_run: bool = True, min_age_s: float = 3600.0
    ) -> list[str]:
        """Artefact folders under ``mlnb-registry/`` that no version refers to
        (an upload that failed or was interrupted), older than ``min_age_s``
        seconds (a promotion in flight is left alone): listed, and deleted
        unless ``dry_run``."""
        bucket, prefix = _split(f"{self.staging_bucket}/{ARTIFACT_FOLDER}/")
        client = self._storage()
        blobs = self._call(
            lambda: list(client.list_blobs(bucket, prefix=prefix)),
            f"list gs://{bucket}/{prefix}",
        )
        folders: dict[str, list[Any]] = {}
        for blob in blobs:
            parts = blob.name[len(prefix) :].split("/")
            if len(parts) >= 3:  # NAME/UUID/file
                folder = f"gs://{bucket}/{prefix}{parts[0]}/{parts[1]}"
                folders.setdefault(folder, []).append(blob)
        used = set()
        for name in {f.split("/")[-2] for f in folders}:
            used.update(m.artifact_uri.rstrip("/") for m in self._protos(name))
        now = _dt.datetime.now(_dt.timezone.utc)
        out = []
        for folder, items in sorted(folders.items()):
            if folder in used:
                continue
            meta = self._read_json(folder, TAGS_FILE)
            created = (meta or {}).get("created")
            if created:
                age = (now - _dt.datetime.fromisoformat(created)).total_seconds()
                if age < min_age_s:
                    continue
            out.append(folder)
            if not dry_run:
                for blob in items:
                    self._call(blob.delete, f"delete gs://{bucket}/{blob.name}")
        return out

    # -- storage ----------------------------------------------------------------------
    def _storage(self) -> Any:
        if self._storage_client is None:
            from google.cloud import storage

            self._storage_client = storage.Client(
                project=self.project, credentials=self.credentials
            )
        return self._storage_client

    def _blob(self, uri: str) -> Any:
        bucket, path = _split(uri)
        return self._storage().bucket(bucket).blob(path)

    def _write(self, uri: str, data: bytes, **kw: Any) -> None:
        blob = self._blob(uri)
        self._call(lambda: blob.upload_from_string(data, **kw), f"write {uri}")

    def _read(self, uri: str, *, missing_ok: bool = False) -> bytes | None:
        from google.api_core import exceptions as api_errors

        blob = self._blob(uri)
        try:
            return self._call(
                blob.download_as_bytes, f"read {uri}", reraise=(api_errors.NotFound,)
            )
        except api_errors.NotFound:
            if missing_ok:
                return None
            raise VertexRegistryError(
                f"{uri} is missing from Cloud Storage: the version's artefact was "
                "deleted or moved; register the model again"
            ) from None

    def _read_json(self, folder: str, file: str) -> dict | None:
        data = self._read(f"{folder.rstrip('/')}/{file}", missing_ok=True)
        try:
            return json.loads(data) if data else None
        except ValueError:
            return None

    def _rewrite(self, uri: str, change: Any, *, as_text: bool = False) -> None:
        """Read-modify-write of one object under a generation precondition (a
        concurrent writer makes it read again), up to 10 tries."""
        from google.api_core import exceptions as api_errors

        bucket, path = _split(uri)
        for _ in range(10):
            try:
                blob = self._storage().bucket(bucket).get_blob(path)
                if blob is None:
                    blob, data, generation = self._blob(uri), None, 0
                else:
                    generation = blob.generation
                    data = blob.download_as_bytes(if_generation_match=generation)
            except api_errors.PreconditionFailed:
                continue
            except api_errors.GoogleAPICallError as exc:
                raise _api_error(exc, f"read {uri}", self) from exc
            if as_text:
                new = change(data.decode("utf-8") if data else None).encode("utf-8")
            else:
                old = json.loads(data) if data else None
                new = json.dumps(change(old), sort_keys=True).encode()
            try:
                blob.upload_from_string(new, if_generation_match=generation)
                return
            except api_errors.PreconditionFailed:
                continue
            except api_errors.GoogleAPICallError as exc:
                raise _api_error(exc, f"write {uri}", self) from exc
        raise VertexRegistryError(
            f"{uri} kept changing while it was updated (10 tries); try again"
        )

    # -- errors -----------------------------------------------------------------------
    def _call(self, fn: Any, what: str, *, reraise: tuple = ()) -> Any:
        from google.api_core import exceptions as api_errors
        from google.auth import exceptions as auth_errors

        try:
            return fn()
        except reraise:
            raise
        except (api_errors.GoogleAPICallError, api_errors.RetryError) as exc:
            raise _api_error(exc, what, self) from exc
        except auth_errors.GoogleAuthError as exc:
            raise MlnbError(
                f"could not {what}: the Google Cloud credentials were refused or "
                f"could not be refreshed ({exc}); log in again with `{LOGIN}`"
            ) from exc


def _api_error(exc: Exception, what: str, backend: VertexRegistryBackend) -> MlnbError:
    """An SDK or Cloud Storage error as an MlnbError that says what to do."""
    from google.api_core import exceptions as api_errors

    message = getattr(exc, "message", None) or str(exc)
    where = backend.location
    if isinstance(exc, (api_errors.Forbidden, api_errors.PermissionDenied)):
        return VertexRegistryError(
            f"Vertex AI refused to {what}: permission denied ({message}). In "
            f"{where} and {backend.staging_bucket}, {_GRANT}; grant them in the "
            "Google Cloud console (IAM & Admin > IAM) or use another account"
        )
    if isinstance(exc, api_errors.Unauthorized):
        return VertexRegistryError(
            f"Vertex AI refused to {what}: not authenticated ({message}); log in "
            f"with `{LOGIN}`"
        )
    if isinstance(exc, (api_errors.TooManyRequests, api_errors.ResourceExhausted)):
        return VertexRegistryError(
            f"Vertex AI refused to {what}: quota exceeded ({message}). Wait a minute "
            "and try again, or request a higher quota for Vertex AI Model Registry "
            "requests in this region (IAM & Admin > Quotas)"
        )
    if isinstance(exc, api_errors.NotFound):
        return VertexRegistryError(
            f"could not {what}: not found in {where} ({message}); check the "
            "project, location and bucket the registry was opened with"
        )
    if isinstance(exc, (api_errors.FailedPrecondition, api_errors.Aborted)):
        return VertexRegistryError(
            f"Vertex AI could not {what}: {message}. Fix what it names (the "
            "artefact folder, the serving container, the model's state) and try "
            "again; existing versions and aliases are unchanged"
        )
    if isinstance(exc, api_errors.BadRequest):
        return MlnbValueError(f"Vertex AI refused to {what} as invalid: {message}")
    code = getattr(exc, "code", None)
    return VertexRegistryError(
        f"could not {what}: Vertex AI answered "
        + (f"HTTP {int(code)} " if isinstance(code, int) else "")
        + f"({message}); try again, and if it persists look at the model in the "
        "Google Cloud console (Vertex AI > Model Registry)"
    )


# -- small helpers ---------------------------------------------------------------------
def _lock_dir() -> str:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(cache, "mlnb", "locks")


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise MlnbValueError(
            f"name must be the registered model's name (non-empty text); got {name!r}"
        )
    if len(name) > MAX_NAME or any(c in name for c in '"\\/\n'):
        raise MlnbValueError(
            f"name {name!r} cannot be a Vertex AI model display name: at most "
            f"{MAX_NAME} characters, without quotes, backslashes, slashes or line "
            "breaks; choose another name"
        )


def _check_alias(alias: Any) -> None:
    if not isinstance(alias, str) or not ALIAS_FORMAT.match(alias):
        raise MlnbValueError(
            f"alias {alias!r} is not a Vertex AI version alias: it must start with "
            "a lowercase letter, end with a lowercase letter or digit, and hold "
            "only letters, digits and '-' (2 to 128 characters), e.g. 'champion'"
        )


def _pickle(model: Any) -> tuple[bytes, str]:
    try:
        import cloudpickle
    except ImportError:
        cloudpickle = None
    try:
        if cloudpickle is not None:
            return cloudpickle.dumps(model, protocol=4), "cloudpickle"
        return pickle.dumps(model, protocol=4), "pickle"
    except Exception as exc:  # noqa: BLE001 - any pickling failure
        raise MlnbValueError(
            f"the model cannot be pickled ({type(exc).__name__}: {exc}), so it "
            "cannot be stored in Vertex AI Model Registry; pass a picklable model "
            "(a fitted estimator or pipeline, not one holding open files or locks)"
        ) from exc


def _split(uri: str) -> tuple[str, str]:
    rest = uri.removeprefix("gs://")
    bucket, _, path = rest.partition("/")
    return bucket, path


def _version_key(version: Any) -> tuple[int, str]:
    text = str(version)
    return (int(text), text) if text.isdigit() else (sys.maxsize, text)


def _time(value: Any) -> float:
    try:
        return value.timestamp()
    except (AttributeError, ValueError, OSError):
        return 0.0


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    try:
        text = value.astimezone(_dt.timezone.utc).isoformat()
    except (AttributeError, ValueError):
        return str(value) or None
    return text.replace("+00:00", "Z")
