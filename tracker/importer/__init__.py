"""The report importer: bytes of a .txt or .docx report in, its structure out. No Flask needed.

>>> report = parse_report(open("seed.txt", "rb").read(), "seed.txt")
>>> [m.title for m in report.measures][:1]
['提高站位，夯实思想根基']
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from tracker.importer.errors import ReportImportError
from tracker.importer.limits import check_item_count, check_line_count, check_text_length, count_lines
from tracker.importer.metadata import find_signature, find_title, find_year, issuer_from_title
from tracker.importer.reading import SUPPORTED_SUFFIXES, read_document
from tracker.importer.structure import Item, find_sections, make_paragraphs
from tracker.importer.text import split_paragraphs
from tracker.importer.timeout import call_with_timeout

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Item",
    "ParsedReport",
    "ReportImportError",
    "parse_report",
    "parse_report_within",
    "parse_text",
]


@dataclass
class ParsedReport:
    title: str
    issuer: str
    year: int | None
    date: date | None
    text: str  # the normalised text, one paragraph a line
    achievements: list[Item] = field(default_factory=list)
    shortcomings: list[Item] = field(default_factory=list)
    measures: list[Item] = field(default_factory=list)
    # 党政主要负责人履行推进法治建设第一责任人职责情况, whole, when the report has that section.
    leader_duties: list[Item] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the normalised text: the same report in another encoding or format matches."""
        return hashlib.sha256("".join(self.text.split()).encode()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The import contract: what ``import-report --dry-run --json`` prints."""
        return {
            "title": self.title,
            "issuer": self.issuer,
            "year": self.year,
            "date": self.date.isoformat() if self.date else None,
            "achievements": [{"number": i.number, "title": i.title} for i in self.achievements],
            "shortcomings": [asdict(i) for i in self.shortcomings],
            "measures": [asdict(i) for i in self.measures],
        }


def parse_report(data: bytes, filename: str) -> ParsedReport:
    """Parse a report file. Raises ReportImportError with a message for the user."""
    return parse_text(read_document(data, filename), filename)


def parse_report_within(data: bytes, filename: str, timeout_seconds: float) -> ParsedReport:
    """parse_report in a child process that is killed after ``timeout_seconds``: for a web worker
    or a command that must not hang on one file. Raises ReportImportError("too_slow") then."""
    return call_with_timeout(parse_report, (data, filename), timeout_seconds)


def parse_text(raw_text: str, filename: str = "") -> ParsedReport:
    check_text_length(raw_text)
    check_line_count(count_lines(raw_text))
    texts = split_paragraphs(raw_text)
    if not texts:
        raise ReportImportError("empty", "文件中没有文字：请上传包含报告正文的 .txt 或 .docx 文件。")
    paragraphs = make_paragraphs(texts)
    sections = find_sections(paragraphs)
    if not sections.measures:
        raise ReportImportError(
            "no_measures",
            "未能在文件中识别出下一步工作措施。导入需要一份法治政府建设年度报告，"
            "其中含有“下一步工作计划”“存在不足及下一步工作对策”等章节，"
            "措施按“（一）”“1.”或“一是…二是…”等方式编号。请检查文件后重新上传。",
        )
    for name, items in (
        ("工作情况及成效", sections.achievements),
        ("存在不足", sections.shortcomings),
        ("下一步工作措施", sections.measures),
    ):
        check_item_count(name, len(items))
    title = find_title(paragraphs, filename)
    issuer, report_date = find_signature(paragraphs)
    issuer = issuer or issuer_from_title(title)
    return ParsedReport(
        title=title,
        issuer=issuer,
        year=find_year(title, paragraphs[: sections.achievements_end], sections.plans_heading, report_date, filename),
        date=report_date,
        text="\n".join(texts),
        achievements=sections.achievements,
        shortcomings=sections.shortcomings,
        measures=sections.measures,
        leader_duties=sections.leader_duties,
    )
