"""The checklist: the ten steps, the result base every check builds on, the status
record it emits, and what this kernel session knows of each step.

- :mod:`~mlnb.checklist.steps` — the ten steps (ids, titles, questions, starters);
- :mod:`~mlnb.checklist.result` — :class:`CheckResult` and the status record;
- :mod:`~mlnb.checklist.session` — the newest record of each check in this kernel;
- :mod:`~mlnb.checklist.status_table` — the table ``%mlcheck`` shows.

Only the step definitions are imported here, so ``import mlnb`` stays light.
"""

from __future__ import annotations

from .steps import STATUSES, STEP_IDS, STEPS, Step, get_step

__all__ = ["Step", "STEPS", "STEP_IDS", "STATUSES", "get_step"]
