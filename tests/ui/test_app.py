"""run_gui: the CLI's entry point, and --demo never touching the user's database."""

from __future__ import annotations

import gc

from PySide6.QtWidgets import QApplication

from commandcenter.ui import app as ui_app
from commandcenter.ui.main_window import MainWindow


def test_demo_opens_a_throwaway_copy(qtbot, qapp, settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    seen: dict[str, str] = {}

    def fake_exec() -> int:
        # Stands in for the event loop: quitting the shared test QApplication for
        # real leaves it unable to deliver the next tests' queued signals.
        window = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, MainWindow) and w.isVisible())
        qtbot.waitUntil(window.tasks.idle, timeout=120_000)  # a hang guard
        seen["title"] = window.windowTitle()
        seen["db"] = window.status.database.text()
        dialog = window.sign_in_dialog
        seen["signin"] = str(dialog is not None and dialog.isVisible())
        dialog.reject()
        window.close()
        return 0

    monkeypatch.setenv("COMMANDCENTER_DEMO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(ui_app, "make_application", lambda: SimpleApp(qapp, fake_exec))
    assert ui_app.run_gui(settings, demo=True) == 0
    assert gc.isenabled()  # collection paused for the start only
    assert "demo copy" in seen["title"]
    assert "demo.sqlite" in seen["db"] and str(tmp_path) not in seen["db"]
    assert seen["signin"] == "True"
    assert not (tmp_path / "demo.sqlite").exists()

    # Prepared once: the next demo session opens a copy of it, and what one session
    # changes never reaches the next.
    from commandcenter.ui.demo_copy import fresh_template, open_demo_copy

    template = fresh_template()
    assert template is not None and template.is_relative_to(tmp_path / "cache")
    first = open_demo_copy(tmp_path / "session-1")
    try:
        maya = next(c for c in first.roster.contacts() if c.contact.name == "Maya Okafor")
        assert first.incidents.list() and maya
        # The score histogram reads the copy's own snapshot files: the rows name them
        # relative to the snapshot folder, not in the folder the demo was prepared in
        # (gone once it was renamed), so the copy needs no rewriting.
        scores = first.health.snapshot_scores()
        assert scores is not None and scores.scores.size and scores.reference_scores.size
        from sqlalchemy import text

        with first.engine.connect() as conn:
            paths = conn.execute(text("SELECT path FROM snapshots WHERE path IS NOT NULL")
                                 ).scalars().all()
        assert paths and all(p.startswith("snapshot-") for p in paths)
        first.incidents.open("Only in session 1", first.incidents.list()[0].severity,
                             "Sam Lindqvist")
    finally:
        first.close()
    second = open_demo_copy(tmp_path / "session-2")
    try:
        assert all(i.title != "Only in session 1" for i in second.incidents.list())
    finally:
        second.close()


class SimpleApp:
    def __init__(self, app: QApplication, run) -> None:  # type: ignore[no-untyped-def]
        self.app, self.exec = app, run
