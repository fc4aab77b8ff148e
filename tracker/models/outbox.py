from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.types import UTCDateTime, enum_column, utcnow


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    RECORDED = "recorded"  # no SMTP configured: kept for the mail page, not sent
    FAILED = "failed"
    CANCELLED = "cancelled"
    HELD = "held"  # for a user who chose the weekly digest: shown in the app, sent in the next digest
    DIGESTED = "digested"  # gathered into a sent digest


class Notification(db.Model):
    """One mail in the outbox.

    ``dedup_key`` names the logical reminder (kind, task, deadline, step, recipient); its unique
    constraint turns a second planning of the same reminder into a no-op.
    """

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id", ondelete="SET NULL"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    recipient_email: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column(NotificationStatus), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(sa.String(255))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when a sender took it (status sending)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # seen in the recipient's in-app list
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ListedReminder(db.Model):
    """A reminder that went out as a line of a person's day list (the mail ``list_id``) instead of
    as a mail of its own. Its ``dedup_key`` counts as known exactly like an outbox row's.

    Deliberately lean: a province's Monday puts fifty thousand of these in one statement, and each
    foreign key or index costs PostgreSQL a third of a second more. Nothing they point at is ever
    deleted (tasks are cancelled, people deactivated, mails kept), so there are no foreign keys.
    """

    __tablename__ = "listed_reminders"

    dedup_key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    task_id: Mapped[int] = mapped_column(index=True)
    recipient_id: Mapped[int]
    list_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    list: Mapped[Notification] = relationship(
        primaryjoin="foreign(ListedReminder.list_id) == Notification.id", viewonly=True
    )
