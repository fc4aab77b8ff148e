"""What a draft of next year's report holds: a title, sections in order, and the annex table.

A version stores this as JSON (``DraftContent.to_json``). Each section keeps, beside the text
the legal office sees and edits, the text the generator last produced for it (``generated``):
a section whose text differs from it was edited by hand, and a later roll-up must not overwrite
it; new material for such a section waits in ``pending`` ("新进展待合入") until someone merges it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Section:
    """One part of the draft. ``key`` is stable across versions ("opening", "measure:12",
    "shortcomings"…), so versions can be compared section by section. ``level``: 0 for a
    paragraph without a heading (the opening), 1 for a first-level heading ("一、…"), 2 for a
    second-level one ("（一）…方面"). ``text`` holds paragraphs separated by newlines."""

    key: str
    heading: str
    level: int
    text: str
    generated: str
    pending: str | None = None
    placeholder: bool = False  # a marked place for the legal office to write (statutory parts 3 and 5)

    @property
    def edited(self) -> bool:
        return self.text != self.generated

    def paragraphs(self) -> list[str]:
        return [line for line in self.text.split("\n") if line.strip()]


@dataclass(frozen=True)
class AnnexRow:
    number: int
    title: str
    lead_department: str
    deadline: str  # ISO date or ""
    state: str  # the state's Chinese name
    closed_on: str  # ISO date or ""
    timeliness: str  # "按期" (closed by the deadline), "逾期" (closed late, or open past it), or ""


@dataclass(frozen=True)
class Annex:
    """附件：every task of the source report, with totals."""

    rows: list[AnnexRow] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # tasks, done, on_time, late, open, cancelled…


@dataclass(frozen=True)
class DraftContent:
    title: str
    sections: list[Section]
    annex: Annex

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def with_section(self, section: Section) -> DraftContent:
        """A copy with the section of the same key replaced."""
        return replace(self, sections=[section if s.key == section.key else s for s in self.sections])

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DraftContent:
        annex = data.get("annex") or {}
        return cls(
            title=data["title"],
            sections=[Section(**section) for section in data["sections"]],
            annex=Annex(rows=[AnnexRow(**row) for row in annex.get("rows", [])], totals=dict(annex.get("totals", {}))),
        )
