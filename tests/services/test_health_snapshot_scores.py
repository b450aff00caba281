"""``HealthService.snapshot_scores``: the newest snapshot beside its healthy reference, and
the same once the data folder was moved elsewhere."""

from __future__ import annotations

import pickle
import shutil
from dataclasses import FrozenInstanceError
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from alembic import command
from sqlalchemy import text

from commandcenter.app import Services, build
from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from commandcenter.ingest.snapshot_paths import snapshot_dir
from commandcenter.persistence.migrate import alembic_config
from commandcenter.services.context import Passphrases
from commandcenter.services.health_views import SnapshotScores
from commandcenter.services.mention_checks import score_checks
from commandcenter.services.read_only import open_first_screen

PROFILES = 20_000
DAY = timedelta(days=1)


def population(seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.arange(PROFILES, dtype=np.int64), rng.gamma(4.0, 10.0, PROFILES) + 1.0


def test_no_snapshot_gives_none(services: Services) -> None:
    assert services.health.snapshot_scores() is None


def test_a_single_snapshot_has_no_reference(services: Services) -> None:
    ids, scores = population()
    services.health.ingest_snapshot(ids, scores, evaluate=False)
    got = services.health.snapshot_scores()
    assert got is not None
    assert got.reference_id is None and got.reference_taken_at is None
    assert got.reference_scores.dtype == np.float64 and got.reference_scores.size == 0
    np.testing.assert_allclose(got.scores, scores, rtol=1e-7)  # stored as float32


def test_newest_snapshot_beside_the_last_healthy_one(services: Services,
                                                     clock: SimulatedClock) -> None:
    ids, healthy = population()
    now = clock.now()
    first = services.health.ingest_snapshot(ids, healthy, at=now - DAY, evaluate=False)
    assert first.snapshot is not None and first.snapshot.healthy
    halved = healthy.copy()
    hit = np.random.default_rng(3).random(PROFILES) < 0.4
    halved[hit] *= 0.5
    halved[0] = np.nan  # left out, as every snapshot statistic leaves it out
    second = services.health.ingest_snapshot(ids, halved, at=now, evaluate=False)
    assert second.snapshot is not None and not second.snapshot.healthy

    got = services.health.snapshot_scores()
    assert got is not None
    assert got.snapshot_id == second.snapshot.id and got.taken_at == now
    assert not got.healthy
    assert got.reference_id == first.snapshot.id == second.snapshot.reference_id
    assert got.reference_taken_at == now - DAY
    assert got.scores.dtype == np.float64 and got.reference_scores.dtype == np.float64
    assert got.scores.size == PROFILES - 1 and np.isfinite(got.scores).all()
    np.testing.assert_allclose(got.reference_scores, healthy, rtol=1e-7)
    assert got.scores.mean() == pytest.approx(np.nanmean(halved))
    with pytest.raises(FrozenInstanceError):
        got.snapshot_id = 0  # type: ignore[misc]


def test_an_unhealthy_snapshot_is_never_the_reference(services: Services,
                                                      clock: SimulatedClock) -> None:
    ids, healthy = population()
    now = clock.now()
    good = services.health.ingest_snapshot(ids, healthy, at=now - 2 * DAY, evaluate=False)
    services.health.ingest_snapshot(ids, healthy * 0.5, at=now - DAY, evaluate=False)
    services.health.ingest_snapshot(ids, healthy * 0.5, at=now, evaluate=False)
    got = services.health.snapshot_scores()
    assert got is not None and good.snapshot is not None
    assert got.reference_id == good.snapshot.id


# --- a data folder moved elsewhere ------------------------------------------------------
def _open(url: str, data: Path, clock: SimulatedClock) -> Services:
    data.mkdir(exist_ok=True)
    return build(Settings(url, data), clock=clock, passphrases=Passphrases.fast_for_tests())


def _two_snapshots(svc: Services, clock: SimulatedClock) -> None:
    """A healthy batch eight days back and the newest a day ago, with the same profiles
    (the newest stores an ``ids.same`` naming the first's folder)."""
    ids, healthy = population()
    svc.health.ingest_snapshot(ids, healthy, at=clock.now() - 8 * DAY, evaluate=False)
    halved = healthy.copy()
    halved[: PROFILES // 3] *= 0.5
    svc.health.ingest_snapshot(ids, halved, at=clock.now() - DAY, evaluate=False)


def _move(before: Path, after: Path) -> None:
    """The whole data folder copied to a new place, the old one deleted."""
    shutil.copytree(before, after)
    shutil.rmtree(before)


def _same_scores(got: SnapshotScores | None, want: SnapshotScores) -> None:
    assert got is not None and want.reference_scores.size and want.scores.size
    assert (got.snapshot_id, got.taken_at, got.healthy, got.reference_id,
            got.reference_taken_at) == (want.snapshot_id, want.taken_at, want.healthy,
                                        want.reference_id, want.reference_taken_at)
    np.testing.assert_array_equal(got.scores, want.scores)
    np.testing.assert_array_equal(got.reference_scores, want.reference_scores)


def _check_moved(url: str, after: Path, clock: SimulatedClock, want: SnapshotScores) -> None:
    """Through the services, the mention check and (SQLite) the start-up reader's lite
    path, the moved folder shows what the old one did."""
    moved = _open(url, after, clock)
    try:
        _same_scores(moved.health.snapshot_scores(), want)
        with moved.ctx.uow() as uow:
            checks = score_checks(uow, [("7", ""), ("-5", "")], snapshot_dir(moved.ctx.outbox_dir))
        assert checks[("7", "")].found and not checks[("-5", "")].found
    finally:
        moved.close()
    lite = open_first_screen(Settings(url, after), clock)
    if url.startswith("sqlite"):
        assert lite is not None
        try:  # unpickled as the window unpickles the start-up reader's answer
            _same_scores(pickle.loads(pickle.dumps(lite.health.snapshot_scores())), want)
        finally:
            lite.close()
    else:
        assert lite is None  # the lite path reads SQLite files only


def _url(backend_url: str, data: Path) -> str:
    """PostgreSQL stays where it is; a SQLite file lives in the data folder, and moves."""
    if backend_url.startswith("postgresql"):
        return backend_url
    return f"sqlite:///{data / 'cc.sqlite'}"


def test_a_moved_data_folder_shows_the_same_histogram(settings: Settings, clock: SimulatedClock,
                                                      tmp_path: Path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    url = _url(settings.database_url, before)
    svc = _open(url, before, clock)
    try:
        _two_snapshots(svc, clock)
        want = svc.health.snapshot_scores()
        with svc.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, path FROM snapshots ORDER BY id")).all()
    finally:
        svc.close()
    assert want is not None
    # Stored relative to the snapshot folder, ids.same too: nothing names ``before``.
    assert [p for _i, p in rows] == [f"snapshot-{i:06d}" for i, _p in rows]
    newest = before / "snapshots" / rows[-1][1]
    assert (newest / "ids.same").read_text() == rows[0][1]
    _move(before, after)
    _check_moved(_url(settings.database_url, after), after, clock, want)


def test_rows_stored_before_0012_read_after_the_upgrade_and_a_move(
        settings: Settings, clock: SimulatedClock, tmp_path: Path) -> None:
    """A database at 0011 whose rows and ids.same name absolute paths (as that code wrote
    them), upgraded in place, then moved: the histogram is the same."""
    before, after = tmp_path / "before", tmp_path / "after"
    url = _url(settings.database_url, before)
    svc = _open(url, before, clock)
    try:
        _two_snapshots(svc, clock)
        want = svc.health.snapshot_scores()
        cfg = alembic_config(svc.engine, data_dir=before)
        with svc.engine.connect() as conn, conn.begin():
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0011")
            paths = conn.execute(text("SELECT path FROM snapshots ORDER BY id")).scalars().all()
    finally:
        svc.close()
    assert want is not None
    root = before / "snapshots"
    assert paths == [str(root / f"snapshot-{i:06d}") for i in (1, 2)]
    (root / "snapshot-000002" / "ids.same").write_text(str(root / "snapshot-000001"))
    again = _open(url, before, clock)  # migrates to head: the rows become relative
    try:
        with again.engine.connect() as conn:
            assert conn.execute(text("SELECT path FROM snapshots ORDER BY id")).scalars(
                ).all() == ["snapshot-000001", "snapshot-000002"]
    finally:
        again.close()
    _move(before, after)
    _check_moved(_url(settings.database_url, after), after, clock, want)
