"""Chart speed: the real ``SeriesChart`` (pyqtgraph) on this machine, offscreen.

    python -m tests.benchmarks.bench_chart [--big-points N] [--stream-seconds S] [--stream-only]
                                           [--json OUT]

1. Append to a 1,000,000-point series and repaint, x range following the last
   hour (as the live chart does) and the whole series. Goal: under 8 ms a frame.
2. A 10,000,000-point series viewed whole. The app never hands the chart 10M
   raw points: ``HealthService.points(..., max_points)`` serves long ranges from
   roll-ups. Measured: what the app draws (roll-ups from a real 10M-point
   SQLite series; the query runs on the worker and is reported apart) and, for
   reference, 10M raw points in the curve. Goal: under 16 ms a frame.
3. Streaming at 10,000 points/s, as the health panel does it: every 250 ms the
   worker thread ingests the new points (detectors on) and reads them back, the
   GUI appends them to the chart and repaints. A 10 ms ``QTimer`` records the
   longest gap between its ticks (goal: never over 50 ms), and RSS growth
   (/proc/self/status) is extrapolated to an hour (goal: under 50 MB/hour).

Measured, never asserted. Needs ``QT_QPA_PLATFORM=offscreen`` without a display.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from tests.benchmarks.report import emit

APPEND_GOAL_MS = 8.0
WHOLE_GOAL_MS = 16.0
STALL_GOAL_MS = 50.0
MEMORY_GOAL_MB_H = 50.0
WIDTH, HEIGHT = 1200, 320  # about one chart in the health panel


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def app() -> Any:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def new_chart(series: str = "score_mean") -> Any:
    from commandcenter.ui.charts.series_chart import SeriesChart

    chart = SeriesChart(series)
    chart.resize(WIDTH, HEIGHT)
    chart.show()
    app().processEvents()
    return chart


def paint(chart: Any) -> None:
    """One frame: repaint the plot now (as the event loop would after setData)."""
    chart.plot_widget.viewport().repaint()


def frame_ms(fn: Any, frames: int) -> list[float]:
    out = []
    for _ in range(frames):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(times: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(times), 2),
            "p95_ms": round(float(np.percentile(times, 95)), 2),
            "max_ms": round(max(times), 2), "frames": len(times)}


def d_count(db: Path) -> int:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return int(con.execute("SELECT count(*) FROM metric_points").fetchone()[0])
    finally:
        con.close()


def bench_append(points: int, frames: int, per_frame: int) -> dict[str, Any]:
    qapp = app()
    rng = np.random.default_rng(1)
    t0 = time.time() - points
    ts = t0 + np.arange(points, dtype=np.float64)
    chart = new_chart()
    chart.set_data(ts, rng.normal(50, 5, points))
    out: dict[str, Any] = {"points": points, "appended_per_frame": per_frame}
    for view in ("last_hour", "whole"):
        last = [float(chart.ts[-1])]

        def frame(view: str = view, last: list[float] = last) -> None:
            new_ts = last[0] + 1 + np.arange(per_frame, dtype=np.float64)
            last[0] = float(new_ts[-1])
            chart.append(new_ts, rng.normal(50, 5, per_frame))
            lo = last[0] - 3600 if view == "last_hour" else float(chart.ts[0])
            chart.set_x_range(lo, last[0])
            paint(chart)

        frame_ms(frame, 5)  # warm up
        times = frame_ms(frame, frames)
        qapp.processEvents()
        out[view] = summary(times)
        # Where the time goes: the append (array copy + setData) versus the paint.
        start = time.perf_counter()
        for _ in range(10):
            new_ts = last[0] + 1 + np.arange(per_frame, dtype=np.float64)
            last[0] = float(new_ts[-1])
            chart.append(new_ts, rng.normal(50, 5, per_frame))
        out[view]["append_only_ms"] = round((time.perf_counter() - start) * 100, 2)
        out[view]["paint_only_ms"] = round(statistics.median(frame_ms(
            lambda: paint(chart), 20)), 2)
    chart.close()
    chart.deleteLater()
    return out


def bench_whole(big_points: int, frames: int, folder: Path) -> dict[str, Any]:
    from commandcenter.app import build
    from commandcenter.config import Settings
    from commandcenter.services.context import Passphrases

    qapp = app()
    out: dict[str, Any] = {"points": big_points}
    rng = np.random.default_rng(2)
    end = time.time()
    ts = end - big_points + np.arange(big_points, dtype=np.float64)
    values = rng.normal(50, 5, big_points)
    # What the app draws: roll-ups from a real series.
    svc = build(Settings(database_url=f"sqlite:///{folder / 'chart.sqlite'}", data_dir=folder),
                passphrases=Passphrases.fast_for_tests())
    try:
        start = time.perf_counter()
        step = 1_000_000
        for i in range(0, big_points, step):
            svc.health.ingest_arrays({"score_mean": (ts[i:i + step], values[i:i + step])},
                                     source="bench", evaluate=False)
        out["ingest_s"] = round(time.perf_counter() - start, 1)
        max_points = 2 * WIDTH  # as HealthPanel.load_range: max(2000, 2 * viewport width)
        lo = datetime.fromtimestamp(float(ts[0]), UTC)
        hi = datetime.fromtimestamp(end, UTC) + timedelta(seconds=1)
        query = []
        data = None
        for _ in range(3):
            start = time.perf_counter()
            data = svc.health.points("score_mean", lo, hi, max_points)
            query.append((time.perf_counter() - start) * 1000)
        assert data is not None
    finally:
        svc.close()
    chart = new_chart()
    chart.set_data(data.ts, data.value, data.resolution)
    chart.set_x_range(float(ts[0]), end)
    paint(chart)
    out["as_drawn"] = {"resolution_s": data.resolution, "points_drawn": int(data.ts.size),
                       "query_on_worker_ms": round(statistics.median(query), 1),
                       "set_data_ms": round(statistics.median(frame_ms(
                           lambda: chart.set_data(data.ts, data.value, data.resolution), 5)), 2),
                       **summary(frame_ms(lambda: paint(chart), frames))}
    # For reference: 10M raw points in the curve, downsampled by pyqtgraph.
    start = time.perf_counter()
    chart.set_data(ts, values)
    set_raw = (time.perf_counter() - start) * 1000
    chart.set_x_range(float(ts[0]), end)
    paint(chart)
    out["raw_in_curve"] = {"set_data_ms": round(set_raw, 1),
                           **summary(frame_ms(lambda: paint(chart), max(3, frames // 4)))}
    qapp.processEvents()
    chart.close()
    chart.deleteLater()
    return out


def bench_stream(seconds: float, rate: int, initial: int, folder: Path) -> dict[str, Any]:
    from PySide6.QtCore import QEventLoop, QTimer

    from commandcenter.app import build
    from commandcenter.config import Settings
    from commandcenter.ingest.parsing import Point
    from commandcenter.services.context import Passphrases
    from commandcenter.ui.widgets.health_panel import read_new_points

    qapp = app()
    svc = build(Settings(database_url=f"sqlite:///{folder / 'stream.sqlite'}",
                         data_dir=folder), passphrases=Passphrases.fast_for_tests())
    rng = np.random.default_rng(3)
    now = time.time()
    hist_ts = now - initial + np.arange(initial, dtype=np.float64)
    svc.health.ingest_arrays({"score_mean": (hist_ts, rng.normal(50, 5, initial))},
                             source="bench", evaluate=True)
    chart = new_chart()
    d = svc.health.points("score_mean", datetime.fromtimestamp(hist_ts[0], UTC),
                          datetime.fromtimestamp(now + 1, UTC), max_points=initial + 10)
    chart.set_data(d.ts, d.value, d.resolution)
    from commandcenter.ui.heap import settle_heap

    settle_heap()  # as the window does once loaded (MainWindow._tick)
    worker = ThreadPoolExecutor(max_workers=1)
    live_ms = 250
    per_tick = rate * live_ms // 1000
    state: dict[str, Any] = {"pending": False, "next_ts": float(hist_ts[-1]) + 0.1,
                             "ticks": [], "frames": [], "samples": [], "errors": [],
                             "rollup_ticks": 0}

    def read(next_ts: float, last: float | None) -> Any:  # as HealthPanel._live_read
        t = next_ts + np.arange(per_tick, dtype=np.float64) / rate
        points = [Point(float(a), float(b)) for a, b in zip(t, rng.normal(50, 5, per_tick),
                                                             strict=True)]
        svc.health.ingest_points(points, source="live", series="score_mean")
        start = datetime.fromtimestamp(last if last is not None else next_ts, UTC)
        return float(t[-1]) + 1 / rate, read_new_points(svc.health, "score_mean", start,
                                                        start + timedelta(hours=1))

    def loaded(f: Future) -> None:
        try:
            state["next_ts"], data = f.result()
        except Exception as exc:  # reported, not raised inside the event loop
            state["errors"].append(repr(exc))
            state["pending"] = False
            return
        if data.reread:  # as HealthPanel._live_loaded: it would re-read the range instead
            state["rollup_ticks"] += 1
            state["pending"] = False
            return
        start = time.perf_counter()
        # As HealthPanel._follow_shown: the points and the moved range in one call.
        last = float(data.ts[-1]) if data.ts.size else (chart.last_ts() or 0.0)
        chart.follow(last - 3600, last, data.ts, data.value)
        paint(chart)
        state["frames"].append((time.perf_counter() - start) * 1000)
        state["pending"] = False

    def live_tick() -> None:
        if state["pending"]:
            return
        state["pending"] = True
        fut = worker.submit(read, state["next_ts"], chart.last_ts())
        fut.add_done_callback(lambda f: QTimer.singleShot(0, qapp, lambda: loaded(f)))

    last_tick = [time.perf_counter()]

    def probe() -> None:
        t = time.perf_counter()
        state["ticks"].append((t - last_tick[0]) * 1000)
        last_tick[0] = t

    def sample() -> None:
        state["samples"].append((time.perf_counter(), rss_mb()))

    probe_timer = QTimer(interval=10)
    probe_timer.timeout.connect(probe)
    live_timer = QTimer(interval=live_ms)
    live_timer.timeout.connect(live_tick)
    mem_timer = QTimer(interval=500)
    mem_timer.timeout.connect(sample)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    for timer in (probe_timer, live_timer, mem_timer):
        timer.start()
    last_tick[0] = time.perf_counter()
    sample()
    loop.exec()
    for timer in (probe_timer, live_timer, mem_timer):
        timer.stop()
    worker.shutdown(wait=True)
    qapp.processEvents()
    svc.close()
    ticks = state["ticks"][1:]
    samples = state["samples"]
    # Skip the first 2 s (allocator and caches warming up), fit a line to the rest.
    warm = [(t, m) for t, m in samples if t - samples[0][0] >= 2.0] or samples
    slope = float(np.polyfit([t for t, _ in warm], [m for _, m in warm], 1)[0]) \
        if len(warm) > 2 else float("nan")
    kept_bytes = chart.ts.nbytes + chart.values.nbytes
    from commandcenter.ui.charts.series_chart import MAX_POINTS_KEPT

    chart.close()
    return {
        "seconds": seconds, "points_per_s": rate, "initial_points": initial,
        "points_ingested": int(d_count(folder / "stream.sqlite") - initial),
        "points_on_chart": int(chart.ts.size),
        "ticks_needing_a_reread": state["rollup_ticks"],
        "probe_ticks": len(ticks),
        "max_gap_ms": round(max(ticks), 1) if ticks else None,
        "p99_gap_ms": round(float(np.percentile(ticks, 99)), 1) if ticks else None,
        "gaps_over_50ms": int(sum(1 for t in ticks if t > STALL_GOAL_MS)),
        "gui_frame": summary(state["frames"]) if state["frames"] else None,
        "errors": state["errors"][:3],
        "rss_start_mb": round(samples[0][1], 1), "rss_end_mb": round(samples[-1][1], 1),
        "rss_slope_mb_per_hour": round(slope * 3600, 1),
        "chart_arrays_mb": round(kept_bytes / 2**20, 1),
        "chart_arrays_cap_mb": round(MAX_POINTS_KEPT * 16 / 2**20, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--big-points", type=int, default=10_000_000)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--stream-seconds", type=float, default=10.0)
    parser.add_argument("--stream-rate", type=int, default=10_000)
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--stream-only", action="store_true",
                        help="3. alone, in this process (run_all's stream_stall: one run each)")
    args = parser.parse_args(argv)
    app()
    if args.stream_only:
        with tempfile.TemporaryDirectory() as tmp:
            stream = bench_stream(args.stream_seconds, args.stream_rate, args.points,
                                  Path(tmp))
        return emit({"stream": stream}, args.json)
    with tempfile.TemporaryDirectory() as tmp:
        append = bench_append(args.points, args.frames, per_frame=100)
        stream = bench_stream(args.stream_seconds, args.stream_rate, args.points, Path(tmp))
        whole = bench_whole(args.big_points, args.frames, Path(tmp))
    import pyqtgraph as pg
    from PySide6 import __version__ as pyside_version

    append_ms = append["last_hour"]["median_ms"]
    whole_ms = whole["as_drawn"]["median_ms"]
    stall = stream["max_gap_ms"] or float("inf")
    growth = stream["rss_slope_mb_per_hour"]
    report = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "pyside6": pyside_version, "pyqtgraph": pg.__version__,
                    "cpus": os.cpu_count(), "threads": threading.active_count()},
        "append_1m": append, "whole_10m": whole, "stream": stream,
        "goals": {
            "append_1m_frame_ms": {"goal": APPEND_GOAL_MS, "measured": append_ms,
                                   "met": append_ms < APPEND_GOAL_MS},
            "whole_10m_frame_ms": {"goal": WHOLE_GOAL_MS, "measured": whole_ms,
                                   "met": whole_ms < WHOLE_GOAL_MS},
            "stream_max_gap_ms": {"goal": STALL_GOAL_MS, "measured": stall,
                                  "met": stall <= STALL_GOAL_MS},
            "stream_rss_mb_per_hour": {"goal": MEMORY_GOAL_MB_H, "measured": growth,
                                       "met": growth < MEMORY_GOAL_MB_H},
        },
    }
    return emit(report, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
