"""The after-action report (PDF and HTML) and the timeline export: rendered, not blank,
and saying what happened; the PDF pages are rasterised with poppler's pdftoppm."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from commandcenter.app import Services
from commandcenter.cli import main
from tests.services.support import ALICE, open_incident

SCENARIOS = Path(__file__).resolve().parents[2] / "resources" / "scenarios"
HALVED = SCENARIOS / "scores-halved-overnight.toml"

HOT_WASH = '''\
by = "Morgan Blake"
strengths = ["The acknowledgement went out at T+17m, approved by the owner of the moment."]
improvements = ["The CEO's post needed a delegation: plan the hand-over before she writes."]

[[plan]]
action = "Add a pre-approved delegation for the CEO's own posts to the crisis plan"
owner = "Daniel Reyes"
due = "2026-03-16"
'''

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                   reason="poppler-utils (make test installs it)")


def pages(pdf: Path, folder: Path) -> list[np.ndarray]:
    """Each page as a grey image, via pdftoppm (PGM: a tiny header, then bytes)."""
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf), str(folder / "page")],
                   check=True, capture_output=True)
    out = []
    for f in sorted(folder.glob("page-*.pgm")):
        data = f.read_bytes()
        header = data.split(b"\n", 3)
        width, height = (int(v) for v in header[1].split())
        out.append(np.frombuffer(header[3], dtype=np.uint8)[: width * height]
                   .reshape(height, width))
    return out


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                         text=True).stdout
    return " ".join(out.replace("\ufb01", "fi").replace("\ufb02", "fl").split())


def ink(page: np.ndarray) -> float:
    return float((page < 200).mean())


@pytest.fixture
def drill(halved_meets_run: tuple[Path, dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    return halved_meets_run


@needs_poppler
def test_report_pdf_pages_are_not_blank(drill: tuple[Path, dict[str, Any]]) -> None:
    folder, _ = drill
    rendered = pages(folder / "report.pdf", folder)
    assert len(rendered) >= 3
    assert all(ink(p) > 0.001 for p in rendered)
    text = pdf_text(folder / "report.pdf")
    for heading in ("After-action report: Scores halved overnight", "Objectives",
                    "Response figures beside the seed benchmark", "Improvement plan",
                    "Audit log head hash"):
        assert heading in text
    assert "EXERCISE: We know many of you saw your score drop by half" in text


@needs_poppler
def test_reopened_drill_report_carries_the_hot_wash(drill: tuple[Path, dict[str, Any]],
                                                   tmp_path: Path) -> None:
    folder, _ = drill
    hot = tmp_path / "hot-wash.toml"
    hot.write_text(HOT_WASH)
    html = tmp_path / "aar.html"
    assert main(["drill", "report", str(folder / "run"), "--output", str(html),
                 "--hot-wash", str(hot)]) == 0
    page = html.read_text()
    assert "pre-approved delegation" in page and "Daniel Reyes" in page
    assert "data:image/png;base64," in page  # the chart travels inside the file
    assert page.count("class='met'>met<") == 4
    pdf = tmp_path / "aar.pdf"
    assert main(["drill", "report", str(folder / "run"), "--output", str(pdf)]) == 0
    text = pdf_text(pdf)
    assert "The CEO's post needed a delegation" in text  # kept from the hot wash above


def test_hot_wash_errors_name_the_line(drill: tuple[Path, dict[str, Any]], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder, _ = drill
    hot = tmp_path / "bad.toml"
    hot.write_text('strengths = ["ok"]\n\n[[plan]]\naction = "x"\nowner = "y"\n')
    assert main(["drill", "report", str(folder / "run"), "--output", str(tmp_path / "a.pdf"),
                 "--hot-wash", str(hot)]) == 2
    assert "line 3: plan[0]: missing 'due'" in capsys.readouterr().err
    assert not (tmp_path / "a.pdf").exists()


@needs_poppler
def test_export_timeline_csv_json_pdf(people: Services, tmp_path: Path) -> None:
    inc = open_incident(people)
    people.incidents.add_entry(inc, "Batch 2291 halved half the scores.", ALICE)
    url = people.settings.database_url
    for fmt in ("csv", "json", "pdf"):
        out = tmp_path / f"timeline.{fmt}"
        assert main(["--database-url", url, "export", "timeline", str(inc), "--format", fmt,
                     "--output", str(out)]) == 0
    rows = list(csv.DictReader((tmp_path / "timeline.csv").open()))
    doc = json.loads((tmp_path / "timeline.json").read_text())
    assert [r["text"] for r in rows] == [d["text"] for d in doc]
    assert "Batch 2291 halved half the scores." in [r["text"] for r in rows]
    rendered = pages(tmp_path / "timeline.pdf", tmp_path)
    assert rendered and all(ink(p) > 0.001 for p in rendered)
    assert main(["--database-url", url, "export", "timeline", "999", "--format", "csv",
                 "--output", str(tmp_path / "none.csv")]) == 2
    assert not (tmp_path / "none.csv").exists()

