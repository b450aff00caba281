"""Texts rewritten on every live frame (chart readings, the charted range, the drill bar's
clock, counts, next and last inject) lay nothing out again: no scroll bar comes and goes,
no chart or panel is moved or resized, the window gets no layout request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from commandcenter.ui.banners import StatusFields
from commandcenter.ui.steady import SteadyText, set_html, steady_label
from commandcenter.ui.widgets.drill_bar import DrillBar
from tests.ui.chart_stack import chart_stack

LONG = "a reading far longer than the chart is wide " * 8


class Events(QObject):
    """Counts the geometry events ``widgets`` receive."""

    KINDS = (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.LayoutRequest)

    def __init__(self, *widgets: QWidget) -> None:
        super().__init__()
        self.seen: list[tuple[str, str]] = []
        for w in widgets:
            w.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in self.KINDS:
            self.seen.append((type(obj).__name__, event.type().name))
        return False


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()
        QApplication.sendPostedEvents()


def test_a_longer_chart_reading_resizes_no_chart_and_shows_no_scroll_bar(qtbot) -> None:  # type: ignore[no-untyped-def]
    scroll, stack, charts = chart_stack(qtbot, [f"score_p{i}" for i in range(3)], 420, 900)
    _settle()
    sizes = [c.size() for c in charts]
    seen = Events(scroll, stack, *charts, *(c.plot_widget for c in charts))
    for c in charts:
        c.header.setText(LONG)
    _settle()
    for c in charts:
        c.header.setText("short")
    _settle()
    assert not scroll.horizontalScrollBar().isVisible()
    assert [c.size() for c in charts] == sizes
    assert seen.seen == []  # no layout request, no move, no resize
    assert charts[0].header.text() == "short"


class _Controller(QObject):
    sig_status = Signal(object)
    sig_fired = Signal(str)
    sig_error = Signal(str)
    running = True

    def jump_to_next(self) -> None:
        pass


def _status(minutes: int, next_text: str, fired: int) -> SimpleNamespace:
    start = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    return SimpleNamespace(elapsed=timedelta(minutes=minutes), duration=timedelta(hours=6),
                           now=start + timedelta(minutes=minutes),
                           next_inject_at=timedelta(minutes=minutes + 5), next_inject=next_text,
                           injects_fired=fired, injects_total=15, objectives_met=fired % 3,
                           objectives_total=4, finished=False, fired=list(range(fired)))


def test_the_drill_bar_statuses_lay_out_nothing_below_the_bar(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = _Controller()
    bar = DrillBar(controller, ["Ana", "Ben"], [(i, f"T+{i}m inject {i}") for i in range(15)])
    window = QWidget()
    layout = QVBoxLayout(window)
    below = QLabel("the incident room")
    layout.addWidget(bar)
    layout.addWidget(below, 1)
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    controller.sig_status.emit(_status(0, "mention", 1))
    controller.sig_fired.emit("short")
    _settle()
    bar_size, clock_size = bar.size(), bar.clock.size()
    seen = Events(window, bar, below, bar.clock, bar.sim_time, bar.play)
    for minute in (1, 59, 61, 359):  # T+1m ... T+5h59m: the clock's text grows
        controller.sig_status.emit(_status(minute, "mention " + LONG[: minute % 200], minute // 30))
        _settle()
    controller.sig_fired.emit("outage of x: " + LONG * 3)  # longer than two lines
    _settle()
    assert bar.size() == bar_size and bar.clock.size() == clock_size
    assert seen.seen == []  # nothing moved or resized, no layout request above the bar
    assert bar.clock.text().startswith("T+5h59m / T+6h00m")
    assert bar.last.text().startswith("Inject: outage of x") and LONG in bar.last.toolTip()
    assert LONG[:40] in bar.next_label.toolTip()


def test_steady_text_keeps_its_height_for_more_lines_and_a_fixed_label_its_size(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    layout = QVBoxLayout(window)
    text = SteadyText("one line", lines=2)
    layout.addWidget(text)
    clock = steady_label(QLabel("T+0m"), widest="T+88h58m58s")
    layout.addWidget(clock)
    below = QLabel("below")
    layout.addWidget(below, 1)
    qtbot.addWidget(window)
    window.resize(300, 400)
    window.show()
    qtbot.waitExposed(window)
    _settle()
    height, size, where = text.height(), clock.size(), below.geometry()
    seen = Events(window, below)
    text.setText(LONG)
    clock.setText("T+5h59m")
    _settle()
    assert text.height() == height and clock.size() == size and below.geometry() == where
    assert seen.seen == []
    assert text.height() >= 2 * text.fontMetrics().lineSpacing()
    assert text.text() == LONG and text.accessibleDescription() == LONG
    assert clock.width() >= clock.fontMetrics().horizontalAdvance("T+88h58m58s")


def test_the_same_detail_html_again_keeps_the_reader_s_place(qtbot) -> None:  # type: ignore[no-untyped-def]
    browser = QTextBrowser()
    qtbot.addWidget(browser)
    browser.resize(300, 200)
    browser.show()
    qtbot.waitExposed(browser)
    html = "<h3>Linda Ortiz</h3>" + "<p>a long mention</p>" * 60
    assert set_html(browser, html)
    _settle()
    bar = browser.verticalScrollBar()
    bar.setValue(bar.maximum())
    seen = Events(bar, browser.viewport())
    assert not set_html(browser, html)  # the live re-read's same detail
    _settle()
    assert bar.value() == bar.maximum() > 0 and seen.seen == []
    browser.clear()  # anything else that changes the text: set_html sets it again
    assert set_html(browser, html) and "Linda Ortiz" in browser.toPlainText()
    assert set_html(browser, html.replace("Linda", "Tom")) and "Tom" in browser.toPlainText()


def test_the_status_bar_clock_and_audit_head_lay_out_neither_the_bar_nor_the_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QMainWindow()
    window.setCentralWidget(QLabel("room"))
    fields = StatusFields(window.statusBar(), "sqlite:///drill.db")
    qtbot.addWidget(window)
    window.resize(1000, 600)
    window.show()
    qtbot.waitExposed(window)
    detected = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    incident = SimpleNamespace(detected_at=detected)
    fields.tick(incident, detected + timedelta(minutes=1))
    _settle()
    seen = Events(window, window.statusBar(), fields.database, fields.mode)
    for minutes in (11, 111, 1111):
        fields.tick(incident, detected + timedelta(minutes=minutes))
        head = "1" * minutes if minutes < 64 else "0f" * 32  # narrow, then wide hex digits
        fields.show_audit_head(SimpleNamespace(hash=head, seq=minutes, signature="s",
                                               key_id="k"))
        _settle()
    assert fields.clock.text() == "T+18:31" and fields.audit.text() == "Audit 0f0f0f0f0f0f"
    assert seen.seen == []


def test_wrapped_steady_text_shows_its_lines_whole_and_elides_the_rest(qtbot) -> None:  # type: ignore[no-untyped-def]
    text = SteadyText("Inject: T+1h00m roster: Maya Okafor boards a flight, unreachable "
                      "until T+4h; the communications chain passes to Daniel Reyes", lines=2)
    qtbot.addWidget(text)
    text.resize(200, text.height())
    shown = text._wrapped(200)
    assert len(shown) == 2  # a third line used to show its top half under the two
    assert shown[1].endswith("…")
    assert all(text.fontMetrics().horizontalAdvance(line) <= 200 for line in shown)
    assert " ".join(shown).startswith("Inject: T+1h00m roster:")
    assert text._wrapped(2000) == [text.text()]  # room enough: the whole text, one line
