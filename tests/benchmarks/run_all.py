"""Every benchmark in one JSON report: `make bench` (python -m tests.benchmarks.run_all)."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from tests.benchmarks import bench_chart, bench_ingest, bench_startup, bench_timeline, run_nab


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=Path("bench-report.json"))
    args = parser.parse_args(argv)
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ingest_json = Path(tmp) / "ingest.json"
        bench_ingest.main(["--json", str(ingest_json)])
        report["ingest_and_snapshot"] = json.loads(ingest_json.read_text())
        for name, module in (("startup", bench_startup), ("chart", bench_chart),
                             ("timeline_filter", bench_timeline)):
            out = Path(tmp) / f"{name}.json"
            module.main(["--json", str(out)])
            report[name] = json.loads(out.read_text())
        nab_json = Path(tmp) / "nab.json"
        run_nab.main(["--json", str(nab_json)])
        report["nab_detector"] = json.loads(nab_json.read_text())
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"report written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
