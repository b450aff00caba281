"""The score histogram's numbers, without pyqtgraph: the worker bins them at start-up
before the chart widgets (and pyqtgraph) exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from commandcenter.services.health_views import SnapshotScores

BINS = 60


@dataclass(frozen=True, slots=True, eq=False)
class SnapshotHistogram:
    """Shared bin edges (``bins + 1``) and the share of profiles in each bin."""

    edges: np.ndarray
    current: np.ndarray
    reference: np.ndarray  # empty when there is no reference
    snapshot_id: int
    taken_at: datetime
    healthy: bool
    reference_taken_at: datetime | None


def histogram_of(scores: SnapshotScores | None, bins: int = BINS) -> SnapshotHistogram | None:
    """Bin both snapshots on the same edges; runs on the worker."""
    if scores is None:
        return None
    cur = np.asarray(scores.scores, dtype=np.float64)
    ref = np.asarray(scores.reference_scores, dtype=np.float64)
    both = np.concatenate((cur, ref))
    if not both.size:
        return None
    lo, hi = float(both.min()), float(both.max())
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.histogram_bin_edges(both, bins=bins, range=(lo, hi))

    def shares(values: np.ndarray) -> np.ndarray:
        if not values.size:
            return np.empty(0, dtype=np.float64)
        counts, _ = np.histogram(values, bins=edges)
        return counts.astype(np.float64) / values.size

    return SnapshotHistogram(edges, shares(cur), shares(ref), scores.snapshot_id,
                             scores.taken_at, scores.healthy, scores.reference_taken_at)
