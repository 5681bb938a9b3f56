"""Step 1 — solving the right problem: the goal written down
(:mod:`~mlnb.checks.problem.goal`) and the baselines that give "good" a meaning
(:mod:`~mlnb.checks.problem.baselines`)."""

from __future__ import annotations

from .baselines import BaselinesResult, baselines
from .goal import Goal, current_goal, goal

__all__ = ["goal", "Goal", "current_goal", "baselines", "BaselinesResult"]
