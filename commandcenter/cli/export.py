"""``export timeline``: any incident's timeline, live or drill, as CSV, JSON or PDF."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

from commandcenter.domain.errors import InvalidInput

from .common import Registry

FORMATS = ("csv", "json", "pdf")
CSV_COLUMNS = ("id", "seq", "occurred_at", "recorded_at", "kind", "actor", "text", "corrects",
               "drill")


def _timeline(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.services.drill_report import timeline_document, timeline_records

    out = Path(a.output)
    if not out.parent.exists():
        raise InvalidInput(f"--output: the folder {out.parent} does not exist")
    svc.incidents.catch_up(a.id)
    records = timeline_records(svc.ctx, a.id)  # NotFound (exit 2) before any file is made
    if a.format == "pdf":
        from commandcenter.ui.report_pdf import write_pdf

        write_pdf(timeline_document(svc.ctx, a.id), out)
    elif a.format == "json":
        from commandcenter.jsonable import jsonable

        out.write_text(json.dumps(jsonable(records), ensure_ascii=False, indent=2) + "\n",
                       encoding="utf-8")
    else:
        with out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, CSV_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(records)
    print(f"incident {a.id}: {len(records)} timeline entries written to {out} ({a.format})")
    return {"incident": a.id, "entries": len(records), "format": a.format, "output": str(out)}


def register(r: Registry) -> None:
    g = r.group("export")
    sp = r.cmd(g, "timeline", _timeline, "an incident's timeline as CSV, JSON or PDF")
    sp.add_argument("id", type=int, metavar="ID")
    sp.add_argument("--format", required=True, choices=FORMATS)
    sp.add_argument("--output", required=True, metavar="PATH")
