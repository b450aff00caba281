"""What an approver signs, and the outbox name of a publication: both built, never read.

An approval is a signature over one canonical JSON statement: the message,
its revision, channel and content hash, the instant, the approver and key,
and the ownership evidence (why the approver owned the communications chain
then). Publish and every delivery rebuild what they compare from the stored
columns and the text itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .audit import canonical
from .errors import PolicyRefused

STATEMENT_KIND = "commandcenter.approval"
STATEMENT_VERSION = 1
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class ApprovalStatement:
    message_id: int
    revision: int
    channel: str
    content_hash: str
    approved_at: datetime
    approver_contact_id: int
    approver: str
    key_id: int
    public_key: str
    evidence: dict[str, Any]

    def text(self) -> str:
        return canonical({
            "kind": STATEMENT_KIND, "version": STATEMENT_VERSION,
            "message_id": self.message_id, "revision": self.revision,
            "channel": self.channel, "content_hash": self.content_hash,
            "approved_at": self.approved_at.isoformat(),
            "approver": {"contact_id": self.approver_contact_id, "name": self.approver},
            "key": {"id": self.key_id, "public_key": self.public_key},
            "evidence": self.evidence,
        })


def statement_mismatch(signed: str, expected: ApprovalStatement) -> str | None:
    """Why the signed statement is not the statement the stored approval describes."""
    if signed != expected.text():
        return "the signed statement does not match the stored approval"
    return None


def check_content_hash(digest: str) -> str:
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        raise PolicyRefused("publication: its content hash is not a SHA-256 hex digest")
    return digest


def publication_file_name(published_at: datetime, message_id: int, digest: str) -> str:
    """The outbox file of a publication, from values that were checked first."""
    if not isinstance(message_id, int) or message_id < 1:
        raise PolicyRefused("publication: bad message id")
    return f"{published_at:%Y%m%dT%H%M%SZ}-message-{message_id}-{check_content_hash(digest)[:12]}" \
        ".json"
