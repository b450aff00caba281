"""Snapshot health past one machine's memory: ``make bench-scale``.

    python -m tests.benchmarks.bench_scale [--profiles N] [--folder DIR] [--json OUT]

Generates two Parquet snapshots of N profiles (default 200,000,000; about
3.2 GB each) in ``--folder`` (default: a temporary folder under the current
directory; kept with ``--keep``), then runs ``commandcenter health ingest``
on each in a fresh process, as a user would. The figure is the second
ingest (the first has nothing to join with): wall time from process start to
exit, profiles per second, and the process's peak resident memory (VmHWM,
read by the child itself just before it exits). Targets: 20,000,000
profiles/s or more, under 2 GB.

It also checks the sketch's quantiles against exact ones (a full sort) on
the first 10,000,000 profiles of the current snapshot, and reports the
largest rank error beside the documented bound. Measured, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from tests.benchmarks.report import emit

RATE_GOAL = 20_000_000
RSS_GOAL_MB = 2048
GROUP = 1 << 22
CHILD = """
import json, sys, time
t0 = float(sys.argv[1])
from commandcenter.cli import main
code = main(sys.argv[2:])
peak = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))
print(json.dumps({"code": code, "seconds": time.time() - t0, "peak_rss_mb": peak / 1024}),
      file=sys.stderr)
"""


def generate(path: Path, profiles: int, seed: int, base: Path | None = None) -> None:
    """Profiles in id order (as warehouses export them); the second halves 10 % of scores."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    schema = pa.schema([("profile_id", pa.int64()), ("score", pa.float64())])
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        for lo in range(0, profiles, GROUP):
            n = min(GROUP, profiles - lo)
            ids = np.arange(lo, lo + n, dtype=np.int64) * 3 + 7
            scores = rng.gamma(4.0, 10.0, n)
            if base is not None:
                scores[rng.random(n) < 0.1] *= 0.5
            writer.write_table(pa.table({"profile_id": ids, "score": scores}, schema=schema))


def run_ingest(path: Path, url: str, at: datetime, home: Path) -> dict[str, Any]:
    env = dict(os.environ, COMMANDCENTER_DATA_DIR=str(home), HOME=str(home))
    argv = ["--database-url", url, "--json", "health", "ingest", str(path),
            "--at", at.isoformat()]
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-c", CHILD, repr(t0), *argv], env=env,
                          capture_output=True, text=True, timeout=3600)
    stats = json.loads(proc.stderr.strip().splitlines()[-1])
    if stats["code"] != 0:
        raise RuntimeError(proc.stderr)
    report = json.loads(proc.stdout)
    return {"seconds": round(stats["seconds"], 2), "peak_rss_mb": round(stats["peak_rss_mb"]),
            "metrics": report["snapshot"]["metrics"]}


def quantile_check(path: Path, profiles: int) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from commandcenter.domain.quantile_sketch import RANK_ERROR, QuantileSketch
    from commandcenter.domain.snapshot_health import QUANTILES

    pf = pq.ParquetFile(path)
    parts, seen = [], 0
    for batch in pf.iter_batches(batch_size=GROUP, columns=["score"]):
        parts.append(batch.column(0).to_numpy())
        seen += batch.num_rows
        if seen >= profiles:
            break
    values = np.concatenate(parts)[:profiles]
    sketch = QuantileSketch()
    for lo in range(0, values.size, GROUP):
        sketch.add(values[lo:lo + GROUP])
    got = np.asarray(sketch.quantiles(QUANTILES))
    ordered = np.sort(values)
    exact = np.quantile(ordered, QUANTILES)
    ranks = np.searchsorted(ordered, got, "left") / ordered.size
    error = np.abs(ranks - np.asarray(QUANTILES))
    return {"profiles": int(values.size), "sketch": got.round(4).tolist(),
            "exact": exact.round(4).tolist(), "max_rank_error": float(error.max()),
            "documented_bound": RANK_ERROR}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=200_000_000)
    parser.add_argument("--folder", type=Path,
                        help="where the data goes (default: ./.bench-scale-XXXX, ignored by git)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args(argv)
    base = args.folder or Path(tempfile.mkdtemp(prefix=".bench-scale-", dir="."))
    base.mkdir(parents=True, exist_ok=True)
    try:
        previous, current = base / "previous.parquet", base / "current.parquet"
        start = time.perf_counter()
        for path, seed, ref in ((previous, 1, None), (current, 2, previous)):
            if not path.exists():
                generate(path, args.profiles, seed, ref)
        generate_s = time.perf_counter() - start
        home = base / "home"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir()
        url = f"sqlite:///{home / 'scale.sqlite'}"
        now = datetime.now(UTC).replace(microsecond=0)
        first = run_ingest(previous, url, now - timedelta(days=1), home)
        second = run_ingest(current, url, now, home)
        rate = args.profiles / second["seconds"]
        report: dict[str, Any] = {
            "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                        "cpus": os.cpu_count(), "load_avg": os.getloadavg()},
            "profiles": args.profiles,
            "parquet_bytes": current.stat().st_size, "generate_s": round(generate_s, 1),
            "first_ingest": first, "second_ingest": second,
            "quantiles_vs_exact": quantile_check(current, min(args.profiles, 10_000_000)),
            "goals": {
                "profiles_per_s": {"goal": RATE_GOAL, "measured": round(rate),
                                   "met": rate >= RATE_GOAL},
                "peak_rss_mb": {"goal": RSS_GOAL_MB, "measured": second["peak_rss_mb"],
                                "met": second["peak_rss_mb"] < RSS_GOAL_MB},
            },
        }
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return emit(report, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
