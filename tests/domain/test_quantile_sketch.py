"""The KLL quantile sketch keeps its documented rank error, in any input order, merged or not."""

from __future__ import annotations

import numpy as np
import pytest

from commandcenter.domain.quantile_sketch import RANK_ERROR, QuantileSketch

QS = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


def rank_errors(sketch: QuantileSketch, ordered: np.ndarray) -> np.ndarray:
    got = np.asarray(sketch.quantiles(QS))
    low = np.searchsorted(ordered, got, "left") / ordered.size
    high = np.searchsorted(ordered, got, "right") / ordered.size
    target = np.asarray(QS)
    return np.where(target < low, low - target, np.where(target > high, target - high, 0.0))


def feed(values: np.ndarray, chunk: int = 1 << 22, seed: int = 0) -> QuantileSketch:
    sketch = QuantileSketch(seed=seed)
    for lo in range(0, values.size, chunk):
        sketch.add(values[lo:lo + chunk])
    return sketch


def test_exact_below_k() -> None:
    values = np.random.default_rng(1).gamma(4.0, 10.0, 3000)
    assert feed(values).quantiles(QS) == pytest.approx(np.quantile(values, QS).tolist())


def test_ten_million_profiles_against_exact_quantiles() -> None:
    values = np.random.default_rng(7).gamma(4.0, 10.0, 10_000_000)
    sketch = feed(values)
    assert len(sketch) == values.size
    assert rank_errors(sketch, np.sort(values)).max() < RANK_ERROR


@pytest.mark.parametrize("order", ["ascending", "descending", "sawtooth"])
def test_adversarial_orders(order: str) -> None:
    values = np.random.default_rng(3).normal(500.0, 80.0, 2_500_000)
    ordered = np.sort(values)
    if order == "ascending":
        stream = ordered
    elif order == "descending":
        stream = ordered[::-1].copy()
    else:
        stream = ordered.reshape(50, -1).T.reshape(-1).copy()
    for seed in range(3):
        sketch = feed(stream, chunk=100_000, seed=seed)
        assert rank_errors(sketch, ordered).max() < RANK_ERROR


def test_two_sketches_merge() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.gamma(2.0, 10.0, 1_500_000), rng.gamma(6.0, 10.0, 2_000_000)
    left, right = feed(a, seed=1), feed(b, seed=2)
    left.merge(right)
    assert len(left) == a.size + b.size
    assert rank_errors(left, np.sort(np.concatenate([a, b]))).max() < RANK_ERROR


def test_empty_sketch_has_no_quantiles() -> None:
    assert all(np.isnan(QuantileSketch().quantiles(QS)))
