"""Score the Command Center detector on the NAB subset.

    python -m tests.benchmarks.run_nab [--data DIR] [--json OUT]

Runs ``commandcenter.domain.detectors.score_series`` on every file (causal,
default settings, nothing tuned per file) and prints the normalised score for
the three NAB profiles, with the corpus-wide threshold NAB's rules pick.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from commandcenter.domain.detectors import score_series
from tests.benchmarks.nab_scorer import FileLabels, label_rows, score_corpus
from tests.shared import NAB_DATA

DEFAULT_DATA = NAB_DATA


@dataclass(frozen=True, slots=True)
class NabFile:
    name: str
    timestamps: np.ndarray  # float seconds since the epoch
    values: np.ndarray
    labels: FileLabels


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
        lo, hi = np.searchsorted(seconds, _to_seconds([start, end]))
        if seconds[lo] != _to_seconds([start])[0] or seconds[hi] != _to_seconds([end])[0]:
            raise ValueError(f"{name}: window {start}..{end} not on a row")
        spans.append((int(lo), int(hi)))
    return NabFile(name, seconds, values, label_rows(len(rows), spans))


def load_corpus(data_dir: Path = DEFAULT_DATA) -> list[NabFile]:
    windows = json.loads((data_dir / "combined_windows.json").read_text())
    return [load_file(data_dir, name, windows[name]) for name in sorted(windows)]


def run(
    files: list[NabFile],
    detector: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> tuple[dict[str, dict[str, float]], float]:
    detect = detector or (lambda v, t: score_series(v, t))
    started = time.perf_counter()
    scores = [np.asarray(detect(f.values, f.timestamps), dtype=np.float64) for f in files]
    elapsed = time.perf_counter() - started
    results = score_corpus(scores, [f.labels for f in files])
    return {k: asdict(r) for k, r in results.items()}, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)

    files = load_corpus(args.data)
    results, elapsed = run(files)
    rows = sum(len(f.values) for f in files)
    print(f"{len(files)} files, {rows} rows scored in {elapsed:.1f} s")
    print(f"{'profile':<20} {'score':>7} {'threshold':>10} {'TP':>4} {'FP':>5} {'FN':>4}")
    for name, r in results.items():
        print(
            f"{name:<20} {r['normalised']:7.2f} {r['threshold']:10.4f} "
            f"{r['true_positives']:4d} {r['false_positives']:5d} {r['false_negatives']:4d}"
        )
    if args.json:
        payload = {"files": len(files), "rows": rows, "seconds": elapsed, "profiles": results}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
