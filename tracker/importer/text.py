"""From raw text to paragraphs: line ends, page footers, and lines broken inside a sentence."""

from __future__ import annotations

import re
import unicodedata

from tracker.importer.labels import parse_label

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
_CN_YEAR = "[〇零一二三四五六七八九]{4}"
_CN_SMALL = "[一二三四五六七八九十]{1,3}"
DATE = re.compile(
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
    r"|(?P<y2>\d{4})[-./](?P<m2>\d{1,2})[-./](?P<d2>\d{1,2})"
    rf"|(?P<cy>{_CN_YEAR})\s*年\s*(?P<cm>{_CN_SMALL})\s*月\s*(?P<cd>{_CN_SMALL})\s*日"
)


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

    Two sources of false breaks: a paragraph split in the middle of a sentence (its first part
    ends with a comma), and text copied out of a PDF, where every line is broken at the page
    width. The second is recognised by many lines of nearly the same width that end without
    punctuation; in such text a full-width line continues on the next one.
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = text.replace("\ufeff", "").replace("\f", "\n")
    lines = [(line, line[:1] in INDENT_CHARS and line.strip(INDENT_CHARS) != "") for line in text.split("\n")]
    cleaned = [(line.strip(INDENT_CHARS), indented) for line, indented in lines]
    cleaned = [(line, indented) for line, indented in cleaned if not is_footer(line) or not line]
    wrap_width = _wrap_width([line for line, _ in cleaned if line])

    paragraphs: list[str] = []
    last_line = ""
    blank_before = False
    for line, indented in cleaned:
        if not line:
            blank_before = bool(paragraphs)
            continue
        if paragraphs and _continues(paragraphs[-1], last_line, line, indented, blank_before, wrap_width):
            paragraphs[-1] = _join(paragraphs[-1], line)
        else:
            paragraphs.append(line)
        last_line = line
        blank_before = False
    return paragraphs


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


def _continues(
    paragraph: str, last_line: str, line: str, indented: bool, blank_before: bool, wrap_width: float | None
) -> bool:
    label, _ = parse_label(line)
    if label or SIGNOFF.match(line) or is_date_line(line):
        return False
    if wrap_width is None or blank_before:
        return ends_soft(paragraph)
    if indented:
        return False
    return display_width(last_line) >= 0.8 * wrap_width or ends_soft(paragraph)


def _join(left: str, right: str) -> str:
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right
