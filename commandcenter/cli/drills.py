"""``drill``: validate a scenario file, run a drill headless from scripted actions."""

from __future__ import annotations

import argparse
import re
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


def new_run_folder(scenario_name: str) -> Path:
    """``<data dir>/drills/<scenario>-<n>``: a fresh folder (and database) per run."""
    from commandcenter.config import default_data_dir

    slug = re.sub(r"[^a-z0-9]+", "-", scenario_name.lower()).strip("-")[:60] or "drill"
    base = default_data_dir() / "drills"
    base.mkdir(parents=True, exist_ok=True)
    n = 1
    while (base / f"{slug}-{n}").exists():
        n += 1
    return base / f"{slug}-{n}"


def run_headless(scenario_path: Path, actions_path: Path | None, *, speed: float | None,
                 report: Path | None, folder: Path | None = None) -> dict[str, Any]:
    """Validate both files, then play the whole drill in a database of its own."""
    from commandcenter.drills.actions import parse_actions

    if speed is not None and not 1 <= speed <= 60:
        raise InvalidInput(f"--speed: {speed:g} is outside 1..60")
    if report is not None and report.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise InvalidInput(f"--report: {report.name} must end in .pdf or .html")
    text = read_text(scenario_path)
    from commandcenter.drills.scenario import parse_scenario

    scenario = parse_scenario(text, str(scenario_path))
    actions = parse_actions(read_text(actions_path), scenario, str(actions_path)) \
        if actions_path else []
    from commandcenter.app import build_drill
    from commandcenter.domain.clock import SimulatedClock
    from commandcenter.services.drill_runs import DrillSession

    folder = folder or new_run_folder(scenario.name)
    clock = SimulatedClock(scenario.start)
    svc = build_drill(folder, clock)
    try:
        session = DrillSession(svc.ctx, clock, scenario, text, str(scenario_path), actions)
        if speed is not None:
            _paced(session, speed)
        result = session.finish()
        result["database"] = str(folder / "drill.sqlite")
        if report is not None:
            from commandcenter.services.drill_report import write_report

            write_report(svc, session.run_id, report)
            result["report"] = str(report)
    finally:
        svc.close()
    _print_result(result)
    return result


def _paced(session: Any, speed: float) -> None:
    """Real-time pacing: each simulated second takes 1/speed of a wall second."""
    import time
    from datetime import timedelta

    tick = timedelta(seconds=speed)  # one wall second's worth of simulated time
    while not session.finished:
        began = time.monotonic()
        session.advance_to(session.elapsed + tick)
        time.sleep(max(0.0, 1.0 - (time.monotonic() - began)))


def _print_result(result: dict[str, Any]) -> None:
    print(f"drill: {result['scenario']} (incident {result['incident']}, run {result['run']})")
    for o in result["objectives"]:
        mark = "met   " if o["met"] else "MISSED"
        print(f"  {mark} {o['id']}: target {o['target']}, measured {o['measured'] or '-'}"
              f" ({o['detail']})")
    refused = [a for a in result["actions"] if not a["ok"]]
    for a in refused:
        print(f"  refused at {a['at']}: {a['who']} {a['do']}: {a['detail']}")
    print(f"database: {result['database']}")
    if result.get("report"):
        print(f"report: {result['report']}")


def _run(a: argparse.Namespace, svc: Any) -> Any:
    return run_headless(Path(a.scenario), Path(a.actions) if a.actions else None,
                        speed=a.speed, report=Path(a.report) if a.report else None)


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
