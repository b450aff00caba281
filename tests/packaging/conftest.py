"""Packaging tests. Those marked ``package`` need `make package`'s bundle and the
validators that `make sysdeps-package` installs: `make check-package` (and so
.ci/run) runs them with COMMANDCENTER_CHECK_PACKAGE=1; elsewhere they are
skipped with that reason, and with the variable set a missing bundle fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
LINUX = PACKAGING / "linux"
APP_ID = "io.github.commandcenter.CommandCenter"
BUNDLE = ROOT / "dist" / "commandcenter"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("COMMANDCENTER_CHECK_PACKAGE"):
        return
    skip = pytest.mark.skip(reason="a packaging check: run `make package check-package` "
                                   "(.ci/run does)")
    for item in items:
        if item.get_closest_marker("package"):
            item.add_marker(skip)


@pytest.fixture
def bundle() -> Path:
    executable = BUNDLE / "commandcenter"
    if not executable.is_file():
        pytest.fail(f"{executable} is missing: run `make package` first")
    return BUNDLE
