"""What runs over time or holds resources — threads, sockets, files, subprocesses.

Continuous evaluation (step 9), one module per kind of thing:

- :mod:`~mlnb.runtime.evaluator` — :class:`ContinuousEvaluator`, windowed metrics
  against ground truth as it arrives, and its step-9 result
  :class:`ContinuousEvaluationResult` (both also ``mlnb.ContinuousEvaluator`` and
  ``mlnb.ContinuousEvaluationResult``);
- :mod:`~mlnb.runtime.windows` — window bookkeeping (:class:`Windows`, which rows
  belong to which window, when a window closes);
- :mod:`~mlnb.runtime.window_metric` — :func:`window_metric`, the metric of one
  window with its confidence interval, for every binary and regression metric of
  :mod:`mlnb.core.metrics`;
- :mod:`~mlnb.runtime.inputs` — reading a batch's labels, scores, ids and features;
- :mod:`~mlnb.runtime.delivery` — :class:`Alert`, :class:`Delivery`,
  :class:`CallbackError` and :class:`AlertDispatcher`: alert delivery to
  callbacks, a log and webhooks, with retries and backoff on a background thread.

Step 8's model registry:

- :mod:`~mlnb.runtime.registry` — :func:`registry` (a :class:`ModelRegistry` on
  MLflow's model registry in a local folder, or on Vertex AI Model Registry),
  :func:`promote` and :func:`rollback` with their :class:`Promotion` result; the
  backend contract is :mod:`mlnb.runtime.registry.base`.

Nothing is imported here: ``import mlnb.runtime`` stays free, and each module is
imported where it is used.
"""
