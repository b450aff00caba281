"""Score-snapshot health: the Klout glitch pattern, and each statistic against plain Python."""

from __future__ import annotations

import math

import numpy as np
import pytest

from commandcenter.domain import snapshot_health as sh
from commandcenter.domain.snapshot_health import (
    ScoreBins,
    ScoreSnapshot,
    drop_counts,
    ks_statistic,
    population_stability_index,
    score_problem,
    snapshot_health,
)


def slow_drops(cur: ScoreSnapshot, prev: ScoreSnapshot) -> dict[str, float | None]:
    """Drop shares through a dictionary: the plain statement the merge join must match."""
    before = dict(zip(prev.profile_id.tolist(), prev.score.tolist(), strict=True))
    pairs = [(now, before[pid])
             for pid, now in zip(cur.profile_id.tolist(), cur.score.tolist(), strict=True)
             if pid in before and math.isfinite(now) and before[pid] > 0]
    return {f"drop_share_{int(f * 100)}": (sum(1 for n, o in pairs if n / o < 1 - f) / len(pairs)
                                           if pairs else None) for f in sh.DROP_FRACTIONS}


def exact_ks(a: np.ndarray, b: np.ndarray) -> float:
    pooled = np.union1d(a, b)
    fa = np.searchsorted(np.sort(a), pooled, "right") / a.size
    fb = np.searchsorted(np.sort(b), pooled, "right") / b.size
    return float(np.max(np.abs(fa - fb)))


def random_snapshot(rng, n: int, ids: np.ndarray | None = None, kind: str = "gamma"):
    if ids is None:
        ids = np.arange(n)
    if kind == "integer":  # Klout-style whole-number scores: many ties
        scores = rng.integers(1, 100, ids.size).astype(float)
    else:
        scores = rng.gamma(4.0, 10.0, ids.size)
    return ScoreSnapshot(ids, scores)


def test_klout_glitch_week_then_half_scores() -> None:
    rng = np.random.default_rng(2011)
    n = 20_000
    ids = np.arange(1, n + 1)
    day = ScoreSnapshot(ids, np.clip(rng.normal(45.0, 12.0, n), 1.0, 100.0))
    reference = ScoreBins.of(day.score)  # the last healthy snapshot
    for _ in range(7):  # a healthy week: small daily moves
        nxt = ScoreSnapshot(ids, day.score * rng.normal(1.0, 0.01, n))
        health = snapshot_health(nxt, day, reference)
        assert health.drop_share_10 == 0.0 and health.drop_share_50 == 0.0
        assert health.psi < 0.1 and health.ks < 0.05
        day = nxt
    halved = rng.random(n) < 0.4
    glitch = ScoreSnapshot(ids, np.where(halved, day.score * 0.5, day.score))
    health = snapshot_health(glitch, day, reference)
    share = halved.mean()
    assert health.drop_share_10 == pytest.approx(share)
    assert health.drop_share_20 == pytest.approx(share)
    assert health.drop_share_50 == 0.0  # lost exactly half: not *more* than 50 %
    assert health.psi > 0.25 and health.ks > 0.2
    assert health.matched_count == n and health.profile_count == n
    metrics = health.as_metrics()
    assert {"score_mean", "score_p50", "drop_share_50", "psi", "ks", "profile_count"} <= set(
        metrics)


@pytest.mark.parametrize("seed", range(4))
def test_small_snapshots_match_plain_python(seed: int) -> None:
    rng = np.random.default_rng(seed)
    kind = "integer" if seed % 2 else "gamma"
    prev = random_snapshot(rng, 3000, rng.permutation(np.arange(0, 9000, 3)), kind)
    ids = rng.choice(np.arange(0, 9000, 2), 2500, replace=False)
    cur = random_snapshot(rng, 2500, ids, kind)
    cur.score[:7] = np.nan  # missing: left out and counted
    ref = random_snapshot(rng, 4000, None, kind)
    health = snapshot_health(cur, prev, ref)
    valid = cur.score[np.isfinite(cur.score)]
    assert health.profile_count == valid.size and health.invalid_count == 7
    assert health.mean == pytest.approx(valid.mean(), rel=1e-12)
    exact = np.quantile(valid, sh.QUANTILES)  # under k values the sketch is exact
    got = [health.p05, health.p25, health.p50, health.p75, health.p95]
    np.testing.assert_allclose(got, exact, rtol=1e-12)
    for name, expected in slow_drops(cur, prev).items():
        assert getattr(health, name) == pytest.approx(expected, abs=1e-12), name
    # KS on fixed bins: within the heaviest bin's share of the exact statistic.
    rb, cb = ScoreBins.of(ref.score), ScoreBins.of(valid)
    heaviest = max(rb.count.max() / rb.total, cb.count.max() / cb.total)
    assert abs(health.ks - exact_ks(valid, ref.score)) <= heaviest + 1e-12
    assert health.psi == pytest.approx(population_stability_index(rb, cb))


def test_the_merge_join_matches_a_dictionary_whatever_the_chunks() -> None:
    rng = np.random.default_rng(9)
    prev = random_snapshot(rng, 50_000, np.unique(rng.integers(0, 10**12, 50_000)))
    keep = rng.random(prev.profile_id.size) < 0.7
    ids = np.concatenate([prev.profile_id[keep], rng.integers(0, 10**12, 5000)])
    ids = np.unique(ids)
    cur = ScoreSnapshot(ids, rng.gamma(4.0, 10.0, ids.size))
    expected = slow_drops(cur, prev)
    for a, b in ((1000, 777), (257, 50_000), (1 << 22, 1)):
        matched, shares = drop_counts(cur.chunks(a), prev.by_id().chunks(b))
        assert matched == int(np.isin(cur.profile_id, prev.profile_id).sum())
        assert list(shares) == pytest.approx(list(expected.values()))


def test_fixed_bins_are_shared_and_exact() -> None:
    scores = np.array([0.0, -0.0, 1.0, 1.001, 1.01, 100.0, 1e9])
    bins = ScoreBins.of(scores)
    assert bins.total == scores.size
    edges = ScoreBins.lower_edge(bins.index)
    assert edges[0] == 0.0 and edges[-1] <= 1e9
    # Every bin is at most 1/256 of its lower edge wide.
    upper = ScoreBins.lower_edge(bins.index + 1)
    assert np.all((upper[1:] - edges[1:]) / edges[1:] <= 1 / 256 + 1e-15)
    same = ScoreBins.of(scores[::-1])
    assert ks_statistic(bins, same) == 0.0 and population_stability_index(bins, same) == 0.0


def test_duplicate_ids_are_refused() -> None:
    cur = ScoreSnapshot(np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0]))
    for prev_ids in ([1, 1, 2], [10**15, 3, 10**15]):
        prev = ScoreSnapshot(np.array(prev_ids), np.array([1.0, 2.0, 3.0]))
        with pytest.raises(ValueError, match="more than once"):
            snapshot_health(cur, prev)


def test_unusable_scores_are_named() -> None:
    assert score_problem(np.array([1.0, 2.0])) is None
    assert score_problem(np.array([1.0, -0.5])) == (1, "-0.5 is negative")
    assert score_problem(np.array([1e300])) == (0, "1e+300 is above the largest score, 1e+09")
    assert score_problem(np.array([3.0, np.inf])) == (1, "not a finite number")
    with pytest.raises(ValueError, match="negative"):
        snapshot_health(ScoreSnapshot(np.arange(2), np.array([1.0, -1.0])))


def test_empty_and_disjoint_snapshots() -> None:
    empty = ScoreSnapshot(np.array([], dtype=np.int64), np.array([]))
    health = snapshot_health(empty, empty, empty)
    assert health.profile_count == 0 and health.psi is None and health.ks is None
    assert health.as_metrics() == {"profile_count": 0.0, "invalid_count": 0.0}
    a = ScoreSnapshot(np.array([1, 2]), np.array([3.0, 4.0]))
    b = ScoreSnapshot(np.array([7, 8]), np.array([3.0, 4.0]))
    assert snapshot_health(a, b).drop_share_20 is None


def test_mismatched_arrays_are_refused() -> None:
    with pytest.raises(ValueError):
        ScoreSnapshot(np.arange(3), np.arange(4.0))
