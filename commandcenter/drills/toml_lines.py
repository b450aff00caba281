"""Where each key of a TOML document sits: tomllib parses but gives no line numbers.

A small scanner over the text maps every key path (``("injects", 2, "at")``)
to its line, so a validation error can name the line as well as the field.
It follows table headers, arrays of tables, dotted keys, multi-line strings
and multi-line arrays; anything it cannot place falls back to the line of its
enclosing table.
"""

from __future__ import annotations

import re

Path = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_NAME = r"""(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)"""
_KEY = re.compile(rf"^\s*({_NAME}(?:\s*\.\s*{_NAME})*)\s*=")
_PART = re.compile(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*\.?""")


def _parts(dotted: str) -> list[str]:
    return [p.strip("\"'") for p in _PART.findall(dotted)]


def _strip_strings(line: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', '""', line)


def key_lines(text: str) -> dict[Path, int]:
    lines: dict[Path, int] = {}
    counters: dict[tuple[str, ...], int] = {}
    table: Path = ()
    in_multiline: str | None = None
    depth = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if in_multiline is not None:
            if raw.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        if depth > 0:
            depth += _bracket_delta(raw)
            continue
        header = _HEADER.match(raw)
        if header and "=" not in raw.split("]")[0]:
            names = _parts(header.group(2))
            if header.group(1) == "[[":
                key = tuple(names)
                index = counters.get(key, -1) + 1
                counters[key] = index
                table = (*names, index)
            else:
                table = tuple(names)
            lines.setdefault(table, number)
            continue
        key = _KEY.match(raw)
        if not key:
            continue
        path = (*table, *_parts(key.group(1)))
        lines.setdefault(path, number)
        rest = raw[key.end():]
        for quote in ('"""', "'''"):
            if rest.count(quote) % 2 == 1:
                in_multiline = quote
                break
        if in_multiline is None:
            depth = max(0, _bracket_delta(rest))
    return lines


def _bracket_delta(text: str) -> int:
    body = _strip_strings(text.split("#", 1)[0] if '"' not in text else text)
    return body.count("[") - body.count("]")


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, else of the nearest enclosing key or table that has one."""
    for end in range(len(path), 0, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return None
