"""Write the checklist as JSON for the JupyterLab extension.

``mlnb/checklist.py`` is the single source of the step titles, guiding questions and
starter cells. The extension reads a copy, ``labextension/src/steps.json``, generated
by this module and committed; ``tests/ui/test_steps_json.py`` fails when the copy has
drifted from :data:`mlnb.checklist.STEPS`.

Regenerate it with::

    python -m mlnb.checklist_json labextension/src/steps.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .steps import STEPS

__all__ = ["steps_as_json", "main"]


def steps_as_json() -> str:
    """Return the ten steps as the JSON text that ``steps.json`` must hold.

    Returns
    -------
    str
        ``[step.to_dict() for step in STEPS]`` dumped with one-space indentation and
        a trailing newline.

    Examples
    --------
    >>> import json
    >>> [s["id"] for s in json.loads(steps_as_json())][:2]
    ['problem', 'prototype']
    """
    return json.dumps([step.to_dict() for step in STEPS], indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the JSON to the path given as the only argument, or print it."""
    args = sys.argv[1:] if argv is None else argv
    text = steps_as_json()
    if not args:
        sys.stdout.write(text)
    else:
        Path(args[0]).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
