"""What runs over time or holds resources — threads, sockets, files, subprocesses.

- :mod:`~mlnb.runtime.evaluator` — :class:`ContinuousEvaluator`, windowed metrics
  against ground truth as it arrives (step 9);
- :mod:`~mlnb.runtime.delivery` — alert delivery to callbacks, a log and webhooks,
  with retries and backoff.
"""
