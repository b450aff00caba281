"""Texts that change often without laying the window out again.

A QLabel's size hint follows its text, and every ``setText`` asks its layout again
(``updateGeometry``): a longer text changes the minimum size of the widgets holding it,
and the layouts above move and resize everything in their way; even a text of the same
width re-runs the layouts up to the window (each activation ends with one more
``updateGeometry``). In the drill window at x60 a chart header's reading, the charted
range or the drill bar's last inject changing length resized the Score health dock,
toggled its charts' scroll bar and resized the eight charts (each a view-box resize, a
range update and a repaint of every chart): 90-150 ms on the GUI thread at a time.

Two ways out, both measured by ``tests/ui/test_steady_layout.py``:

- ``steady_label(label, widest=...)``: a QLabel made exactly as wide as its widest text
  and as high as its lines. Qt skips the layout for a widget whose size is fixed, so its
  ``setText`` only repaints it (the drill bar's clock and counts).
- :class:`SteadyText`: a line (or ``lines`` lines, word-wrapped) of text drawn by the
  widget itself, as high as its lines and as wide as its layout makes it; ``setText``
  repaints it and asks no layout anything. Text past its width (or, wrapped, past its
  last line) is elided, so what it shows in full belongs in its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QSizePolicy, QTextBrowser, QWidget

PAD_X = 2  # pixels left and right of the text


def steady_label(label: QLabel, *, widest: str, lines: int = 1) -> QLabel:
    """``label`` fixed to the size of ``widest`` on ``lines`` lines; returns it. Call it
    once the label has its font (``ensurePolished`` under a style sheet)."""
    metrics = label.fontMetrics()
    margins = label.contentsMargins()
    extra_w = margins.left() + margins.right() + 2 * label.margin() + 6
    extra_h = margins.top() + margins.bottom() + 2 * label.margin()
    label.setFixedSize(metrics.horizontalAdvance(widest) + extra_w,
                       metrics.lineSpacing() * max(lines, 1) + metrics.descent() + extra_h)
    return label


class SteadyText(QWidget):
    """Plain text on a fixed number of lines whose changes repaint it and nothing else."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, lines: int = 1
                 ) -> None:
        super().__init__(parent)
        self._text = text
        self._lines = max(lines, 1)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self._height())
        self.setAccessibleDescription(text)

    def _height(self) -> int:
        metrics = self.fontMetrics()
        return metrics.lineSpacing() * self._lines + metrics.descent() + 2

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # QLabel's name, for its callers
        if text == self._text:
            return
        self._text = text
        self.setAccessibleDescription(text)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().averageCharWidth() * 20, self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self._height())

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().windowText().color())
        rect = self.rect().adjusted(PAD_X, 1, -PAD_X, -1)
        if self._lines == 1:
            text = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight,
                                                 rect.width())
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft
                                       | Qt.AlignmentFlag.AlignVCenter), text)
        else:
            flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            painter.drawText(rect, flags, "\n".join(self._wrapped(rect.width())))
        painter.end()

    def _wrapped(self, width: int) -> list[str]:
        """The text word-wrapped to ``width``, on at most its lines; the last one elided
        when more is left (a third line's top half under two was drawn before)."""
        layout = QTextLayout(self._text, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        out: list[str] = []
        layout.beginLayout()
        while len(out) < self._lines:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            start = line.textStart()
            if len(out) == self._lines - 1:  # the last line shown: the rest, elided
                out.append(self.fontMetrics().elidedText(
                    self._text[start:].replace("\n", " "), Qt.TextElideMode.ElideRight,
                    width))
            else:
                out.append(self._text[start:start + line.textLength()].rstrip())
        layout.endLayout()
        return out


def set_html(browser: QTextBrowser, html: str) -> bool:
    """``browser.setHtml(html)`` unless it shows that HTML already; True if it was set.

    A live re-read brings the same detail back twice a second: setting it again would
    lay the document out three times (cleared, the scroll bar hidden, the viewport
    widened; filled, the scroll bar shown, narrowed again) and scroll the reader back
    to the top. Any other change to the text (a link followed, ``clear``) forgets the
    HTML, so the next ``set_html`` sets it again."""
    if browser.property("steady_html") == html:
        return False
    if not browser.property("steady_html_watched"):
        browser.setProperty("steady_html_watched", True)
        browser.textChanged.connect(lambda: browser.setProperty("steady_html", None))
    browser.setHtml(html)  # textChanged: forgotten, then remembered below
    browser.setProperty("steady_html", html)
    return True
