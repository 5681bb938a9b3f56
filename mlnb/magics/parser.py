"""The argument scanner shared by every ``%mlcheck`` command: values, the leading
expression, whitespace splitting outside brackets and quotes, shell-like quoting
of option values (``--label "is fraud"``), and column names resolved against the
frame's real names (``--label 0`` finds the int column 0 when there is no ``"0"``).
Every parse error is a short ``UsageError``."""

from __future__ import annotations

import ast
import re
import shlex
from typing import Any

from IPython.core.error import UsageError

__all__ = [
    "parse_value",
    "split_expression",
    "split_top_level",
    "split_options",
    "resolve_column",
    "resolve_columns",
]


def split_options(text: str) -> list[str]:
    """The options as a list of arguments, with shell-like quoting:
    ``--label "is fraud"`` → ``["--label", "is fraud"]``. An unbalanced quote is
    a ``UsageError``."""
    try:
        return shlex.split(text, posix=True)
    except ValueError as exc:
        raise UsageError(
            f"could not read the options {text!r}: {exc}. Close every quote, e.g. "
            '--label "is fraud" (a backslash escapes a quote inside one)'
        ) from None


_INT = re.compile(r"[+-]?\d+\Z")


def resolve_column(data: Any, name: Any) -> Any:
    """The column of ``data`` that the typed ``name`` means.

    The typed text wins when ``data`` has a column with exactly that name;
    otherwise text that reads as an int (``0``) or a Python literal (``(1, 'a')``,
    ``1.5``) names the column with that value when ``data`` has it. Anything else is
    returned unchanged, so the check reports the unknown column with the names
    it has."""
    from ..core.frames import has_column, is_table

    if not isinstance(name, str) or not is_table(data):
        return name
    try:
        if has_column(data, name):
            return name
    except Exception:  # duplicates etc.: let the check say so
        return name
    text = name.strip()
    candidates: list[Any] = []
    if _INT.match(text):
        candidates.append(int(text))
    else:
        try:
            candidates.append(ast.literal_eval(text))
        except Exception:  # not a literal: a plain (unknown) name
            candidates = []
    for cand in candidates:
        try:
            hash(cand)
            if has_column(data, cand):
                return cand
        except Exception:
            continue
    return name


def resolve_columns(data: Any, names: list[Any]) -> list[Any]:
    """:func:`resolve_column` for each name (tuples: for each part)."""
    out: list[Any] = []
    for n in names:
        if isinstance(n, tuple):
            out.append(tuple(resolve_column(data, p) for p in n))
        else:
            out.append(resolve_column(data, n))
    return out


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
    so expressions may contain spaces without quoting; text that starts with an
    option has no expression (``"--task binary"`` → ``("", "--task binary")``).
    """
    text = " " + text
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
