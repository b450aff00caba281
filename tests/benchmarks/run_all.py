"""Every benchmark figure against a baseline measured in the same run: ``make bench``.

    python -m tests.benchmarks.run_all [--runs N] [--json bench-report.json] [--only NAME ...]

Each figure runs the product and its baseline alternately (product, baseline,
product, baseline, ...) so that a change in the machine's load hits both, and
reports the median of each, their ratio, the targets and pass/fail. The
table is printed; everything is written to ``--json``. How each figure is
measured: tests/benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.benchmarks import figures
from tests.benchmarks.bench_live import FIGURES as LIVE_FIGURES


@dataclass
class Figure:
    name: str
    what: str
    unit: str
    baseline_what: str = ""
    product: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    goal: tuple[str, float] | None = None  # ("<", 1.0): the product's median must be < 1.0
    ratio_goal: float | None = None  # product / baseline must be <= this
    higher_is_better: bool = False
    notes: dict[str, Any] = field(default_factory=dict)
    runs_why: str | None = None  # why the figure ran other than --runs times

    def median(self, values: list[float]) -> float | None:
        return statistics.median(values) if values else None

    def as_dict(self) -> dict[str, Any]:
        p, b = self.median(self.product), self.median(self.baseline)
        ratio = None
        if p is not None and b:
            ratio = b / p if self.higher_is_better else p / b
        checks = {}
        if self.goal is not None and p is not None:
            op, value = self.goal
            checks["absolute"] = {"<": p < value, "<=": p <= value, ">=": p >= value}[op]
        if self.ratio_goal is not None and ratio is not None:
            checks["ratio"] = ratio <= self.ratio_goal
        return {"what": self.what, "unit": self.unit, "median": p, "runs": self.product,
                "run_count": len(self.product), "runs_why": self.runs_why,
                "baseline": self.baseline_what, "baseline_median": b,
                "baseline_runs": self.baseline, "ratio": ratio,
                "goal": f"{self.goal[0]} {self.goal[1]:g} {self.unit}" if self.goal else None,
                "ratio_goal": f"<= {self.ratio_goal:g}" if self.ratio_goal else None,
                "checks": checks, "pass": all(checks.values()) if checks else None,
                **({"notes": self.notes} if self.notes else {})}


def interleave(runs: int, product: Callable[[], float], baseline: Callable[[], float] | None
               ) -> tuple[list[float], list[float]]:
    p, b = [], []
    for _ in range(runs):
        p.append(product())
        if baseline is not None:
            b.append(baseline())
    return p, b


def runs_of(spec: dict[str, Any], asked: int) -> tuple[int, str | None]:
    """How many runs a figure makes (its own "runs", else --runs) and, when that is not
    --runs, why (its "runs_why"): never silently other than asked."""
    runs, why = spec.pop("runs", asked), spec.pop("runs_why", None)
    if runs == asked:
        return runs, None
    return runs, why or "set by the figure"


def table(report: dict[str, Any]) -> str:
    rows = [("figure", "median", "baseline", "ratio", "runs", "target", "pass")]
    footnotes = []
    for name, f in report["figures"].items():
        med = "-" if f["median"] is None else f"{f['median']:.4g} {f['unit']}"
        base = "-" if f["baseline_median"] is None else f"{f['baseline_median']:.4g}"
        ratio = "-" if f["ratio"] is None else f"{f['ratio']:.2f}x"
        goals = ", ".join(g for g in (f["goal"], f["ratio_goal"] and f"ratio {f['ratio_goal']}")
                          if g)
        ok = {True: "PASS", False: "FAIL", None: "-"}[f["pass"]]
        runs = str(f["run_count"])
        if f["runs_why"]:
            runs += "*"
            footnotes.append(f"* {name}: {f['run_count']} run(s), not --runs "
                             f"{report['runs_asked']}: {f['runs_why']}")
        rows.append((name, med, base, ratio, runs, goals or "-", ok))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines + footnotes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=Path("bench-report.json"))
    parser.add_argument("--runs", type=int, default=5, help="interleaved runs per figure")
    parser.add_argument("--only", nargs="*", help="figures to run (default: all)")
    parser.add_argument("--ingest-rows", type=int, default=1_000_000)
    parser.add_argument("--ingest-runs", type=int, default=3)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--profiles", type=int, default=10_000_000)
    parser.add_argument("--stream-minutes", type=int, default=60)
    parser.add_argument("--drill-minutes", type=int, default=360,
                        help="simulated minutes the drill-window figure plays at x60")
    args = parser.parse_args(argv)
    out: dict[str, Figure] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, make in {**figures.ALL, **LIVE_FIGURES}.items():
            if args.only and name not in args.only:
                continue
            print(f"measuring {name} ...", file=sys.stderr, flush=True)
            spec = make(folder / name, args)
            runs, why = runs_of(spec, args.runs)
            product, baseline = interleave(runs, spec.pop("product"),
                                           spec.pop("baseline", None))
            out[name] = Figure(name=name, product=[round(x, 6) for x in product],
                               baseline=[round(x, 6) for x in baseline], runs_why=why,
                               **spec)
    report = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_avg_after": os.getloadavg()},
        "runs_asked": args.runs,
        "figures": {name: f.as_dict() for name, f in out.items()},
    }
    report["table"] = table(report).splitlines()
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    print(f"report written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
