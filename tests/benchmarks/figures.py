"""The figures ``run_all`` measures: each prepares its fixture and names product and baseline.

A figure maker takes (folder, args) and returns the keyword arguments of a
``run_all.Figure`` plus ``product`` and ``baseline`` callables, each of which
measures one run and returns the figure's value. tests/benchmarks/README.md
says what each one times.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

NOW = 1_772_440_200.0  # 2026-03-02 08:30 UTC


def _env(folder: Path) -> dict[str, str]:
    from tests.benchmarks.bench_startup import child_env

    folder.mkdir(parents=True, exist_ok=True)
    return child_env(folder, folder / "unused")


# --- start-up -----------------------------------------------------------------------

def startup(folder: Path, args: Any) -> dict[str, Any]:
    from tests.benchmarks import bench_startup

    folder.mkdir(parents=True, exist_ok=True)
    url = bench_startup.prepare(folder)
    bench_startup.one_run(url, folder, -1)  # page cache, first-run migration check
    counter = [0]
    notes: dict[str, Any] = {"first_paint_s": []}

    def product() -> float:
        counter[0] += 1
        run = bench_startup.one_run(url, folder, counter[0])
        notes["first_paint_s"].append(round(run["to_painted_s"], 3))
        return run.get("painted_with_data_s", run.get("loaded_s", run["to_painted_s"]))

    return {"what": "commandcenter gui to a window painted with its data (30 d x 8 series "
                    "at 1 min, 10,000 timeline entries)", "unit": "s",
            "baseline_what": "bare PySide6 + pyqtgraph script painting one plot",
            "product": product, "baseline": lambda: bench_startup.bare_qt_run(folder),
            "goal": ("<", 1.0), "ratio_goal": 1.5, "notes": notes}


def demo_startup(folder: Path, args: Any) -> dict[str, Any]:
    """``gui --demo`` on a warm install: the demo database was prepared once before."""
    from tests.benchmarks import bench_demo_startup, bench_startup

    folder.mkdir(parents=True, exist_ok=True)
    cold = bench_demo_startup.one_run(folder, -1)  # prepares the demo database, once
    counter = [0]
    notes: dict[str, Any] = {"cold_s": round(cold["painted_with_data_s"], 3),
                             "first_paint_s": []}

    def product() -> float:
        counter[0] += 1
        run = bench_demo_startup.one_run(folder, counter[0])
        notes["first_paint_s"].append(round(run["painted_s"], 3))
        return run["painted_with_data_s"]

    return {"what": "commandcenter gui --demo to a window painted with the demo's data "
                    "(warm: demo database prepared once)", "unit": "s",
            "baseline_what": "bare PySide6 + pyqtgraph script painting one plot",
            "product": product, "baseline": lambda: bench_startup.bare_qt_run(folder),
            "goal": ("<", 1.0), "notes": notes}


# --- command line -------------------------------------------------------------------

def _cpu_of(cmd: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli(folder: Path, args: Any) -> dict[str, Any]:
    from tests.benchmarks import bench_startup

    folder.mkdir(parents=True, exist_ok=True)
    url = bench_startup.prepare(folder, days=1, entries=100)
    # Installed, not a source tree: bytecode compiled, as pip leaves it (the first,
    # unmeasured run writes it), even where PYTHONDONTWRITEBYTECODE is set.
    env = bench_startup.warm_install(_env(folder), folder)
    cmd = [sys.executable, "-m", "commandcenter", "--database-url", url, "--json",
           "incident", "list"]
    _cpu_of(cmd, env)
    _cpu_of([sys.executable, "-c", "import sqlalchemy.orm"], env)
    # The persistence layer's own floor, beside each baseline run: what is left to cut.
    floor = [sys.executable, "-c", "import sqlalchemy.orm"]
    notes: dict[str, Any] = {"import_sqlalchemy_orm_s": []}

    def baseline() -> float:
        notes["import_sqlalchemy_orm_s"].append(round(_cpu_of(floor, env), 6))
        notes["import_sqlalchemy_orm_median_s"] = statistics.median(
            notes["import_sqlalchemy_orm_s"])
        return _cpu_of([sys.executable, "-c", "pass"], env)

    return {"what": "CPU of commandcenter --json incident list", "unit": "s",
            "baseline_what": "CPU of python -c pass", "product": lambda: _cpu_of(cmd, env),
            "baseline": baseline, "goal": ("<", 0.3), "notes": notes}


# --- ingest -------------------------------------------------------------------------

BASELINE_INGEST = """
import csv, sqlite3, sys, time
t0 = float(sys.argv[1])
con = sqlite3.connect(sys.argv[2])
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA synchronous=FULL")
con.execute("CREATE TABLE points (series_id INTEGER, ts REAL, value REAL)")
con.execute("CREATE UNIQUE INDEX ix_points ON points (series_id, ts)")
with open(sys.argv[3], newline="") as fh:
    rows = csv.reader(fh)
    next(rows)
    con.executemany("INSERT INTO points VALUES (1, ?, ?)",
                    ((float(t), float(v)) for t, v in rows))
con.commit()
con.close()
print(time.time() - t0)
"""


def ingest(folder: Path, args: Any) -> dict[str, Any]:
    from commandcenter.app import build
    from commandcenter.config import Settings

    folder.mkdir(parents=True, exist_ok=True)
    rows = args.ingest_rows
    path = folder / "feed.csv"
    rng = np.random.default_rng(1)
    t0 = int(NOW) - rows
    values = rng.normal(50.0, 5.0, rows).round(4)
    with path.open("w") as fh:
        fh.write("timestamp,value\n")
        fh.writelines(f"{t0 + i},{v}\n" for i, v in enumerate(values.tolist()))
    template = folder / "template.sqlite"
    env = _env(folder)
    # The child must hold the audit key the template's log was started with.
    key = folder / "audit.key"
    env["COMMANDCENTER_AUDIT_KEY_FILE"] = str(key)
    build(Settings(database_url=f"sqlite:///{template}", data_dir=folder,
                   audit_key_file=key)).close()
    counter = [0]
    notes: dict[str, Any] = {"rows": rows, "seconds": [], "baseline_seconds": []}

    def product() -> float:
        counter[0] += 1
        db = folder / f"run-{counter[0]}.sqlite"
        db.write_bytes(template.read_bytes())
        cmd = [sys.executable, "-m", "commandcenter", "--database-url", f"sqlite:///{db}",
               "health", "ingest", str(path), "--series", "feed"]
        start = time.time()
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=7200)
        seconds = time.time() - start
        notes["seconds"].append(round(seconds, 2))
        db.unlink()
        return rows / seconds

    def baseline() -> float:
        db = folder / "baseline.sqlite"
        db.unlink(missing_ok=True)
        out = subprocess.run([sys.executable, "-c", BASELINE_INGEST, repr(time.time()),
                              str(db), str(path)], env=env, check=True, capture_output=True,
                             text=True, timeout=600)
        seconds = float(out.stdout.strip())
        notes["baseline_seconds"].append(round(seconds, 2))
        return rows / seconds

    return {"what": f"commandcenter health ingest of a {rows:,}-row CSV, detection included "
                    "(process start to exit)", "unit": "points/s",
            "baseline_what": "python: csv.reader + sqlite3 executemany into an indexed table",
            "product": product, "baseline": baseline, "goal": (">=", 300_000.0),
            "ratio_goal": 3.0, "higher_is_better": True, "runs": args.ingest_runs,
            "runs_why": "--ingest-runs (each run ingests the whole CSV)",
            "notes": notes}


# --- snapshot health ----------------------------------------------------------------

def snapshot(folder: Path, args: Any) -> dict[str, Any]:
    from commandcenter.domain.snapshot_health import (
        DROP_FRACTIONS,
        QUANTILES,
        ScoreBins,
        ScoreSnapshot,
        snapshot_health,
    )

    n = args.profiles
    rng = np.random.default_rng(2)
    ids = np.arange(n, dtype=np.int64)
    reference = rng.gamma(4.0, 10.0, n)
    previous = reference * (1 + rng.normal(0, 0.01, n))
    current = previous * (1 + rng.normal(0, 0.01, n))
    current[rng.random(n) < 0.4] *= 0.5
    cur, prev = ScoreSnapshot(ids, current), ScoreSnapshot(ids, previous)
    ref = ScoreBins.of(reference)

    def product() -> float:
        start = time.perf_counter()
        snapshot_health(cur, prev, ref)
        return time.perf_counter() - start

    def floor() -> float:
        """Exact quantiles, mean and drop shares of aligned arrays, NumPy alone."""
        start = time.perf_counter()
        np.quantile(current, QUANTILES)
        current.mean()
        ratio = current / previous
        for f in DROP_FRACTIONS:
            np.count_nonzero(ratio < 1 - f)
        return time.perf_counter() - start

    return {"what": f"snapshot health over {n:,} profiles in memory (streamed engine: "
                    "sketch, fixed bins, merge join)", "unit": "s",
            "baseline_what": "NumPy floor: np.quantile + mean + drop-share comparisons",
            "product": product, "baseline": floor, "goal": ("<", 1.0), "ratio_goal": 1.5}


# --- timeline -----------------------------------------------------------------------

def _timeline(folder: Path, args: Any, needle: str | None, label: str) -> dict[str, Any]:
    from tests.benchmarks import bench_timeline

    shared = folder.parent / "timeline-fixture"
    shared.mkdir(parents=True, exist_ok=True)
    svc, incident = bench_timeline.prepare(shared, args.entries)
    db = shared / "timeline.sqlite"
    con = sqlite3.connect(db)

    def product() -> float:
        start = time.perf_counter()
        svc.incidents.timeline(incident, offset=0, limit=bench_timeline.PAGE,
                               text=needle or "")
        return (time.perf_counter() - start) * 1000

    def baseline() -> float:
        start = time.perf_counter()
        if needle is None:
            con.execute("SELECT * FROM timeline_entries WHERE incident_id = ? ORDER BY "
                        "occurred_at, id LIMIT ?", (incident, bench_timeline.PAGE)).fetchall()
        elif len(needle) >= 3:
            con.execute("SELECT rowid FROM timeline_fts WHERE timeline_fts MATCH ? LIMIT ?",
                        (f'"{needle}"', bench_timeline.PAGE)).fetchall()
        else:  # the trigram index cannot look up two letters: its own LIKE scan
            con.execute("SELECT rowid FROM timeline_fts WHERE text LIKE ? OR actor LIKE ? "
                        "LIMIT ?", (f"%{needle}%", f"%{needle}%", bench_timeline.PAGE)).fetchall()
        return (time.perf_counter() - start) * 1000

    return {"what": f"timeline first page over {args.entries:,} entries, {label}",
            "unit": "ms", "baseline_what": "raw SQLite query of the same needle (FTS5)",
            "product": product, "baseline": baseline, "goal": ("<", 100.0)}


def timeline_word(folder: Path, args: Any) -> dict[str, Any]:
    from tests.benchmarks.bench_timeline import RARE

    return _timeline(folder, args, RARE, f"rare word {RARE!r}")


def timeline_common(folder: Path, args: Any) -> dict[str, Any]:
    return _timeline(folder, args, "shard", "common word 'shard'")


def timeline_two_letters(folder: Path, args: Any) -> dict[str, Any]:
    return _timeline(folder, args, "ka", "two letters 'ka'")


def timeline_no_filter(folder: Path, args: Any) -> dict[str, Any]:
    return _timeline(folder, args, None, "no filter (capped count)")


# --- charts, streaming, memory ------------------------------------------------------

def chart_append(folder: Path, args: Any) -> dict[str, Any]:
    from tests.benchmarks import bench_chart

    def product() -> float:
        return bench_chart.bench_append(1_000_000, 40, per_frame=100)["last_hour"]["median_ms"]

    def baseline() -> float:
        """A bare pyqtgraph curve, same options, setData of the whole 1M arrays each frame."""
        import pyqtgraph as pg

        bench_chart.app()
        widget = pg.PlotWidget()
        widget.resize(bench_chart.WIDTH, bench_chart.HEIGHT)
        widget.show()
        curve = widget.plot(pen=pg.mkPen("#2e86c1", width=1))
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        ts = NOW - 1_000_000 + np.arange(1_000_000, dtype=np.float64)
        ys = np.random.default_rng(1).normal(50, 5, ts.size)
        times = []
        for _ in range(40):
            ts = np.append(ts[100:], ts[-1] + 1 + np.arange(100.0))
            ys = np.append(ys[100:], ys[:100])
            start = time.perf_counter()
            curve.setData(ts, ys)
            widget.setXRange(ts[-1] - 3600, ts[-1], padding=0)
            widget.viewport().repaint()
            times.append((time.perf_counter() - start) * 1000)
        widget.close()
        return statistics.median(times[5:])

    return {"what": "append 100 points to a 1,000,000-point chart and repaint (last hour)",
            "unit": "ms", "baseline_what": "bare pyqtgraph curve: setData + repaint",
            "product": product, "baseline": baseline, "goal": ("<", 8.0), "runs": 3,
            "runs_why": "each run is already the median of its frames"}


def stream_stall(folder: Path, args: Any) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    notes: dict[str, Any] = {k: [] for k in STREAM_NOTES}
    runs = iter(range(1_000))

    def product() -> float:
        # Each run in a process of its own: the heap is settled once per process, as the
        # window settles it once loaded (ui/heap.py), so a second run in this one would
        # stream on a heap nobody settled.
        out = folder / f"stream-{next(runs)}.json"
        subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_chart", "--stream-only",
                        "--stream-seconds", "10", "--stream-rate", "10000",
                        "--points", "1000000", "--json", str(out)], env=_env(folder),
                       check=True, capture_output=True, timeout=1800)
        run = json.loads(out.read_text())["stream"]
        for key in STREAM_NOTES:
            notes[key].append(run[key])
        return float(run["max_gap_ms"] or float("inf"))

    return {"what": "longest GUI event-loop gap, 10 s streaming 10,000 points/s (detectors on)",
            "unit": "ms", "product": product, "goal": ("<=", 50.0), "notes": notes}


STREAM_NOTES = ("points_ingested", "p99_gap_ms", "gaps_over_50ms")  # a list each, by run


def memory(folder: Path, args: Any) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    notes: dict[str, Any] = {}

    def product() -> float:
        env = _env(folder)
        out = folder / "memory.json"
        subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_memory", "--minutes",
                        str(args.stream_minutes), "--json", str(out)], env=env, check=True,
                       capture_output=True, timeout=7200)
        run = json.loads(out.read_text())
        notes.update({k: v for k, v in run.items() if k != "rss_by_minute"})
        return float(run["growth_mb"])

    return {"what": f"RSS growth over {args.stream_minutes} simulated minutes at 10,000 "
                    "points/s, 10,000 alerts in the database (run compressed)", "unit": "MB",
            "product": product, "goal": ("<", 50.0), "runs": 1,
            "runs_why": "a run is a whole simulated hour (about 4 minutes here)",
            "notes": notes}


def nab(folder: Path, args: Any) -> dict[str, Any]:
    from tests.benchmarks import run_nab

    folder.mkdir(parents=True, exist_ok=True)
    notes: dict[str, Any] = {}

    def product() -> float:
        out = folder / "nab.json"
        try:
            run_nab.main(["--json", str(out)])
        except FileNotFoundError as exc:
            notes["error"] = str(exc)
            return float("nan")
        data = json.loads(out.read_text())
        notes.update({"rows": data["meta"]["rows"], "seconds": data["meta"]["seconds"]})
        for name in run_nab.PROFILES:
            notes[name] = {"held_out": data[name]["held_out"],
                           "in_sample": data[name]["in_sample"]}
        return float(data["standard"]["held_out"])

    # The held-out figure is the one that counts (issue 12: >= 70 standard).
    return {"what": "NAB standard score, held out by leave-one-category-out (issue 12)",
            "unit": "", "product": product, "goal": (">=", 70.0), "runs": 1,
            "runs_why": "the score is deterministic: another run gives the same",
            "notes": notes}


# --- mentions ------------------------------------------------------------------------

BASELINE_MENTIONS = """
import csv, sqlite3, sys, time
db, path = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db, isolation_level=None)
con.execute("PRAGMA journal_mode=WAL"); con.execute("PRAGMA synchronous=FULL")
con.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, incident_id INT, channel TEXT, "
            "author TEXT, reach INT, text TEXT, at TEXT, link TEXT, profile_id TEXT, "
            "state TEXT, rank REAL)")
con.execute("CREATE UNIQUE INDEX u ON m(incident_id, at, author, channel, text)")
con.execute("CREATE INDEX r ON m(incident_id, state, rank)")
start = time.perf_counter()
with open(path, newline="") as fh:
    rows = csv.reader(fh); next(rows)
    con.execute("BEGIN")
    batch = []
    for c, a, r, t, at, link, pid in rows:
        batch.append((1, c, a, int(r), t, at, link or None, pid or None, "new", float(r)))
        if len(batch) == 20000:
            con.executemany("INSERT OR IGNORE INTO m (incident_id, channel, author, reach, "
                            "text, at, link, profile_id, state, rank) VALUES "
                            "(?,?,?,?,?,?,?,?,?,?)", batch); batch = []
    con.executemany("INSERT OR IGNORE INTO m (incident_id, channel, author, reach, text, at, "
                    "link, profile_id, state, rank) VALUES (?,?,?,?,?,?,?,?,?,?)", batch)
    con.execute("COMMIT")
print(time.perf_counter() - start)
"""


def _mention_fixture(folder: Path, args: Any) -> tuple[Path, int]:
    from tests.benchmarks import bench_mentions

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mentions.csv"
    if not path.exists():
        bench_mentions.write_file(path, args.ingest_rows)
    return path, args.ingest_rows


def mention_import(folder: Path, args: Any) -> dict[str, Any]:
    from tests.benchmarks import bench_mentions

    path, rows = _mention_fixture(folder.parent / "mentions-fixture", args)
    counter = [0]
    notes: dict[str, Any] = {"rows": rows, "seconds": [], "baseline_seconds": []}

    def product() -> float:
        counter[0] += 1
        svc, incident = bench_mentions.prepare(folder / f"run-{counter[0]}")
        try:
            rate = bench_mentions.measure_import(svc, incident, path, rows)
        finally:
            svc.close()
        notes["seconds"].append(round(rows / rate, 2))
        return rate

    def baseline() -> float:
        db = folder / "baseline.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        out = subprocess.run([sys.executable, "-c", BASELINE_MENTIONS, str(db), str(path)],
                             check=True, capture_output=True, text=True, timeout=1200)
        seconds = float(out.stdout.strip())
        notes["baseline_seconds"].append(round(seconds, 2))
        return rows / seconds

    return {"what": f"MentionService.import_file of a {rows:,}-mention CSV (checked whole, "
                    "ranked, data check against two 1,000,000-profile snapshots, stored)",
            "unit": "rows/s",
            "baseline_what": "python: csv.reader + sqlite3 executemany into a table with the "
                             "same two indexes (no checks, no ranking)",
            "product": product, "baseline": baseline, "goal": (">=", 100_000.0),
            "higher_is_better": True, "runs": args.ingest_runs,
            "runs_why": "--ingest-runs (each run imports the whole file)", "notes": notes}


def mention_first_screen(folder: Path, args: Any) -> dict[str, Any]:
    import sqlite3

    from tests.benchmarks import bench_mentions

    path, rows = _mention_fixture(folder.parent / "mentions-fixture", args)
    svc, incident = bench_mentions.prepare(folder / "db")
    svc.mentions.import_file(incident, path)
    db = folder / "db" / "mentions.sqlite"

    def product() -> float:
        start = time.perf_counter()
        page = svc.mentions.list(incident, "open", limit=200)
        assert len(page) == 200
        return (time.perf_counter() - start) * 1000

    def baseline() -> float:
        con = sqlite3.connect(db)
        start = time.perf_counter()
        con.execute("SELECT * FROM mentions WHERE incident_id = ? AND state = 'new' "
                    "ORDER BY rank DESC LIMIT 200", (incident,)).fetchall()
        ms = (time.perf_counter() - start) * 1000
        con.close()
        return ms

    return {"what": f"the listening panel's first screen (open mentions, ranked, 200 rows "
                    f"with their reasons) over {rows:,} mentions", "unit": "ms",
            "baseline_what": "the raw indexed SQLite query of the same 200 rows",
            "product": product, "baseline": baseline, "goal": ("<", 100.0)}


ALL = {
    "startup": startup, "demo_startup": demo_startup, "cli_cpu": cli, "ingest": ingest,
    "snapshot_health": snapshot,
    "timeline_rare_word": timeline_word, "timeline_common_word": timeline_common,
    "timeline_two_letters": timeline_two_letters, "timeline_no_filter": timeline_no_filter,
    "chart_append_1m": chart_append, "stream_stall": stream_stall, "memory_hour": memory,
    "nab_detector": nab, "mention_import": mention_import,
    "mention_first_screen": mention_first_screen,
}


# --- drills -------------------------------------------------------------------------
def drill_headless(folder: Path, args: Any) -> dict[str, Any]:
    from tests.benchmarks import bench_drill

    runs = iter(range(1_000))
    return {"what": "commandcenter drill run: the 6-hour 'scores halved' scenario, headless, "
                    "with its scripted players (process start to exit)", "unit": "s",
            "baseline_what": "commandcenter drill validate of the same scenario (start-up)",
            "product": lambda: bench_drill.headless(folder / f"p{next(runs)}"),
            "baseline": lambda: bench_drill.headless(folder / f"b{next(runs)}",
                                                     validate_only=True),
            "goal": ("<", 10.0), "runs": 3,
            "runs_why": "each run plays the 6-hour scenario, its baseline alternating"}


def _drill_window(folder: Path, args: Any, *, health: bool) -> dict[str, Any]:
    notes: dict[str, Any] = {}

    def product() -> float:
        out = folder / "drill-window.json"
        folder.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "tests.benchmarks.bench_drill", "window", "--minutes",
               str(getattr(args, "drill_minutes", 360)), "--json", str(out)]
        subprocess.run(cmd + ([] if health else ["--no-health"]), check=True,
                       capture_output=True, timeout=7200)
        run = json.loads(out.read_text())
        notes.update(run)
        return float(run["max_gap_ms"])

    where = "the incident room" if health else "the incident room, Score health closed,"
    return {"what": f"longest GUI-thread stall, the 6-hour scenario in {where} at x60 "
                    "(drill bar, panels following the injects)", "unit": "ms",
            "product": product, "goal": ("<", 50.0), "runs": 1,
            "runs_why": f"a run plays {getattr(args, 'drill_minutes', 360)} simulated minutes "
                        "at x60 (one real minute per simulated hour)", "notes": notes}


def drill_window(folder: Path, args: Any) -> dict[str, Any]:
    return _drill_window(folder, args, health=True)


def drill_window_no_health(folder: Path, args: Any) -> dict[str, Any]:
    return _drill_window(folder, args, health=False)


ALL["drill_headless"] = drill_headless
ALL["drill_window"] = drill_window
ALL["drill_window_no_health"] = drill_window_no_health
