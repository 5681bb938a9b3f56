"""Where Vertex AI calls go: project, region, staging bucket and credentials, from
the arguments or ``aiplatform.init`` — shared by
:mod:`~mlnb.integrations.vertex_training` and
:mod:`~mlnb.integrations.vertex_registry`.

Nothing is sent when one is missing: :func:`settings` raises first, naming each
missing value and how to set it. No credential is printed or stored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..errors import MlnbError, MlnbValueError

__all__ = ["Settings", "settings", "LOGIN", "INIT"]

LOGIN = "gcloud auth application-default login"
INIT = (
    'aiplatform.init(project="...", location="us-central1", staging_bucket="gs://...")'
)


@dataclass(frozen=True)
class Settings:
    project: str
    location: str
    staging_bucket: str | None


def settings(
    aiplatform: Any,
    *,
    project: str | None,
    location: str | None,
    staging_bucket: str | None,
    need_bucket: bool = True,
    credentials: Any = None,
    bucket_use: str = "the script is uploaded there",
    again: str = "launch again",
) -> Settings:
    """Project, region and bucket from the arguments or ``aiplatform.init``; checks
    the credentials are there (nothing is sent otherwise). ``credentials`` given
    explicitly are used as they are (no lookup). ``bucket_use`` says what the
    bucket is for, ``again`` what to do once the settings are fixed."""
    from google.auth import exceptions as auth_errors

    config = aiplatform.initializer.global_config
    project = project or getattr(config, "_project", None)
    location = (
        location
        or getattr(config, "_location", None)
        or os.environ.get("GOOGLE_CLOUD_REGION")
        or os.environ.get("CLOUD_ML_REGION")
    )
    staging_bucket = staging_bucket or config.staging_bucket
    if credentials is None:
        try:
            config.credentials  # noqa: B018 - looks the credentials up (no request)
        except auth_errors.DefaultCredentialsError:
            raise MlnbError(
                "no Google Cloud credentials were found, so nothing was sent to "
                f"Vertex AI; log in with `{LOGIN}` (or pass credentials= to "
                f"aiplatform.init), then {again}"
            ) from None
    if not project:
        try:
            project = config.project  # from the credentials' project, if they name one
        except (auth_errors.GoogleAuthError, ValueError):
            project = None
    missing = []
    if not project:
        missing.append(
            "project (pass project='my-project', or aiplatform.init(project=...))"
        )
    if not location:
        missing.append(
            "location (pass location='us-central1', or aiplatform.init(location=...))"
        )
    if need_bucket and not staging_bucket:
        missing.append(
            "staging_bucket (pass staging_bucket='gs://my-bucket', or "
            f"aiplatform.init(staging_bucket=...)); {bucket_use}"
        )
    if missing:
        raise MlnbValueError(
            "Vertex AI needs "
            + "; ".join(missing)
            + f". Set them once with {INIT}, or pass them as arguments"
        )
    if staging_bucket and not str(staging_bucket).startswith("gs://"):
        raise MlnbValueError(
            f"staging_bucket must be a Cloud Storage URI such as 'gs://my-bucket'; "
            f"got {staging_bucket!r}"
        )
    return Settings(str(project), str(location), staging_bucket)
