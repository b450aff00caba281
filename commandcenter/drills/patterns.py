"""Metric patterns: each metric inject sets how its series moves until the next one.

steady (a level), drop (lose X % linearly over a span, then hold), step (jump
to a level or by an amount), drift (so much per hour), noise (random around
the current level), stale (no points at all: the pipeline stopped). Any
pattern may add ``sigma`` of noise. Deterministic: a seed per series.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

import numpy as np

from .scenario import Inject, Scenario


class SeriesPlan:
    """One series' points over the whole drill, computed once, handed out by time."""

    def __init__(self, name: str, injects: list[Inject], start: datetime, end: datetime,
                 step: timedelta, seed: int) -> None:
        self.name = name
        t0, t1, dt = start.timestamp(), end.timestamp(), step.total_seconds()
        ts = np.arange(t0, t1 + dt / 2, dt, dtype=np.float64)
        values = np.full(ts.size, np.nan)
        rng = np.random.default_rng(seed ^ zlib.crc32(name.encode()))
        level = 0.0
        for n, inj in enumerate(injects):
            a = t0 + inj.at.total_seconds()
            b = t0 + injects[n + 1].at.total_seconds() if n + 1 < len(injects) else t1 + dt
            hit = (ts >= a) & (ts < b)
            x = (ts[hit] - a) / 3600.0  # hours into this pattern
            if inj.value is not None:
                level = inj.value
            if inj.pattern in ("steady", "noise"):
                seg = np.full(x.size, level)
            elif inj.pattern == "drop":
                target = level * (1.0 - (inj.by or 0.0))
                span = inj.over.total_seconds() / 3600.0
                frac = np.clip(x / span, 0.0, 1.0) if span > 0 else np.ones(x.size)
                seg = level + (target - level) * frac
                level = target
            elif inj.pattern == "step":
                level = inj.to if inj.to is not None else level + (inj.by or 0.0)
                seg = np.full(x.size, level)
            elif inj.pattern == "drift":
                seg = level + inj.per_hour * x
                level = level + inj.per_hour * (b - a) / 3600.0
            else:  # stale: nothing arrives
                values[hit] = np.nan
                continue
            if inj.sigma:
                seg = seg + rng.normal(0.0, inj.sigma, x.size)
            values[hit] = seg
        keep = ~np.isnan(values)
        self.ts, self.values = ts[keep], values[keep]
        self._sent = 0

    def skip_to(self, until: datetime) -> None:
        """Points up to ``until`` count as handed out (a plan rebuilt mid-drill)."""
        self._sent = int(np.searchsorted(self.ts, until.timestamp(), side="right"))

    def due(self, until: datetime) -> tuple[np.ndarray, np.ndarray]:
        """Points up to and including ``until`` not handed out yet."""
        upto = int(np.searchsorted(self.ts, until.timestamp(), side="right"))
        ts, vs = self.ts[self._sent:upto], self.values[self._sent:upto]
        self._sent = max(self._sent, upto)
        return ts, vs


def plans(scenario: Scenario, injects: list[Inject] | None = None) -> list[SeriesPlan]:
    """One plan per metric series; ``injects`` replaces the scenario's (some moved)."""
    by_series: dict[str, list[Inject]] = {}
    for inj in sorted(injects if injects is not None else scenario.injects,
                      key=lambda j: (j.at, j.index)):
        if inj.kind == "metric":
            by_series.setdefault(inj.series, []).append(inj)
    return [SeriesPlan(name, injects, scenario.start, scenario.end, scenario.step, scenario.seed)
            for name, injects in by_series.items()]


def snapshot_scores(inj: Inject, seed: int, *, baseline: bool = False
                    ) -> tuple[np.ndarray, np.ndarray]:
    """A score snapshot: gamma-distributed scores with the given mean; ``affected`` of
    the profiles multiplied by ``factor`` (unless ``baseline``: the healthy batch)."""
    rng = np.random.default_rng(seed + inj.index)
    ids = np.arange(1, inj.profiles + 1, dtype=np.int64)
    healthy = np.random.default_rng(seed).gamma(4.0, inj.mean / 4.0, inj.profiles) + 1.0
    if baseline:
        return ids, healthy
    scores = healthy * (1.0 + rng.normal(0.0, 0.01, inj.profiles))
    scores[rng.random(inj.profiles) < inj.affected] *= inj.factor
    return ids, scores
