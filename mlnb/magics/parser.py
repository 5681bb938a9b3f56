"""The argument scanner shared by every ``%mlcheck`` command: values, the leading
expression, and whitespace splitting outside brackets and quotes."""

from __future__ import annotations

from typing import Any

__all__ = ["parse_value", "split_expression", "split_top_level"]


def parse_value(text: str | None) -> Any:
    """Turn a command-line value into int/float/bool when it looks like one."""
    if text is None:
        return None
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _top_level(text: str):
    """``(index, character)`` for each character of ``text`` outside brackets and
    quotes (a backslash escapes the next character inside quotes)."""
    depth, quote, i = 0, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0:
            yield i, ch
        i += 1


def split_expression(text: str) -> tuple[str, str]:
    """Split ``"df[df.x > 0] --label y"`` into the leading expression and the options.

    The expression ends at the first `` -x``/`` --x`` outside brackets and quotes,
    so expressions may contain spaces without quoting.
    """
    for i, ch in _top_level(text):
        option = text[i + 1 : i + 2] == "-" and (
            text[i + 2 : i + 3].isalpha() or text[i + 2 : i + 3] == "-"
        )
        if ch.isspace() and option:
            return text[:i].strip(), text[i:].strip()
    return text.strip(), ""


def split_top_level(text: str) -> list[str]:
    """Split on whitespace outside brackets and quotes: ``"a b[c d]"`` →
    ``["a", "b[c d]"]``."""
    parts, start = [], 0
    for i, ch in _top_level(text):
        if ch.isspace():
            if text[start:i].strip():
                parts.append(text[start:i].strip())
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts
