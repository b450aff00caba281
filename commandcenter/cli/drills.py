"""``drill``: validate a scenario file, run a drill headless from scripted actions."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from commandcenter.domain.errors import InvalidInput
from commandcenter.drills.durations import format_offset

from .common import Registry, Streamed


def read_text(path: Path) -> str:
    from commandcenter.drills.scenario import read_text as read

    return read(path)


def load_scenario(path: Path) -> Any:
    from commandcenter.drills.scenario import parse_scenario

    return parse_scenario(read_text(path), str(path))


def _validate(a: argparse.Namespace, svc: Any) -> Any:
    s = load_scenario(Path(a.scenario))
    live = None
    if s.live_roster:  # every person it names must be in the live roster today
        s, live = with_live_roster(s, a.database_url, a.scenario)
    cast = f"the live roster of {live.source}: " if live else ""
    print(f"{a.scenario}: valid: {s.name!r}, {cast}{len(s.people)} people, "
          f"{len(s.injects)} injects, {len(s.objectives)} objectives, {s.duration} long")
    out = {"file": a.scenario, "valid": True, "name": s.name, "people": len(s.people),
           "injects": len(s.injects), "objectives": [o.id for o in s.objectives]}
    if live is not None:
        out["live_roster"] = live.source
    return out


def with_live_roster(scenario: Any, database_url: str | None, source: str) -> tuple[Any, Any]:
    """``live_roster = true``: the live database's roster, read only, and the scenario
    checked against it (every unknown person: its line and field, exit 2)."""
    from commandcenter.config import load_settings
    from commandcenter.domain.clock import SystemClock
    from commandcenter.drills.live_roster import resolve
    from commandcenter.services.drill_live_roster import read_live_roster

    live = read_live_roster(load_settings(database_url).database_url, SystemClock().now())
    return resolve(scenario, live, source), live


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
                 report: Path | None, folder: Path | None = None,
                 database_url: str | None = None) -> dict[str, Any]:
    """Validate both files, then play the whole drill in a database of its own."""
    from commandcenter.drills.actions import parse_actions

    if speed is not None and not 1 <= speed <= 60:
        raise InvalidInput(f"--speed: {speed:g} is outside 1..60")
    if report is not None and report.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise InvalidInput(f"--report: {report.name} must end in .pdf or .html")
    text = read_text(scenario_path)
    from commandcenter.drills.scenario import parse_scenario

    scenario = parse_scenario(text, str(scenario_path))
    live = None
    if scenario.live_roster:  # read (never written) before anything is created
        scenario, live = with_live_roster(scenario, database_url, str(scenario_path))
    actions = parse_actions(read_text(actions_path), scenario, str(actions_path)) \
        if actions_path else []
    from commandcenter.app import build_drill
    from commandcenter.domain.clock import SimulatedClock
    from commandcenter.services.drill_runs import DrillSession

    folder = folder or new_run_folder(scenario.name)
    clock = SimulatedClock(scenario.start)
    svc = build_drill(folder, clock)
    try:
        session = DrillSession(svc.ctx, clock, scenario, text, str(scenario_path), actions,
                               live)
        if speed is not None:
            _paced(session, speed)
        result = session.finish()
        result["database"] = str(folder / "drill.sqlite")
        if report is not None:
            from commandcenter.services.drill_report import drill_report
            from commandcenter.ui.report_pdf import write

            write(drill_report(svc.ctx, session.run_id), report)
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
                        speed=a.speed, report=Path(a.report) if a.report else None,
                        database_url=a.database_url)


def _open_run(target: Path) -> Any:
    from commandcenter.app import build_drill
    from commandcenter.domain.clock import SimulatedClock
    from commandcenter.services.drill_runs import finished_runs

    folder = target.parent if target.suffix == ".sqlite" else target
    if not (folder / "drill.sqlite").exists():
        raise InvalidInput(f"drill: {folder} holds no drill database (drill.sqlite)")
    svc = build_drill(folder, SimulatedClock(datetime_min()))
    runs = finished_runs(svc.ctx)
    if not runs:
        svc.close()
        raise InvalidInput(f"drill: {folder} holds no drill run")
    from commandcenter.domain.clock import parse_instant

    last = runs[-1]
    end = last["result"].get("end")
    if end:  # the drill's own clock, where it stopped
        svc.ctx.clock.set(parse_instant(end))  # type: ignore[attr-defined]
    return svc, last


def datetime_min() -> Any:
    from datetime import UTC, datetime

    return datetime(2000, 1, 1, tzinfo=UTC)


def _report(a: argparse.Namespace, svc: Any) -> Any:
    """Reopen a finished drill, record the hot wash (if given), regenerate the report."""
    from commandcenter.services.drill_report import drill_report
    from commandcenter.services.drill_runs import record_hot_wash

    out = Path(a.output)
    if out.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise InvalidInput(f"--output: {out.name} must end in .pdf or .html")
    hot = parse_hot_wash(read_text(Path(a.hot_wash)), a.hot_wash) if a.hot_wash else None
    drill, run = _open_run(Path(a.drill))
    try:
        if hot is not None:
            record_hot_wash(drill.ctx, run["run"], **hot)
        from commandcenter.ui.report_pdf import write

        write(drill_report(drill.ctx, run["run"]), out)
    finally:
        drill.close()
    print(f"report: {out}")
    return {"run": run["run"], "report": str(out), "hot_wash": hot is not None}


def _replay(a: argparse.Namespace, svc: Any) -> Any:
    """Reopen a finished drill and print its timeline as it unfolds on the simulated clock."""
    import time

    from commandcenter.drills.replay import check_speed, paced
    from commandcenter.services.drill_runs import replay_entries

    if a.speed is not None:
        try:
            check_speed(a.speed)
        except ValueError as exc:
            raise InvalidInput(f"--speed: {exc}") from None
    drill, run = _open_run(Path(a.drill))
    try:
        scenario, _result, entries = replay_entries(drill.ctx, run["run"])
    finally:
        drill.close()
    print(f"replay: {scenario.name} (run {run['run']}), {len(entries)} entries, "
          f"{format_offset(scenario.duration)} simulated"
          + (f" at x{a.speed:g}" if a.speed else ""), flush=True)
    return Streamed(paced(entries, a.speed, time.sleep), _replay_line,
                    lambda e: e.as_json())


def _replay_line(e: Any) -> str:
    from commandcenter.domain.clock import format_utc

    text = " ".join(e.text.split())  # one line per entry
    return f"{format_offset(e.at):>8}  {format_utc(e.when)}  {e.kind}: {e.who}: {text}"


def parse_hot_wash(text: str, source: str) -> dict[str, Any]:
    """strengths = [...], improvements = [...], by = "NAME", [[plan]] action/owner/due."""
    from commandcenter.drills.hot_wash import hot_wash_problems
    from commandcenter.drills.scenario import ScenarioErrors, _Reader, load_toml
    from commandcenter.drills.toml_lines import key_lines

    doc = load_toml(text, source)
    r = _Reader(key_lines(text))
    r.unknown(doc, (), {"strengths", "improvements", "plan", "by"})
    out: dict[str, Any] = {"by": r.get(doc, (), "by", str, "facilitator")}
    for key in ("strengths", "improvements"):
        items = r.get(doc, (), key, list, []) or []
        if not all(isinstance(i, str) and i.strip() for i in items):
            r.fail((key,), "a list of sentences")
            items = []
        out[key] = [i.strip() for i in items]
    plan, where = [], []  # where: each kept row's index in the file
    for i, row in enumerate(r.get(doc, (), "plan", list, []) or []):
        if not isinstance(row, dict):
            r.fail(("plan", i), "each item is a [[plan]] table")
            continue
        r.unknown(row, ("plan", i), {"action", "owner", "due"})
        where.append(i)
        plan.append({k: r.get(row, ("plan", i), k, str, "", required=True).strip()
                     for k in ("action", "owner", "due")})
    out["plan"] = plan
    # The rest of the checks, the dialog's and the service's, placed on their lines
    # (a key missing altogether was reported above).
    for field, message in hot_wash_problems(out["strengths"], out["improvements"], plan):
        found = re.fullmatch(r"(\w+)(?:\[(\d+)\])?(?:\.(\w+))?", field)
        assert found is not None
        key, index, sub = found.group(1), found.group(2), found.group(3)
        path: tuple[str | int, ...] = (key,) if index is None else (key, int(index))
        if sub is not None:
            assert index is not None
            i = where[int(index)]
            if sub not in doc["plan"][i]:
                continue  # reported above as missing
            path = ("plan", i, sub)
        r.fail(path, message)
    if r.problems:
        raise ScenarioErrors(source, r.problems)
    return out


def register(r: Registry) -> None:
    g = r.group("drill")
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
    sp = r.cmd(g, "report", _report, "reopen a finished drill and regenerate its report")
    sp.add_argument("drill", metavar="DRILL", help="the run's folder (or its drill.sqlite)")
    sp.add_argument("--output", required=True, metavar="PATH", help=".pdf or .html")
    sp.add_argument("--hot-wash", metavar="FILE",
                    help="TOML: strengths, improvements, [[plan]] action/owner/due")
    sp.set_defaults(offline=True)
    sp = r.cmd(g, "replay", _replay, "reopen a finished drill and replay its timeline")
    sp.add_argument("drill", metavar="DRILL", help="the run's folder (or its drill.sqlite)")
    sp.add_argument("--speed", type=float, default=None,
                    help="N simulated seconds per second (1..3600); default: all at once")
    sp.set_defaults(offline=True)
