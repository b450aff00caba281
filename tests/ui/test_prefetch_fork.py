"""``commandcenter gui`` in a new process, with and without the forked start-up reader
(ui/prefetch.py): the same first screen, the reader's answers used, its child reaped,
and a reader that fails leaving the window on the usual path with the reason on stderr.

Each run notes what the window shows at its first screen and quits (DRIVER below);
the fork only ever happens in such a fresh process, before Qt is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from commandcenter.app import Services
from commandcenter.ui import prefetch as reader

DRIVER = r"""
import json, os, sys
from commandcenter.ui import prefetch
import commandcenter.cli as cli

out = sys.argv[1]
started = {}
real_start = prefetch.start

def start(*args, **kwargs):
    if os.environ.get("BREAK_READER"):  # the child fails as it reads
        def broken(*_a, **_k):
            raise OSError("the disk went away")
        prefetch.first_screen_reads = broken
    started["prefetch"] = found = real_start(*args, **kwargs)
    watch()  # Qt only now, after the fork
    return found

prefetch.start = start

def watch():
    from commandcenter.ui import main_window

    real_check = main_window.MainWindow._check_first_screen
    main_window.MainWindow._check_first_screen = lambda self: check(self, real_check)

def check(self, real_check):
    was = self.first_screen
    real_check(self)
    if self.first_screen and not was:
        m, t = self.incidents.model, self.timeline.model
        pf = started.get("prefetch")
        seen = {"incidents": [m.row_object(r).id for r in range(m.rowCount())],
                "incident": self.session.incident.id if self.session.incident else None,
                "timeline": [t.entry(r).id for r in range(t.rowCount())],
                "points": {n: int(c.ts.size) for n, c in self.health.charts.items() if c.ts.size},
                "built": getattr(self.services, "built", True),
                "forked": pf is not None, "ok": bool(pf and pf.ok),
                "hits": len(pf.hits) if pf else 0,
                "misses": [repr(k) for k in pf.misses] if pf else [],
                "child": pf.pid if pf else None,
                "reader": pf.reader if pf else None}
        with open(out, "w") as fh:
            json.dump(seen, fh)
        from PySide6.QtWidgets import QApplication
        QApplication.instance().quit()

sys.exit(cli.main(sys.argv[2:]))
"""


@pytest.fixture
def on_disk(company: Services, tmp_path: Path) -> Services:
    """The sample company on a SQLite file, with an hour of points up to now (the window's
    charts follow the wall clock) and its audit key made."""
    if not company.settings.database_url.startswith("sqlite:///"):
        pytest.skip("the start-up reader forks for SQLite files only")
    import time

    t = time.time() - 60.0 * np.arange(90, 0, -1)
    company.health.ingest_arrays({s: (t, np.full(90, 40.0)) for s in ("score_mean", "psi")},
                                 source="test", evaluate=False)
    return company


def copy_of(services: Services, folder: Path) -> str:
    """A copy of ``services``' database and audit key in ``folder`` (a run may write: the
    paging tick, delivery), so that each run starts from the same data."""
    import shutil
    import sqlite3

    folder.mkdir(parents=True)
    source = services.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(source) as src, sqlite3.connect(folder / "cc.sqlite") as dst:
        src.backup(dst)
    shutil.copy2(services.settings.audit_key_path, folder / "audit.key")
    return f"sqlite:///{folder / 'cc.sqlite'}"


def run_gui(services: Services, tmp_path: Path, name: str, **env: str) -> dict[str, Any]:
    out = tmp_path / f"{name}.json"
    folder = tmp_path / name
    url = copy_of(services, folder)
    environ = dict(os.environ, QT_QPA_PLATFORM="offscreen",
                   COMMANDCENTER_DATA_DIR=str(folder),
                   HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "home" / "cfg"),
                   PYTHONPATH=os.pathsep.join([str(Path.cwd()), os.environ.get("PYTHONPATH", "")]),
                   **env)
    environ[reader.ENV] = "1"  # forked however busy the machine is
    environ.update(env)
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(out), "--database-url", url,
                           "gui"],
                          env=environ, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(out.read_text())
    seen["stderr"] = proc.stderr
    return seen


@pytest.mark.parametrize("lite", ["1", "0"], ids=["lite", "on the services"])
def test_the_forked_reader_shows_the_same_first_screen(on_disk: Services, tmp_path: Path,
                                                       lite: str) -> None:
    usual = run_gui(on_disk, tmp_path, "usual", **{reader.ENV: "0"})
    forked = run_gui(on_disk, tmp_path, "forked", **{reader.LITE_ENV: lite})

    assert not usual["forked"] and usual["built"]
    assert forked["forked"] and forked["ok"] and forked["hits"] > 0
    assert forked["reader"].split(" ")[0] == ("lite" if lite == "1" else "full")
    assert forked["misses"] == [] and forked["built"] is False  # all from the reader
    assert forked["child"] is None  # reaped once its answer came
    for what in ("incidents", "incident", "timeline", "points"):
        assert forked[what] == usual[what], what
    assert usual["timeline"] and usual["points"].get("score_mean", 0) > 0


def test_a_failing_forked_reader_is_reported_and_the_window_starts_as_usual(
        on_disk: Services, tmp_path: Path) -> None:
    usual = run_gui(on_disk, tmp_path, "usual", **{reader.ENV: "0"})
    broken = run_gui(on_disk, tmp_path, "broken", BREAK_READER="1")

    assert broken["forked"] and not broken["ok"] and broken["built"] is True
    assert "the disk went away" in broken["stderr"]  # the child's traceback, reported
    assert broken["child"] is None
    for what in ("incidents", "incident", "timeline", "points"):
        assert broken[what] == usual[what], what
