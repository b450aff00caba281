"""Hostile mention files through the real command line: imported, or refused whole with
exit 2 and one line naming the line and field (tests/fuzz.py's promise)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commandcenter.app import Services
from tests.cli.conftest import Cli
from tests.fuzz import HOSTILE_FIELDS, refused_whole, run_cli, table_counts, to_bytes
from tests.services.support import open_incident

HEADERS = ["channel,author,reach,text,at", "channel,author,reach,text,at,link,profile_id",
           "at,text,reach,author,channel"]


@pytest.fixture
def incident(cli: Cli, company: Services, db_url: str) -> tuple[str, int]:
    return db_url, open_incident(company)


@pytest.mark.parametrize("body", [
    "x,a,1,t,0001-01-01T00:00:00+14:00\n", "x,a," + "9" * 400 + ",t,2026-03-02T08:30:00Z\n",
    "x,a\x00b,1,t,2026-03-02T08:30:00Z\n", "x,a,1,caf\udce9,2026-03-02T08:30:00Z\n",
    'x,a,1,"never closed,2026-03-02T08:30:00Z\n', "\ufeffx,a,1,t,nan\n",
])
def test_hostile_rows_are_refused_whole(incident: tuple[str, int], tmp_path: Path,
                                        body: str) -> None:
    url, inc = incident
    path = tmp_path / "m.csv"
    path.write_bytes(to_bytes(HEADERS[0] + "\n" + body))
    before = table_counts(url)
    outcome = run_cli(["--database-url", url, "mention", "import", str(path), "--incident",
                       str(inc)])
    assert refused_whole(outcome, before, table_counts(url)) is False


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(HEADERS),
       rows=st.lists(st.lists(HOSTILE_FIELDS, min_size=1, max_size=7).map(",".join),
                     min_size=1, max_size=4))
def test_any_mention_file_imports_or_is_refused_whole(incident: tuple[str, int],
                                                      tmp_path: Path, header: str,
                                                      rows: list[str]) -> None:
    url, inc = incident
    path = tmp_path / "fuzz.csv"
    path.write_bytes(to_bytes("\n".join([header, *rows]) + "\n"))
    before = table_counts(url)
    outcome = run_cli(["--database-url", url, "mention", "import", str(path), "--incident",
                       str(inc)])
    refused_whole(outcome, before, table_counts(url))
