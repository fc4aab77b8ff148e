"""Storing an imported report and its items."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from tracker.extensions import db
from tracker.importer import ParsedReport
from tracker.models import ItemKind, ReportItem, SourceReport, User
from tracker.services.audit import record_event


class DuplicateReportError(Exception):
    def __init__(self, existing: SourceReport) -> None:
        super().__init__(
            f"该报告已导入过（编号 {existing.id}：{existing.title or existing.original_filename}），不能重复导入。"
        )
        self.existing = existing


def find_duplicate(parsed: ParsedReport) -> SourceReport | None:
    return db.session.scalar(sa.select(SourceReport).where(SourceReport.content_sha256 == parsed.fingerprint))


def proposed_title(issuer: str, year: int | None) -> str:
    """The title a report without a title line is given (editable on the review page): the
    genre's usual one, "{issuer}{year}年法治政府建设年度报告", with what is known of it."""
    return f"{issuer}{f'{year}年' if year else ''}法治政府建设年度报告"


def store_report(
    parsed: ParsedReport,
    *,
    filename: str,
    original_file: bytes | None,
    imported_by: User | None,
    now: datetime,
) -> SourceReport:
    """Add the report and all its items (not committed). Raises DuplicateReportError when the
    same text was imported before, in whatever encoding or format."""
    existing = find_duplicate(parsed)
    if existing is not None:
        raise DuplicateReportError(existing)
    report = SourceReport(
        title=parsed.title or proposed_title(parsed.issuer, parsed.year),
        issuer=parsed.issuer,
        year=parsed.year,
        report_date=parsed.date,
        original_filename=filename,
        original_text=parsed.text,
        original_file=original_file,
        content_sha256=parsed.fingerprint,
        imported_by_id=imported_by.id if imported_by else None,
        created_at=now,
    )
    for kind, items in (
        (ItemKind.ACHIEVEMENT, parsed.achievements),
        (ItemKind.LEADER_DUTIES, parsed.leader_duties),
        (ItemKind.SHORTCOMING, parsed.shortcomings),
        (ItemKind.MEASURE, parsed.measures),
    ):
        for position, item in enumerate(items, start=1):
            report.items.append(
                ReportItem(kind=kind, number_label=item.number, title=item.title, body=item.body, position=position)
            )
    db.session.add(report)
    db.session.flush()
    record_event(
        "report_imported",
        now=now,
        actor=imported_by,
        object_type="source_report",
        object_id=report.id,
        after={
            "title": report.title,
            "achievements": len(parsed.achievements),
            "shortcomings": len(parsed.shortcomings),
            "measures": len(parsed.measures),
        },
    )
    return report
