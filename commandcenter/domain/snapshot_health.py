"""Health statistics of a score snapshot (one score per profile), vectorised.

Given the current snapshot, optionally the previous one and a "last healthy"
reference, computes count, mean, quantiles, the share of profiles whose score
fell by more than 10/20/50 % since the previous snapshot, the population
stability index and the two-sample Kolmogorov-Smirnov statistic against the
reference. Built for 10 million profiles in well under a second:

* one ``np.sort`` per distribution (NumPy's SIMD sort is several times faster
  than ``np.partition`` with five quantiles) gives quantiles, PSI bin counts
  (binary searches of the 9 decile edges) and the KS statistic;
* profiles are matched without an argsort: identical id arrays are aligned as
  they are, dense ids use a direct-address table, sparse ids a binary search
  after sorting them (row numbers packed into the ids' spare low bits, so a
  value sort does the work of an argsort);
* on two cores, matching runs in a worker thread while the main thread sorts;
* KS is exact but evaluated on a grid first (see ``ks_statistic``).

Non-finite scores are left out of every statistic and counted in ``invalid_count``.
Profile ids must be unique within a snapshot.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

QUANTILES = (0.05, 0.25, 0.50, 0.75, 0.95)
DROP_FRACTIONS = (0.10, 0.20, 0.50)
PSI_EPSILON = 1e-4  # floor on bin shares so an empty bin does not make PSI infinite
_KS_GRID_STEP = 512
_KS_MAX_REFINED = 1024  # past this many intervals to refine, one full search is cheaper
_THREAD_MIN_PROFILES = 200_000
_DENSE_SPAN_FACTOR = 2
_NO_DROPS: tuple[float | None, ...] = (None,) * len(DROP_FRACTIONS)


@dataclass(frozen=True, slots=True, eq=False)
class ScoreSnapshot:
    profile_id: np.ndarray
    score: np.ndarray

    def __post_init__(self) -> None:
        ids = np.asarray(self.profile_id, dtype=np.int64)
        scores = np.asarray(self.score, dtype=np.float64)
        if ids.ndim != 1 or ids.shape != scores.shape:
            raise ValueError("profile_id and score must be 1-D arrays of the same length")
        object.__setattr__(self, "profile_id", ids)
        object.__setattr__(self, "score", scores)

    def __len__(self) -> int:
        return int(self.score.size)


@dataclass(frozen=True, slots=True, eq=False)
class Reference:
    """A reference distribution prepared once (sorted scores and PSI bins).

    Build it with ``from_snapshot`` or ``from_scores``; ``sorted_scores`` must be
    sorted and finite. Passing a prepared reference saves one sort per call.
    """

    sorted_scores: np.ndarray
    edges: np.ndarray = field(init=False)
    shares: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        deciles = _quantiles_sorted(self.sorted_scores, np.arange(1, 10) / 10)
        edges = np.unique(deciles) if self.sorted_scores.size else np.empty(0)
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "shares", _bin_shares(self.sorted_scores, edges))

    @classmethod
    def from_scores(cls, scores: np.ndarray) -> Reference:
        return cls(np.sort(_finite(np.asarray(scores, dtype=np.float64))))

    @classmethod
    def from_snapshot(cls, snapshot: ScoreSnapshot) -> Reference:
        return cls.from_scores(snapshot.score)


@dataclass(frozen=True, slots=True)
class SnapshotHealth:
    profile_count: int
    invalid_count: int
    mean: float
    p05: float
    p25: float
    p50: float
    p75: float
    p95: float
    matched_count: int = 0  # profiles in both snapshots with a positive previous score
    drop_share_10: float | None = None
    drop_share_20: float | None = None
    drop_share_50: float | None = None
    psi: float | None = None
    ks: float | None = None

    def as_metrics(self) -> dict[str, float]:
        """Metric series values; statistics that could not be computed are left out."""
        metrics = {
            "profile_count": float(self.profile_count),
            "invalid_count": float(self.invalid_count),
            "score_mean": self.mean,
            "score_p05": self.p05,
            "score_p25": self.p25,
            "score_p50": self.p50,
            "score_p75": self.p75,
            "score_p95": self.p95,
            "drop_share_10": self.drop_share_10,
            "drop_share_20": self.drop_share_20,
            "drop_share_50": self.drop_share_50,
            "psi": self.psi,
            "ks": self.ks,
        }
        return {k: float(v) for k, v in metrics.items() if v is not None and np.isfinite(v)}


def snapshot_health(
    current: ScoreSnapshot,
    previous: ScoreSnapshot | None = None,
    reference: ScoreSnapshot | Reference | None = None,
) -> SnapshotHealth:
    if previous is not None and len(current) >= _THREAD_MIN_PROFILES:
        # Matching profiles is memory-bound gathers, the distribution is sorting:
        # on two cores they overlap (NumPy releases the GIL in both).
        with ThreadPoolExecutor(max_workers=1) as pool:
            drops = pool.submit(_drop_shares, current, previous)
            health = _distribution(current, reference)
            matched, shares = drops.result()
    else:
        health = _distribution(current, reference)
        matched, shares = (
            _drop_shares(current, previous) if previous is not None else (0, _NO_DROPS)
        )
    return replace(
        health,
        matched_count=matched,
        drop_share_10=shares[0],
        drop_share_20=shares[1],
        drop_share_50=shares[2],
    )


def _distribution(
    current: ScoreSnapshot, reference: ScoreSnapshot | Reference | None
) -> SnapshotHealth:
    """Everything that needs only the current scores (and the reference)."""
    ordered = np.sort(_finite(current.score))
    p05, p25, p50, p75, p95 = _quantiles_sorted(ordered, np.array(QUANTILES)).tolist()
    psi = ks = None
    if reference is not None:
        ref = reference if isinstance(reference, Reference) else Reference.from_snapshot(reference)
        if ref.sorted_scores.size and ordered.size:
            psi = population_stability_index(ref, ordered)
            ks = ks_statistic(ref.sorted_scores, ordered)
    return SnapshotHealth(
        profile_count=int(ordered.size),
        invalid_count=int(current.score.size - ordered.size),
        mean=float(ordered.mean()) if ordered.size else float("nan"),
        p05=p05,
        p25=p25,
        p50=p50,
        p75=p75,
        p95=p95,
        psi=psi,
        ks=ks,
    )


def _drop_shares(
    current: ScoreSnapshot, previous: ScoreSnapshot
) -> tuple[int, tuple[float | None, ...]]:
    """Matched profile count and the share of them whose score fell by more than each fraction."""
    now, before = matched_scores(current, previous)
    usable = np.isfinite(now) & np.isfinite(before) & (before > 0)
    if not usable.all():
        now, before = now[usable], before[usable]
    if now.size == 0:
        return 0, _NO_DROPS
    ratio = now / before
    return now.size, tuple(
        int(np.count_nonzero(ratio < 1.0 - f)) / now.size for f in DROP_FRACTIONS
    )


def matched_scores(
    current: ScoreSnapshot, previous: ScoreSnapshot
) -> tuple[np.ndarray, np.ndarray]:
    """Scores (current, previous) of the profiles present in both, aligned."""
    cur_ids, prev_ids = current.profile_id, previous.profile_id
    if cur_ids.size == 0 or prev_ids.size == 0:
        return np.empty(0), np.empty(0)
    if np.array_equal(cur_ids, prev_ids):  # the usual nightly case: same profiles, same order
        return current.score, previous.score
    lo = min(int(cur_ids.min()), int(prev_ids.min()))
    span = max(int(cur_ids.max()), int(prev_ids.max())) - lo + 1
    if span <= _DENSE_SPAN_FACTOR * max(cur_ids.size, prev_ids.size) + 1024:
        # Direct addressing: a table of positions indexed by id, O(n) and no sort.
        table = np.full(span, -1, dtype=np.int64 if prev_ids.size >= 2**31 else np.int32)
        table[prev_ids - lo] = np.arange(prev_ids.size, dtype=table.dtype)
        if np.count_nonzero(table >= 0) != prev_ids.size:
            raise ValueError("duplicate profile ids in the previous snapshot")
        pos = table[cur_ids - lo]
        hit = pos >= 0
        return current.score[hit], previous.score[pos[hit]]
    queries, cur_order = _sorted_ids(cur_ids)
    keys, prev_order = _sorted_ids(prev_ids)
    if not _strictly_increasing(keys):
        raise ValueError("duplicate profile ids in the previous snapshot")
    # Sorted queries make the binary searches walk memory forwards (cache friendly).
    pos = np.searchsorted(keys, queries)
    np.minimum(pos, keys.size - 1, out=pos)
    hit = keys[pos] == queries
    cur_rows = np.flatnonzero(hit) if cur_order is None else cur_order[hit]
    prev_rows = pos[hit] if prev_order is None else prev_order[pos[hit]]
    return current.score[cur_rows], previous.score[prev_rows]


def _sorted_ids(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``ids`` sorted, and the permutation that sorts them (None if already sorted).

    When the id span leaves room, the row number is packed into the low bits of
    the id and the packed keys are sorted with NumPy's fast value sort, which is
    several times quicker than ``np.argsort``; both results unpack sequentially.
    """
    if _strictly_increasing(ids):
        return ids, None
    lo, hi = int(ids.min()), int(ids.max())
    bits = max(int(ids.size - 1).bit_length(), 1)
    if (hi - lo).bit_length() + bits > 63:
        order = np.argsort(ids)
        return ids[order], order
    packed = (ids - lo) << bits
    packed |= np.arange(ids.size, dtype=np.int64)
    packed.sort()
    order = packed & ((1 << bits) - 1)
    packed >>= bits
    packed += lo
    return packed, order


def population_stability_index(reference: Reference, current_sorted: np.ndarray) -> float:
    """PSI over the reference's decile bins: sum((c - r) * ln(c / r))."""
    r = np.maximum(reference.shares, PSI_EPSILON)
    c = np.maximum(_bin_shares(current_sorted, reference.edges), PSI_EPSILON)
    return float(np.sum((c - r) * np.log(c / r)))


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Exact two-sample KS statistic sup|F_a - F_b| of two sorted, non-empty arrays.

    First evaluated at a grid holding every 512th value of each sample (and both
    maxima): only binary searches of a few ten thousand values. Between two grid
    values each ECDF moves only by the samples lying there, which bounds the
    difference; intervals whose bound beats the best grid value are evaluated at
    every sample they hold. Nearly identical distributions leave many intervals
    to refine; then one binary search of every sample is cheaper.
    """
    na, nb = a.size, b.size
    if na == nb and np.array_equal(a, b):  # a re-published snapshot: nothing to search
        return 0.0
    grid = np.unique(np.concatenate([a[::_KS_GRID_STEP], b[::_KS_GRID_STEP], a[-1:], b[-1:]]))
    ra, rb = np.searchsorted(a, grid, "right"), np.searchsorted(b, grid, "right")
    best = float(np.max(np.abs(ra / na - rb / nb)))
    la, lb = np.searchsorted(a, grid[1:], "left"), np.searchsorted(b, grid[1:], "left")
    bound = np.maximum(la / na - rb[:-1] / nb, lb / nb - ra[:-1] / na)
    candidates = np.flatnonzero(bound > best)
    if candidates.size > _KS_MAX_REFINED:
        return _ks_search(a, b)
    for k in candidates[np.argsort(-bound[candidates])]:
        if bound[k] <= best:
            break
        inner_a, inner_b = a[ra[k] : la[k]], b[rb[k] : lb[k]]
        values = np.concatenate([inner_a, inner_b])
        fa = (ra[k] + np.searchsorted(inner_a, values, "right")) / na
        fb = (rb[k] + np.searchsorted(inner_b, values, "right")) / nb
        best = max(best, float(np.max(np.abs(fa - fb))))
    return best


def _ks_search(a: np.ndarray, b: np.ndarray) -> float:
    """KS with one binary search of ``b`` in ``a``.

    ``F_b - F_a`` peaks at the end of a run of equal ``b`` values, ``F_a - F_b``
    just before the start of one, so counts of ``a`` below each ``b`` suffice.
    """
    na, nb = a.size, b.size
    below = np.searchsorted(a, b, "left")  # a < b_j
    upto = below.copy()  # a <= b_j; differs only where b_j also occurs in a
    inside = np.flatnonzero(below < na)
    tie = inside[a[below[inside]] == b[inside]]
    upto[tie] = np.searchsorted(a, b[tie], "right")
    change = b[1:] != b[:-1]
    last = np.flatnonzero(np.append(change, True))
    first = np.flatnonzero(np.insert(change, 0, True))
    b_over = np.max((last + 1) / nb - upto[last] / na)
    a_over = np.max(below[first] / na - first / nb)
    return float(max(b_over, a_over, 0.0))


def _finite(scores: np.ndarray) -> np.ndarray:
    ok = np.isfinite(scores)
    return scores if ok.all() else scores[ok]


def _strictly_increasing(ids: np.ndarray) -> bool:
    return bool(np.all(ids[1:] > ids[:-1]))


def _quantiles_sorted(s: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``np.quantile(s, q)`` (linear method) of an already sorted array."""
    if s.size == 0:
        return np.full(q.shape, np.nan)
    h = (s.size - 1) * q
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, s.size - 1)
    t = h - lo
    a, b = s[lo], s[hi]
    diff = b - a
    # Same two-sided interpolation as NumPy, so results match it bit for bit.
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def _bin_shares(sorted_scores: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of scores in (-inf, e1), [e1, e2), ..., [ek, inf)."""
    n = sorted_scores.size
    below = np.searchsorted(sorted_scores, edges, "left")
    counts = np.diff(np.concatenate([[0], below, [n]]))
    return counts / n if n else counts.astype(np.float64)
