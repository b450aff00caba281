"""The audit key file: 32 random bytes, hex, readable by its owner only.

It lives outside the database (by default in the user's config directory),
so a copy of the database alone cannot be re-chained. Every workstation that
shares a database needs the same file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from commandcenter.domain.audit import AuditKey
from commandcenter.domain.errors import InvalidInput


def load_or_create(path: Path) -> AuditKey:
    """The key in ``path``; a new one (mode 0600) when the file does not exist yet."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secret.hex().encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # link, not rename: a second process creating the key at the same moment
        # must not replace the first one's key.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return _read(path)


def read_existing(path: Path) -> AuditKey | None:
    """The key in ``path`` if the file is there (None if not); never creates one."""
    try:
        return _read(path)
    except FileNotFoundError:
        return None


def _read(path: Path) -> AuditKey:
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        secret = bytes.fromhex(text)
        return AuditKey(secret)
    except ValueError:
        raise InvalidInput(f"audit key: {path} is not an audit key (64 or more hex "
                           "digits on one line)") from None
