"""``health ingest`` of a hostile snapshot: exit 2 and one line naming line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Cli

CASES = [
    ("1,50\n2,-4\n", "line 3: score: -4 is negative"),
    ("1,50\n2,1e300\n", "line 3: score: 1e+300 is above the largest score"),
    ("1,50\n1,60\n", "line 3: profile_id: 1 appears again (first on line 2)"),
    ("1,50\n#2,60\n", "line 3: profile_id: '#2' is not a 64-bit integer"),
]


@pytest.mark.parametrize(("body", "message"), CASES)
def test_refused_whole_with_exit_2(cli: Cli, tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "snap.csv"
    path.write_text("profile_id,score\n" + body)
    result = cli("health", "ingest", str(path))
    assert result.code == 2
    assert message in result.error_line
    assert cli("--json", "health", "status").json() == []  # nothing was stored


def test_a_good_snapshot_after_refusals(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "snap.csv"
    path.write_text("profile_id,score\n1,50\n#x,60\n")
    assert cli("health", "ingest", str(path)).code == 2
    path.write_text("profile_id,score\n1,50\n2,60\n")
    result = cli("health", "ingest", str(path), as_json=True)
    assert result.code == 0 and result.json()["snapshot"]["profile_count"] == 2
