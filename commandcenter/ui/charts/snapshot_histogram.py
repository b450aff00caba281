"""The newest score snapshot's distribution over its reference's (the last healthy batch).

Bins are computed on the worker (``histogram_data.histogram_of``); the widget only calls
``setData`` on two stepped curves made once, like the series charts.
Shares rather than counts, so batches of different sizes compare.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..steady import SteadyText
from ..timefmt import full_text, local_text
from .histogram_data import BINS, SnapshotHistogram, histogram_of

__all__ = ["BINS", "SnapshotHistogram", "SnapshotHistogramChart", "histogram_of"]

CURRENT_PEN = pg.mkPen("#c0392b", width=1)
REFERENCE_PEN = pg.mkPen("#7f8c8d", width=1)
REFERENCE_BRUSH = pg.mkBrush(127, 140, 141, 70)


class SnapshotHistogramChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.histogram: SnapshotHistogram | None = None
        self.setAccessibleName("Score distribution of the newest snapshot")
        self.header = SteadyText(lines=2)  # a new snapshot's text lays nothing out again
        self.header.setAccessibleName("Score distribution reading")
        self.plot_widget = pg.PlotWidget(enableMenu=False)  # made without its menu
        self.plot_widget.setAccessibleName("Score distribution plot")
        self.plot_widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.plot_widget.setBackground("w")
        self.plot_widget.setMinimumHeight(110)
        item = self.plot_item = self.plot_widget.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMouseEnabled(x=False, y=False)
        item.getAxis("left").setWidth(44)
        item.setLabel("bottom", "score")
        self.legend = item.addLegend(offset=(-6, 6), labelTextSize="8pt")
        self.reference = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                         pen=REFERENCE_PEN, brush=REFERENCE_BRUSH,
                                         name="reference (last healthy)")
        self.current = pg.PlotDataItem(stepMode="center", pen=CURRENT_PEN, name="newest")
        item.addItem(self.reference)
        item.addItem(self.current)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.plot_widget, 1)
        self.set_histogram(None)

    def set_histogram(self, hist: SnapshotHistogram | None) -> None:
        self.histogram = hist
        if hist is None:
            self.current.clear()
            self.reference.clear()
            self.header.setText("Score distribution: no score snapshot yet")
            return
        self.current.setData(hist.edges, hist.current)
        if hist.reference.size:
            self.reference.setData(hist.edges, hist.reference)
        else:
            self.reference.clear()
        verdict = "healthy" if hist.healthy else "UNHEALTHY"
        ref = (f"reference {local_text(hist.reference_taken_at)}"
               if hist.reference_taken_at is not None else "no healthy reference yet")
        self.header.setText(f"Score distribution: snapshot #{hist.snapshot_id} "
                            f"{local_text(hist.taken_at)} ({verdict}) over {ref}")
        self.header.setToolTip(f"snapshot taken {full_text(hist.taken_at)}" + (
            f"\nreference taken {full_text(hist.reference_taken_at)}"
            if hist.reference_taken_at is not None else ""))
        self.plot_item.enableAutoRange()
