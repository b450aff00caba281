"""``health sensitivity`` and ``health detect`` on the command line."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from commandcenter.app import Services
from tests.services.support import ALICE, DAVE

from .conftest import Cli


def feed(company: Services, series: str = "batch_freshness") -> None:
    now = datetime.now(UTC).timestamp()
    ts = now - 60.0 * np.arange(30, 0, -1)
    company.health.ingest_arrays({series: (ts, np.full(30, 12.0))}, source="t", evaluate=False)


def test_sensitivity_set_by_a_commander(cli: Cli, company: Services) -> None:
    feed(company)
    r = cli("health", "sensitivity", "batch_freshness", "low", "--as", ALICE, as_json=True)
    assert r.code == 0, r.err
    assert r.json() == {"series": "batch_freshness", "sensitivity": "low", "alert_level": 0.7,
                        "previous": "normal", "changed_by": ALICE}
    r = cli("health", "sensitivity", "batch_freshness", "off", "--as", ALICE)
    assert r.code == 0
    assert r.out.strip() == ("batch_freshness: sensitivity off (was low); "
                             "raises no anomaly alerts")
    r = cli("health", "status")
    assert "batch_freshness [sensitivity off]: last 12" in r.out


def test_sensitivity_refusals_and_bad_input(cli: Cli, company: Services) -> None:
    feed(company)
    r = cli("health", "sensitivity", "batch_freshness", "low", "--as", DAVE, as_json=True)
    assert r.code == 3 and r.json()["exit_code"] == 3
    assert "may not change alerting" in r.err
    r = cli("health", "sensitivity", "batch_freshness", "loud", "--as", ALICE)
    assert r.code == 2 and "sensitivity: 'loud' is not one of off, low, normal, high" in (
        r.error_line)
    r = cli("health", "sensitivity", "batch_freshness", "low", "--as", ALICE, passphrase="no")
    assert r.code == 3 and "wrong passphrase" in r.error_line
    r = cli("health", "sensitivity", "batch_freshness", "low")
    assert r.code == 2  # --as is required
    r = cli("health", "status", as_json=True)
    assert [s["sensitivity"] for s in r.json()] == ["normal"]


def test_detect_needs_no_database(cli: Cli, tmp_path: Path) -> None:
    values = np.r_[np.sin(np.arange(1500) / 5.0), np.full(20, 8.0)]
    path = tmp_path / "series.csv"
    path.write_text("timestamp,value\n" + "".join(
        f"{1_600_000_000 + 60 * i},{v:.6f}\n" for i, v in enumerate(values)))
    cli.url = "postgresql://nobody@127.0.0.1:1/none"  # never reached
    r = cli("health", "detect", str(path))
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == "timestamp,value,anomaly_score" and len(lines) == values.size + 1
    assert float(lines[1501].split(",")[2]) == 1.0  # the jump to 8, beyond anything seen
    # In a fresh process: the command loads neither SQLAlchemy nor the persistence layer.
    probe = ("import sys, contextlib, io\n"
             "from commandcenter.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    code = main(['health', 'detect', {str(path)!r}])\n"
             "heavy = [m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'\n"
             "         or m.startswith('commandcenter.persistence')]\n"
             "print(code, heavy)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "0 []"


def test_a_metric_file_with_a_bad_line_is_refused_whole(cli: Cli, company: Services,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    now = int(datetime.now(UTC).timestamp())
    path.write_text("timestamp,series,value\n"
                    f"{now - 120},score_mean,41\n{now - 60},score_mean,forty\n"
                    f"{now - 30},score_mean,1e999\n{now},score_mean,43\n")
    r = cli("health", "ingest", str(path))
    assert r.code == 2, r.err
    assert "line 3: value: 'forty' is not a number" in r.error_line
    assert "line 4: value" in r.error_line and "nothing imported" in r.error_line
    assert "score_mean" not in cli("health", "status").out
    r = cli("health", "ingest", str(path), "--skip-bad-lines")
    assert r.code == 0, r.err
    assert "line 3: value: 'forty' is not a number (skipped)" in r.err
    assert "score_mean: 2 points added" in r.out
