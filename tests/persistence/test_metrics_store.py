"""Point storage: duplicates dropped, roll-ups merged exactly, the migration reversible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from alembic import command

from commandcenter.persistence.engine import make_engine, make_session_factory
from commandcenter.persistence.metrics_store import (
    INSERT_CHUNK,
    SQLITE_ROWS,
    ensure_series,
    points_from,
    read_points,
    read_rollup,
    rollup,
    store_points,
)
from commandcenter.persistence.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)


def test_batches_in_any_order_give_the_rollups_of_the_whole(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    rng = np.random.default_rng(4)
    ts = np.unique(rng.uniform(0, 5 * 86400, 20_000).round(1))
    values = rng.normal(size=ts.size)
    order = rng.permutation(ts.size)
    batches = np.array_split(order, 7)
    with factory() as session:
        sid = ensure_series(session, "x").id
        session.commit()
    inserted = duplicates = 0
    for batch in [*batches, batches[2]]:  # the last batch repeats one already stored
        with factory() as session:
            result = store_points(session, sid, ts[batch], values[batch])
            session.commit()
        inserted += result.inserted
        duplicates += result.duplicates
    assert (inserted, duplicates) == (ts.size, batches[2].size)
    with factory() as session:
        got_ts, got_values = read_points(session, sid, -1.0, 1e12)
        assert np.array_equal(got_ts, ts) and np.array_equal(got_values, values)
        for resolution in (60, 3600, 86400):
            stored = read_rollup(session, sid, resolution, 0.0, 1e12)
            expected = rollup(ts, values, resolution)
            assert np.array_equal(stored.bucket, expected.bucket)
            assert np.array_equal(stored.count, expected.count)
            assert np.array_equal(stored.min, expected.min)
            assert np.array_equal(stored.max, expected.max)
            assert np.allclose(stored.mean, expected.mean, rtol=0, atol=1e-12)
    engine.dispose()


def test_a_large_batch_is_stored_exactly_and_only_in_its_series(tmp_path: Path) -> None:
    """More points than one insert chunk, not a multiple of the rows per statement."""
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    n = 2 * INSERT_CHUNK + SQLITE_ROWS + 7
    ts = 1_700_000_000.0 + np.arange(n) + np.random.default_rng(1).uniform(0, 0.5, n)
    values = np.random.default_rng(2).normal(size=n) * 1e6
    with factory() as session:
        other = ensure_series(session, "other").id
        store_points(session, other, ts[:10], values[:10])
        sid = ensure_series(session, "x").id
        assert store_points(session, sid, ts, values).inserted == n
        session.commit()
    with factory() as session:
        got_ts, got_values = read_points(session, sid, -1.0, 1e12)
        assert np.array_equal(got_ts, ts) and np.array_equal(got_values, values)
        assert read_points(session, other, -1.0, 1e12)[0].size == 10
    engine.dispose()


def test_a_large_batch_is_stored_exactly_on_postgresql(pg_url: str) -> None:
    """PostgreSQL gets the points by binary COPY: the same floats come back, every bit."""
    engine = make_engine(pg_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    n = INSERT_CHUNK + 11
    rng = np.random.default_rng(3)
    ts = np.sort(rng.uniform(-1e10, 1e11, n))
    values = rng.normal(size=n) * 10.0 ** rng.integers(-300, 300, n)
    values[:3] = [0.0, -0.0, 5e-324]
    with factory() as session:
        ensure_series(session, "other")
        sid = ensure_series(session, "x").id
        assert store_points(session, sid, ts, values).inserted == n
        session.commit()
    with factory() as session:
        got_ts, got_values = read_points(session, sid, -np.inf, np.inf)
        assert got_ts.tobytes() == ts.tobytes() and got_values.tobytes() == values.tobytes()
        assert points_from(session, sid, -np.inf) == (n, float(ts[0]), float(ts[-1]))
    engine.dispose()


def test_points_from_counts_what_a_scan_counts(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    rng = np.random.default_rng(5)
    ts = np.unique(rng.uniform(0, 3 * 86400, 5_000).round(2)) + 1_700_000_000.0
    with factory() as session:
        sid = ensure_series(session, "x").id
        for batch in np.array_split(rng.permutation(ts.size), 4):
            store_points(session, sid, ts[batch], np.ones(batch.size))
        session.commit()
    with factory() as session:
        for start in (-np.inf, ts[0], ts[1] - 0.001, 1_700_003_600.0, ts[2500], ts[-1],
                      ts[-1] + 1):
            kept = ts[ts >= start]
            expected = (kept.size, float(kept[0]) if kept.size else None,
                        float(kept[-1]) if kept.size else None)
            assert points_from(session, sid, float(start)) == expected, start
    engine.dispose()


def test_metrics_migration_downgrades_and_upgrades(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    upgrade(engine)
    head = head_revision()
    cfg = alembic_config(engine)
    with engine.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert current_revision(engine) == "0001"
    upgrade(engine)
    assert current_revision(engine) == head
    engine.dispose()
