"""The number labels Word draws itself.

A heading numbered by Word's automatic list ("（一）" from a list style) has no label in its
text: python-docx's ``paragraph.text`` leaves it out. This renders the label from the document's
numbering definitions (numbering.xml), counting as Word does, so the importer sees "（一）提高站位"
as the reader does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docx.oxml.ns import qn

from tracker.importer.labels import int_to_cn

MAX_LEVELS = 9
MAX_STYLE_CHAIN = 32  # styles "based on" one another; a damaged file may make a loop of them
CHINESE_FORMATS = frozenset(
    {
        "chineseCounting",
        "chineseCountingThousand",
        "chineseLegalSimplified",
        "ideographTraditional",
        "japaneseCounting",
        "taiwaneseCounting",
        "taiwaneseCountingThousand",
    }
)


@dataclass(frozen=True)
class _Level:
    number_format: str
    text: str  # Word's level text: "（%1）", "%1、", "%1.%2"
    start: int


def render_number(value: int, number_format: str) -> str:
    if number_format in CHINESE_FORMATS and value < 1000:
        return int_to_cn(value)
    if number_format in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= value <= 20:
        return chr(0x2460 + value - 1)
    if number_format == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(value))
    if number_format == "lowerLetter" and 1 <= value <= 26:
        return chr(ord("a") + value - 1)
    if number_format == "upperLetter" and 1 <= value <= 26:
        return chr(ord("A") + value - 1)
    return str(value)


class ListNumbering:
    """Counts Word's automatic numbering through a document, paragraph by paragraph."""

    def __init__(self, document: Any) -> None:
        # Levels are kept once per abstract list, not copied into each list that uses it: a file
        # with many lists of one many-levelled definition must not cost their product.
        self._levels: dict[tuple[str, int], _Level] = {}  # (abstractNumId, level)
        self._list_of: dict[str, str] = {}  # numId -> abstractNumId: lists sharing one count on
        self._counters: dict[str, list[int | None]] = {}
        self._by_style: dict[str | None, tuple[str, int] | None] = {}  # numbering a style gives
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        for abstract in numbering.findall(qn("w:abstractNum")):
            abstract_id = abstract.get(qn("w:abstractNumId"))
            for lvl in abstract.findall(qn("w:lvl")):
                self._levels[(abstract_id, int(lvl.get(qn("w:ilvl"), "0")))] = _Level(
                    number_format=_val(lvl, "w:numFmt", "decimal"),
                    text=_val(lvl, "w:lvlText", ""),
                    start=int(_val(lvl, "w:start", "1")),
                )
        abstract_ids = {abstract_id for abstract_id, _ in self._levels}
        for num in numbering.findall(qn("w:num")):
            abstract_ref = num.find(qn("w:abstractNumId"))
            if abstract_ref is not None and abstract_ref.get(qn("w:val")) in abstract_ids:
                self._list_of[num.get(qn("w:numId"))] = abstract_ref.get(qn("w:val"))

    def label(self, paragraph: Any) -> str:
        """The label Word shows before ``paragraph`` ("" for none or a bullet); advances the count."""
        reference = self._numbering_reference(paragraph)
        if reference is None:
            return ""
        num_id, ilvl = reference
        list_id = self._list_of.get(num_id)
        level = self._levels.get((list_id, ilvl)) if list_id is not None and 0 <= ilvl < MAX_LEVELS else None
        if level is None or level.number_format in ("bullet", "none"):
            return ""
        counters = self._counters.setdefault(list_id, [None] * MAX_LEVELS)
        counters[ilvl] = level.start if counters[ilvl] is None else counters[ilvl] + 1
        for deeper in range(ilvl + 1, MAX_LEVELS):
            counters[deeper] = None  # a new item restarts the levels below it
        text = level.text
        for n in range(ilvl + 1, 0, -1):
            outer = self._levels.get((list_id, n - 1))
            value = counters[n - 1] if counters[n - 1] is not None else (outer.start if outer else 1)
            text = text.replace(f"%{n}", render_number(value, outer.number_format if outer else "decimal"))
        return text

    def _numbering_reference(self, paragraph: Any) -> tuple[str, int] | None:
        """(numId, level) from the paragraph's own properties, else from its style chain."""
        own = _numbering_of(paragraph._p.pPr)
        if own is not None:
            return own if own[0] != "0" else None  # numbering switched off for this paragraph
        # Finding a style is a search of styles.xml: done once per style, not per paragraph.
        style_id = paragraph._p.style
        if style_id not in self._by_style:
            self._by_style[style_id] = _style_numbering(paragraph.style)
        return self._by_style[style_id]


def _val(element: Any, tag: str, default: str) -> str:
    child = element.find(qn(tag))
    return child.get(qn("w:val"), default) if child is not None else default


def _numbering_of(ppr: Any) -> tuple[str, int] | None:
    num_pr = ppr.numPr if ppr is not None else None
    if num_pr is None or num_pr.numId is None:
        return None
    ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
    return str(num_pr.numId.val), int(ilvl)


def _style_numbering(style: Any) -> tuple[str, int] | None:
    """The numbering a paragraph style or the styles it is based on give, or None."""
    for _ in range(MAX_STYLE_CHAIN):
        if style is None:
            return None
        found = _numbering_of(style.element.pPr)
        if found is not None:
            return found if found[0] != "0" else None
        style = style.base_style
    return None
