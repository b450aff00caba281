"""The screenshot scripts' shared entry: usage, output folder, virtual screen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commandcenter.ui.screenshots import run_shots


def test_wrong_arguments_print_the_module_usage_and_exit_2(
        capsys: pytest.CaptureFixture[str]) -> None:
    called: list[object] = []
    code = run_shots([], "commandcenter.ui.screenshots_drill",
                     lambda out, folder: called.append(out) or 0)
    assert code == 2 and not called
    assert "usage: python -m commandcenter.ui.screenshots_drill OUTDIR" in capsys.readouterr().err


def test_offscreen_runs_get_a_virtual_screen_of_the_asked_size(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    seen: dict[str, object] = {}

    def shoot(out: Path, folder: Path) -> int:
        import os

        platform = os.environ["QT_QPA_PLATFORM"]
        seen["out_exists"] = out.is_dir()
        seen["in_user_data"] = folder.is_relative_to(tmp_path)
        config = Path(platform.split("configfile=", 1)[1])
        seen["screen"] = json.loads(config.read_text())["screens"][0]
        return 7

    code = run_shots([str(tmp_path / "shots")], "m", shoot, width=1920, height=1080)
    assert code == 7
    assert seen["out_exists"] is True and seen["in_user_data"] is False
    screen = seen["screen"]
    assert isinstance(screen, dict)
    assert (screen["width"], screen["height"]) == (1920, 1080)
