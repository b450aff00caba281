from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from commandcenter.cli.drills import run_headless
from tests.services.conftest import people, template_dir  # noqa: F401

SCENARIOS = Path(__file__).resolve().parents[2] / "resources" / "scenarios"
HALVED = SCENARIOS / "scores-halved-overnight.toml"


@pytest.fixture(scope="session")
def halved_meets_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """'Scores halved overnight' played once with the players who meet every objective,
    its report written as PDF: (folder, result)."""
    folder = tmp_path_factory.mktemp("halved-meets")
    result = run_headless(HALVED, HALVED.with_name(f"{HALVED.stem}.actions-meets.toml"),
                          speed=None, report=folder / "report.pdf", folder=folder / "run")
    return folder, result
