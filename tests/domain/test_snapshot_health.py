"""Score-snapshot health: the Klout glitch pattern, and exactness against a slow reference."""

from __future__ import annotations

import math

import numpy as np
import pytest

from commandcenter.domain import snapshot_health as sh
from commandcenter.domain.snapshot_health import (
    Reference,
    ScoreSnapshot,
    ks_statistic,
    snapshot_health,
)


def slow_health(
    cur: ScoreSnapshot, prev: ScoreSnapshot | None, ref: ScoreSnapshot | None
) -> dict[str, float | None]:
    """Plain-Python statement of every statistic, for comparison."""
    valid = [float(x) for x in cur.score if math.isfinite(x)]
    out: dict[str, float | None] = {"profile_count": len(valid), "mean": None}
    if valid:
        out["mean"] = sum(valid) / len(valid)
        for name, q in zip(("p05", "p25", "p50", "p75", "p95"), sh.QUANTILES, strict=True):
            out[name] = float(np.quantile(valid, q))
    out.update({f"drop_share_{int(f * 100)}": None for f in sh.DROP_FRACTIONS})
    if prev is not None:
        before = dict(zip(prev.profile_id.tolist(), prev.score.tolist(), strict=True))
        pairs = [
            (now, before[pid])
            for pid, now in zip(cur.profile_id.tolist(), cur.score.tolist(), strict=True)
            if pid in before
            and math.isfinite(now)
            and math.isfinite(before[pid])
            and before[pid] > 0
        ]
        for f in sh.DROP_FRACTIONS:
            fell = sum(1 for now, old in pairs if now / old < 1.0 - f)
            out[f"drop_share_{int(f * 100)}"] = fell / len(pairs) if pairs else None
    out["psi"] = out["ks"] = None
    if ref is not None:
        r = [float(x) for x in ref.score if math.isfinite(x)]
        if r and valid:
            edges = sorted(set(np.quantile(r, np.arange(1, 10) / 10).tolist()))

            def shares(xs: list[float]) -> list[float]:
                counts = [0] * (len(edges) + 1)
                for x in xs:
                    counts[sum(1 for e in edges if x >= e)] += 1
                return [max(c / len(xs), sh.PSI_EPSILON) for c in counts]

            out["psi"] = sum(
                (c - e) * math.log(c / e) for c, e in zip(shares(valid), shares(r), strict=True)
            )
            pooled = set(valid) | set(r)
            out["ks"] = max(
                abs(sum(x <= v for x in valid) / len(valid) - sum(x <= v for x in r) / len(r))
                for v in pooled
            )
    return out


def assert_matches_slow(cur, prev=None, ref=None) -> None:
    fast = snapshot_health(cur, prev, ref)
    slow = slow_health(cur, prev, ref)
    for name, expected in slow.items():
        got = getattr(fast, name)
        if expected is None:
            assert got is None or (isinstance(got, float) and math.isnan(got)), name
        else:
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), name


def random_snapshot(rng, n: int, ids: np.ndarray | None = None, kind: str = "normal"):
    if ids is None:
        ids = np.arange(n)
    if kind == "integer":  # Klout-style whole-number scores: many ties
        scores = rng.integers(1, 100, ids.size).astype(float)
    else:
        scores = rng.normal(50.0, 15.0, ids.size)
    return ScoreSnapshot(ids, scores)


def test_klout_glitch_week_then_half_scores() -> None:
    rng = np.random.default_rng(2011)
    n = 20_000
    ids = np.arange(1, n + 1)
    day = ScoreSnapshot(ids, np.clip(rng.normal(45.0, 12.0, n), 1.0, 100.0))
    reference = Reference.from_snapshot(day)  # the last healthy snapshot
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
        metrics
    )
    assert metrics["drop_share_20"] == pytest.approx(share)


@pytest.mark.parametrize("seed", range(12))
def test_matches_slow_reference_on_small_random_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    kind = "integer" if seed % 3 == 0 else "normal"
    n = int(rng.integers(1, 400))
    pool = rng.choice(10 * n + 50, size=n + 40, replace=False)
    layout = seed % 4
    if layout == 0:  # dense ids, shuffled, partly overlapping
        cur_ids, prev_ids = rng.permutation(n), rng.permutation(np.arange(5, n + 25))
    elif layout == 1:  # sparse sorted ids
        cur_ids, prev_ids = np.sort(pool[:n]), np.sort(pool[20 : n + 20])
    elif layout == 2:  # sparse unsorted ids
        cur_ids, prev_ids = pool[:n] * 7919, pool[15 : n + 15] * 7919
    else:  # ids too spread out to pack a row number into: plain argsort
        cur_ids, prev_ids = pool[:n] * (1 << 50), pool[10 : n + 10] * (1 << 50)
    cur = random_snapshot(rng, n, cur_ids, kind)
    prev = random_snapshot(rng, n, prev_ids, kind)
    ref = random_snapshot(rng, int(rng.integers(1, 300)), kind=kind)
    prev.score[rng.random(prev.score.size) < 0.05] = 0.0  # no relative drop from zero
    cur.score[rng.random(n) < 0.05] = np.nan  # broken rows are left out
    assert_matches_slow(cur, prev, ref)
    assert_matches_slow(cur)
    assert_matches_slow(cur, cur, cur)


def test_same_profiles_in_the_same_order_are_aligned_directly() -> None:
    rng = np.random.default_rng(5)
    ids = rng.permutation(500) * 1_000_003
    prev = random_snapshot(rng, 500, ids)
    cur = ScoreSnapshot(ids, prev.score * rng.uniform(0.3, 1.1, 500))
    assert_matches_slow(cur, prev, prev)


def test_duplicate_previous_ids_are_refused() -> None:
    cur = ScoreSnapshot(np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0]))
    for prev_ids in ([1, 1, 2], [10**15, 10**15, 3]):
        prev = ScoreSnapshot(np.array(prev_ids), np.array([1.0, 2.0, 3.0]))
        with pytest.raises(ValueError):
            snapshot_health(cur, prev)


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


@pytest.mark.parametrize("step", [2, 8, 512])
def test_ks_grid_refinement_is_exact(step: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sh, "_KS_GRID_STEP", step)
    rng = np.random.default_rng(step)
    for trial in range(60):
        na, nb = rng.integers(1, 2000, 2)
        if trial % 3 == 0:
            a = np.sort(rng.integers(0, 15, na).astype(float))
            b = np.sort(rng.integers(0, 15, nb).astype(float))
        else:
            a = np.sort(rng.normal(0.0, 1.0, na))
            b = np.sort(rng.normal(rng.normal(0.0, 0.05), 1.0, nb))
        pooled = np.unique(np.r_[a, b])
        expected = np.max(
            np.abs(
                np.searchsorted(a, pooled, "right") / na - np.searchsorted(b, pooled, "right") / nb
            )
        )
        assert ks_statistic(a, b) == pytest.approx(expected, abs=1e-15)
        assert sh._ks_search(a, b) == pytest.approx(expected, abs=1e-15)
    near = np.sort(rng.normal(0.0, 1.0, 5000))
    other = near.copy()
    other[-1] += 1.0  # nearly identical: many intervals to refine, falls back to a search
    assert ks_statistic(near, other) == pytest.approx(1 / 5000)
    assert ks_statistic(near, near.copy()) == 0.0
