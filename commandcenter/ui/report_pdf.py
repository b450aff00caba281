"""Reports as PDF and HTML without a browser: QTextDocument + QPdfWriter, and the chart
drawn with QPainter (the report's and the timeline export's one PDF path)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QTextDocument,
)

from commandcenter.services.drill_report import CHART, ChartData, Document

COLOURS = ("#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad")


def ensure_app() -> QGuiApplication:
    """Text layout needs an application object; a CLI process makes an offscreen one.

    A QApplication (not only a QGuiApplication), so that widgets made later in the
    same process (a test session, the window) still work.
    """
    from PySide6.QtWidgets import QApplication

    app = QGuiApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication([])
    return app  # type: ignore[return-value]


def chart_image(chart: ChartData, width: int = 1600) -> QImage:
    """One panel per series, sharing the time axis, the incident span shaded."""
    n = len(chart.series)
    height = 200 * n + 40
    img = QImage(width, height, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont()
    font.setPixelSize(22)
    p.setFont(font)
    left, right = 110, width - 50
    t0, t1 = chart.start, max(chart.end, chart.start + 1)

    def x(t: float) -> float:
        return left + (t - t0) / (t1 - t0) * (right - left)

    for i, (name, (ts, vs)) in enumerate(chart.series.items()):
        top, bottom = 20 + i * 200, 20 + i * 200 + 170
        span_end = chart.span[1] if chart.span[1] is not None else t1
        p.fillRect(QRectF(x(max(chart.span[0], t0)), top, x(min(span_end, t1)) -
                          x(max(chart.span[0], t0)), bottom - top), QColor("#fdebd0"))
        p.setPen(QPen(QColor("#8a939c"), 1))
        p.drawRect(QRectF(left, top, right - left, bottom - top))
        lo, hi = float(vs.min()), float(vs.max())
        if hi - lo < 1e-9:
            lo, hi = lo - 1, hi + 1
        pad = (hi - lo) * 0.08
        lo, hi = lo - pad, hi + pad

        def y(v: float, top: float = top, bottom: float = bottom, lo: float = lo,
              hi: float = hi) -> float:
            return bottom - (v - lo) / (hi - lo) * (bottom - top)

        path = QPainterPath()
        for k, (t, v) in enumerate(zip(ts.tolist(), vs.tolist(), strict=True)):
            point = QPointF(x(t), y(v))
            path.moveTo(point) if k == 0 else path.lineTo(point)
        colour = QColor(COLOURS[i % len(COLOURS)])
        p.setPen(QPen(colour, 3))
        p.drawPath(path)
        if ts.size < 30:  # a few snapshots: show each one
            p.setBrush(colour)
            for t, v in zip(ts.tolist(), vs.tolist(), strict=True):
                p.drawEllipse(QPointF(x(t), y(v)), 6, 6)
            p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QColor("#1b1f24"))
        bold = QFont(font)
        bold.setBold(True)
        p.setFont(bold)
        p.drawText(QRectF(left + 10, top + 4, 600, 30), Qt.AlignmentFlag.AlignLeft, name)
        p.setFont(font)
        p.drawText(QRectF(8, top, left - 16, 30), Qt.AlignmentFlag.AlignRight, f"{hi:.3g}")
        p.drawText(QRectF(8, bottom - 30, left - 16, 30), Qt.AlignmentFlag.AlignRight,
                   f"{lo:.3g}")
    p.setPen(QColor("#1b1f24"))
    hours = (t1 - t0) / 3600
    for h in range(int(hours) + 1):
        p.drawText(QRectF(x(t0 + h * 3600) - 40, height - 34, 80, 30),
                   Qt.AlignmentFlag.AlignCenter, f"T+{h}h")
    p.end()
    return img


def _document(doc: Document) -> QTextDocument:
    ensure_app()
    text = QTextDocument()
    text.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, doc.title)
    if doc.chart is not None:
        text.addResource(QTextDocument.ResourceType.ImageResource, QUrl(CHART),
                         chart_image(doc.chart))
    text.setHtml(doc.html)
    return text


def write_pdf(doc: Document, path: Path) -> Path:
    text = _document(doc)
    writer = QPdfWriter(str(path))
    writer.setTitle(doc.title)
    writer.setCreator("Command Center")
    writer.setResolution(150)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    text.print_(writer)
    return path


def write_html(doc: Document, path: Path) -> Path:
    """One self-contained file: the chart inlined as a data: URI."""
    html = doc.html
    if doc.chart is not None:
        ensure_app()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        chart_image(doc.chart).save(buf, "PNG")
        uri = "data:image/png;base64," + base64.b64encode(bytes(data.data())).decode("ascii")
        html = html.replace(f"src='{CHART}'", f"src='{uri}'")
    path.write_text(html, encoding="utf-8")
    return path


def write(doc: Document, path: Path) -> Path:
    """PDF or HTML by the file's suffix."""
    if path.suffix.lower() == ".pdf":
        return write_pdf(doc, path)
    return write_html(doc, path)
