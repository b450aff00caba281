"""Service tests start from a copy of a seeded company instead of seeding every time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from commandcenter.app import Services
from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from tests.conftest import BACKEND_PARAMS

from .support import seeded_services


@pytest.fixture(params=BACKEND_PARAMS)
def backend(request: pytest.FixtureRequest) -> str:
    """Every service test runs on SQLite and on PostgreSQL (tests/pg.py)."""
    return request.param


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("seeded-template")


@pytest.fixture
def people(settings: Settings, clock: SimulatedClock, template_dir: Path) -> Iterator[Services]:
    """The company of tests/services/support.py, on the ``clock`` fixture's simulated time."""
    svc = seeded_services(settings, clock, template_dir)
    yield svc
    svc.close()
