""":class:`Pipeline`: step 8 as a pipeline — validate → train → evaluate → gate →
deploy — compiled for Kubeflow Pipelines v2 / Vertex AI Pipelines and run locally
through KFP's local runner (``pipeline`` extra).

The configuration is plain Python, checked when the pipeline is built; everything
that touches ``kfp`` is in :mod:`mlnb.integrations.kfp_pipeline`, reached by name
at call time.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...checks.adapters import adapter
from ...errors import MissingDependencyError, MlnbValueError
from .trainfn import as_train_function

__all__ = ["Pipeline", "STEPS"]

#: The steps, in order.
STEPS = ("validate", "train", "evaluate", "gate", "deploy")

#: The steps' image when none is given (KFP's own default, named so that it does not
#: change under the pipeline when KFP's does); packages then install mlnb into it.
DEFAULT_BASE_IMAGE = "python:3.11"

_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?$")
_DATA_ENDINGS = (".csv", ".parquet", ".pq")


def _kfp() -> None:
    try:
        import kfp  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(
            "kfp", "pipeline", "Kubeflow pipelines (Pipeline.compile / run_local)"
        ) from exc


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise MlnbValueError(
            "name must be a pipeline name of lowercase letters, digits and '-' "
            "(starting and ending with a letter or digit, at most 128 characters), "
            f"e.g. name='income'; got {name!r}"
        )
    return name


def _check_schema(schema: Any) -> Any:
    from ...checks.deployment import Schema

    if isinstance(schema, Schema):
        return schema
    if schema is None:
        raise MlnbValueError(
            "schema is required: the validate step checks the data against it; pass "
            "schema=mlnb.schema(train_df) or the path of a saved schema"
        )
    if isinstance(schema, (str, os.PathLike)):
        path = os.fspath(schema)
        if not os.path.isfile(path):
            raise MlnbValueError(
                f"schema: no schema file at {path!r}; save one with "
                "mlnb.schema(train_df).save(path), or pass the Schema itself"
            )
        return Schema.load(path)
    raise MlnbValueError(
        "schema must be an mlnb Schema (mlnb.schema(train_df)) or the path of a "
        f"saved one; got {type(schema).__name__}"
    )


def _check_label(label: Any, schema: Any) -> str:
    if not isinstance(label, str) or not label.strip():
        raise MlnbValueError(
            f"label must be the label column's name, e.g. label='income'; got {label!r}"
        )
    if label not in schema:
        raise MlnbValueError(
            f"label {label!r} is not a column of the schema (columns: "
            f"{', '.join(map(str, schema.names))}); pass the label column's name, "
            "or infer the schema from data that holds the label"
        )
    return label


def _check_slices(slices: Any, schema: Any) -> list | None:
    if slices is None:
        return None
    items = [slices] if isinstance(slices, (str, tuple)) else slices
    if not isinstance(items, list) or not items:
        raise MlnbValueError(
            "slices must be a column, a list of columns, or tuples of columns for "
            f"crossed slices, e.g. slices=['sex', ('sex', 'race')]; got {slices!r}"
        )
    out: list = []
    for item in items:
        cols = list(item) if isinstance(item, tuple) else [item]
        for c in cols:
            if not isinstance(c, str) or c not in schema:
                raise MlnbValueError(
                    f"slices: {c!r} is not a column of the schema (columns: "
                    f"{', '.join(map(str, schema.names))}); slice by columns the "
                    "evaluation data has"
                )
        out.append(cols if isinstance(item, tuple) else item)
    return out


def _check_registry(registry: Any) -> dict:
    if isinstance(registry, (str, os.PathLike)):
        path = os.fspath(registry)
        if not path.strip():
            raise MlnbValueError(
                "registry must be a folder for the local model registry, e.g. "
                "registry='mlnb-registry'; got an empty string"
            )
        if path == "vertex":
            return {"uri": "vertex"}
        if "://" in path:
            return {"uri": path}
        if os.path.isfile(path):
            raise MlnbValueError(
                f"registry {path!r} is a file; the local registry is a folder — pass "
                "a folder path (it is created when missing)"
            )
        return {"uri": os.path.abspath(path)}
    if isinstance(registry, Mapping):
        spec = dict(registry)
        kind = spec.pop("kind", None)
        if spec.get("uri", kind) != "vertex":
            raise MlnbValueError(
                "registry as a dict describes Vertex AI Model Registry: "
                "{'uri': 'vertex', 'project': ..., 'location': ..., "
                f"'staging_bucket': 'gs://...'}}; got keys {sorted(map(str, registry))}"
            )
        spec.setdefault("uri", "vertex")
        try:
            json.dumps(spec)
        except TypeError:
            raise MlnbValueError(
                "registry: the dict's values must be plain JSON values (text, "
                "numbers) so they can travel to the pipeline's steps"
            ) from None
        return spec
    raise MlnbValueError(
        "registry must be a folder path (local registry, e.g. 'mlnb-registry') or a "
        "dict for Vertex AI Model Registry ({'uri': 'vertex', 'project': ..., "
        f"'location': ...}}); got {type(registry).__name__}"
    )


def _check_threshold(threshold: Any) -> float:
    import numbers

    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, numbers.Real)
        or not 0.0 < float(threshold) < 1.0
    ):
        raise MlnbValueError(
            "threshold is the decision threshold of binary scores, a number "
            f"strictly between 0 and 1, e.g. threshold=0.5; got {threshold!r}"
        )
    return float(threshold)


def _check_packages(base_image: Any, packages: Any) -> tuple[str, tuple]:
    if base_image is not None and (
        not isinstance(base_image, str) or not base_image.strip()
    ):
        raise MlnbValueError(
            "base_image must be a container image name holding mlnb with the "
            "validate, registry and pipeline extras, e.g. "
            f"base_image='mlnb-pipeline:0.1'; got {base_image!r}"
        )
    if packages is None:
        packages = () if base_image else ("mlnb[validate,registry,pipeline]",)
    base_image = base_image or DEFAULT_BASE_IMAGE
    if isinstance(packages, str) or not all(isinstance(p, str) for p in packages):
        raise MlnbValueError(
            "packages must be a list of pip requirement strings installed when a "
            f"step starts, e.g. packages=['mlnb[validate,registry]']; got {packages!r}"
        )
    return base_image, tuple(packages)


def _check_data(path: Any, argument: str) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise MlnbValueError(
            f"{argument} must be the path of a CSV or Parquet file; got "
            f"{type(path).__name__} — save the frame first, e.g. "
            f"df.to_parquet('{argument}.parquet')"
        )
    path = os.fspath(path)
    if "://" in path:
        return path
    if not os.path.isfile(path):
        raise MlnbValueError(
            f"{argument}: no file at {path!r}; pass the path of an existing CSV or "
            "Parquet file"
        )
    if not path.lower().endswith(_DATA_ENDINGS):
        raise MlnbValueError(
            f"{argument}: {path!r} is neither .csv nor .parquet; save the data as "
            "one of them"
        )
    return os.path.abspath(path)


class Pipeline:
    """Step 8 as a Kubeflow pipeline: validate → train → evaluate → gate → deploy.

    Parameters
    ----------
    name:
        The pipeline's name (lowercase letters, digits and ``-``).
    train:
        The training function ``train(train_df, label) -> fitted model`` (defined
        with ``def``; its source travels into the train step with the imports it
        reads), or ``"package.module:function"`` importable in the step's image.
    label:
        The label column.
    schema:
        A :class:`~mlnb.checks.deployment.Schema` or the path of a saved one: the
        validate step checks the training and evaluation data against it.
    thresholds:
        :class:`~mlnb.ValueThreshold` / :class:`~mlnb.ChangeThreshold` objects the
        candidate must meet (against the registry's champion for change
        thresholds; while there is no champion they are left out and reported).
    slices:
        Slice columns for the gate (as ``mlnb.gate(slices=)``).
    registry:
        Where the deploy step promotes: a folder (the local registry) or a dict
        ``{"uri": "vertex", "project": ..., "location": ..., "staging_bucket":
        ...}`` for Vertex AI Model Registry.
    model_name:
        The registered model's name (default: ``name``).
    threshold:
        Decision threshold of binary scores.
    base_image, packages:
        For the compiled pipeline: the container image of every step and the pip
        requirements installed when a step starts. The image must hold mlnb with
        the ``validate``, ``registry`` and ``pipeline`` extras; without
        ``base_image``, KFP's default Python image is used and ``packages``
        defaults to ``["mlnb[validate,registry,pipeline]"]``. Local runs install
        nothing.

    Examples
    --------
    >>> pipe = mlnb.Pipeline("income", train=fit, label="income",
    ...     schema=mlnb.schema(train_df), registry="mlnb-registry",
    ...     thresholds=[mlnb.ValueThreshold("roc_auc", lower=0.8)])  # doctest: +SKIP
    >>> pipe.compile("income.yaml")  # doctest: +SKIP
    >>> run = pipe.run_local(train_data="train.csv",
    ...                      eval_data="eval.csv")  # doctest: +SKIP
    """

    steps = STEPS

    def __init__(
        self,
        name: str,
        *,
        train: Any,
        label: str,
        schema: Any,
        thresholds: Any,
        slices: Any = None,
        registry: Any = "mlnb-registry",
        model_name: str | None = None,
        threshold: float = 0.5,
        base_image: str | None = None,
        packages: Any = None,
    ) -> None:
        from ...checks.deployment.thresholds import as_thresholds

        self.name = _check_name(name)
        self.train = as_train_function(train)
        self.schema = _check_schema(schema)
        self.label = _check_label(label, self.schema)
        self.thresholds = as_thresholds(thresholds)
        self.slices = _check_slices(slices, self.schema)
        self.registry = _check_registry(registry)
        if model_name is None:
            model_name = name
        if not isinstance(model_name, str) or not model_name.strip():
            raise MlnbValueError(
                "model_name must be the registered model's name, e.g. "
                f"model_name='income'; got {model_name!r}"
            )
        self.model_name = model_name
        self.threshold = _check_threshold(threshold)
        self.custom_image = base_image is not None
        self.base_image, self.packages = _check_packages(base_image, packages)

    def __repr__(self) -> str:
        return (
            f"<mlnb.Pipeline {self.name!r}: {' → '.join(STEPS)}; train "
            f"{self.train.describe()}, {len(self.thresholds)} threshold(s), registry "
            f"{self.registry['uri']}>"
        )

    def description(self) -> str:
        return (
            f"mlnb step 8: validate → train → evaluate → gate → deploy "
            f"(model {self.model_name!r})"
        )

    def parameters(self) -> dict[str, Any]:
        """The pipeline's parameters (JSON-ready) as the steps receive them."""
        from ...checks.deployment.thresholds import threshold_to_json

        return {
            "label": self.label,
            "schema_json": json.dumps(self.schema.to_dict()),
            "thresholds_json": json.dumps(
                [threshold_to_json(t) for t in self.thresholds]
            ),
            "slices_json": json.dumps(self.slices),
            "threshold": self.threshold,
            "registry_json": json.dumps(self.registry),
            "model_name": self.model_name,
            "train_ref": self.train.ref,
            "train_name": self.train.name,
            "train_source_json": (
                json.dumps(self.train.source) if self.train.source else ""
            ),
        }

    def compile(self, path: str | os.PathLike) -> Path:
        """Write the Kubeflow Pipelines v2 definition (IR YAML, what Vertex AI
        Pipelines runs) to ``path``; returns it as a :class:`~pathlib.Path`.

        The run's inputs are the parameters ``train_data`` and ``eval_data`` (CSV
        or Parquet; ``gs://`` URIs need gcsfs in the image); every other setting
        is a parameter defaulting to this pipeline's value.

        Raises
        ------
        MissingDependencyError
            kfp is not installed (``pip install "mlnb[pipeline]"``).
        """
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path).endswith(
            (".yaml", ".yml")
        ):
            raise MlnbValueError(
                f"path must be a .yaml file path, e.g. '{self.name}.yaml'; got {path!r}"
            )
        target = Path(path).resolve()
        if not target.parent.is_dir():
            raise MlnbValueError(
                f"path: the folder {str(target.parent)!r} does not exist; create it "
                "or write the YAML elsewhere"
            )
        _kfp()
        adapter("kfp_pipeline", "compile_pipeline")(self, str(target))
        return target

    def vertex_job(
        self,
        *,
        train_data: str,
        eval_data: str,
        pipeline_root: str,
        project: str | None = None,
        location: str | None = None,
        display_name: str | None = None,
        template_path: str | os.PathLike | None = None,
        enable_caching: bool = False,
        credentials: Any = None,
        parameters: Mapping[str, Any] | None = None,
    ):
        """A Vertex AI ``PipelineJob`` of this pipeline, built but not submitted:
        call ``.submit()`` (or ``.run()``) on it (``vertex`` extra).

        Parameters
        ----------
        train_data, eval_data:
            ``gs://`` URIs of CSV or Parquet files (the image needs gcsfs), or
            ``/gcs/bucket/...`` paths.
        pipeline_root:
            ``gs://bucket/folder`` for the steps' artefacts.
        project, location, credentials:
            As ``aiplatform.init`` (default: its settings).
        template_path:
            Where the compiled YAML goes (default: a temporary file).
        parameters:
            Other pipeline parameters to override (e.g. ``{"threshold": 0.4}``).

        Raises
        ------
        MlnbValueError
            ``pipeline_root`` is not a ``gs://`` URI; unknown parameters.
        MissingDependencyError
            kfp or google-cloud-aiplatform is missing.
        """
        if not isinstance(pipeline_root, str) or not pipeline_root.startswith("gs://"):
            raise MlnbValueError(
                "pipeline_root must be a gs:// URI where Vertex AI keeps the steps' "
                f"artefacts, e.g. 'gs://my-bucket/pipeline-root'; got {pipeline_root!r}"
            )
        for value, argument in ((train_data, "train_data"), (eval_data, "eval_data")):
            if not isinstance(value, str) or not value.strip():
                raise MlnbValueError(
                    f"{argument} must be the gs:// URI of a CSV or Parquet file the "
                    f"steps can read; got {value!r}"
                )
        _kfp()
        if template_path is None:
            folder = tempfile.mkdtemp(prefix=f"mlnb-pipeline-{self.name}-")
            template_path = os.path.join(folder, f"{self.name}.yaml")
        values = {**dict(parameters or {}), "train_data": train_data}
        values["eval_data"] = eval_data
        return adapter("kfp_pipeline", "vertex_job")(
            self,
            template_path=os.fspath(template_path),
            parameter_values=values,
            pipeline_root=pipeline_root,
            display_name=display_name or self.name,
            project=project,
            location=location,
            enable_caching=enable_caching,
            credentials=credentials,
        )

    def run_local(
        self,
        *,
        train_data: Any,
        eval_data: Any,
        pipeline_root: str | os.PathLike | None = None,
        progress: bool = True,
        publish: bool = True,
    ):
        """Run the pipeline on this machine through KFP's local subprocess runner
        (each step in its own Python process, nothing installed).

        Parameters
        ----------
        train_data, eval_data:
            CSV or Parquet files.
        pipeline_root:
            Folder for the steps' artefacts (default: a new temporary folder).
        progress:
            Print one line per step as it ends. Ctrl-C stops the run.
        publish:
            Record the validation, gate decision, promotion and the run as this
            session's evidence for step 8.

        Returns
        -------
        PipelineRun
            ``.state``, ``.steps``, ``.blessed``, ``.validation``, ``.decision``,
            ``.promotion``.

        Raises
        ------
        MlnbValueError
            A data file is missing or not CSV/Parquet, or lacks the label.
        MissingDependencyError
            kfp is not installed.

        Notes
        -----
        kfp's local pipeline runner does not evaluate ``dsl.If`` conditions on a
        task's outputs (kfp 2.16), so each step runs as its own one-task KFP
        pipeline and the run applies the two conditions itself; see
        :mod:`mlnb.integrations.kfp_pipeline`.
        """
        from .run import PipelineRun

        train_data = _check_data(train_data, "train_data")
        eval_data = _check_data(eval_data, "eval_data")
        for path, argument in ((train_data, "train_data"), (eval_data, "eval_data")):
            self._check_header(path, argument)
        if pipeline_root is not None and os.path.isfile(os.fspath(pipeline_root)):
            raise MlnbValueError(
                f"pipeline_root {os.fspath(pipeline_root)!r} is a file; pass a folder "
                "(it is created when missing)"
            )
        _kfp()
        if pipeline_root is None:
            root = tempfile.mkdtemp(prefix=f"mlnb-pipeline-{self.name}-")
        else:
            root = os.path.abspath(os.fspath(pipeline_root))
            os.makedirs(root, exist_ok=True)
        log_path = os.path.join(root, "mlnb-pipeline.log")

        shown = sys.stdout  # the steps' own output goes to the log

        def on_step(row: dict) -> None:
            if progress:
                secs = "" if row["seconds"] is None else f" in {row['seconds']:.1f} s"
                print(
                    f"[{self.name}] {row['step']:<8} {row['state']}{secs}",
                    file=shown,
                    flush=True,
                )

        out = adapter("kfp_pipeline", "run_local")(
            self,
            train_data=train_data,
            eval_data=eval_data,
            pipeline_root=root,
            log_path=log_path,
            on_step=on_step,
        )
        run = PipelineRun.from_local(self, out, pipeline_root=root, log_path=log_path)
        if progress:
            print(f"[{self.name}] {run.summary}", flush=True)
        if publish:
            run.publish_all()
        return run

    def _check_header(self, path: str, argument: str) -> None:
        if "://" in path:
            return
        if path.lower().endswith(".csv"):
            import pandas as pd

            cols = list(pd.read_csv(path, nrows=0).columns)
        else:
            import pyarrow.parquet as pq

            cols = list(pq.read_schema(path).names)
        if self.label not in cols:
            raise MlnbValueError(
                f"{argument}: {path!r} has no label column {self.label!r} (columns: "
                f"{', '.join(map(str, cols[:20]))}); pass data holding the label, or "
                "the right label="
            )
