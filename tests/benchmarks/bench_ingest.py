"""Ingest throughput into SQLite and score-snapshot health time.

    python -m tests.benchmarks.bench_ingest [--points N] [--profiles N] [--json OUT]

Goals (PRODUCT.md): at least 300,000 metric points/s into SQLite; snapshot
health (quantiles, drop shares, PSI, KS) over 10,000,000 profiles under 1 s.
Measured, never asserted: timing assertions make flaky tests.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from commandcenter.app import build
from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.snapshot_health import ScoreSnapshot, snapshot_health
from commandcenter.ingest.parsing import parse_file
from commandcenter.services.context import Passphrases
from commandcenter.services.health import HealthService
from tests.benchmarks.report import emit

INGEST_GOAL = 300_000  # points per second
SNAPSHOT_GOAL = 1.0  # seconds for 10,000,000 profiles
NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def _health(folder: Path) -> tuple[Any, HealthService]:
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.sqlite'}", data_dir=folder)
    svc = build(settings, clock=SimulatedClock(NOW), passphrases=Passphrases.fast_for_tests())
    return svc, HealthService(svc.ctx)


def bench_ingest(points: int, batch: int) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    ts = NOW.timestamp() - points + np.arange(points, dtype=np.float64)
    values = rng.normal(50.0, 5.0, points)
    out: dict[str, Any] = {"points": points, "batch": batch}
    with tempfile.TemporaryDirectory() as tmp:
        svc, health = _health(Path(tmp))
        try:
            start = time.perf_counter()
            for i in range(0, points, batch):  # one transaction and one audit record per batch
                health.ingest_arrays({"score_mean": (ts[i:i + batch], values[i:i + batch])},
                                     source="bench", evaluate=False)
            elapsed = time.perf_counter() - start
            out["seconds"] = round(elapsed, 3)
            out["points_per_s"] = round(points / elapsed)
            start = time.perf_counter()
            data = health.points("score_mean", NOW - timedelta(days=365), NOW, max_points=5000)
            out["year_view_ms"] = round((time.perf_counter() - start) * 1000, 1)
            out["year_view_rows"] = len(data)
            start = time.perf_counter()
            data = health.points("score_mean", NOW - timedelta(hours=1), NOW)
            out["hour_view_ms"] = round((time.perf_counter() - start) * 1000, 1)
            out["hour_view_rows"] = len(data)
        finally:
            svc.close()
    return out


def bench_file(points: int) -> dict[str, Any]:
    """The whole path from a CSV file: parsing dominates."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "feed.csv"
        t0 = int(NOW.timestamp()) - points
        with path.open("w") as fh:
            fh.write("timestamp,value\n")
            fh.writelines(f"{t0 + i},{50 + (i % 97) / 10}\n" for i in range(points))
        start = time.perf_counter()
        parsed = parse_file(path)
        parse_s = time.perf_counter() - start
        svc, health = _health(folder)
        try:
            start = time.perf_counter()
            health.ingest_parsed(parsed, source=path.name, series="feed", evaluate=False)
            store_s = time.perf_counter() - start
        finally:
            svc.close()
    return {"points": points, "parse_s": round(parse_s, 3), "store_s": round(store_s, 3),
            "points_per_s": round(points / (parse_s + store_s))}


def bench_snapshot(profiles: int, repeats: int = 3) -> dict[str, Any]:
    rng = np.random.default_rng(2)
    ids = np.arange(profiles, dtype=np.int64)
    reference = ScoreSnapshot(ids, rng.gamma(4.0, 10.0, profiles))
    previous = ScoreSnapshot(ids, reference.score * (1 + rng.normal(0, 0.01, profiles)))
    current_scores = previous.score * (1 + rng.normal(0, 0.01, profiles))
    current_scores[rng.random(profiles) < 0.4] *= 0.5
    current = ScoreSnapshot(ids, current_scores)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        health = snapshot_health(current, previous, reference)
        times.append(time.perf_counter() - start)
    shuffled = ScoreSnapshot(rng.permutation(ids), current_scores)
    start = time.perf_counter()
    snapshot_health(shuffled, previous, reference)
    shuffled_s = time.perf_counter() - start
    return {"profiles": profiles, "best_s": round(min(times), 3),
            "median_s": round(float(np.median(times)), 3),
            "shuffled_ids_s": round(shuffled_s, 3), "metrics": health.as_metrics()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--file-points", type=int, default=200_000)
    parser.add_argument("--profiles", type=int, default=10_000_000)
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "numpy": np.__version__},
        "ingest_batched": bench_ingest(args.points, args.batch),
        "ingest_one_batch": bench_ingest(args.points, args.points),
        "file_ingest": bench_file(args.file_points),
        "snapshot_health": bench_snapshot(args.profiles),
    }
    rate = report["ingest_batched"]["points_per_s"]
    seconds = report["snapshot_health"]["median_s"]
    report["goals"] = {
        "ingest_points_per_s": {"goal": INGEST_GOAL, "measured": rate, "met": rate >= INGEST_GOAL},
        "snapshot_health_s": {"goal": SNAPSHOT_GOAL, "profiles": args.profiles,
                              "measured": seconds, "met": seconds < SNAPSHOT_GOAL},
    }
    return emit(report, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
