"""The extension's copy of the checklist must match mlnb/checklist.py (no browser)."""

from __future__ import annotations

import json
from pathlib import Path

from mlnb.checklist import STEP_IDS, STEPS
from mlnb.checklist.steps_json import steps_as_json

LABEXT = Path(__file__).resolve().parents[2] / "labextension"
REGENERATE = "python -m mlnb.checklist.steps_json labextension/src/steps.json"


def test_steps_json_matches_checklist():
    committed = (LABEXT / "src" / "steps.json").read_text(encoding="utf-8")
    assert json.loads(committed) == [s.to_dict() for s in STEPS], (
        "labextension/src/steps.json has drifted from mlnb/checklist.py; "
        f"run `{REGENERATE}`"
    )
    assert committed == steps_as_json(), f"formatting differs; run `{REGENERATE}`"


def test_settings_schema_lists_the_step_ids():
    schema = json.loads((LABEXT / "schema" / "plugin.json").read_text(encoding="utf-8"))
    enum = schema["properties"]["visibleSteps"]["items"]["enum"]
    assert enum == list(STEP_IDS)
    for name, prop in schema["properties"].items():
        assert prop.get("title") and prop.get("description"), name
