"""``audit``: verify the hash-chained log."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from commandcenter.domain.errors import CommandCenterError

from .common import Registry


class AuditBroken(CommandCenterError):
    exit_code = 3

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


def _audit_verify(a: argparse.Namespace, svc: Any) -> Any:
    r = svc.audit.verify()
    if r.ok:
        print(f"audit log intact: {r.records} records, head {r.head_hash}")
        return r
    for p in r.problems:
        print(p, file=sys.stderr)
    raise AuditBroken(f"audit: {len(r.problems)} problem(s) found; the log was tampered with",
                      r)


def register(r: Registry) -> None:
    audit = r.group("audit", "the audit log")
    r.cmd(audit, "verify", _audit_verify, "check the hash chain")
