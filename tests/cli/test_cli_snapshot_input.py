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


def test_health_snapshot_in_sql(cli: Cli, tmp_path: Path) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "scores.parquet"
    pq.write_table(pa.table({"profile_id": np.arange(100), "score": np.arange(100) / 2}), path)
    result = cli("health", "snapshot", "--table", str(path), as_json=True)
    assert result.code == 0, result.err
    snap = result.json()["snapshot"]
    assert snap["profile_count"] == 100 and snap["metrics"]["score_p50"] == 24.75
    bad = cli("health", "snapshot", "--table", str(tmp_path / "missing.parquet"))
    assert bad.code == 2 and "missing.parquet" in bad.error_line
    wrong = cli("health", "snapshot", "--table", "t", "--sql-url", "nosuchdb://x")
    assert wrong.code == 2 and wrong.error_line.startswith("error: sql-url:")


def test_snapshots_ingested_before_the_data_folder_moved_are_compared_with(
        cli: Cli, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``health ingest`` after the data folder was copied elsewhere (and the old one
    deleted): the new snapshot's drop shares and PSI still come from the stored ones."""
    import shutil

    from commandcenter.config import ENV_DATA_DIR

    def snapshot(name: str, scale: float, at: str) -> dict:
        path = tmp_path / name
        path.write_text("profile_id,score\n" + "".join(
            f"{i},{scale * (10 + i)}\n" for i in range(200)))
        result = cli("health", "ingest", str(path), "--at", at, as_json=True)
        assert result.code == 0, result.err
        return result.json()["snapshot"]

    snapshot("a.csv", 1.0, "2026-01-01T00:00:00+00:00")
    second = snapshot("b.csv", 1.0, "2026-01-09T00:00:00+00:00")  # its ids: ids.same
    moved = tmp_path / "moved"
    shutil.copytree(data_dir, moved)
    shutil.rmtree(data_dir)
    monkeypatch.setenv(ENV_DATA_DIR, str(moved))
    third = snapshot("c.csv", 0.5, "2026-01-10T00:00:00+00:00")
    assert third["previous_id"] == second["id"]
    assert third["metrics"]["drop_share_20"] == 1.0  # every profile halved since the second
    assert third["metrics"]["psi"] > 1.0 and not third["healthy"]
    assert (moved / "snapshots" / f"snapshot-{third['id']:06d}").is_dir()
