"""Live updates between workstations, and ingest into PostgreSQL beside SQLite.

    python -m tests.benchmarks.bench_live [--samples N] [--rows N] [--json OUT]

Notification latency: a second ``Services`` (another workstation, its own
connection) opens an incident; the clock runs from the moment its commit
returns to the moment the open window's incidents model holds the new row
(notification, refresh read on the worker, model reset). Goals (issue 10):
median under 250 ms on PostgreSQL, under 1 s on SQLite. The baseline is the
floor under it: a bare psycopg ``LISTEN`` connection blocked in ``select()``
(PostgreSQL), a tight ``PRAGMA data_version`` loop (SQLite).

Ingest: ``commandcenter health ingest`` of one CSV file into PostgreSQL, and the
same into SQLite, as points/s from process start to exit.

Measured, never asserted.
"""

from __future__ import annotations

import argparse
import platform
import random
import select
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from tests.benchmarks.report import emit

LATENCY_GOALS = {"postgresql": 0.25, "sqlite": 1.0}
NOW = 1_772_440_200.0  # 2026-03-02 08:30 UTC
# A committed change that notifies (migration 0008) and bumps data_version.
# (SQLite does not count a write that leaves the row as it was: the value must differ.)
TOUCH = "UPDATE contacts SET phone = :v WHERE id = (SELECT min(id) FROM contacts)"


def _database(backend: str, folder: Path) -> str:
    if backend == "postgresql":
        from tests.pg import fresh_database

        return fresh_database()
    return f"sqlite:///{folder / 'live.sqlite'}"


class LiveRig:
    """An open window on a database, and another workstation writing to it."""

    def __init__(self, backend: str, folder: Path) -> None:
        from PySide6.QtWidgets import QApplication

        from commandcenter.app import build
        from commandcenter.config import Settings
        from commandcenter.services.context import Passphrases
        from commandcenter.ui.main_window import MainWindow
        from tests.ui.fixtures import load_sample

        folder.mkdir(parents=True, exist_ok=True)
        self.app = QApplication.instance() or QApplication([])
        self.backend = backend
        self.url = _database(backend, folder)
        fast = Passphrases.fast_for_tests()
        self.services = build(Settings(self.url, folder / "window"), passphrases=fast)
        load_sample(self.services)
        self.other = build(Settings(self.url, folder / "other"), passphrases=fast)
        self.window = MainWindow(self.services)
        self.window.show()
        self.window.start(sign_in=False)
        self._wait(lambda: self.window.tasks.idle() and self.window.live.connected, 60)
        self.counter = 0
        self.rng = random.Random(1)

    def _wait(self, done: Any, guard_s: float) -> float:
        deadline = time.perf_counter() + guard_s
        while not done():
            if time.perf_counter() > deadline:
                raise TimeoutError("the window did not catch up")
            self.app.processEvents()
            time.sleep(0.0005)
        return time.perf_counter()

    def titles(self) -> set[str]:
        model = self.window.incidents.model
        return {model.row_object(r).title for r in range(model.rowCount())}

    def one(self) -> float:
        from commandcenter.domain.incidents import Severity

        self._wait(self.window.tasks.idle, 60)
        # Each sample starts cold: pending polls and refreshes done, and on SQLite past the
        # once-a-second limit on re-reading everything (ui/live.py). The event loop keeps
        # running meanwhile (a sleeping loop would fire an overdue poll right after the
        # commit), and a random part of one poll interval puts the commit anywhere
        # between two polls.
        from commandcenter.ui.live import SQLITE_MIN_REFRESH_S, SQLITE_POLL_MS

        live = self.window.live
        self._wait(lambda: self.window.tasks.idle() and not live._sqlite_dirty, 60)
        idle = SQLITE_MIN_REFRESH_S + 0.1 if self.backend == "sqlite" else 0.3
        until = time.perf_counter() + idle + self.rng.uniform(0, SQLITE_POLL_MS / 1000)
        self._wait(lambda: time.perf_counter() >= until, 60)
        self.counter += 1
        title = f"Latency probe {self.counter}"
        self.other.incidents.open(title, Severity.SEV4, "Alex Moreau")
        committed = time.perf_counter()
        seen = self._wait(lambda: title in self.titles(), 30)
        return seen - committed

    def close(self) -> None:
        self.window.close()
        self.other.close()
        self.services.close()


def floor_latency(backend: str, url: str) -> float:
    """The same commit seen by the barest listener there is."""
    from sqlalchemy import text

    from commandcenter.persistence.engine import make_engine

    engine = make_engine(url)
    try:
        if backend == "postgresql":
            from commandcenter.persistence.live import PostgresListener

            listener = PostgresListener(url)
            try:
                with engine.begin() as conn:
                    conn.execute(text(TOUCH), {"v": str(time.time())})
                committed = time.perf_counter()
                while not listener.drain():
                    if not select.select([listener.fileno()], [], [], 30)[0]:
                        raise TimeoutError("no notification")
                return time.perf_counter() - committed
            finally:
                listener.close()
        path = engine.url.database
        watcher = sqlite3.connect(path, isolation_level=None)
        last = watcher.execute("PRAGMA data_version").fetchone()[0]
        with engine.begin() as conn:
            conn.execute(text(TOUCH), {"v": str(time.time())})
        committed = time.perf_counter()
        while watcher.execute("PRAGMA data_version").fetchone()[0] == last:
            if time.perf_counter() - committed > 30:
                raise TimeoutError("data_version did not change")
        watcher.close()
        return time.perf_counter() - committed
    finally:
        engine.dispose()


# --- ingest -------------------------------------------------------------------------

def write_feed(path: Path, rows: int) -> None:
    rng = np.random.default_rng(1)
    t0 = int(NOW) - rows
    values = rng.normal(50.0, 5.0, rows).round(4)
    with path.open("w") as fh:
        fh.write("timestamp,value\n")
        fh.writelines(f"{t0 + i},{v}\n" for i, v in enumerate(values.tolist()))


def ingest_once(url: str, feed: Path, env: dict[str, str], rows: int) -> float:
    cmd = [sys.executable, "-m", "commandcenter", "--database-url", url, "health", "ingest",
           str(feed), "--series", "feed"]
    start = time.time()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=7200)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {done.stderr.strip()}")
    return rows / (time.time() - start)


class IngestRig:
    """Fresh migrated databases of each kind, and one CSV feed."""

    def __init__(self, folder: Path, rows: int) -> None:
        from commandcenter.app import build
        from commandcenter.config import Settings
        from tests.benchmarks.figures import _env

        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.rows = folder, rows
        self.feed = folder / "feed.csv"
        write_feed(self.feed, rows)
        self.env = _env(folder)
        key = folder / "audit.key"  # the one audit key of the command line's runs
        self.env["COMMANDCENTER_AUDIT_KEY_FILE"] = str(key)
        self.template = folder / "template.sqlite"
        build(Settings(f"sqlite:///{self.template}", folder, audit_key_file=key)).close()
        self.counter = 0

    def postgresql(self) -> float:
        from tests.pg import drop_database, fresh_database

        url = fresh_database()
        try:
            return ingest_once(url, self.feed, self.env, self.rows)
        finally:
            drop_database(url)

    def sqlite(self) -> float:
        self.counter += 1
        db = self.folder / f"run-{self.counter}.sqlite"
        db.write_bytes(self.template.read_bytes())
        try:
            return ingest_once(f"sqlite:///{db}", self.feed, self.env, self.rows)
        finally:
            db.unlink()


# --- figures for run_all ------------------------------------------------------------

def _without_server(what: str, unit: str, exc: Exception) -> dict[str, Any]:
    """No PostgreSQL server here: the figure is reported as not measured, with why."""
    return {"what": f"{what} (not measured: {exc})", "unit": unit,
            "product": lambda: float("nan"), "runs": 1, "runs_why": "not measured",
            "notes": {"skipped": str(exc)}}


def latency_figure(backend: str) -> Any:
    def make(folder: Path, args: Any) -> dict[str, Any]:
        from tests.pg import NoPostgres

        try:
            rig = LiveRig(backend, folder)
        except NoPostgres as exc:
            return _without_server(f"{backend}: notification latency", "s", exc)
        rig.one()  # warm: first refresh compiles its statements
        return {"what": f"{backend}: commit on another workstation's connection to the "
                        "window's incidents model updated", "unit": "s",
                "baseline_what": ("bare psycopg LISTEN in select()" if backend == "postgresql"
                                  else "tight PRAGMA data_version loop"),
                "product": rig.one, "baseline": lambda: floor_latency(backend, rig.url),
                "goal": ("<", LATENCY_GOALS[backend]), "runs": max(args.runs, 15),
                "runs_why": "at least 15: a commit falls anywhere between two polls"}

    return make


def ingest_postgresql(folder: Path, args: Any) -> dict[str, Any]:
    from tests.pg import NoPostgres, server_url

    rows = args.ingest_rows
    try:
        server_url()
    except NoPostgres as exc:
        return _without_server("PostgreSQL: health ingest", "points/s", exc)
    rig = IngestRig(folder, rows)
    return {"what": f"PostgreSQL: commandcenter health ingest of a {rows:,}-row CSV "
                    "(process start to exit)", "unit": "points/s",
            "baseline_what": "the same command into SQLite", "product": rig.postgresql,
            "baseline": rig.sqlite, "higher_is_better": True, "runs": args.ingest_runs,
            "runs_why": "--ingest-runs (each run ingests the whole CSV)",
            "notes": {"rows": rows}}


FIGURES = {"live_latency_postgresql": latency_figure("postgresql"),
           "live_latency_sqlite": latency_figure("sqlite"),
           "ingest_postgresql": ingest_postgresql}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"python": platform.python_version()}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("postgresql", "sqlite"):
            print(f"latency on {backend} ...", file=sys.stderr, flush=True)
            rig = LiveRig(backend, Path(tmp) / backend)
            rig.one()
            samples = [rig.one() for _ in range(args.samples)]
            floors = [floor_latency(backend, rig.url) for _ in range(args.samples)]
            rig.close()
            report[f"latency_{backend}"] = {
                "median_ms": round(statistics.median(samples) * 1000, 1),
                "max_ms": round(max(samples) * 1000, 1),
                "floor_median_ms": round(statistics.median(floors) * 1000, 2),
                "goal_ms": LATENCY_GOALS[backend] * 1000}
        print("ingest ...", file=sys.stderr, flush=True)
        rig = IngestRig(Path(tmp) / "ingest", args.rows)
        report["ingest_points_per_s"] = {"postgresql": round(rig.postgresql()),
                                         "sqlite": round(rig.sqlite()), "rows": args.rows}
    return emit(report, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
