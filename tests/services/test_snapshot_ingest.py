"""Snapshot ingest cannot be silenced by one bad file; any input imports whole or not at all."""

from __future__ import annotations

import re
import string
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import InvalidInput
from commandcenter.ingest import snapshot_files, snapshot_store
from commandcenter.persistence.metrics_models import SnapshotRow
from commandcenter.services.health_snapshots import snapshot_dir

DAY = timedelta(days=1)
REFUSAL = re.compile(r"^(line|row) \d+: (profile_id|score|expected \d+ fields|longer than)"
                     r"|^line 1: |^[^:]+: empty snapshot file$|^snapshot: no profile with a score$")


def write(path: Path, ids: np.ndarray, scores: np.ndarray) -> Path:
    path.write_text("profile_id,score\n" + "".join(
        f"{i},{s!r}\n" for i, s in zip(ids.tolist(), scores.tolist(), strict=True)))
    return path


def stored(services: Services) -> tuple[int, list[str]]:
    with services.ctx.uow() as uow:
        count = uow.session.execute(select(func.count(SnapshotRow.id))).scalar_one()
    folder = snapshot_dir(services.ctx.outbox_dir)
    return count, sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_duplicate_ids_are_refused_on_their_own_ingest(services: Services, tmp_path: Path,
                                                      clock: SimulatedClock) -> None:
    ids = np.arange(1, 1001)
    scores = np.full(ids.size, 40.0)
    services.health.ingest_file(write(tmp_path / "a.csv", ids, scores), at=clock.now() - DAY)
    before = stored(services)
    dup = ids.copy()
    dup[700] = 5  # profile 5 again, on line 702
    with pytest.raises(InvalidInput, match=r"line 702: profile_id: 5 appears again "
                                           r"\(first on line 6\)"):
        services.health.ingest_file(write(tmp_path / "dup.csv", dup, scores))
    assert stored(services) == before
    # Not silenced: the next good snapshot is accepted and compared with the last good one.
    report = services.health.ingest_file(write(tmp_path / "b.csv", ids, scores * 0.5))
    assert report.snapshot is not None and not report.snapshot.healthy
    assert report.snapshot.metrics["drop_share_20"] == 1.0


def test_unsorted_ids_are_sorted_out_of_core(services: Services, tmp_path: Path,
                                             clock: SimulatedClock,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot_files, "BLOCK_BYTES", 4096)  # many chunks, many runs
    monkeypatch.setattr(snapshot_store, "MERGE_ROWS", 5000)
    rng = np.random.default_rng(4)
    ids = rng.permutation(np.arange(0, 60_000, 3))
    scores = rng.gamma(4.0, 10.0, ids.size)
    first = services.health.ingest_file(write(tmp_path / "a.csv", ids, scores),
                                        at=clock.now() - DAY)
    assert first.snapshot is not None and first.snapshot.profile_count == ids.size
    folder = Path(snapshot_dir(services.ctx.outbox_dir)) / f"snapshot-{first.snapshot.id:06d}"
    back = np.concatenate([i for i, _ in snapshot_store.StoredSnapshot(folder).chunks()])
    assert back.tolist() == sorted(ids.tolist())
    assert not list(folder.glob("run-*"))
    halved = scores.copy()
    halved[ids % 2 == 0] *= 0.4
    order = rng.permutation(ids.size)
    report = services.health.ingest_file(write(tmp_path / "b.csv", ids[order], halved[order]))
    assert report.snapshot is not None
    assert report.snapshot.metrics["drop_share_50"] == pytest.approx((ids % 2 == 0).mean())
    dup = ids.copy()
    dup[-1] = dup[3]
    with pytest.raises(InvalidInput, match=f"line {ids.size + 1}: profile_id: {dup[3]} appears "
                                           r"again \(first on line 5\)"):
        services.health.ingest_file(write(tmp_path / "c.csv", dup, scores),
                                    at=clock.now() - DAY / 2)


def test_the_same_profiles_again_store_no_ids(services: Services, tmp_path: Path,
                                              clock: SimulatedClock) -> None:
    ids = np.arange(5, 50_005)
    scores = np.random.default_rng(2).gamma(4.0, 10.0, ids.size)
    first = services.health.ingest_file(write(tmp_path / "a.csv", ids, scores),
                                        at=clock.now() - DAY)
    second = services.health.ingest_file(write(tmp_path / "b.csv", ids, scores * 0.5))
    assert first.snapshot is not None and second.snapshot is not None
    assert second.snapshot.metrics["drop_share_20"] == 1.0
    assert second.snapshot.metrics["drop_share_50"] == 0.0  # exactly half, even as float32
    root = Path(snapshot_dir(services.ctx.outbox_dir))
    one, two = (root / f"snapshot-{r.snapshot.id:06d}" for r in (first, second))
    # Named by its folder's name in the snapshot folder, not by an absolute path.
    assert (two / "ids.same").read_text() == one.name and not (two / "ids.delta").exists()
    stored_two = snapshot_store.StoredSnapshot(two)
    assert stored_two.ids_folder == one
    assert np.concatenate(list(stored_two.ids())).tolist() == ids.tolist()
    # Copied elsewhere and the original gone (a demo copy, a restored data folder): the
    # ids are read from the copy's own folder of that name.
    import shutil

    moved = tmp_path / "moved"
    shutil.copytree(root, moved)
    shutil.move(str(one), tmp_path / "gone")
    copy_two = snapshot_store.StoredSnapshot(moved / two.name)
    assert copy_two.ids_folder == moved / one.name
    assert np.concatenate(list(copy_two.ids())).tolist() == ids.tolist()
    # An ids.same written before (an absolute path) still reads: where it names, and
    # once that is gone, the folder of that name beside it.
    (moved / two.name / "ids.same").write_text(str(tmp_path / "gone"))
    assert snapshot_store.StoredSnapshot(moved / two.name).ids_folder == tmp_path / "gone"
    (moved / two.name / "ids.same").write_text(str(one))
    assert snapshot_store.StoredSnapshot(moved / two.name).ids_folder == moved / one.name
    shutil.move(str(tmp_path / "gone"), one)
    # One profile more: the ids are written out after all.
    more = np.append(ids, 10**9)
    clock.advance(DAY)
    third = services.health.ingest_file(write(tmp_path / "c.csv", more, np.append(scores, 1.0)))
    assert third.snapshot is not None and third.snapshot.metrics["drop_share_10"] == 0.0
    three = root / f"snapshot-{third.snapshot.id:06d}"
    assert not (three / "ids.same").exists()
    got = np.concatenate(list(snapshot_store.StoredSnapshot(three).ids()))
    assert got.tolist() == more.tolist()


def test_a_back_dated_snapshot_never_resolves_a_live_alert(services: Services,
                                                           clock: SimulatedClock) -> None:
    rng = np.random.default_rng(1)
    ids = np.arange(20_000)
    base = rng.gamma(4.0, 10.0, ids.size) + 1
    now = clock.now()
    services.health.ingest_snapshot(ids, base, at=now - 2 * DAY)
    bad = services.health.ingest_snapshot(ids, base * np.where(ids % 2, 0.5, 1.0), at=now)
    (alert,) = bad.alerts
    assert alert.state == "firing" and alert.level == "critical"
    old = services.health.ingest_snapshot(ids, base, at=now.replace(year=2020))
    assert old.snapshot is not None and old.snapshot.healthy
    assert old.alerts == ()
    (still,) = services.health.alerts(firing_only=True)
    assert still.id == alert.id and still.resolved_at is None
    # Filling in the day between is history too: stored, charted, no alert change.
    assert services.health.ingest_snapshot(ids, base, at=now - DAY).alerts == ()
    assert services.health.alerts(firing_only=True)[0].id == alert.id


def test_negative_and_huge_scores_in_arrays_are_refused(services: Services) -> None:
    with pytest.raises(InvalidInput, match="row 3: score: -1 is negative"):
        services.health.ingest_snapshot(np.arange(3), np.array([1.0, 2.0, -1.0]))
    with pytest.raises(InvalidInput, match="row 1: score: 1e"):
        services.health.ingest_snapshot(np.arange(2), np.array([1e300, 2.0]))
    assert stored(services) == (0, [])


_FIELD = st.one_of(
    st.integers(-5, 10**6).map(str), st.integers(2**63 - 3, 2**64).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "#", "#7", "1e300", "-0", "nan", '"4"', '"a,b"', "1_0", "\x00",
                     "\u00e9", "0x10", "+3", " 12 ", "1e5", "inf", '"']),
    st.text(string.ascii_letters + string.digits + "#,. -", max_size=8),
)
_LINE = st.lists(_FIELD, min_size=0, max_size=4).map(",".join)
_HEADER = st.sampled_from(["profile_id,score", "score,profile_id", "profile_id,score,extra",
                           "\ufeffprofile_id,score", "profile_id,score,score",
                           "profile_id,score,profile_id",
                           '"profile_id","score"'])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=_HEADER, lines=st.lists(_LINE, max_size=12),
       ending=st.sampled_from(["\n", "\r\n"]))
def test_any_csv_imports_whole_or_is_refused_naming_line_and_field(
        services: Services, tmp_path: Path, header: str, lines: list[str], ending: str) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes((ending.join([header, *lines]) + ending).encode("utf-8", "surrogatepass"))
    before = stored(services)
    try:
        report = services.health.ingest_file(path, at=None)
    except InvalidInput as exc:
        assert REFUSAL.search(str(exc)), str(exc)
        assert stored(services) == before
        return
    assert report.snapshot is not None
    count, names = stored(services)
    assert count == before[0] + 1 and len(names) == len(before[1]) + 1
    services.ctx.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]


def test_arrays_given_in_any_order_join_the_previous_snapshot(services: Services,
                                                              clock: SimulatedClock) -> None:
    rng = np.random.default_rng(7)
    ids = np.arange(1, 5001)
    scores = rng.gamma(4.0, 10.0, ids.size)
    services.health.ingest_snapshot(ids, scores, at=clock.now() - DAY)
    order = rng.permutation(ids.size)  # it used to loop for ever here
    halved = np.where(ids % 2 == 0, scores * 0.4, scores)
    report = services.health.ingest_snapshot(ids[order], halved[order])
    assert report.snapshot is not None
    assert report.snapshot.metrics["drop_share_50"] == pytest.approx(0.5)
    dup = ids[order].copy()
    dup[10] = dup[11]
    with pytest.raises(InvalidInput, match=f"profile_id {dup[11]} appears more than once"):
        services.health.ingest_snapshot(dup, scores, at=clock.now() - DAY / 2)
