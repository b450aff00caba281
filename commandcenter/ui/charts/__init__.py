"""pyqtgraph charts: the only place that imports pyqtgraph."""
