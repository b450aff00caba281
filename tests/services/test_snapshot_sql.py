"""``health snapshot --sql-url URL --table T``: the statistics as SQL, on DuckDB and PostgreSQL.

The same rows ingested as a file and computed in the database give the same
health (quantiles exactly, for a snapshot small enough that the sketch is
exact; PSI and KS on the same fixed bins).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import InvalidInput

N = 3000


def frames() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(8)
    ids = np.arange(1, N + 1, dtype=np.int64) * 7
    ref = rng.gamma(4.0, 10.0, N).round(3) + 1
    prev = (ref * rng.normal(1, 0.01, N)).round(3)
    cur = np.where(rng.random(N) < 0.3, prev * 0.5, prev).round(3)
    return {"reference": (ids, ref), "previous": (ids, prev), "current": (ids[50:], cur[50:])}


def via_file(services: Services, tmp_path: Path, clock: SimulatedClock) -> dict[str, float]:
    data = frames()
    now = clock.now()
    for day, name in ((3, "reference"), (1, "previous")):
        ids, scores = data[name]
        services.health.ingest_snapshot(ids, scores, at=now - timedelta(days=day),
                                        evaluate=False)
    ids, scores = data["current"]
    report = services.health.ingest_snapshot(ids, scores, at=now, evaluate=False)
    assert report.snapshot is not None
    return report.snapshot.metrics


def assert_same(sql: dict[str, float], files: dict[str, float]) -> None:
    assert set(sql) == set(files)
    for name, value in files.items():
        tolerance = 1e-9 if name not in ("psi", "ks") else 2e-3
        assert sql[name] == pytest.approx(value, rel=tolerance, abs=tolerance), name


def test_duckdb_tables_and_a_parquet_file(services: Services, tmp_path: Path,
                                          clock: SimulatedClock) -> None:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    for name, (ids, scores) in frames().items():
        con.execute(f"CREATE TABLE {name} (profile_id BIGINT, score DOUBLE)")
        con.executemany(f"INSERT INTO {name} VALUES (?, ?)",
                        list(zip(ids.tolist(), scores.tolist(), strict=True)))
    con.close()
    files = via_file(services, tmp_path, clock)
    clock.advance(timedelta(hours=1))
    report = services.health.snapshot_from_sql("current", url=f"duckdb:///{db}",
                                               previous="previous", reference="reference")
    assert report.snapshot is not None and report.snapshot.profile_count == N - 50
    assert_same(report.snapshot.metrics, files)
    # A local Parquet file needs no URL: DuckDB reads it where it lies.
    ids, scores = frames()["current"]
    path = tmp_path / "current.parquet"
    pq.write_table(pa.table({"profile_id": ids, "score": scores}), path)
    clock.advance(timedelta(hours=1))
    alone = services.health.snapshot_from_sql(str(path))
    assert alone.snapshot is not None
    assert alone.snapshot.metrics["score_p50"] == pytest.approx(files["score_p50"])
    assert "psi" not in alone.snapshot.metrics


def test_bad_rows_in_the_table_are_refused_naming_profile_and_field(
        services: Services, tmp_path: Path) -> None:
    import duckdb

    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE s AS SELECT * FROM (VALUES (1, 5.0), (2, -3.0)) t(profile_id, score)")
    con.execute("CREATE TABLE d AS SELECT * FROM (VALUES (1, 5.0), (1, 6.0)) t(profile_id, score)")
    con.close()
    url = f"duckdb:///{db}"
    with pytest.raises(InvalidInput, match="table s: profile_id 2: score: -3 is negative"):
        services.health.snapshot_from_sql("s", url=url)
    with pytest.raises(InvalidInput, match="table d: profile_id 1: appears more than once"):
        services.health.snapshot_from_sql("d", url=url)
    with pytest.raises(InvalidInput, match="table nowhere"):
        services.health.snapshot_from_sql("nowhere", url=url)
    with pytest.raises(InvalidInput, match="not a plain"):
        services.health.snapshot_from_sql("s; DROP TABLE s", url=url)
    assert services.health.status() == []


def test_postgresql(services: Services, tmp_path: Path, clock: SimulatedClock,
                    pg_url: str) -> None:
    """On the suite's throw-away PostgreSQL server (tests/pg.py, the ``pg_url`` fixture)."""
    from sqlalchemy import create_engine, text

    from commandcenter.persistence.engine import normalise_url

    postgres_url = normalise_url(pg_url)
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA scores"))
        for name, (ids, scores) in frames().items():
            conn.execute(text(f"CREATE TABLE scores.{name} (profile_id bigint, score float8)"))
            conn.execute(text(f"INSERT INTO scores.{name} VALUES (:i, :s)"),
                         [{"i": i, "s": s} for i, s in zip(ids.tolist(), scores.tolist(),
                                                          strict=True)])
    engine.dispose()
    files = via_file(services, tmp_path, clock)
    clock.advance(timedelta(hours=1))
    report = services.health.snapshot_from_sql("scores.current", url=postgres_url,
                                               previous="scores.previous",
                                               reference="scores.reference")
    assert report.snapshot is not None
    assert_same(report.snapshot.metrics, files)
