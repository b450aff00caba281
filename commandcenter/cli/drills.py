"""``drill``: validate a scenario file, run a drill headless from scripted actions."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from commandcenter.domain.errors import InvalidInput

from .common import Registry


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"file: {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"file: {path} is not UTF-8 text ({exc.reason})") from None


def load_scenario(path: Path) -> Any:
    from commandcenter.drills.scenario import parse_scenario

    return parse_scenario(read_text(path), str(path))


def _validate(a: argparse.Namespace, svc: Any) -> Any:
    s = load_scenario(Path(a.scenario))
    print(f"{a.scenario}: valid: {s.name!r}, {len(s.people)} people, {len(s.injects)} injects, "
          f"{len(s.objectives)} objectives, {s.duration} long")
    return {"file": a.scenario, "valid": True, "name": s.name, "people": len(s.people),
            "injects": len(s.injects), "objectives": [o.id for o in s.objectives]}


def _run(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.services.drill_runs import run_headless

    return run_headless(Path(a.scenario), Path(a.actions) if a.actions else None,
                        speed=a.speed, report=Path(a.report) if a.report else None,
                        database_url=a.database_url)


def register(r: Registry) -> None:
    g = r.group("drill", "tabletop exercises: scenarios, headless runs, reports")
    sp = r.cmd(g, "validate", _validate, "check a scenario file: every error, its line and field")
    sp.add_argument("scenario", metavar="SCENARIO")
    sp.set_defaults(offline=True)
    sp = r.cmd(g, "run", _run, "play a whole drill headless with scripted actions")
    sp.add_argument("scenario", metavar="SCENARIO")
    sp.add_argument("--actions", metavar="FILE", help="scripted player actions (TOML)")
    sp.add_argument("--speed", type=float, default=None,
                    help="pace the run at N x real time (1..60); default: as fast as it goes")
    sp.add_argument("--report", metavar="PATH", help="after-action report: .pdf or .html")
    sp.set_defaults(offline=True)  # a drill runs in its own database, never the live one
