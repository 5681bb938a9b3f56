"""Step 8 as a Kubeflow pipeline: :class:`Pipeline` (validate → train → evaluate →
gate → deploy), compiled for Vertex AI Pipelines or run locally, and its result
:class:`PipelineRun`. kfp is imported only by :mod:`mlnb.integrations.kfp_pipeline`
when a pipeline is compiled or run."""

from __future__ import annotations

from .pipeline import STEPS, Pipeline
from .run import PipelineRun

__all__ = ["Pipeline", "PipelineRun", "STEPS"]
