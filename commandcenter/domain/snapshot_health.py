"""Health statistics of a score snapshot (one score per profile), streamed in chunks.

Nothing here needs a whole snapshot in memory, so a snapshot of hundreds of
millions of profiles runs in bounded memory (``make bench-scale``):

* count and mean are exact;
* quantiles come from a mergeable KLL sketch (``quantile_sketch``, rank error
  within 0.3 % of the profile count);
* PSI and KS use fixed bins (``ScoreBins``): 256 log-linear bins per octave
  of score, read off the bits of the score as float32 (exponent and top 8
  mantissa bits), so each bin is 0.4 % of its value wide and every snapshot
  is binned on the same edges. Counts per bin are
  exact. PSI compares the shares in the reference's decile bins (each decile
  moved to the nearest fixed-bin edge); KS is the largest gap between the two
  cumulative shares at the fixed-bin edges, which is within the heaviest
  single bin's share of the exact statistic;
* drop shares match profiles by a sorted merge join on profile id of two
  chunk streams, both sorted by id (``DropJoin``), never a dictionary.

Scores must be finite, zero or more and at most ``MAX_SCORE``
(``score_problem``); NaN in arrays given directly counts as missing
(``invalid_count``). Profile ids are unique within a snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .quantile_sketch import QuantileSketch

QUANTILES = (0.05, 0.25, 0.50, 0.75, 0.95)
DROP_FRACTIONS = (0.10, 0.20, 0.50)
PSI_EPSILON = 1e-4  # floor on bin shares so an empty bin does not make PSI infinite
MAX_SCORE = 1e9
SUB_BITS = 8  # 2**8 bins per octave: each bin is 1/256 of its lower edge wide
_SHIFT = 23 - SUB_BITS  # of a float32's bits
NBINS = (int(np.float32(MAX_SCORE).view(np.int32)) >> _SHIFT) + 1
CHUNK = 1 << 22
_NO_DROPS: tuple[float | None, ...] = (None,) * len(DROP_FRACTIONS)


def score_problem(scores: np.ndarray) -> tuple[int, str] | None:
    """The first unusable score (its index and why), or None."""
    bad = ~((scores >= 0.0) & (scores <= MAX_SCORE))  # NaN fails both comparisons
    if not bad.any():
        return None
    i = int(np.argmax(bad))
    value = float(scores[i])
    if not np.isfinite(value):
        return i, "not a finite number"
    if value < 0:
        return i, f"{value:g} is negative"
    return i, f"{value:g} is above the largest score, {MAX_SCORE:g}"


@dataclass(frozen=True, slots=True, eq=False)
class ScoreBins:
    """Exact counts of scores in the fixed log-linear bins (sparse: index, count)."""

    index: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    count: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    @property
    def total(self) -> int:
        return int(self.count.sum())

    @staticmethod
    def dense(scores: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
        """Counts per fixed bin of valid scores (0 <= s <= MAX_SCORE), all NBINS of them.

        ``scratch``, a reused int32 buffer at least as long, saves the page faults
        of a fresh array per chunk (they cost more than the binning itself).
        """
        n = scores.size
        bits = np.empty(n, np.int32) if scratch is None or scratch.size < n else scratch[:n]
        np.add(scores, np.float32(0.0), out=bits.view(np.float32),
               casting="same_kind")  # + 0.0 turns -0.0 into 0.0
        np.right_shift(bits, _SHIFT, out=bits)
        return np.bincount(bits, minlength=NBINS)

    @classmethod
    def from_dense(cls, counts: np.ndarray) -> ScoreBins:
        index = np.flatnonzero(counts)
        return cls(index.astype(np.int64), counts[index].astype(np.int64))

    @classmethod
    def of(cls, scores: np.ndarray) -> ScoreBins:
        return cls.from_dense(cls.dense(np.asarray(scores, dtype=np.float64)))

    def cumulative_at(self, edges: np.ndarray) -> np.ndarray:
        """Share of scores in bins below each fixed-bin index in ``edges``."""
        total = self.total
        cum = np.concatenate(([0], np.cumsum(self.count)))
        return cum[np.searchsorted(self.index, edges, "left")] / total

    @staticmethod
    def lower_edge(index: np.ndarray) -> np.ndarray:
        return (np.asarray(index, dtype=np.int32) << _SHIFT).view(np.float32).astype(np.float64)


def population_stability_index(reference: ScoreBins, current: ScoreBins) -> float:
    """PSI over the reference's decile bins, each edge on a fixed-bin edge."""
    cum = np.cumsum(reference.count) / reference.total
    at = np.searchsorted(cum, np.arange(1, 10) / 10, "left")
    edges = np.unique(reference.index[np.minimum(at, cum.size - 1)] + 1)
    bounds = np.concatenate(([0.0], reference.cumulative_at(edges), [1.0]))
    ref = np.maximum(np.diff(bounds), PSI_EPSILON)
    cur_bounds = np.concatenate(([0.0], current.cumulative_at(edges), [1.0]))
    cur = np.maximum(np.diff(cur_bounds), PSI_EPSILON)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def ks_statistic(reference: ScoreBins, current: ScoreBins) -> float:
    """max |F_ref - F_cur| over the fixed-bin edges either snapshot uses."""
    edges = np.union1d(reference.index, current.index) + 1
    gap = np.abs(reference.cumulative_at(edges) - current.cumulative_at(edges))
    return float(gap.max()) if gap.size else 0.0


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


class Distribution:
    """Count, sum, sketch and fixed bins of a snapshot's scores, fed chunk by chunk."""

    def __init__(self, seed: int = 0) -> None:
        self.count = 0
        self.invalid = 0
        self.total = 0.0
        self.sketch = QuantileSketch(seed=seed)
        self._bins = np.zeros(NBINS, dtype=np.int64)
        self._scratch = np.empty(0, dtype=np.int32)

    def add(self, scores: np.ndarray) -> None:
        """Valid scores only (see ``score_problem``); NaN is counted as missing."""
        scores = np.asarray(scores, dtype=np.float64)
        missing = np.isnan(scores)
        if missing.any():
            self.invalid += int(missing.sum())
            scores = scores[~missing]
        self.count += int(scores.size)
        self.total += float(scores.sum())
        self.sketch.add(scores)
        if self._scratch.size < scores.size:
            self._scratch = np.empty(scores.size, dtype=np.int32)
        self._bins += ScoreBins.dense(scores, self._scratch)

    def bins(self) -> ScoreBins:
        return ScoreBins.from_dense(self._bins)

    def health(self, reference: ScoreBins | None = None,
               drops: tuple[int, tuple[float | None, ...]] | None = None) -> SnapshotHealth:
        p05, p25, p50, p75, p95 = self.sketch.quantiles(QUANTILES)
        psi = ks = None
        if reference is not None and reference.total and self.count:
            mine = self.bins()
            psi = population_stability_index(reference, mine)
            ks = ks_statistic(reference, mine)
        matched, shares = drops if drops is not None else (0, _NO_DROPS)
        return SnapshotHealth(
            profile_count=self.count, invalid_count=self.invalid,
            mean=self.total / self.count if self.count else float("nan"),
            p05=p05, p25=p25, p50=p50, p75=p75, p95=p95, psi=psi, ks=ks,
            matched_count=matched, drop_share_10=shares[0], drop_share_20=shares[1],
            drop_share_50=shares[2])


Chunks = Iterable[tuple[np.ndarray, np.ndarray]]  # (profile ids ascending, scores)


def drop_counts(current: Chunks, previous: Chunks) -> tuple[int, tuple[float | None, ...]]:
    """Matched profiles and the share of them that lost more than each fraction."""
    join = DropJoin(iter(previous))
    for ids, scores in current:
        join.feed(ids, scores)
    return join.result()


class DropJoin:
    """A sorted merge join on profile id, fed the current snapshot a chunk at a time.

    Both streams ascend by profile id; each step takes every id up to the
    smaller of the two chunks' last ids, so memory is one chunk of each.
    Profiles whose previous score is not positive, or either score missing,
    are left out. When the previous scores are float32 (as stored), current
    scores are rounded to float32 too and the ratio is taken in float32, so a
    score that exactly halved still reads as exactly half.
    """

    def __init__(self, previous: Iterator[tuple[np.ndarray, np.ndarray]]) -> None:
        self._previous = previous
        self._prev = _next(previous)
        self.matched = 0
        self.aligned = True  # every id so far equals the previous snapshot's, in order
        self._fell = np.zeros(len(DROP_FRACTIONS), dtype=np.int64)

    def feed(self, ids: np.ndarray, scores: np.ndarray) -> bool:
        """Join one chunk; True when its ids were exactly the previous snapshot's next ids."""
        aligned = True
        while ids.size and self._prev is not None:
            pi, ps = self._prev
            cut = min(ids[-1], pi[-1])
            nc = int(np.searchsorted(ids, cut, "right"))
            npv = int(np.searchsorted(pi, cut, "right"))
            a, b = ids[:nc], pi[:npv]
            if a.size == b.size and np.array_equal(a, b):  # the nightly case: same profiles
                self._count(scores[:nc], ps[:npv])
            else:
                aligned = False
                if a.size and b.size:
                    pos = np.minimum(np.searchsorted(b, a), b.size - 1)
                    hit = b[pos] == a
                    self._count(scores[:nc][hit], ps[:npv][pos[hit]])
            ids, scores = ids[nc:], scores[nc:]
            self._prev = (pi[npv:], ps[npv:]) if npv < pi.size else _next(self._previous)
        aligned = aligned and not ids.size
        self.aligned = self.aligned and aligned
        return aligned

    def _count(self, now: np.ndarray, before: np.ndarray) -> None:
        if before.dtype == np.float32:
            now = now.astype(np.float32)
        # Scores are validated finite and >= 0; NaN (missing, in arrays given directly)
        # and a previous score of 0 leave a profile out.
        usable = before > 0
        missing = np.isnan(now)
        if missing.any():
            usable &= ~missing
        if not usable.all():
            now, before = now[usable], before[usable]
        self.matched += int(now.size)
        ratio = now / before
        for i, f in enumerate(DROP_FRACTIONS):
            self._fell[i] += int(np.count_nonzero(ratio < ratio.dtype.type(1.0 - f)))

    @property
    def exhausted(self) -> bool:
        return self._prev is None

    def result(self) -> tuple[int, tuple[float | None, ...]]:
        if self.matched == 0:
            return 0, _NO_DROPS
        return self.matched, tuple(int(c) / self.matched for c in self._fell)


def _next(chunks: Iterator[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray] | None:
    for ids, scores in chunks:
        if ids.size:
            return ids, scores
    return None


# --- whole arrays in memory (tests, drills, the 10,000,000-profile benchmark) ---------

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

    def by_id(self) -> ScoreSnapshot:
        """The same snapshot ascending by profile id; duplicate ids are refused."""
        ids = self.profile_id
        if ids.size < 2 or bool(np.all(ids[1:] > ids[:-1])):
            return self
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        dup = np.flatnonzero(ids[1:] == ids[:-1])
        if dup.size:
            raise ValueError(f"profile_id {int(ids[dup[0]])} appears more than once")
        return ScoreSnapshot(ids, self.score[order])

    def chunks(self, size: int = CHUNK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for lo in range(0, len(self), size):
            yield self.profile_id[lo:lo + size], self.score[lo:lo + size]


def snapshot_health(current: ScoreSnapshot, previous: ScoreSnapshot | None = None,
                    reference: ScoreSnapshot | ScoreBins | None = None) -> SnapshotHealth:
    """The streamed statistics over arrays in memory, chunk by chunk, as from files."""
    for snap in (current, previous, reference):
        if isinstance(snap, ScoreSnapshot):
            problem = score_problem(_valid(snap.score))
            if problem is not None:
                raise ValueError(f"score: {problem[1]}")
    dist = Distribution()
    for _, scores in current.chunks():
        dist.add(scores)
    ref = reference
    if isinstance(reference, ScoreSnapshot):
        ref = ScoreBins.of(_valid(reference.score))
    drops = None
    if previous is not None:
        drops = drop_counts(current.by_id().chunks(), previous.by_id().chunks())
    return dist.health(ref, drops)  # type: ignore[arg-type]


def _valid(scores: np.ndarray) -> np.ndarray:
    return scores[~np.isnan(scores)]
