"""Tables for listening: inbound mentions and the replies drafted from them.

A mention's rank inputs are computed once, when it is stored, so the ranked
first screen is one walk down ``ix_mentions_rank`` (incident, state, rank)
however many mentions an incident has. ``at_ts`` is epoch seconds (UTC), as
metric points are: a million-row import binds floats, not datetimes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime


class MentionRow(Base):
    __tablename__ = "mentions"
    __table_args__ = (
        # Same channel, author, instant and text: the same mention (domain/mention_files.py).
        UniqueConstraint("incident_id", "at_ts", "dedupe", name="uq_mentions_dedupe"),
        Index("ix_mentions_rank", "incident_id", "state", "rank"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    channel: Mapped[str] = mapped_column(String(40))
    author: Mapped[str] = mapped_column(String(200))
    reach: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    at_ts: Mapped[float] = mapped_column(Double)
    link: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    profile_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    dedupe: Mapped[int] = mapped_column(BigInteger)
    negativity: Mapped[float] = mapped_column(Double)
    own_score: Mapped[bool] = mapped_column(Boolean)
    confirmed: Mapped[bool] = mapped_column(Boolean)
    data_check: Mapped[str] = mapped_column(String(200), default="")
    rank: Mapped[float] = mapped_column(Double)
    state: Mapped[str] = mapped_column(String(12))
    assigned_to: Mapped[str | None] = mapped_column(String(120), nullable=True)
    set_aside_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    reply_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"),
                                                         nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="import")
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class MentionReplyRow(Base):
    """Which mention a drafted reply answers: looked up by message when it is published."""

    __tablename__ = "mention_replies"
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"), index=True)


class MentionAuthorRow(Base):
    """Per incident and author: their highest reach and how many mentions are in each
    state, kept up to date by every write, so "top voices" and the counts are an index
    walk, not a group-by over a million mentions."""

    __tablename__ = "mention_authors"
    __table_args__ = (Index("ix_mention_authors_reach", "incident_id", "reach"),)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    author: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str] = mapped_column(String(40))  # of their highest-reach mention
    reach: Mapped[int] = mapped_column(BigInteger)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    new: Mapped[int] = mapped_column(Integer, default=0)
    assigned: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    set_aside: Mapped[int] = mapped_column(Integer, default=0)
