"""mlnb's deployment pipeline as Kubeflow Pipelines v2 (the ``pipeline`` extra).

Everything that imports ``kfp`` lives here. Five lightweight Python components —
``validate``, ``train``, ``evaluate``, ``gate``, ``deploy`` — each import mlnb inside
their body and call :mod:`mlnb.runtime.pipeline.steps`; artefacts travel between
them (``Output[Artifact]`` validation results, ``Output[Model]``, the gate's
``Output[Metrics]`` that Vertex AI shows, the decision). The pipeline::

    validate ──valid──▶ dsl.If(valid == True)
                          train ─model─▶ evaluate ─decision─▶ gate ──blessed──▶
                            dsl.If(blessed == True)
                              deploy (mlnb.promote)

:func:`compile_pipeline` writes the KFP IR YAML that Vertex AI Pipelines runs.

:func:`run_local` runs the same component definitions through KFP's local
``SubprocessRunner`` (no container, no pip install). kfp's local *pipeline*
runner does not evaluate ``dsl.If`` conditions on task outputs (kfp 2.16: the
condition ``inputs.parameter_values['pipelinechannel--validate-valid'] == true`` is
never resolved and evaluates as false, so a conditional branch never runs), and a
single local component cannot take input artefacts. So the local run executes each
step as its own one-task KFP pipeline (``dsl.importer`` brings the previous steps'
artefacts in by URI) and applies the two conditions itself — the same booleans the
compiled ``dsl.If`` reads.

No ``from __future__ import annotations`` here: kfp reads the components'
annotations as objects.
"""

import contextlib
import os
import re
import sys
import time
from typing import Any, NamedTuple

from kfp import compiler, dsl, local
from kfp.dsl import Artifact, Input, Metrics, Model, Output

from ..errors import MlnbError

__all__ = [
    "make_components",
    "build_pipeline",
    "compile_pipeline",
    "vertex_job",
    "run_local",
]

STEPS = ("validate", "train", "evaluate", "gate", "deploy")


# -- the components' bodies (their source is what KFP ships to each step) ----------
def validate(
    train_data: str,
    eval_data: str,
    schema_json: str,
    validation: Output[Artifact],
) -> NamedTuple("Outputs", [("valid", bool)]):
    """Validate the training and evaluation data against the schema."""
    from collections import namedtuple

    from mlnb.runtime.pipeline.steps import validate_step

    valid = validate_step(train_data, eval_data, schema_json, validation)
    return namedtuple("Outputs", ["valid"])(valid)


def train(
    train_data: str,
    label: str,
    train_ref: str,
    train_name: str,
    train_source_json: str,
    model: Output[Model],
):
    """Train the candidate with the user's function."""
    from mlnb.runtime.pipeline.steps import train_step

    train_step(train_data, label, train_ref, train_name, train_source_json, model)


def evaluate(
    model: Input[Model],
    eval_data: str,
    label: str,
    thresholds_json: str,
    slices_json: str,
    threshold: float,
    registry_json: str,
    model_name: str,
    decision: Output[Artifact],
    metrics: Output[Metrics],
):
    """Evaluate the candidate against the registry's champion (mlnb.gate)."""
    from mlnb.runtime.pipeline.steps import evaluate_step

    evaluate_step(
        model,
        eval_data,
        label,
        thresholds_json,
        slices_json,
        threshold,
        registry_json,
        model_name,
        decision,
        metrics,
    )


def gate(
    model: Input[Model],
    decision: Input[Artifact],
) -> NamedTuple("Outputs", [("blessed", bool)]):
    """The blessing: the decision is about this model and every threshold holds."""
    from collections import namedtuple

    from mlnb.runtime.pipeline.steps import gate_step

    return namedtuple("Outputs", ["blessed"])(gate_step(model, decision))


def deploy(
    model: Input[Model],
    decision: Input[Artifact],
    validation: Input[Artifact],
    registry_json: str,
    model_name: str,
    schema_json: str,
    promotion: Output[Artifact],
) -> NamedTuple("Outputs", [("promoted", bool)]):
    """Promote the blessed model into the registry (mlnb.promote)."""
    from collections import namedtuple

    from mlnb.runtime.pipeline.steps import deploy_step

    promoted = deploy_step(
        model, decision, validation, registry_json, model_name, schema_json, promotion
    )
    return namedtuple("Outputs", ["promoted"])(promoted)


_FUNCS = {
    "validate": validate,
    "train": train,
    "evaluate": evaluate,
    "gate": gate,
    "deploy": deploy,
}


def make_components(
    *, base_image: Any = None, packages: Any = (), install_kfp: bool = True
) -> dict:
    """The five components, built with the image and the packages to install."""
    kw: dict[str, Any] = {
        "packages_to_install": list(packages or []),
        "install_kfp_package": install_kfp,
    }
    if base_image:
        kw["base_image"] = base_image
    return {name: dsl.component(fn, **kw) for name, fn in _FUNCS.items()}


def build_pipeline(spec: Any, comps: dict) -> Any:
    """The ``@dsl.pipeline`` function; every setting is a parameter with the
    :class:`~mlnb.runtime.pipeline.Pipeline`'s value as its default (overridable
    in ``PipelineJob(parameter_values=...)``)."""
    p = spec.parameters()

    @dsl.pipeline(name=spec.name, description=spec.description())
    def mlnb_pipeline(
        train_data: str,
        eval_data: str,
        label: str = p["label"],
        schema_json: str = p["schema_json"],
        thresholds_json: str = p["thresholds_json"],
        slices_json: str = p["slices_json"],
        threshold: float = p["threshold"],
        registry_json: str = p["registry_json"],
        model_name: str = p["model_name"],
        train_ref: str = p["train_ref"],
        train_name: str = p["train_name"],
        train_source_json: str = p["train_source_json"],
    ):
        v = comps["validate"](
            train_data=train_data, eval_data=eval_data, schema_json=schema_json
        ).set_display_name("validate")
        with dsl.If(v.outputs["valid"] == True, name="data-valid"):  # noqa: E712
            t = comps["train"](
                train_data=train_data,
                label=label,
                train_ref=train_ref,
                train_name=train_name,
                train_source_json=train_source_json,
            ).set_display_name("train")
            e = comps["evaluate"](
                model=t.outputs["model"],
                eval_data=eval_data,
                label=label,
                thresholds_json=thresholds_json,
                slices_json=slices_json,
                threshold=threshold,
                registry_json=registry_json,
                model_name=model_name,
            ).set_display_name("evaluate")
            g = comps["gate"](
                model=t.outputs["model"], decision=e.outputs["decision"]
            ).set_display_name("gate")
            with dsl.If(g.outputs["blessed"] == True, name="blessed"):  # noqa: E712
                comps["deploy"](
                    model=t.outputs["model"],
                    decision=e.outputs["decision"],
                    validation=v.outputs["validation"],
                    registry_json=registry_json,
                    model_name=model_name,
                    schema_json=schema_json,
                ).set_display_name("deploy")

    return mlnb_pipeline


def compile_pipeline(spec: Any, path: str) -> str:
    """Write the pipeline's KFP IR YAML to ``path`` (for Vertex AI Pipelines)."""
    comps = make_components(
        base_image=spec.base_image,
        packages=spec.packages,
        install_kfp=not spec.custom_image,
    )
    compiler.Compiler().compile(build_pipeline(spec, comps), package_path=path)
    return path


def vertex_job(
    spec: Any,
    *,
    template_path: str,
    parameter_values: dict,
    pipeline_root: str,
    display_name: str,
    project: Any,
    location: Any,
    enable_caching: bool,
    credentials: Any,
) -> Any:
    """An ``aiplatform.PipelineJob`` of the compiled pipeline (not submitted)."""
    try:
        from google.cloud import aiplatform
    except ImportError as exc:
        from ..errors import MissingDependencyError

        raise MissingDependencyError(
            "google-cloud-aiplatform", "vertex", "Vertex AI Pipelines"
        ) from exc
    compile_pipeline(spec, template_path)
    try:
        return aiplatform.PipelineJob(
            display_name=display_name,
            template_path=template_path,
            pipeline_root=pipeline_root,
            parameter_values=parameter_values,
            project=project,
            location=location,
            enable_caching=enable_caching,
            credentials=credentials,
        )
    except ValueError as exc:
        from ..errors import MlnbValueError

        raise MlnbValueError(
            f"Vertex AI refused the pipeline's parameters: {exc}; pass only the "
            "pipeline's parameters (train_data, eval_data and the settings)"
        ) from exc


# -- the local run -------------------------------------------------------------------
class _EvaluateOutputs(NamedTuple):
    decision: Artifact
    metrics: Metrics


class _DeployOutputs(NamedTuple):
    promoted: bool
    promotion: Artifact


def _stages(comps: dict) -> dict:
    """One-task pipelines for the steps that take artefacts: each imports its input
    artefacts by URI and returns the component's outputs."""

    @dsl.pipeline(name="mlnb-evaluate")
    def evaluate_stage(
        model_uri: str,
        eval_data: str,
        label: str,
        thresholds_json: str,
        slices_json: str,
        threshold: float,
        registry_json: str,
        model_name: str,
    ) -> _EvaluateOutputs:
        m = dsl.importer(artifact_uri=model_uri, artifact_class=Model)
        e = comps["evaluate"](
            model=m.output,
            eval_data=eval_data,
            label=label,
            thresholds_json=thresholds_json,
            slices_json=slices_json,
            threshold=threshold,
            registry_json=registry_json,
            model_name=model_name,
        )
        return _EvaluateOutputs(e.outputs["decision"], e.outputs["metrics"])

    @dsl.pipeline(name="mlnb-gate")
    def gate_stage(model_uri: str, decision_uri: str) -> bool:
        m = dsl.importer(artifact_uri=model_uri, artifact_class=Model)
        d = dsl.importer(artifact_uri=decision_uri, artifact_class=Artifact)
        return comps["gate"](model=m.output, decision=d.output).outputs["blessed"]

    @dsl.pipeline(name="mlnb-deploy")
    def deploy_stage(
        model_uri: str,
        decision_uri: str,
        validation_uri: str,
        registry_json: str,
        model_name: str,
        schema_json: str,
    ) -> _DeployOutputs:
        m = dsl.importer(artifact_uri=model_uri, artifact_class=Model)
        d = dsl.importer(artifact_uri=decision_uri, artifact_class=Artifact)
        v = dsl.importer(artifact_uri=validation_uri, artifact_class=Artifact)
        t = comps["deploy"](
            model=m.output,
            decision=d.output,
            validation=v.output,
            registry_json=registry_json,
            model_name=model_name,
            schema_json=schema_json,
        )
        return _DeployOutputs(t.outputs["promoted"], t.outputs["promotion"])

    return {"evaluate": evaluate_stage, "gate": gate_stage, "deploy": deploy_stage}


_ERROR_LINE = re.compile(r"^\s*((?:\w+\.)*\w*(?:Error|Exception)): (.+)$")


def _last_error(log_path: str) -> str:
    """The last ``SomeError: message`` line of the steps' log (the step's own
    exception, which kfp only reports as a failed status)."""
    try:
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:  # pragma: no cover - the log is ours
        return ""
    for line in reversed(lines):
        m = _ERROR_LINE.match(line)
        if m:
            return f"{m.group(1).rsplit('.', 1)[-1]}: {m.group(2)}"
    return ""


@contextlib.contextmanager
def _local_session(pipeline_root: str, pythonpath: list[str]):
    """kfp.local set up for this run (restored afterwards) and PYTHONPATH carrying
    this very mlnb (and the working directory) into the steps' subprocesses."""
    from kfp.local import config

    previous = config.LocalExecutionConfig.instance
    old_path = os.environ.get("PYTHONPATH")
    parts = [*pythonpath, *([old_path] if old_path else [])]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in parts if p))
    try:
        local.init(
            runner=local.SubprocessRunner(use_venv=False),
            pipeline_root=pipeline_root,
            raise_on_error=True,
        )
        yield
    finally:
        config.LocalExecutionConfig.instance = previous
        if old_path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old_path


class StepFailed(MlnbError, RuntimeError):
    """A pipeline step failed; ``step`` names it and the log holds its output."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step


def run_local(
    spec: Any,
    *,
    train_data: str,
    eval_data: str,
    pipeline_root: str,
    log_path: str,
    on_step: Any = None,
) -> dict:
    """Run the five steps locally; returns ``{"steps": [...], "artifacts": {...},
    "error": ...}`` where each step is ``{"step", "state", "seconds"}`` and
    ``on_step(step_dict)`` is called as each one ends."""
    comps = make_components(base_image=spec.base_image, packages=(), install_kfp=False)
    stages = _stages(comps)
    p = spec.parameters()
    # the folder holding this very mlnb package (mlnb/integrations/ is two below)
    mlnb_root = os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    )
    steps: list[dict] = []
    arts: dict[str, Any] = {}
    error = None

    def record(step: str, state: str, seconds: float | None) -> None:
        row = {"step": step, "state": state, "seconds": seconds}
        steps.append(row)
        if on_step is not None:
            on_step(row)

    def run(step: str, fn: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            out = fn(**kw)
        except KeyboardInterrupt:
            record(step, "failed", time.perf_counter() - t0)
            raise
        except Exception as exc:  # noqa: BLE001 - kfp raises RuntimeError
            record(step, "failed", time.perf_counter() - t0)
            sys.stdout.flush()
            why = _last_error(log_path) or str(exc)
            raise StepFailed(step, f"step {step!r} failed: {why}") from exc
        record(step, "ran", time.perf_counter() - t0)
        return out

    with (
        open(log_path, "a", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        _local_session(pipeline_root, [mlnb_root, os.getcwd()]),
    ):
        try:
            v = run(
                "validate",
                comps["validate"],
                train_data=train_data,
                eval_data=eval_data,
                schema_json=p["schema_json"],
            )
            arts["validation"] = v.outputs["validation"]
            valid = bool(v.outputs["valid"])
            if not valid:
                for s in STEPS[1:]:
                    record(s, "skipped", None)
            else:
                t = run(
                    "train",
                    comps["train"],
                    train_data=train_data,
                    label=p["label"],
                    train_ref=p["train_ref"],
                    train_name=p["train_name"],
                    train_source_json=p["train_source_json"],
                )
                arts["model"] = t.outputs["model"]
                e = run(
                    "evaluate",
                    stages["evaluate"],
                    model_uri=arts["model"].uri,
                    eval_data=eval_data,
                    label=p["label"],
                    thresholds_json=p["thresholds_json"],
                    slices_json=p["slices_json"],
                    threshold=p["threshold"],
                    registry_json=p["registry_json"],
                    model_name=p["model_name"],
                )
                arts["decision"] = e.outputs["decision"]
                arts["metrics"] = e.outputs["metrics"]
                g = run(
                    "gate",
                    stages["gate"],
                    model_uri=arts["model"].uri,
                    decision_uri=arts["decision"].uri,
                )
                if not bool(g.output):
                    record("deploy", "skipped", None)
                else:
                    d = run(
                        "deploy",
                        stages["deploy"],
                        model_uri=arts["model"].uri,
                        decision_uri=arts["decision"].uri,
                        validation_uri=arts["validation"].uri,
                        registry_json=p["registry_json"],
                        model_name=p["model_name"],
                        schema_json=p["schema_json"],
                    )
                    arts["promotion"] = d.outputs["promotion"]
        except StepFailed as exc:
            error = exc
            done = {s["step"] for s in steps}
            for s in STEPS:
                if s not in done:
                    record(s, "not run", None)
        finally:
            sys.stdout.flush()
    return {
        "steps": steps,
        "artifacts": {k: (a.uri, dict(a.metadata)) for k, a in arts.items()},
        "error": error,
    }
