"""Running the command line in-process against a temporary SQLite database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from commandcenter.app import Services
from commandcenter.cli import ENV_PASSPHRASE, main
from commandcenter.config import ENV_DATA_DIR, ENV_DATABASE_URL, Settings
from commandcenter.domain.clock import SystemClock
from tests.conftest import BACKEND_PARAMS, database_url, drop_if_postgres, wants_seeded
from tests.services.support import PASS, seeded_services


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def error_line(self) -> str:
        """The one error line; fails unless stderr is exactly one line starting 'error:'."""
        lines = self.err.splitlines()
        assert len(lines) == 1, self.err
        assert lines[0].startswith("error: "), self.err
        return lines[0]


class Cli:
    def __init__(self, url: str, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        self.url = url
        self._monkeypatch = monkeypatch
        self._capsys = capsys

    def __call__(self, *args: str, passphrase: str = PASS, as_json: bool = False) -> Result:
        self._monkeypatch.setenv(ENV_PASSPHRASE, passphrase)
        self._capsys.readouterr()
        argv = ["--database-url", self.url, *(["--json"] if as_json else []), *args]
        code = main(argv)
        out, err = self._capsys.readouterr()
        return Result(code, out, err)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv(ENV_DATA_DIR, str(folder))
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    return folder


@pytest.fixture(params=BACKEND_PARAMS)
def backend(request: pytest.FixtureRequest) -> str:
    """The command line's contract holds on SQLite and on PostgreSQL (tests/pg.py)."""
    return request.param


@pytest.fixture
def db_url(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    url = database_url(tmp_path, backend, seeded=wants_seeded(request))
    yield url
    drop_if_postgres(url)


@pytest.fixture
def cli(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db_url, monkeypatch, capsys)


@pytest.fixture(scope="session")
def cli_template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-template")


@pytest.fixture
def company(db_url: str, data_dir: Path, cli_template_dir: Path) -> Iterator[Services]:
    """The seeded company in the CLI's database, on the real clock (as the CLI is).

    Set-up through services is cheaper than through the command line; the tests
    then act through the command line.
    """
    svc = seeded_services(Settings(db_url, data_dir), SystemClock(), cli_template_dir)
    yield svc
    svc.close()
