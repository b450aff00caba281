"""NAB scoring as described in ``data/nab/README.md``.

Per file, every row after the probationary period gets an *unweighted* value:
inside a window the scaled sigmoid of its relative position, outside windows the
(negative) false-positive cost relative to the window before it. A profile then
weights these values, and one threshold per profile is chosen for the whole
corpus.

Threshold search (exact over every distinct score): all scored rows of the
corpus are sorted by anomaly score, descending. Lowering the threshold past a
row adds that row's detection. False positives add linearly, so they are a
cumulative sum. A window contributes the best reward among its detections (or
``-fn_weight``), so it only changes when a new row beats the window's running
maximum; the running maximum per window is computed with one
``np.maximum.accumulate`` over rows grouped by window. The raw score at
threshold ``th`` is the running total after the last row whose score equals
``th``. Everything is vectorised; the whole corpus sweeps in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

PROBATION_FRACTION = 0.15
PROBATION_MAX_ROWS = 750


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    tp_weight: float
    fn_weight: float
    fp_weight: float


PROFILES: dict[str, Profile] = {
    "standard": Profile("standard", 1.0, 1.0, 0.11),
    "reward_low_FP_rate": Profile("reward_low_FP_rate", 1.0, 1.0, 0.22),
    "reward_low_FN_rate": Profile("reward_low_FN_rate", 1.0, 2.0, 0.11),
}


def scaled_sigmoid(position: np.ndarray | float) -> np.ndarray:
    """NAB's ``2 / (1 + exp(5 p)) - 1``, forced to -1 far (p > 3) after a window."""
    p = np.asarray(position, dtype=np.float64)
    # Clip only to keep exp finite; values beyond 3 are replaced by -1 anyway.
    value = 2.0 / (1.0 + np.exp(5.0 * np.minimum(p, 50.0))) - 1.0
    return np.where(p > 3.0, -1.0, value)


MAX_TP = float(scaled_sigmoid(-1.0))


def probation_rows(n: int) -> int:
    return min(math.floor(PROBATION_FRACTION * n), PROBATION_MAX_ROWS)


@dataclass(frozen=True, slots=True)
class FileLabels:
    """Row-level labels of one file, ready for any profile and threshold.

    ``rows`` are the scored (post-probation) row indices; ``window`` is the
    window number within the file (-1 outside windows); ``value`` is the
    unweighted value: ``s(p) / s(-1)`` inside windows (in (0, 1]), the false
    positive sigmoid (in [-1, 0]) outside.
    """

    n_rows: int
    n_windows: int
    rows: np.ndarray
    window: np.ndarray
    value: np.ndarray


def label_rows(n_rows: int, windows: Sequence[tuple[int, int]]) -> FileLabels:
    """Build row labels from windows given as inclusive (first_row, last_row)."""
    window = np.full(n_rows, -1, dtype=np.int64)
    value = np.full(n_rows, -1.0)  # before the first window a FP costs the full weight
    idx = np.arange(n_rows)
    ordered = sorted(windows)
    for k, (start, end) in enumerate(ordered):
        if not 0 <= start <= end < n_rows:
            raise ValueError(f"window {start}..{end} outside 0..{n_rows - 1}")
        width = end - start + 1
        inside = slice(start, end + 1)
        window[inside] = k
        value[inside] = scaled_sigmoid(-(end - idx[inside] + 1) / width) / MAX_TP
        nxt = ordered[k + 1][0] if k + 1 < len(ordered) else n_rows
        after = slice(end + 1, nxt)
        # A one-row window would divide by zero; NAB never has one, treat as width 2.
        value[after] = scaled_sigmoid(np.abs(end - idx[after]) / max(width - 1, 1))
    first = probation_rows(n_rows)
    return FileLabels(
        n_rows=n_rows,
        n_windows=len(ordered),
        rows=idx[first:],
        window=window[first:],
        value=value[first:],
    )


def raw_score(
    scores: np.ndarray, labels: FileLabels, threshold: float, profile: Profile
) -> tuple[float, int, int, int]:
    """Raw score of one file at one threshold: (score, tp windows, fp rows, fn windows)."""
    s = np.asarray(scores, dtype=np.float64)[labels.rows]
    hit = s >= threshold
    outside = labels.window < 0
    fp_rows = hit & outside
    total = profile.fp_weight * float(labels.value[fp_rows].sum())
    tp = 0
    for k in range(labels.n_windows):
        in_k = hit & (labels.window == k)
        if in_k.any():
            tp += 1
            total += profile.tp_weight * float(labels.value[in_k].max())
        else:
            total -= profile.fn_weight
    return total, tp, int(fp_rows.sum()), labels.n_windows - tp


@dataclass(frozen=True, slots=True)
class ProfileResult:
    profile: str
    threshold: float
    raw: float
    normalised: float
    true_positives: int
    false_positives: int
    false_negatives: int


def normalise(raw: float, n_windows: int, profile: Profile) -> float:
    null = -profile.fn_weight * n_windows
    perfect = profile.tp_weight * n_windows
    return 100.0 * (raw - null) / (perfect - null)


def _corpus_arrays(
    scores: Sequence[np.ndarray], labels: Sequence[FileLabels]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    all_scores, all_windows, all_values = [], [], []
    offset = 0
    for s, lab in zip(scores, labels, strict=True):
        s = np.asarray(s, dtype=np.float64)
        if s.shape != (lab.n_rows,):
            raise ValueError(f"expected {lab.n_rows} scores, got {s.shape}")
        all_scores.append(s[lab.rows])
        all_windows.append(np.where(lab.window >= 0, lab.window + offset, -1))
        all_values.append(lab.value)
        offset += lab.n_windows
    return (
        np.concatenate(all_scores),
        np.concatenate(all_windows),
        np.concatenate(all_values),
        offset,
    )


def optimise(
    scores: Sequence[np.ndarray], labels: Sequence[FileLabels], profile: Profile
) -> ProfileResult:
    """Best single threshold over the corpus, trying every distinct score (and never firing)."""
    score, window, value, n_windows = _corpus_arrays(scores, labels)
    order = np.argsort(-score, kind="stable")
    score, window, value = score[order], window[order], value[order]

    gain = np.where(window < 0, profile.fp_weight * value, 0.0)
    in_win = np.flatnonzero(window >= 0)
    if in_win.size:
        # Group window rows by window, keeping descending-score order inside a group,
        # then a running maximum per group (offset by group so groups never mix).
        grouped = in_win[np.argsort(window[in_win], kind="stable")]
        gid = window[grouped]
        span = 4.0 * (profile.tp_weight + profile.fn_weight) + 1.0
        reward = profile.tp_weight * value[grouped]
        best = np.maximum.accumulate(reward + gid * span) - gid * span
        best = np.maximum(best, -profile.fn_weight)
        first = np.r_[True, gid[1:] != gid[:-1]]
        before = np.where(first, -profile.fn_weight, np.r_[0.0, best[:-1]])
        gain[grouped] = best - before

    total = -profile.fn_weight * n_windows + np.cumsum(gain)
    # A threshold equal to a score admits every row with that score: evaluate at
    # the last row of each run of equal scores.
    last = np.r_[score[1:] != score[:-1], True] if score.size else np.zeros(0, bool)
    candidates = total[last]
    thresholds = score[last]
    null = -profile.fn_weight * n_windows
    if candidates.size == 0 or candidates.max() <= null:
        best_th, best_raw = math.inf, null
    else:
        i = int(np.argmax(candidates))
        best_th, best_raw = float(thresholds[i]), float(candidates[i])

    tp = fp = fn = 0
    raw_check = 0.0
    for s, lab in zip(scores, labels, strict=True):
        r, t, f, m = raw_score(s, lab, best_th, profile)
        raw_check += r
        tp, fp, fn = tp + t, fp + f, fn + m
    if not math.isclose(raw_check, best_raw, rel_tol=1e-9, abs_tol=1e-6):
        raise AssertionError(f"sweep {best_raw} != direct {raw_check}")
    return ProfileResult(
        profile=profile.name,
        threshold=best_th,
        raw=best_raw,
        normalised=normalise(best_raw, n_windows, profile),
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
    )


def score_corpus(
    scores: Sequence[np.ndarray],
    labels: Sequence[FileLabels],
    profiles: Mapping[str, Profile] = PROFILES,
) -> dict[str, ProfileResult]:
    return {name: optimise(scores, labels, p) for name, p in profiles.items()}
