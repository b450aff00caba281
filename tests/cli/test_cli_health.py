"""``health sensitivity`` and ``health detect`` on the command line."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from commandcenter.app import Services
from commandcenter.services.health_views import AlertView
from tests.services.support import ALICE, BOB, DAVE, open_incident

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


def overdue_commitment(company: Services, text: str = "Next update") -> int:
    """A commitment recorded an hour ahead, then moved an hour into the past: due, unswept."""
    from sqlalchemy import update

    from commandcenter.persistence.commitment_models import CommitmentRow

    inc = open_incident(company)
    c = company.commitments.add(inc, text, datetime.now(UTC) + timedelta(hours=1), BOB)
    with company.ctx.uow() as uow:
        uow.session.execute(update(CommitmentRow).where(CommitmentRow.id == c.id)
                            .values(due_at=datetime.now(UTC) - timedelta(hours=1)))
        uow.commit()
    return inc


def test_status_lists_an_overdue_commitments_alert_after_the_series(
        cli: Cli, company: Services) -> None:
    feed(company)
    inc = overdue_commitment(company)
    r = cli("health", "status")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].startswith("batch_freshness: last 12")
    assert lines[1] == "other alerts (no series):"
    assert lines[2].startswith("FIRING #") and " commitment (critical) since " in lines[2]
    assert lines[2].endswith(f", incident {inc}")
    alert_id = lines[2].split()[1]
    assert lines[3].startswith(f"  {alert_id}: Commitment #")  # the alert's evidence
    assert f" by {BOB} fell due " in lines[3] and lines[3].endswith(" UTC unkept: Next update")
    assert len(lines) == 4


def test_status_json_keeps_its_list_and_adds_other_alerts_on_request(
        cli: Cli, company: Services) -> None:
    feed(company)
    overdue_commitment(company)
    plain = cli("health", "status", as_json=True)
    assert plain.code == 0, plain.err
    rows = plain.json()  # the list of series, exactly as before the option existed
    assert isinstance(rows, list) and [s["series"] for s in rows] == ["batch_freshness"]
    assert set(rows[0]) == {"series", "unit", "source", "last_at", "last_value",
                            "freshness_s", "firing", "sensitivity"}
    r = cli("health", "status", "--with-other-alerts", as_json=True)
    assert r.code == 0, r.err
    doc = r.json()
    assert set(doc) == {"series", "other_alerts"}
    def steady(series: list) -> list:  # freshness_s moves on with the clock
        return [{k: v for k, v in s.items() if k != "freshness_s"} for s in series]

    assert steady(doc["series"]) == steady(rows)
    (alert,) = doc["other_alerts"]
    assert (alert["detector"], alert["series"], alert["state"], alert["level"]) == (
        "commitment", "commitment", "firing", "critical")
    assert alert["evidence"].endswith("unkept: Next update")
    assert set(alert) == {f.name for f in dataclasses.fields(AlertView)}  # as in 'firing'


def test_a_kept_commitment_leaves_no_other_alert(cli: Cli, company: Services) -> None:
    overdue_commitment(company)
    r = cli("health", "status", "--with-other-alerts", as_json=True)
    assert len(r.json()["other_alerts"]) == 1
    assert r.json()["series"] == []  # no metric series at all: the alert still shows
    cid = company.commitments.list(overdue=True)[0].id
    company.commitments.keep(cid, BOB)
    r = cli("health", "status", "--with-other-alerts", as_json=True)
    assert r.json() == {"series": [], "other_alerts": []}
    assert cli("health", "status").out == ""
