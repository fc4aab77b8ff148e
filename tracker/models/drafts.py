from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.people import User
from tracker.models.reports import SourceReport
from tracker.models.types import UTCDateTime, enum_column, utcnow


class DraftStructure(enum.StrEnum):
    SOURCE = "source"  # the parts of the source report: 工作情况及成效, 存在不足及下一步工作对策
    STATUTORY = "statutory"  # the five parts the 2019 supervision rules prescribe


class VersionReason(enum.StrEnum):
    GENERATED = "generated"  # the first version
    REGENERATED = "regenerated"  # the legal office asked for fresh text
    EDITED = "edited"  # a section saved by hand
    MERGED = "merged"  # new progress merged into a hand-edited section
    DISMISSED = "dismissed"  # new progress set aside for a hand-edited section
    RESTORED = "restored"  # an earlier version brought back
    ROLLED_UP = "rolled_up"  # the scheduled roll-up brought in new progress


class Draft(db.Model):
    """The draft of next year's report for one source report, in one structure. Its text lives in
    its versions; the newest is the current one."""

    __tablename__ = "drafts"
    __table_args__ = (sa.UniqueConstraint("report_id", "structure"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("source_reports.id", ondelete="CASCADE"), index=True)
    structure: Mapped[DraftStructure] = mapped_column(enum_column(DraftStructure))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[SourceReport] = relationship()
    versions: Mapped[list[DraftVersion]] = relationship(
        back_populates="draft", order_by="DraftVersion.number", cascade="all, delete-orphan"
    )


class DraftVersion(db.Model):
    """One saved state of a draft: the whole content (title, sections, annex) as JSON, so that any
    two versions can be compared and any version restored. ``author`` None is the system (the
    scheduled roll-up)."""

    __tablename__ = "draft_versions"
    __table_args__ = (sa.UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, 3… within the draft
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[VersionReason] = mapped_column(enum_column(VersionReason))
    note: Mapped[str] = mapped_column(sa.Text, default="")  # which section, restored from which version…
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # tracker.services.drafts.content.DraftContent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    draft: Mapped[Draft] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship()
