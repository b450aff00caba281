"""The NAB scorer on hand-made cases whose score is easy to work out."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tests.benchmarks.nab_scorer import (
    MAX_TP,
    PROFILES,
    Profile,
    label_rows,
    optimise,
    raw_score,
    scaled_sigmoid,
    score_corpus,
)
from tests.benchmarks.run_nab import DEFAULT_DATA, agreement, load_file, run
from tests.shared import nab_file as require_nab_file

STANDARD = PROFILES["standard"]
N = 100  # probation: floor(0.15 * 100) = 15 rows
WINDOW = (40, 49)  # 10 rows


def one_hot(*rows: int, n: int = N) -> np.ndarray:
    scores = np.zeros(n)
    scores[list(rows)] = 1.0
    return scores


def s(p: float) -> float:
    return 2.0 / (1.0 + math.exp(5.0 * p)) - 1.0


@pytest.fixture
def labels():
    return label_rows(N, [WINDOW])


def test_perfect_detector_scores_100_on_every_profile(labels) -> None:
    results = score_corpus([one_hot(40)], [labels])
    for result in results.values():
        assert result.normalised == pytest.approx(100.0)
        assert (result.true_positives, result.false_positives) == (1, 0)


def test_never_firing_scores_0(labels) -> None:
    for profile in PROFILES.values():
        assert raw_score(np.zeros(N), labels, math.inf, profile)[0] == -profile.fn_weight
        # A detector firing everywhere pays more in false alarms than one window earns.
        result = optimise([np.zeros(N)], [labels], profile)
        assert result.threshold == math.inf and result.normalised == 0.0


def test_detection_on_a_windows_first_row_earns_tp_weight(labels) -> None:
    profile = Profile("custom", tp_weight=2.5, fn_weight=1.0, fp_weight=0.3)
    assert raw_score(one_hot(40), labels, 1.0, profile) == (pytest.approx(2.5), 1, 0, 0)
    # Only the best (earliest) detection of a window counts, once.
    assert raw_score(one_hot(40, 44, 49), labels, 1.0, profile)[0] == pytest.approx(2.5)


def test_later_detection_in_window_earns_less(labels) -> None:
    total, tp, fp, fn = raw_score(one_hot(49), labels, 1.0, STANDARD)
    assert total == pytest.approx(s(-1 / 10) / s(-1.0)) and (tp, fp, fn) == (1, 0, 0)
    assert math.isclose(MAX_TP, s(-1.0))


def test_false_positive_before_first_window_costs_fp_weight(labels) -> None:
    profile = Profile("custom", tp_weight=1.0, fn_weight=1.0, fp_weight=0.3)
    assert raw_score(one_hot(20), labels, 1.0, profile) == (pytest.approx(-1.3), 0, 1, 1)
    assert raw_score(one_hot(20, 21), labels, 1.0, STANDARD)[0] == pytest.approx(-1.22)


def test_false_positive_after_window_costs_by_distance(labels) -> None:
    # one window length after its end: q = 9 / (10 - 1) = 1
    assert raw_score(one_hot(40, 58), labels, 1.0, STANDARD)[0] == pytest.approx(
        1.0 + 0.11 * s(1.0)
    )
    # right after the end it costs almost nothing; far after (q > 3) the full weight
    assert raw_score(one_hot(40, 50), labels, 1.0, STANDARD)[0] == pytest.approx(
        1.0 + 0.11 * s(1 / 9)
    )
    assert raw_score(one_hot(40, 90), labels, 1.0, STANDARD)[0] == pytest.approx(1.0 - 0.11)
    assert float(scaled_sigmoid(3.5)) == -1.0


def test_probationary_rows_are_ignored(labels) -> None:
    assert raw_score(one_hot(3, 14), labels, 1.0, STANDARD) == (-1.0, 0, 0, 1)
    assert raw_score(one_hot(15), labels, 1.0, STANDARD)[0] == pytest.approx(-1.11)
    assert labels.rows[0] == 15
    assert label_rows(10_000, []).rows[0] == 750  # capped at 750 rows


def test_normalisation_over_several_files() -> None:
    a, b = label_rows(N, [WINDOW]), label_rows(200, [(60, 79), (120, 139)])
    # hit the first file's window at its start, miss both windows of the second file
    result = optimise([one_hot(40), np.zeros(200)], [a, b], STANDARD)
    raw = 1.0 - 2.0
    assert result.raw == pytest.approx(raw)
    assert result.normalised == pytest.approx(100 * (raw + 3) / (3 + 3))
    low_fn = optimise([one_hot(40), np.zeros(200)], [a, b], PROFILES["reward_low_FN_rate"])
    assert low_fn.normalised == pytest.approx(100 * (1.0 - 4.0 + 6) / (3 + 6))


def test_threshold_sweep_equals_brute_force() -> None:
    rng = np.random.default_rng(0)
    files, scores = [], []
    for n, windows in [(300, [(100, 129)]), (500, [(120, 149), (300, 359)]), (250, [])]:
        files.append(label_rows(n, windows))
        # a few repeated values, so ties between rows are exercised too
        scores.append(np.round(rng.random(n) ** 3, 2))
    for profile in PROFILES.values():
        result = optimise(scores, files, profile)
        candidates = np.unique(np.concatenate(scores))
        brute = max(
            sum(raw_score(sc, lab, th, profile)[0] for sc, lab in zip(scores, files, strict=True))
            for th in candidates
        )
        assert result.raw == pytest.approx(max(brute, -3 * profile.fn_weight))


def test_windows_must_lie_inside_the_file() -> None:
    with pytest.raises(ValueError):
        label_rows(50, [(40, 60)])


def test_one_small_nab_file_scores_without_error() -> None:
    name = "realTraffic/speed_7578.csv"
    require_nab_file(name)  # fails, naming the path, when ../shared is missing
    windows = json.loads((DEFAULT_DATA / "combined_windows.json").read_text())[name]
    nab_file = load_file(DEFAULT_DATA, name, windows)
    assert nab_file.labels.n_windows == 4 and len(nab_file.values) == 1127
    results, _ = run([nab_file])
    assert set(results) == set(PROFILES)
    for result in results.values():
        assert -100.0 <= result["normalised"] <= 100.0


def test_our_scorer_agrees_with_nabs_official_scorer_to_two_decimals() -> None:
    # The fixture holds our detector's detections on all 48 files and the figures
    # NAB's own sweeper and optimiser gave for them (see its "about").
    require_nab_file("realTraffic/speed_7578.csv")
    results = agreement()
    assert set(results) == set(PROFILES)
    for result in results.values():
        assert round(result["ours"], 2) == round(result["official"], 2)
        assert result["threshold_ours"] == pytest.approx(result["threshold_official"])
