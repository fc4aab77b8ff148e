from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.types import UTCDateTime, utcnow


class SignInCounter(db.Model):
    """Failed sign-ins in the current window for one key ("pair:{email}|{address}" or
    "address:{address}"), counted by an atomic upsert so parallel guesses cannot overrun the limit."""

    __tablename__ = "sign_in_counters"

    key: Mapped[str] = mapped_column(sa.String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AuditEvent(db.Model):
    """Append-only record of who changed what, with the values before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_object", "object_type", "object_id", "created_at"),
        # Sign-in throttling counts recent failures per address.
        sa.Index("ix_audit_events_action_remote_addr", "action", "remote_addr", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)  # None: the system
    action: Mapped[str] = mapped_column(sa.String(50))
    object_type: Mapped[str] = mapped_column(sa.String(50))
    object_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
