"""Pure computation returning result objects: a package per checklist step.

- :mod:`~mlnb.checks.imbalance` — step 4 (class balance, operating points);
- :mod:`~mlnb.checks.fairness` — step 6 (sliced metrics);
- :mod:`~mlnb.checks.drift` — step 9 (drift, skew, drift over time).

Nothing here imports IPython, ipywidgets, matplotlib (except inside ``plot``), or an
optional extra at module level.
"""
