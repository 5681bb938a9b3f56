"""Step 8's cards (the gate's decision, a promotion, a version table): their
secondary text follows the JupyterLab theme (a fixed mid grey is hard to read on
the dark theme's background), the promotion's key / value table has no empty
header row, and every value from the data stays escaped."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd

from mlnb.render import deployment, registry

SLICE = "group=<b>x</b>"
THEMED = "color:var(--jp-ui-font-color2, #616161)"


def _decision() -> SimpleNamespace:
    frame = pd.DataFrame(
        [
            {
                "status": "fail",
                "passed": False,
                "metric": "roc_auc",
                "slice": SLICE,
                "count": 146,
                "candidate": 0.54,
                "baseline": 0.80,
                "bound": "roc_auc >= 0.7",
                "kind": "value",
                "sentence": f"roc_auc 0.54 on {SLICE} breaks roc_auc >= 0.7",
            }
        ]
    )
    return SimpleNamespace(
        to_frame=lambda: frame,
        blessed=False,
        status="fail",
        candidate_id="sha256:<i>candidate</i>",
        baseline_id="sha256:baseline",
        n_rows=300,
        summary=f"Candidate blocked: roc_auc 0.54 on {SLICE}",
        thresholds=[],
    )


def _promotion() -> SimpleNamespace:
    return SimpleNamespace(
        status="fail",
        summary="demo not promoted",
        promoted=False,
        action="promote",
        name="demo",
        alias="champion",
        version=None,
        previous="1",
        reason=f"the gate did not bless it: roc_auc on {SLICE}",
        model_id="sha256:abc",
        registry="/tmp/<reg>",
        blocking=(f"roc_auc 0.54 on {SLICE} breaks roc_auc >= 0.7",),
    )


def _no_fixed_grey_text(html: str) -> None:
    # text colours come from the theme (with a fallback outside JupyterLab)
    assert not re.search(r"color:\s*#616161", html), html


def test_gate_card_meta_line_follows_the_theme_and_stays_escaped() -> None:
    html = deployment.card(_decision())
    assert "BLOCKED" in html
    assert THEMED + ';font-size:11px">candidate' in html
    _no_fixed_grey_text(html)
    assert "<b>" not in html and "<i>" not in html
    assert "group=&lt;b&gt;x&lt;/b&gt;" in html
    assert "sha256:&lt;i&gt;" in html


def test_promotion_card_meta_line_follows_the_theme_and_has_no_empty_header() -> None:
    html = registry.promotion_card(_promotion())
    assert THEMED in html
    _no_fixed_grey_text(html)
    # the key / value table: no header row at all (an empty one shows as a gap)
    assert "<thead>" not in html and "<th " not in html
    assert "<td" in html and "promoted" in html and ">no<" in html
    assert "What blocks (1)" in html
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "/tmp/&lt;reg&gt;" in html


def test_versions_table_location_follows_the_theme() -> None:
    frame = pd.DataFrame({"version": ["1"], "description": ["<script>x</script>"]})
    html = registry.versions_html(frame, name="<b>demo</b>", location="/tmp/<reg>")
    assert THEMED in html
    _no_fixed_grey_text(html)
    assert "<script" not in html and "<b>" not in html
