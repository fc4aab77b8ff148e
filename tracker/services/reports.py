"""Storing an imported report and its items; what the list of reports counts; a report's tasks
in the report's order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.errors import Refusal
from tracker.extensions import db
from tracker.importer import ParsedReport
from tracker.models import ItemKind, ReportItem, SourceReport, Task, User
from tracker.services.audit import record_event


class DuplicateReportError(Refusal):
    """The same text was imported before (as ``existing``)."""

    def __init__(self, existing: SourceReport) -> None:
        super().__init__(
            f"该报告已导入过（编号 {existing.id}：{existing.title or existing.original_filename}），不能重复导入。"
        )
        self.existing = existing


def keeps_original(filename: str) -> bool:
    """Whether the uploaded file is kept beside its text: a .docx, whose layout (numbering,
    tables) the text does not keep; a .txt is its text."""
    return filename.lower().endswith(".docx")


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
    data: bytes | None,
    imported_by: User | None,
    now: datetime,
) -> SourceReport:
    """Add the report and all its items (not committed); ``data``, the file as uploaded, is kept
    when :func:`keeps_original`. Raises DuplicateReportError when the same text was imported
    before, in whatever encoding or format."""
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
        original_file=data if data is not None and keeps_original(filename) else None,
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


@dataclass(frozen=True)
class ReportCounts:
    """What the list of reports shows of each: items per kind, top-level tasks."""

    items: dict[tuple[int, ItemKind], int]  # (report id, kind) -> items
    tasks: dict[int, int]  # report id -> tasks (milestones not counted)


def counts_of(reports: Sequence[SourceReport]) -> ReportCounts:
    """The counts of ``reports`` (two queries, whatever their number)."""
    ids = [report.id for report in reports]
    items = db.session.execute(
        sa.select(ReportItem.report_id, ReportItem.kind, sa.func.count())
        .where(ReportItem.report_id.in_(ids))
        .group_by(ReportItem.report_id, ReportItem.kind)
    )
    tasks = db.session.execute(
        sa.select(Task.report_id, sa.func.count())
        .where(Task.report_id.in_(ids), Task.parent_id.is_(None))
        .group_by(Task.report_id)
    )
    return ReportCounts(
        {(report_id, kind): count for report_id, kind, count in items},
        {report_id: count for report_id, count in tasks},
    )


def report_tasks(report: SourceReport) -> list[Task]:
    """The report's tasks (not milestones) in the report's order: the kinds as the report prints
    them (shortcomings, then measures), each by its item's position; tasks added by hand last."""
    tasks = db.session.scalars(
        sa.select(Task)
        .where(Task.report_id == report.id, Task.parent_id.is_(None))
        .options(
            selectinload(Task.report_item),
            selectinload(Task.lead_department),
            selectinload(Task.co_departments),
            selectinload(Task.assignee),
        )
    ).all()
    kind_rank = {kind: n for n, kind in enumerate(ItemKind)}

    def order(task: Task) -> tuple[int, int, int]:
        position = task.report_item.position if task.report_item else 0
        return (kind_rank.get(task.kind, len(kind_rank)) if task.kind else len(kind_rank), position, task.id)

    return sorted(tasks, key=order)
