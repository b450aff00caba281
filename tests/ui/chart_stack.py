"""A stack of live-looking charts in a scroll area, as Score health lays them out."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from commandcenter.ui.charts.series_chart import SeriesChart


def chart_stack(qtbot, names: list[str], width: int, height: int, *,  # type: ignore[no-untyped-def]
                min_height: int | None = None
                ) -> tuple[QScrollArea, QWidget, list[SeriesChart]]:
    """Charts named ``names``, an hour of one-minute points each, stacked in a shown
    ``width`` x ``height`` scroll area; returns the area, the stack and the charts."""
    stack = QWidget()
    layout = QVBoxLayout(stack)
    charts = [SeriesChart(name) for name in names]
    t = np.arange(0.0, 3600.0, 60.0) + 1_772_440_200.0
    for c in charts:
        if min_height is not None:
            c.plot_widget.setMinimumHeight(min_height)
        c.set_data(t, np.sin(t / 600.0))
        c.set_x_range(float(t[0]), float(t[-1]))
        layout.addWidget(c)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(stack)
    qtbot.addWidget(scroll)
    scroll.resize(width, height)
    scroll.show()
    qtbot.waitExposed(scroll)
    return scroll, stack, charts
