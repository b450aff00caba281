"""Score the Command Center detector on the NAB subset, honestly.

    python -m tests.benchmarks.run_nab [--data DIR] [--json OUT] [--quick]
    python -m tests.benchmarks.run_nab --agreement      # scorer vs NAB's, on a committed fixture
    python -m tests.benchmarks.run_nab --speed          # detector points/s, largest file

Every file is scored causally by ``commandcenter.domain.anomaly`` with one
set of settings for every series. Settings come from a fixed grid
(``GRID``, no randomness), chosen by leave-one-category-out cross-validation
over the six NAB categories: for each category in turn, the setting and
threshold that score best on the other five are applied unchanged to it.
The held-out figure sums those held-out raw scores over all six categories
and normalises them over the corpus's 83 windows; it is the one that counts.
The in-sample figure picks the best setting and threshold on all 48 files.
Both are reported for the standard, low-FP and low-FN profiles.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from commandcenter.domain.anomaly import (
    DAY,
    WEEK,
    AnomalyDetector,
    AnomalySettings,
    score_series,
)
from commandcenter.domain.likelihood import LikelihoodSettings
from tests.benchmarks.nab_scorer import (
    PROFILES,
    FileLabels,
    label_rows,
    normalise,
    optimise,
    raw_score,
    score_corpus,
)
from tests.shared import NAB_DATA

DEFAULT_DATA = NAB_DATA
AGREEMENT_FIXTURE = Path(__file__).with_name("nab_agreement.json")


@dataclass(frozen=True, slots=True)
class NabFile:
    name: str
    timestamps: np.ndarray  # float seconds since the epoch
    values: np.ndarray
    labels: FileLabels

    @property
    def category(self) -> str:
        return self.name.split("/", 1)[0]


def _to_seconds(stamps: list[str]) -> np.ndarray:
    return np.array(stamps, dtype="datetime64[us]").astype(np.int64) / 1e6


def load_file(data_dir: Path, name: str, windows: list[list[str]]) -> NabFile:
    with (data_dir / "data" / name).open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        if header[:2] != ["timestamp", "value"]:
            raise ValueError(f"{name}: unexpected header {header}")
        rows = [(r[0], r[1]) for r in reader if r]
    seconds = _to_seconds([r[0] for r in rows])
    values = np.array([float(r[1]) for r in rows])
    spans = []
    for start, end in windows:
        # Rows are not always in time order (a repeated hour); match on the row itself.
        lo = int(np.flatnonzero(seconds == _to_seconds([start])[0])[0])
        hi = int(np.flatnonzero(seconds == _to_seconds([end])[0])[0])
        spans.append((lo, hi))
    return NabFile(name, seconds, values, label_rows(len(rows), spans))


def load_corpus(data_dir: Path = DEFAULT_DATA) -> list[NabFile]:
    windows = json.loads((data_dir / "combined_windows.json").read_text())
    return [load_file(data_dir, name, windows[name]) for name in sorted(windows)]


def run(files: list[NabFile],
        detector: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
        ) -> tuple[dict[str, dict[str, float]], float]:
    detect = detector or (lambda v, t: score_series(v, t))
    started = time.perf_counter()
    scores = [np.asarray(detect(f.values, f.timestamps), dtype=np.float64) for f in files]
    elapsed = time.perf_counter() - started
    results = score_corpus(scores, [f.labels for f in files])
    return {k: asdict(r) for k, r in results.items()}, elapsed


# --- the grid --------------------------------------------------------------------------

def grid(quick: bool = False) -> list[AnomalySettings]:
    """Candidate settings, in a fixed order (ties go to the earlier one)."""
    base = AnomalySettings()
    axes: dict[str, Sequence[object]] = {
        "windows": [(64, 512), (32, 256, 1024), (128, 1024)],
        "change_window": [256, 0],
        "periods": [(DAY,), (), (DAY, WEEK)],
        "combine": ["mean", "max"],
        "z_cap": [10.0, 6.0],
        "beyond_range": [0.02, 0.035],
        "average": [20, 10],
        # (record_margin, record_from): no records, records from point 600, from 200.
        "records": [(0.0, 300), (2.0, 300), (2.0, 100)],
        # New ground (values never visited, plainly or at that hour of the week): on, off.
        "novel_bins": [10, 0],
    }
    if quick:
        axes = {k: v[:1] for k, v in axes.items()} | {"periods": [(DAY,), ()]}
    out = []
    for combo in itertools.product(*axes.values()):
        chosen = dict(zip(axes, combo, strict=True))
        average = chosen.pop("average")
        chosen["record_margin"], chosen["record_from"] = chosen.pop("records")
        out.append(replace(base, likelihood=replace(base.likelihood, average=average),
                           **chosen))  # type: ignore[arg-type]
    return out


def describe(s: AnomalySettings) -> dict[str, object]:
    d = asdict(s)
    d["likelihood"] = asdict(s.likelihood) if isinstance(s.likelihood, LikelihoodSettings) \
        else d["likelihood"]
    return d


@dataclass(frozen=True, slots=True)
class Candidate:
    index: int
    settings: AnomalySettings
    in_sample: dict[str, tuple[float, float]]  # profile -> (normalised, threshold)
    # fold (held-out category) -> profile -> (train normalised, threshold, held-out raw)
    folds: dict[str, dict[str, tuple[float, float, float]]]


def evaluate(index: int, settings: AnomalySettings, files: list[NabFile]) -> Candidate:
    scores = [score_series(f.values, f.timestamps, settings) for f in files]
    labels = [f.labels for f in files]
    in_sample = {}
    for name, profile in PROFILES.items():
        r = optimise(scores, labels, profile)
        in_sample[name] = (r.normalised, r.threshold)
    folds: dict[str, dict[str, tuple[float, float, float]]] = {}
    for category in sorted({f.category for f in files}):
        train = [i for i, f in enumerate(files) if f.category != category]
        test = [i for i, f in enumerate(files) if f.category == category]
        folds[category] = {}
        for name, profile in PROFILES.items():
            r = optimise([scores[i] for i in train], [labels[i] for i in train], profile)
            held = sum(raw_score(scores[i], labels[i], r.threshold, profile)[0] for i in test)
            folds[category][name] = (r.normalised, r.threshold, held)
    return Candidate(index, settings, in_sample, folds)


def cross_validate(files: list[NabFile], candidates: list[AnomalySettings]) -> dict:
    evaluated = [evaluate(i, s, files) for i, s in enumerate(candidates)]
    n_windows = sum(f.labels.n_windows for f in files)
    report: dict[str, dict] = {}
    for name, profile in PROFILES.items():
        best = max(evaluated, key=lambda c: (c.in_sample[name][0], -c.index))
        held_raw, chosen = 0.0, {}
        for category in best.folds:
            pick = max(evaluated, key=lambda c: (c.folds[category][name][0], -c.index))
            train_score, threshold, held = pick.folds[category][name]
            held_raw += held
            chosen[category] = {"candidate": pick.index, "threshold": threshold,
                                "train_normalised": round(train_score, 4),
                                "held_out_raw": round(held, 4)}
        report[name] = {
            "in_sample": round(best.in_sample[name][0], 4),
            "in_sample_threshold": best.in_sample[name][1],
            "in_sample_candidate": best.index,
            "held_out": round(normalise(held_raw, n_windows, profile), 4),
            "held_out_raw": round(held_raw, 4),
            "folds": chosen,
        }
    report["candidates"] = [describe(c.settings) for c in evaluated]
    return report


# --- scorer agreement ----------------------------------------------------------------

def agreement(fixture: Path = AGREEMENT_FIXTURE, data_dir: Path = DEFAULT_DATA) -> dict:
    """Our scorer on the fixture's detections, beside NAB's official scorer's figures.

    The fixture holds detections our detector made (sparse: row, score) and the
    figures NAB's own sweeper gave for exactly those detections.
    """
    payload = json.loads(fixture.read_text())
    windows = json.loads((data_dir / "combined_windows.json").read_text())
    scores, labels = [], []
    for name, rows in payload["detections"].items():
        f = load_file(data_dir, name, windows[name])
        s = np.zeros(f.labels.n_rows)
        if rows:
            idx, val = zip(*rows, strict=True)
            s[list(idx)] = val
        scores.append(s)
        labels.append(f.labels)
    ours = score_corpus(scores, labels)
    out = {}
    for name, official in payload["official"].items():
        out[name] = {"ours": round(ours[name].normalised, 4),
                     "official": round(official["normalised"], 4),
                     "difference": round(abs(ours[name].normalised - official["normalised"]), 6),
                     "threshold_ours": ours[name].threshold,
                     "threshold_official": official["threshold"]}
    return out


def speed(files: list[NabFile], repeats: int = 5) -> dict:
    """Points per second on the largest file: whole, in live-sized batches, point by point."""
    f = max(files, key=lambda f: f.values.size)
    n = f.values.size

    def best(run: Callable[[], object]) -> float:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return min(times)

    def batches(size: int) -> Callable[[], object]:
        def go() -> None:
            d = AnomalyDetector()
            for i in range(0, n, size):
                d.score_batch(f.timestamps[i:i + size], f.values[i:i + size])
        return go

    whole = best(lambda: score_series(f.values, f.timestamps))
    live = best(batches(250))
    one = best(batches(1)) if repeats else 0.0
    return {"file": f.name, "rows": n,
            "points_per_s_one_batch": round(n / whole),
            "points_per_s_batches_of_250": round(n / live),
            "points_per_s_point_by_point": round(n / one) if one else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="write the report as JSON here")
    parser.add_argument("--quick", action="store_true", help="a two-setting grid (smoke run)")
    parser.add_argument("--agreement", action="store_true",
                        help="compare our scorer with NAB's on the committed fixture")
    parser.add_argument("--speed", action="store_true", help="detector points/s only")
    args = parser.parse_args(argv)
    if args.speed:
        report = {"speed": speed(load_corpus(args.data))}
        for key, value in report["speed"].items():
            print(f"{key:<30} {value}")
    elif args.agreement:
        report: dict = {"agreement": agreement(data_dir=args.data)}
        for name, r in report["agreement"].items():
            print(f"{name:<20} ours {r['ours']:8.4f}  NAB {r['official']:8.4f}  "
                  f"diff {r['difference']:.6f}")
    else:
        files = load_corpus(args.data)
        started = time.perf_counter()
        candidates = grid(args.quick)
        report = cross_validate(files, candidates)
        elapsed = time.perf_counter() - started
        rows = sum(len(f.values) for f in files)
        report["meta"] = {"files": len(files), "rows": rows, "candidates": len(candidates),
                          "seconds": round(elapsed, 1), "seed": None,
                          "note": "deterministic: a fixed grid, no random search"}
        print(f"{len(files)} files, {rows} rows, {len(candidates)} settings in {elapsed:.0f} s")
        print(f"{'profile':<20} {'in-sample':>9} {'held out':>9}")
        for name in PROFILES:
            r = report[name]
            print(f"{name:<20} {r['in_sample']:9.2f} {r['held_out']:9.2f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
