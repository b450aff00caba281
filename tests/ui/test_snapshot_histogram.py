"""The score-distribution histogram in the Score health dock."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyqtgraph as pg
import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.ui.charts.snapshot_histogram import BINS
from commandcenter.ui.main_window import MainWindow
from tests.ui.conftest import wait_idle

PROFILES = 20_000


def test_histogram_shows_the_newest_snapshot_over_the_reference(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, company: Services, clock: SimulatedClock) -> None:
    panel = window.health
    assert panel.histogram is None  # no data yet: no chart, no pyqtgraph
    assert "no score snapshot" in panel.histogram_placeholder.text()

    rng = np.random.default_rng(1)
    ids = np.arange(PROFILES, dtype=np.int64)
    healthy = rng.gamma(4.0, 10.0, PROFILES) + 1.0
    now = clock.now()
    company.health.ingest_snapshot(ids, healthy, at=now - timedelta(days=1), evaluate=False)
    tonight = healthy.copy()
    tonight[rng.random(PROFILES) < 0.4] *= 0.5
    company.health.ingest_snapshot(ids, tonight, at=now, evaluate=False)
    window.health.reload()
    qtbot.waitUntil(lambda: panel.histogram is not None  # built when the data came
                    and panel.histogram.current.getData()[0] is not None, timeout=10_000)
    hist = panel.histogram
    current, reference = hist.current, hist.reference
    assert not panel.histogram_placeholder.isVisible()

    x, y = current.getData()
    rx, ry = reference.getData()
    assert x.size == BINS + 1 and y.size == BINS  # stepped: edges and one value per bin
    np.testing.assert_array_equal(x, rx)  # shared bin edges
    assert y.sum() == pytest.approx(1.0) and ry.sum() == pytest.approx(1.0)
    # 40% of profiles halved: more of the newest batch in the lowest bins.
    assert y[: BINS // 6].sum() > ry[: BINS // 6].sum() + 0.1
    assert "UNHEALTHY" in hist.header.text()
    items = [i for i in hist.plot_item.listDataItems() if isinstance(i, pg.PlotDataItem)]
    assert items == [reference, current]

    # A third snapshot: the same items, new data (setData, never recreated).
    clock.advance(timedelta(hours=1))
    company.health.ingest_snapshot(ids, healthy, at=clock.now(), evaluate=False)
    window.health.reload()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: not np.array_equal(current.getData()[1], y), timeout=10_000)
    assert hist.current is current and hist.reference is reference
    assert [i for i in hist.plot_item.listDataItems()
            if isinstance(i, pg.PlotDataItem)] == [reference, current]
