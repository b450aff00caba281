"""Start-up: process start to a painted main window over a realistic database.

    python -m tests.benchmarks.bench_startup [--runs N] [--json OUT] [--keep DIR]

The fixture holds 30 days of 1-minute data for 8 series (``ingest_arrays``),
one incident with 10,000 timeline entries (Core insert) and a few operators.
Each run launches a fresh interpreter running ``python -m commandcenter gui``
with ``COMMANDCENTER_REPORT_FIRST_PAINT`` set: the window, once painted (the
sign-in dialog open on top of it, as a user sees it), writes ``time.time()``
to that file and quits. The figure is that instant minus ``time.time()`` just
before the launch, so it covers interpreter start, imports, migrations check,
window building and the first paint. Goal (PRODUCT.md): under 1.0 s.
Measured, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.benchmarks.report import emit

GOAL_S = 1.0
SERIES = ("score_mean", "score_p50", "score_p90", "profile_count", "psi",
          "drop_share_10", "drop_share_20", "drop_share_50")
ENTRIES = 10_000
PASS = "correct horse battery"
REPORT_ENV = "COMMANDCENTER_REPORT_FIRST_PAINT"


def prepare(folder: Path, *, days: int = 30, entries: int = ENTRIES) -> str:
    """Build the fixture database in ``folder``; returns its URL."""
    import numpy as np
    from sqlalchemy import insert

    from commandcenter.app import build
    from commandcenter.config import Settings
    from commandcenter.domain.incidents import Severity
    from commandcenter.domain.operators import Role
    from commandcenter.domain.roster import ContactFields
    from commandcenter.persistence.models import TimelineRow
    from commandcenter.services.context import Passphrases
    from commandcenter.services.roster import set_up_company

    url = f"sqlite:///{folder / 'startup.sqlite'}"
    svc = build(Settings(database_url=url, data_dir=folder),
                passphrases=Passphrases.fast_for_tests())
    try:
        set_up_company(
            svc.roster, [ContactFields(name, timezone=tz) for name, tz in (
                ("Alice Archer", "UTC"), ("Bob Baker", "Europe/London"),
                ("Carol Chen", "Asia/Tokyo"))],
            {"incident command": ["Alice Archer", "Bob Baker"]},
            [("Alice Archer", Role.COMMANDER, PASS), ("Bob Baker", Role.SPOKESPERSON, PASS),
             ("Carol Chen", Role.OBSERVER, PASS)])
        now = time.time()
        n = days * 24 * 60
        ts = (now - 60.0 * n) + 60.0 * np.arange(n, dtype=np.float64)
        rng = np.random.default_rng(7)
        groups = {s: (ts, rng.normal(50.0, 5.0, n)) for s in SERIES}
        svc.health.ingest_arrays(groups, source="bench", evaluate=False)
        inc = svc.incidents.open("Scores halved on the EU shard", Severity.SEV1, "Alice Archer")
        start = datetime.now(UTC) - timedelta(hours=12)
        kinds = ("note", "decision", "status_change", "message_drafted", "note")
        words = ("shard", "latency", "rollback", "join", "scores", "dropped", "customer",
                 "queue", "deploy", "cache")
        rows = [{
            "incident_id": inc.id, "seq": 100 + i,
            "occurred_at": start + timedelta(seconds=4 * i),
            "recorded_at": start + timedelta(seconds=4 * i),
            "kind": kinds[i % len(kinds)], "actor": ("Alice Archer", "Bob Baker")[i % 2],
            "text": f"entry {i}: {words[i % 10]} {words[(i * 7) % 10]} looked at",
            "data": {}, "corrects_id": None, "pinned": i % 97 == 0,
        } for i in range(entries)]
        with svc.engine.begin() as conn:
            conn.execute(insert(TimelineRow.__table__), rows)
    finally:
        svc.close()
    return url


def child_env(folder: Path, report: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env[REPORT_ENV] = str(report)
    # Keep the user's window layout and data folder out of it.
    env["HOME"] = str(folder / "home")
    env["XDG_CONFIG_HOME"] = str(folder / "home" / ".config")
    env["XDG_DATA_HOME"] = str(folder / "home" / ".local" / "share")
    env["COMMANDCENTER_DATA_DIR"] = str(folder / "data")
    return env


def warm_install(env: dict[str, str], folder: Path) -> dict[str, str]:
    """A warm install has its bytecode compiled (pip does it at install; the baseline's
    PySide6 and pyqtgraph have theirs), even where PYTHONDONTWRITEBYTECODE keeps a
    source tree clean: the first, unmeasured run compiles the project's modules into
    ``folder`` (the site-packages' too, found there instead of beside them), the
    measured runs read them back."""
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    return env


def one_run(url: str, folder: Path, i: int) -> dict[str, float]:
    report = folder / f"paint-{i}.json"
    report.unlink(missing_ok=True)
    env = warm_install(child_env(folder, report), folder)
    cmd = [sys.executable, "-m", "commandcenter", "--database-url", url, "gui"]
    t0 = time.time()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    t_exit = time.time()
    if not report.exists():
        raise RuntimeError(f"no first-paint report (exit {proc.returncode}):\n{proc.stderr}")
    data = json.loads(report.read_text())
    return {"to_painted_s": data["painted"] - t0, "to_exit_s": t_exit - t0,
            **{f"{k}_s": v - t0 for k, v in data.items() if k != "painted"}}


def reader_run(url: str, folder: Path, *, lite: bool) -> dict[str, Any]:
    """The start-up reader alone (ui/prefetch.py), forked from a fresh interpreter as
    ``gui`` forks it: its own (wall, CPU) seconds and which reader answered (``lite``
    False: ``COMMANDCENTER_PREFETCH_LITE=0``, the full services, to compare)."""
    script = (
        "import json, os, sys\n"
        "from commandcenter.config import load_settings\n"
        "from commandcenter.ui import prefetch\n"
        f"settings = load_settings({url!r})\n"
        "pf = prefetch.start(settings)\n"
        "assert pf is not None and pf.wait(), pf and pf.failure\n"
        "print(json.dumps({'wall': pf.took[0], 'cpu': pf.took[1], 'reader': pf.reader}))\n")
    env = warm_install(child_env(folder, folder / "x"), folder)
    env["COMMANDCENTER_PREFETCH"] = "1"
    env["COMMANDCENTER_PREFETCH_LITE"] = "1" if lite else "0"
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bare_qt_run(folder: Path) -> float:
    """PySide6 + pyqtgraph, nothing else: the floor on this machine."""
    script = (
        "import time, json, sys\n"
        "from PySide6.QtWidgets import QApplication, QMainWindow\n"
        "import pyqtgraph as pg\n"
        "app = QApplication(sys.argv)\n"
        "w = QMainWindow(); w.setCentralWidget(pg.PlotWidget()); w.resize(1600, 1000)\n"
        "w.show(); app.processEvents(); w.grab()\n"
        "print(json.dumps(time.time()))\n")
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", script], env=child_env(folder, folder / "x"),
                         capture_output=True, text=True, timeout=60, check=True)
    return float(out.stdout.strip().splitlines()[-1]) - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the fixture in this folder")
    parser.add_argument("--reader-runs", type=int, default=5,
                        help="runs of the start-up reader alone, lite and full interleaved")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "startup.sqlite"
        start = time.perf_counter()
        url = f"sqlite:///{db}" if db.exists() else prepare(folder, days=args.days)
        prepare_s = time.perf_counter() - start
        one_run(url, folder, -1)  # warm the page cache and any first-run migration
        runs = [one_run(url, folder, i) for i in range(args.runs)]
        bare = [bare_qt_run(folder) for _ in range(3)]
        readers: dict[str, list[dict[str, Any]]] = {"lite": [], "full": []}
        if args.reader_runs:
            reader_run(url, folder, lite=True)  # compiles the lite path's modules
        for _ in range(args.reader_runs):  # interleaved
            readers["lite"].append(reader_run(url, folder, lite=True))
            readers["full"].append(reader_run(url, folder, lite=False))
    painted = [r["to_painted_s"] for r in runs]
    median = statistics.median(painted)
    report: dict[str, Any] = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "fixture": {"series": len(SERIES), "days": args.days, "points_per_series":
                    args.days * 1440, "timeline_entries": ENTRIES,
                    "prepare_s": round(prepare_s, 2)},
        "runs": [{k: round(v, 3) for k, v in r.items()} for r in runs],
        "bare_pyside6_pyqtgraph_s": round(statistics.median(bare), 3),
        "median_to_painted_s": round(median, 3),
        "median_painted_with_data_s": round(statistics.median(
            r.get("painted_with_data_s", r["to_painted_s"]) for r in runs), 3),
        "reader_child": {name: {
            "median_wall_s": round(statistics.median(x["wall"] for x in rs), 3),
            "median_cpu_s": round(statistics.median(x["cpu"] for x in rs), 3),
            "reader": sorted({x["reader"].split(" ")[0] for x in rs})}
            for name, rs in readers.items() if rs},
        "best_to_painted_s": round(min(painted), 3),
        "goals": {"startup_to_painted_s": {"goal": GOAL_S, "measured": round(median, 3),
                                           "met": median < GOAL_S}},
    }
    return emit(report, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
