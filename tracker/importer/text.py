"""From raw text to paragraphs: line ends, page footers, and lines broken inside a sentence."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from tracker.importer.labels import RUN_IN_STYLES, parse_label

TERMINAL = "。！？!?：:"
SOFT = "，,、；;—…“‘《（(「"
CLOSERS = "”’》）)」』"
INDENT_CHARS = " \t\u3000\xa0"

_FOOTER = re.compile(
    r"^(?:[-—–－~\s]*\d{1,3}[-—–－~\s]*"
    r"|第\s*\d+\s*页(?:\s*[，,/]?\s*共\s*\d+\s*页)?"
    r"|\d+\s*/\s*\d+)$"
)
SIGNOFF = re.compile(r"^(?:特此|专此|以上)(?:报告|汇报|函告)[。.]?$")
# A year named in the text, but not the end of a span ("（2021—2025年）"): a plan's horizon.
YEAR = re.compile(r"(?<![—–\-－~～至到])((?:19|20)\d{2})\s*年")
_CN_YEAR = "[〇零一二三四五六七八九]{4}"
_CN_SMALL = "[一二三四五六七八九十]{1,3}"
DATE = re.compile(
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
    r"|(?P<y2>\d{4})[-./](?P<m2>\d{1,2})[-./](?P<d2>\d{1,2})"
    rf"|(?P<cy>{_CN_YEAR})\s*年\s*(?P<cm>{_CN_SMALL})\s*月\s*(?P<cd>{_CN_SMALL})\s*日"
)


_HAN = "\u4e00-\u9fff"
# The Chinese inside is looked for after the match: "\(([^()]*[汉][^()]*)\)" backtracks over every
# split of the text after a "(" that is never closed, quadratic in the paragraph's length.
_HALF_PAREN = re.compile(r"\(([^()]*)\)")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_HALF_MARK = re.compile(rf"(?<=[{_HAN}”’》）])[,;:?!]|[,;:?!](?=[{_HAN}“‘《（])")
_FULL_MARKS = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}


@dataclass(frozen=True)
class _Layout:
    """How the text marks its paragraphs, besides blank lines."""

    wrap_width: float | None  # lines hard-wrapped at this width (text copied out of a PDF)
    indented_starts: bool  # paragraphs begin with an indent


def display_width(text: str) -> float:
    return sum(1 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def is_footer(line: str) -> bool:
    return bool(_FOOTER.match(line.strip()))


def is_date_line(line: str) -> bool:
    stripped = line.strip(INDENT_CHARS + "（）()")
    match = DATE.search(stripped)
    return bool(match) and len(stripped) - len(match.group(0)) <= 2


def ends_terminal(text: str) -> bool:
    stripped = text.rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in TERMINAL


def ends_soft(text: str) -> bool:
    return bool(text) and text[-1] in SOFT


def split_paragraphs(raw: str) -> list[str]:
    """Paragraphs of the report, with footers dropped and broken sentences joined again.

    Three sources of false breaks: a paragraph split in the middle of a sentence (its first part
    ends with a comma); text copied out of a PDF, where every line is broken at the page width,
    recognised by many lines of nearly the same width that end without punctuation (in such text a
    full-width line continues on the next one); and text whose paragraphs start with an indent,
    where a line flush with the margin after an unfinished sentence continues it.
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = text.replace("\ufeff", "").replace("\f", "\n")
    lines = [(line, line[:1] in INDENT_CHARS and line.strip(INDENT_CHARS) != "") for line in text.split("\n")]
    cleaned = _drop_page_breaks([(line.strip(INDENT_CHARS), indented) for line, indented in lines])
    layout = _Layout(_wrap_width([line for line, _ in cleaned if line]), _indented_starts(cleaned))

    paragraphs: list[_Lines] = []
    last_line = ""
    blank_before = False
    for line, indented in cleaned:
        if not line:
            blank_before = bool(paragraphs)
            continue
        if paragraphs and _continues(paragraphs[-1], last_line, line, indented, blank_before, layout):
            paragraphs[-1].add(line)
        else:
            paragraphs.append(_Lines(line))
        last_line = line
        blank_before = False
    return [full_width_punctuation(p.text()) for p in paragraphs]


class _Lines:
    """A paragraph being put together from lines. The lines are joined once, at the end: joining
    at every line would copy the paragraph again each time, quadratic in a paragraph of
    thousands of lines. What the joining rules ask of the paragraph so far is kept as it grows."""

    def __init__(self, line: str) -> None:
        self.parts = [line]
        self.length = len(line)
        self.last_open = line.rstrip(CLOSERS)[-1:]  # the last character that is not a closer

    def add(self, line: str) -> None:
        # Only English words are spaced; a number broken at the margin ("罚款1 / 260万元") is one number.
        left = self.parts[-1][-1:]
        if left.isascii() and left.isalpha() and line[:1].isascii() and line[:1].isalpha():
            self.parts.append(" ")
            self.length += 1
        self.parts.append(line)
        self.length += len(line)
        self.last_open = line.rstrip(CLOSERS)[-1:] or self.last_open

    def text(self) -> str:
        return "".join(self.parts)

    def ends_soft(self) -> bool:
        return ends_soft(self.parts[-1])

    def ends_terminal(self) -> bool:
        return self.last_open != "" and self.last_open in TERMINAL

    def is_short_line(self) -> bool:
        return self.length <= 30 and _is_short_line(self.text())


def full_width_punctuation(text: str) -> str:
    """Half-width "," ";" ":" "?" "!" and "(…)" typed among Chinese become the full-width forms, so
    "(一)强化组织保障,压实责任" reads like "（一）强化组织保障，压实责任"; "1,286件" and "9:00" stay."""
    text = _HALF_PAREN.sub(lambda m: f"（{m.group(1)}）" if _HAN_CHAR.search(m.group(1)) else m.group(0), text)
    return _HALF_MARK.sub(lambda m: _FULL_MARKS[m.group(0)], text)


def _drop_page_breaks(lines: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Remove page footers ("— 3 —") with the blank lines around them: a page break is no
    paragraph break, and a sentence cut by one must join up again."""
    footers = {n for n, (line, _) in enumerate(lines) if line and is_footer(line)}
    dropped = set(footers)
    for n in footers:
        for step in (-1, 1):
            k = n + step
            while 0 <= k < len(lines) and not lines[k][0]:
                dropped.add(k)
                k += step
    return [line for n, line in enumerate(lines) if n not in dropped]


def _wrap_width(lines: list[str]) -> float | None:
    """The page width of hard-wrapped text, or None when lines are whole paragraphs."""
    if len(lines) < 8:
        return None
    widths = sorted(display_width(line) for line in lines)
    width = widths[int(len(widths) * 0.9)]
    if width > 60:
        return None
    full = [line for line in lines if display_width(line) >= 0.8 * width and not ends_terminal(line)]
    return width if len(full) >= max(4, len(lines) * 0.3) else None


def _indented_starts(lines: list[tuple[str, bool]]) -> bool:
    """Whether paragraphs start with an indent: most lines that follow a finished sentence do."""
    pairs = zip(lines, lines[1:], strict=False)
    starts = [indented for (previous, _), (line, indented) in pairs if line and ends_terminal(previous)]
    return len(starts) >= 3 and sum(starts) >= 0.6 * len(starts)


def _continues(
    paragraph: _Lines, last_line: str, line: str, indented: bool, blank_before: bool, layout: _Layout
) -> bool:
    label, _ = parse_label(line)
    # "一是…；" / "二是…" broken at a line end is one run-in list; other labels start a paragraph.
    if label is not None and label.style in RUN_IN_STYLES and paragraph.ends_soft():
        return True
    if label or SIGNOFF.match(line) or is_date_line(line):
        return False
    if blank_before:
        return paragraph.ends_soft()
    # A title or heading is finished even without a full stop ("某局…年度报告" then "市人民政府：").
    if layout.indented_starts and not indented and not paragraph.ends_terminal() and not paragraph.is_short_line():
        return True
    if layout.wrap_width is None:
        return paragraph.ends_soft()
    if indented:
        return False
    return display_width(last_line) >= 0.8 * layout.wrap_width or paragraph.ends_soft()


def _is_short_line(text: str) -> bool:
    """A title or heading: short, with no punctuation inside a sentence."""
    return len(text) <= 30 and not re.search(r"[。！？；;，,：:]", text)
