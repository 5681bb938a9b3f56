"""What every mlnb widget shows where widgets cannot render (nbconvert, GitHub, a
notebook reopened without its widget state): a static HTML card with a PNG of the
charts, and the status record the checklist panel reads."""

from __future__ import annotations

from typing import Any

from ..checklist.result import MIME_TYPE

__all__ = ["StaticFallback"]


class StaticFallback:
    """Mixin for widgets: add ``text/html``, ``image/png`` and the status record to
    the widget's own display bundle.

    Subclasses provide ``_static_png() -> str | None`` (base64; None when drawing
    failed), ``_static_html(png) -> str`` (escaped HTML) and ``record() -> dict``.
    """

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        """The widget view plus a static fallback (HTML, PNG) and the status
        record."""
        base = super()._repr_mimebundle_(**kwargs)
        if isinstance(base, tuple):
            data, metadata = dict(base[0]), dict(base[1])
        else:
            data, metadata = dict(base or {}), {}
        data["text/plain"] = repr(self)
        png = self._static_png()
        data["text/html"] = self._static_html(png)
        if png:
            data["image/png"] = png
        data[MIME_TYPE] = self.record()
        include, exclude = kwargs.get("include"), kwargs.get("exclude")
        if include:
            data = {k: v for k, v in data.items() if k in include}
        if exclude:
            data = {k: v for k, v in data.items() if k not in exclude}
        return data, metadata
