"""Memory over one hour of streaming at 10,000 points/s, run compressed: ``make bench``.

    python -m tests.benchmarks.bench_memory [--minutes M] [--rate N] [--alerts N] [--json OUT]

The process's own clock (a ``SimulatedClock``) runs as fast as the machine
goes; the points are real: every simulated second, 10,000 points go through
``HealthService.ingest_arrays`` into SQLite (raw points and roll-ups), the
live chart appends them and repaints, and every simulated 5 s the health
panel's meta read runs (status and the live alert list, with ``--alerts``
alerts in the database, shown in the real ``AlertsPanel``). Resident memory
(VmRSS) is sampled each simulated minute; the figure is the growth from the
first minute to the last, measured over the whole hour, never extrapolated.
The chart's buffers fill to their cap (2,000,000 points, 40 MB with slack)
during the hour, and that is counted.

Detectors are off here: their memory is their fixed windows (issue 12 owns
their speed, and at their current ~10,000 points/s they would make the hour
take an hour). Needs ``QT_QPA_PLATFORM=offscreen`` without a display.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from tests.benchmarks.bench_chart import rss_mb
from tests.benchmarks.report import emit

GOAL_MB = 50.0


class SignedOut:
    """What ``AlertsPanel`` asks of the window's session, with nobody signed in."""

    operator = None

    class _Signal:
        def connect(self, _fn: object) -> None:
            pass

    sig_operator_changed = _Signal()

    def __init__(self, services: Any = None) -> None:
        self.services = services

    def may(self, _action: object) -> bool:
        return False


def seed_alerts(svc: Any, count: int, now: datetime) -> None:
    from commandcenter.persistence.metrics_store import ensure_series
    from commandcenter.services.health_alerts import ANOMALY, CRITICAL, open_alert, resolve

    with svc.ctx.uow() as uow:
        series = ensure_series(uow.session, "score_mean")
        for i in range(count):
            row = open_alert(uow, now, "detector", series, ANOMALY, CRITICAL,
                             now - timedelta(seconds=30 * (count - i)), 0.9, f"alert {i}")
            if i % 100:
                resolve(uow, now, "detector", row, now, "quiet")
        uow.commit()


def run(minutes: int, rate: int, alerts: int, folder: Path) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from commandcenter.app import build
    from commandcenter.config import Settings
    from commandcenter.domain.clock import SimulatedClock
    from commandcenter.services.context import Passphrases
    from commandcenter.ui.charts.series_chart import SeriesChart
    from commandcenter.ui.widgets.alerts_panel import AlertsPanel
    from commandcenter.ui.widgets.health_panel import RESOLVED_SHOWN

    app = QApplication.instance() or QApplication([])
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    clock = SimulatedClock(start)
    svc = build(Settings(database_url=f"sqlite:///{folder / 'memory.sqlite'}", data_dir=folder),
                clock=clock, passphrases=Passphrases.fast_for_tests())
    seed_alerts(svc, alerts, start)

    panel = AlertsPanel(SignedOut(svc))  # type: ignore[arg-type]
    panel.resize(700, 300)
    panel.show()
    chart = SeriesChart("score_mean")
    chart.resize(1200, 320)
    chart.show()
    rng = np.random.default_rng(5)
    t = start.timestamp()
    samples: list[tuple[int, float]] = []
    wall = time.perf_counter()
    for second in range(minutes * 60):
        ts = t + second + np.arange(rate, dtype=np.float64) / rate
        values = rng.normal(50.0, 5.0, rate)
        svc.health.ingest_arrays({"score_mean": (ts, values)}, source="live", evaluate=False)
        clock.advance(timedelta(seconds=1))
        chart.append(ts, values)
        last = float(ts[-1])
        chart.set_x_range(last - 3600, last)
        chart.plot_widget.viewport().repaint()
        if second % 5 == 0:
            svc.health.status()
            panel.set_alerts(svc.health.alerts(resolved_limit=RESOLVED_SHOWN))
            app.processEvents()
        if second % 60 == 0:
            samples.append((second, rss_mb()))
    samples.append((minutes * 60, rss_mb()))
    seconds = time.perf_counter() - wall
    svc.close()
    first = samples[1][1] if len(samples) > 2 else samples[0][1]
    return {"simulated_minutes": minutes, "points_per_simulated_s": rate,
            "points_ingested": minutes * 60 * rate, "alerts_in_database": alerts,
            "wall_s": round(seconds, 1), "compression": round(minutes * 60 / seconds, 1),
            "rss_first_minute_mb": round(first, 1), "rss_end_mb": round(samples[-1][1], 1),
            "growth_mb": round(samples[-1][1] - first, 1),
            "rss_by_minute": [round(m, 1) for _, m in samples]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--rate", type=int, default=10_000)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        report = run(args.minutes, args.rate, args.alerts, Path(tmp))
    report["goal"] = {"growth_mb": GOAL_MB, "met": report["growth_mb"] < GOAL_MB}
    return emit(report, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
