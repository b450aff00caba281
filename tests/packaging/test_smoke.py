"""`commandcenter gui --smoke`: the self-test the bundle's CI check runs, from the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def smoke_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMANDCENTER_")}
    env |= {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache"),
            "QT_QPA_PLATFORM": "offscreen"}
    return env


# Every panel of the window, as `gui --smoke` names them (the bundle's check uses it too).
PANELS = {"timeline", "incidents", "roster", "review", "composer", "health", "commitments",
          "changes", "listening"}

def parse_report(stdout: str) -> dict:  # type: ignore[type-arg]
    lines = [line for line in stdout.splitlines() if line.startswith('{"smoke"')]
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


def test_smoke_renders_every_panel_of_a_throwaway_demo_in_the_data_dir(tmp_path: Path) -> None:
    env = smoke_env(tmp_path)
    result = subprocess.run([sys.executable, "-m", "commandcenter", "gui", "--smoke"], env=env,
                            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    report = parse_report(result.stdout)
    data_dir = tmp_path / "data" / "commandcenter"
    assert Path(report["data_dir"]).parent == data_dir
    assert report["database"].startswith(f"sqlite:///{data_dir}/smoke-")
    assert report["incidents"] > 0 and report["contacts"] > 0 and report["revision"]
    assert set(report["panels"]) == PANELS
    assert all(w > 0 and h > 0 for w, h in report["panels"].values())
    assert list(data_dir.iterdir()) == [], "the throw-away database was left behind"


def test_a_panel_that_paints_one_flat_colour_counts_as_blank(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel, QWidget

    from commandcenter.ui.smoke import painted

    empty = QWidget()
    empty.resize(200, 100)
    empty.setStyleSheet("background: #808080")
    qtbot.addWidget(empty)
    label = QLabel("Score health")
    label.resize(200, 100)
    qtbot.addWidget(label)
    assert painted(empty) is None
    assert painted(label) == (200, 100)
