"""``audit``: verify the keyed log against itself, the tables and an anchor; anchor it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from commandcenter.domain.errors import CommandCenterError

from .common import Registry


class AuditBroken(CommandCenterError):
    exit_code = 3

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


def _audit_verify(a: argparse.Namespace, svc: Any) -> Any:
    r = svc.audit.verify(Path(a.anchor) if a.anchor else None)
    if r.ok:
        anchored = f"; nothing up to anchored record {r.anchor_seq} changed" \
            if r.anchor_seq is not None else ""
        print(f"audit log intact: {r.records} records, head {r.head_hash}{anchored}")
        if r.head is not None:
            print(r.head.line())
        return r
    for p in r.problems:
        print(p, file=sys.stderr)
    raise AuditBroken(f"audit: {len(r.problems)} problem(s) found; the log was tampered with",
                      r)


def _audit_anchor(a: argparse.Namespace, svc: Any) -> Any:
    doc = svc.audit.anchor(Path(a.path))
    print(f"anchored record {doc['seq']}, head {doc['head_hash']} in {a.path}; keep this "
          "file where the database's writers cannot change it")
    return doc


def register(r: Registry) -> None:
    audit = r.group("audit")
    sp = r.cmd(audit, "verify", _audit_verify,
               "check the chain, its head and the tables against the log")
    sp.add_argument("--anchor", metavar="PATH",
                    help="an anchor file from 'audit anchor': prove nothing up to it changed")
    sp = r.cmd(audit, "anchor", _audit_anchor,
               "write the signed head to a file to keep elsewhere")
    sp.add_argument("path")
