"""Pure computation returning result objects: a package per checklist step.

- :mod:`~mlnb.checks.problem` — step 1 (the goal, the baselines);
- :mod:`~mlnb.checks.prototype` — step 2 (a leakage-aware first model);
- :mod:`~mlnb.checks.imbalance` — step 4 (class balance, operating points);
- :mod:`~mlnb.checks.accuracy` — step 5 (the diagnosis of stuck accuracy);
- :mod:`~mlnb.checks.fairness` — step 6 (sliced metrics);
- :mod:`~mlnb.checks.whatif` — step 6 (What-If probing: per-group thresholds,
  nearest counterfactual, partial dependence);
- :mod:`~mlnb.checks.explainability` — step 7 (feature attributions);
- :mod:`~mlnb.checks.drift` — step 9 (drift, skew, drift over time);
- :mod:`~mlnb.checks.modeling` — the scikit-learn pipelines steps 1, 2 and 5 fit;
- :mod:`~mlnb.checks.predictor` — one way to call any model or predict function,
  with its output checked (steps 6 and 7).

Nothing here imports IPython, ipywidgets, matplotlib (except inside ``plot``), or an
optional extra at module level.
"""
