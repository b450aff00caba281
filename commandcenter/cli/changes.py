"""``change``: add, list, release. The change calendar of planned scoring changes."""

from __future__ import annotations

import argparse
from typing import Any

from commandcenter.domain.clock import format_utc, parse_instant

from .common import Registry, signed_in


def _json(c: Any) -> dict[str, Any]:
    from commandcenter.jsonable import jsonable

    return {**jsonable(c), "announced": c.announced,
            "notice_days_left": round(c.notice_days_left, 2)}


def _line(c: Any) -> str:
    announced = (f"announced {format_utc(c.announced_at)} by message "
                 f"{c.announcement_message_id}" if c.announced else "NOT ANNOUNCED")
    left = f"{c.notice_days_left:.1f} days of notice left" if c.notice_days_left > 0 \
        else "effective time passed"
    released = ""
    if c.released_at is not None:
        released = f", released {format_utc(c.released_at)} by {c.released_by}"
        if c.override_reason:
            released += f" (override: {c.override_reason})"
    return (f"change {c.id} [{c.status.value}] {c.title!r} effective "
            f"{format_utc(c.effective_at)}, notice {c.notice_days} days, {announced}, "
            f"{left}{released}" + (f"; effect: {c.effect}" if c.effect else ""))


def _add(a: argparse.Namespace, svc: Any) -> Any:
    effective = parse_instant(a.effective, "effective")
    c = svc.changes.add(a.title, effective, signed_in(svc, a.as_), notice_days=a.notice_days,
                        effect=a.effect)
    print(_line(c))
    return _json(c)


def _list(a: argparse.Namespace, svc: Any) -> Any:
    rows = svc.changes.list()
    for c in rows:
        print(_line(c))
        if c.warning:
            print(f"  warning: {c.warning}")
    if not rows:
        print("no changes planned")
    return [_json(c) for c in rows]


def _release(a: argparse.Namespace, svc: Any) -> Any:
    c = svc.changes.release(a.id, signed_in(svc, a.as_), override=a.override)
    print(_line(c))
    return _json(c)


def register(r: Registry) -> None:
    cmd, as_ = r.cmd, r.as_
    g = r.group("change")
    sp = cmd(g, "add", _add, "plan a scoring change")
    sp.add_argument("title")
    sp.add_argument("--effective", required=True, metavar="ISO")
    sp.add_argument("--notice-days", type=int, default=7, metavar="N",
                    help="advance notice required (default 7 days)")
    sp.add_argument("--effect", default="", metavar="TEXT", help="expected effect on scores")
    as_(sp)
    cmd(g, "list", _list, "each change: announced or not, days of notice left")
    sp = cmd(g, "release", _release, "release a change (refused unless announced)")
    sp.add_argument("id", type=int)
    sp.add_argument("--override", metavar="REASON",
                    help="a commander releases an unannounced change, with the reason recorded")
    as_(sp)
