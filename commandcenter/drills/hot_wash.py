"""The facilitator's hot wash: strengths, areas for improvement, and the improvement plan
(action, owner, due date) — HSEEP's after-action report and improvement plan.

One check for every way in (the ``drill report --hot-wash`` file, the window's dialog,
the service that stores it), so each refuses the same things with the same words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from commandcenter.domain.limits import text_problem

PLAN_KEYS = ("action", "owner", "due")
MAX_ITEM_CHARS = 2000
MAX_ITEMS = 200


def due_problem(text: str) -> str | None:
    """Why ``text`` is not a due date (ISO, ``2026-03-16``), or None."""
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return f"{text.strip()!r} is not a date such as 2026-03-16"
    return None


def hot_wash_problems(strengths: Sequence[str], improvements: Sequence[str],
                      plan: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Every problem as (field, message): ``strengths[1]``, ``plan[0].due`` ..."""
    out: list[tuple[str, str]] = []
    for key, items in (("strengths", strengths), ("improvements", improvements),
                       ("plan", plan)):
        if len(items) > MAX_ITEMS:
            out.append((key, f"more than {MAX_ITEMS} items"))
    for key, items in (("strengths", strengths), ("improvements", improvements)):
        for i, item in enumerate(items):
            if not str(item).strip():
                out.append((f"{key}[{i}]", "must not be empty"))
                continue
            problem = text_problem(str(item), MAX_ITEM_CHARS)
            if problem is not None:
                out.append((f"{key}[{i}]", problem))
    for i, row in enumerate(plan):
        for key in PLAN_KEYS:
            value = str(row.get(key, "") or "").strip()
            if not value:
                out.append((f"plan[{i}].{key}", "must not be empty"))
                continue
            problem = text_problem(value, MAX_ITEM_CHARS) or (
                due_problem(value) if key == "due" else None)
            if problem is not None:
                out.append((f"plan[{i}].{key}", problem))
    return out


def clean_hot_wash(strengths: Sequence[str], improvements: Sequence[str],
                   plan: Sequence[Mapping[str, Any]], by: str) -> dict[str, Any]:
    """The stored form: items stripped, plan rows with exactly action, owner and due."""
    return {"strengths": [str(s).strip() for s in strengths],
            "improvements": [str(s).strip() for s in improvements],
            "plan": [{k: str(row.get(k, "") or "").strip() for k in PLAN_KEYS} for row in plan],
            "by": by.strip() or "facilitator"}
