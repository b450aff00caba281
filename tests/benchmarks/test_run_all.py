"""run_all makes each figure's runs as --runs says, or says in its table why not.

The measurements are faked here: what is checked is the bookkeeping, not a timing."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks import figures, run_all


def fake_stream(gaps: list[float], seen: list[list[str]]) -> Any:
    """Stands in for ``bench_chart --stream-only``: writes one run's report, in turn."""

    real = subprocess.run

    def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
        if "tests.benchmarks.bench_chart" not in cmd:  # platform.platform() asks uname
            return real(cmd, **kwargs)
        seen.append(cmd)
        assert "--stream-only" in cmd
        gap = gaps[len(seen) - 1]
        out = Path(cmd[cmd.index("--json") + 1])
        out.write_text(json.dumps({"stream": {
            "max_gap_ms": gap, "p99_gap_ms": gap / 2, "gaps_over_50ms": int(gap > 50),
            "points_ingested": 100_000}}))
        return subprocess.CompletedProcess(cmd, 0, "", "")

    return run


def test_stream_stall_runs_as_often_as_runs_says_and_reports_the_median(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(figures.subprocess, "run", fake_stream([30.0, 90.0, 20.0], seen))
    out = tmp_path / "report.json"
    assert run_all.main(["--only", "stream_stall", "--runs", "3", "--json", str(out)]) == 0
    figure = json.loads(out.read_text())["figures"]["stream_stall"]
    assert len(seen) == 3  # each run in a process of its own
    assert len({cmd[cmd.index("--json") + 1] for cmd in seen}) == 3
    assert figure["runs"] == [30.0, 90.0, 20.0] and figure["run_count"] == 3
    assert figure["median"] == 30.0 and figure["pass"] is True
    assert figure["runs_why"] is None
    assert figure["notes"]["p99_gap_ms"] == [15.0, 45.0, 10.0]  # every run's, not the last
    assert figure["notes"]["gaps_over_50ms"] == [0, 1, 0]
    [row] = [line for line in capsys.readouterr().out.splitlines()
             if line.startswith("stream_stall")]
    assert row.split()[5] == "3"  # the runs column, no footnote mark


def test_a_figure_that_keeps_its_own_count_says_so_in_the_table(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def long_one(folder: Path, args: Any) -> dict[str, Any]:
        return {"what": "an hour a run", "unit": "MB", "product": lambda: 40.0, "runs": 1,
                "runs_why": "a run is a whole simulated hour"}

    def unexplained(folder: Path, args: Any) -> dict[str, Any]:
        return {"what": "three", "unit": "ms", "product": lambda: 1.0, "runs": 3}

    monkeypatch.setitem(figures.ALL, "long_one", long_one)
    monkeypatch.setitem(figures.ALL, "unexplained", unexplained)
    out = tmp_path / "report.json"
    assert run_all.main(["--only", "long_one", "unexplained", "--runs", "5",
                         "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["runs_asked"] == 5
    assert report["figures"]["long_one"]["run_count"] == 1
    assert report["figures"]["long_one"]["runs_why"] == "a run is a whole simulated hour"
    assert report["figures"]["unexplained"]["runs_why"] == "set by the figure"
    printed = capsys.readouterr().out
    assert "* long_one: 1 run(s), not --runs 5: a run is a whole simulated hour" in printed
    assert "* unexplained: 3 run(s), not --runs 5: set by the figure" in printed
    assert report["table"][-2:] == [
        "* long_one: 1 run(s), not --runs 5: a run is a whole simulated hour",
        "* unexplained: 3 run(s), not --runs 5: set by the figure"]


def test_every_figure_that_fixes_its_count_says_why() -> None:
    import inspect

    from tests.benchmarks import bench_live

    for module in (figures, bench_live):
        source = inspect.getsource(module)
        fixed = source.count('"runs": ')
        assert fixed and source.count('"runs_why": ') == fixed, module.__name__
