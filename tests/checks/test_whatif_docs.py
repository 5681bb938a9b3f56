"""The examples in the What-If docstrings run and print what they say."""

from __future__ import annotations

import doctest

import pytest

import mlnb
from mlnb.checks import whatif
from mlnb.checks.whatif import counterfactual, dependence, thresholds


@pytest.mark.parametrize("module", [thresholds, counterfactual, dependence])
def test_docstring_examples(module, monkeypatch):
    # the examples spell the public names (mlnb.fair_thresholds, ...), which the
    # package exports lazily; make sure they resolve here either way
    for name in ("fair_thresholds", "nearest_counterfactual", "partial_dependence"):
        monkeypatch.setattr(mlnb, name, getattr(whatif, name), raising=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = doctest.DocTestFinder().find(module)
    assert any(t.examples for t in tests)
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
