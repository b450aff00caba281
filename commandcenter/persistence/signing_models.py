"""Operators' signing keys: Ed25519 public keys, private keys sealed under a passphrase."""

# No `from __future__ import annotations`: Python evaluates each Mapped[...] once, where
# SQLAlchemy would parse and evaluate every annotation string (a CLI call's start-up).

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime


class OperatorKeyRow(Base):
    """One key pair of an operator. Kept after it is revoked, so that what it signed
    before can still be checked; ``sealed_private`` is emptied then."""

    __tablename__ = "operator_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(64))  # raw 32 bytes, hex
    # JSON: argon2id parameters and salt, AES-256-GCM nonce and ciphertext (services/keys.py)
    sealed_private: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")
