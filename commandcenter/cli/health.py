"""The ``health`` commands: ingest metric files and snapshots, detect, status."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from commandcenter.domain.clock import format_utc, parse_instant

from .common import Registry, credentials


def _health_ingest(a: argparse.Namespace, svc: Any) -> Any:
    at = parse_instant(a.at, "at") if a.at else None
    r = svc.health.ingest_file(Path(a.file), series=a.series, at=at,
                               skip_bad_lines=a.skip_bad_lines)
    for line, reason in r.errors:
        print(f"{a.file}: line {line}: {reason} (skipped)", file=sys.stderr)
    if r.snapshot is not None:
        s = r.snapshot
        print(f"snapshot #{s.id} at {format_utc(s.taken_at)}: {s.profile_count} profiles, "
              f"{'healthy' if s.healthy else 'UNHEALTHY'}")
        for finding in s.findings:
            print(f"  {finding}")
    else:
        for s in r.series:
            print(f"{s.series}: {s.inserted} points added, {s.duplicates} already stored")
    for al in r.alerts:
        print(f"alert #{al.id} {al.state}: {al.detector} on {al.series} ({al.level}) "
              f"since {format_utc(al.onset_at)}")
    return r


def _health_snapshot(a: argparse.Namespace, svc: Any) -> Any:
    at = parse_instant(a.at, "at") if a.at else None
    r = svc.health.snapshot_from_sql(a.table, url=a.sql_url, previous=a.previous,
                                     reference=a.reference, at=at)
    s = r.snapshot
    print(f"snapshot #{s.id} at {format_utc(s.taken_at)}: {s.profile_count} profiles, "
          f"{'healthy' if s.healthy else 'UNHEALTHY'} (computed in {r.source})")
    for finding in s.findings:
        print(f"  {finding}")
    for al in r.alerts:
        print(f"alert #{al.id} {al.state}: {al.detector} on {al.series} ({al.level}) "
              f"since {format_utc(al.onset_at)}")
    return r


def _health_detect(a: argparse.Namespace, _svc: Any) -> Any:
    import csv

    from commandcenter.services.health_detect import detect_file

    detection = detect_file(Path(a.file), series=a.series)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["timestamp", "value", "anomaly_score"])
    rows = []
    for stamp, value, score in detection:
        writer.writerow([stamp, format(value, ".15g"), f"{score:.6f}"])
        if a.json:
            rows.append({"timestamp": stamp, "value": value, "anomaly_score": score})
    for line, reason in detection.errors:
        print(f"{a.file}: line {line}: {reason} (skipped)", file=sys.stderr)
    return {"rows": rows, "skipped": [{"line": n, "reason": r} for n, r in detection.errors]}


def _health_sensitivity(a: argparse.Namespace, svc: Any) -> Any:
    r = svc.health.set_sensitivity(a.series, a.level, credentials(a.as_))
    fires = "raises no anomaly alerts" if r.alert_level is None else (
        f"alerts at anomaly score {r.alert_level:.2f}")
    change = "unchanged" if r.previous == r.sensitivity else f"was {r.previous}"
    print(f"{r.series}: sensitivity {r.sensitivity} ({change}); {fires}")
    return r


def _firing(x: Any) -> str:
    return f"FIRING #{x.id} {x.detector} ({x.level}) since {format_utc(x.onset_at)}"


def _health_status(a: argparse.Namespace, svc: Any) -> Any:
    svc.commitments.sweep()  # a promise that fell due since anyone looked alerts now
    svc.health.run_detectors()  # staleness is judged now, so the answer is current
    rows = svc.health.status()
    for s in rows:
        last = "no points" if s.last_at is None else (
            f"last {s.last_value:.6g} at {format_utc(s.last_at)}, "
            f"{s.freshness_s:.0f} s ago")
        firing = "; ".join(_firing(x) for x in s.firing)
        tuned = "" if s.sensitivity == "normal" else f" [sensitivity {s.sensitivity}]"
        print(f"{s.series}{tuned}: {last}" + (f"; {firing}" if firing else ""))
        for x in s.firing:
            print(f"  #{x.id}: {x.evidence}")
    # Alerts on no series (an overdue commitment's): after the series, as they are.
    others = svc.health.other_alerts()
    if others:
        print("other alerts (no series):")
    for x in others:
        incident = "" if x.incident_id is None else f", incident {x.incident_id}"
        print(f"{_firing(x)}{incident}")
        print(f"  #{x.id}: {x.evidence}")
    if a.with_other_alerts:  # --json: an object; without the option, the list as ever
        return {"series": rows, "other_alerts": others}
    return rows


def register(r: Registry) -> None:
    cmd = r.cmd
    health = r.group("health")
    sp = cmd(health, "ingest", _health_ingest, "add metric points or a score snapshot")
    sp.add_argument("file")
    sp.add_argument("--series", metavar="NAME")
    sp.add_argument("--at", metavar="ISO", help="when a snapshot was taken (default: now)")
    sp.add_argument("--skip-bad-lines", action="store_true",
                    help="store a metric file's good lines and name the bad ones on stderr "
                         "(default: a file with a bad line is refused whole)")
    sp = cmd(health, "snapshot", _health_snapshot,
             "score-snapshot health computed in a database (SQL; aggregates only)")
    sp.add_argument("--table", required=True, metavar="T",
                    help="table of profile_id,score rows ([schema.]table, or a .parquet path)")
    sp.add_argument("--sql-url", metavar="URL",
                    help="SQLAlchemy URL of the warehouse (default: embedded DuckDB)")
    sp.add_argument("--previous", metavar="T", help="the previous snapshot's table: drop shares")
    sp.add_argument("--reference", metavar="T", help="the last healthy snapshot's: PSI and KS")
    sp.add_argument("--at", metavar="ISO", help="when the snapshot was taken (default: now)")
    sp = cmd(health, "detect", _health_detect, "anomaly score per row, as CSV on stdout")
    sp.add_argument("file")
    sp.add_argument("--series", metavar="NAME")
    sp.set_defaults(offline=True)  # no database: starts and finishes fast
    sp = cmd(health, "sensitivity", _health_sensitivity,
             "how readily a series raises anomaly alerts (a commander's change)")
    sp.add_argument("series")
    sp.add_argument("level", help="off | low | normal | high")
    r.as_(sp)
    sp = cmd(health, "status", _health_status,
             "series, last point, freshness, firing alerts (and those on no series)")
    sp.add_argument("--with-other-alerts", action="store_true",
                    help="with --json: an object, the series under 'series' and the firing "
                         "alerts on no series (overdue commitments) under 'other_alerts' "
                         "(default: the list of series, as before)")
