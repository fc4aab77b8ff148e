from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.types import UTCDateTime, enum_column, utcnow


class ReportStatus(enum.StrEnum):
    IN_REVIEW = "in_review"  # imported, items being reviewed by the legal office
    CONFIRMED = "confirmed"  # items turned into tasks


class ItemKind(enum.StrEnum):
    ACHIEVEMENT = "achievement"  # 工作情况及成效
    # 党政主要负责人履行推进法治建设第一责任人职责情况: a part of its own, not an achievement and
    # not a task (the value fits the column the other kinds made: VARCHAR(11)).
    LEADER_DUTIES = "duties"
    SHORTCOMING = "shortcoming"  # 存在不足
    MEASURE = "measure"  # 下一步工作对策


class LinkStatus(enum.StrEnum):
    SUGGESTED = "suggested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class SourceReport(db.Model):
    """A yearly report as imported, with its original text (and file, for .docx)."""

    __tablename__ = "source_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    issuer: Mapped[str] = mapped_column(sa.String(200))
    year: Mapped[int | None]
    report_date: Mapped[date | None]
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus), default=ReportStatus.IN_REVIEW)
    original_filename: Mapped[str] = mapped_column(sa.String(255))
    original_text: Mapped[str] = mapped_column(sa.Text)
    original_file: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    # Fingerprint of the normalised text, so the same report imported twice is refused.
    content_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[ReportItem]] = relationship(
        back_populates="report", order_by="ReportItem.position", cascade="all, delete-orphan"
    )


class ReportItem(db.Model):
    """One achievement heading, shortcoming or measure of a report, in document order."""

    __tablename__ = "report_items"
    __table_args__ = (sa.UniqueConstraint("report_id", "kind", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("source_reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind))
    number_label: Mapped[str] = mapped_column(sa.String(20))  # as printed: "（三）", "二是", "1."
    title: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int]  # 1-based order within its kind

    report: Mapped[SourceReport] = relationship(back_populates="items")


class ShortcomingMeasureLink(db.Model):
    """A shortcoming addressed by a measure; suggested by text similarity, then accepted or rejected."""

    __tablename__ = "shortcoming_measure_links"
    __table_args__ = (sa.UniqueConstraint("shortcoming_id", "measure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shortcoming_id: Mapped[int] = mapped_column(sa.ForeignKey("report_items.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int] = mapped_column(sa.ForeignKey("report_items.id", ondelete="CASCADE"), index=True)
    status: Mapped[LinkStatus] = mapped_column(enum_column(LinkStatus), default=LinkStatus.SUGGESTED)
    score: Mapped[float | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shortcoming: Mapped[ReportItem] = relationship(foreign_keys=[shortcoming_id])
    measure: Mapped[ReportItem] = relationship(foreign_keys=[measure_id])
