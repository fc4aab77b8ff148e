"""Title, issuer, year and date of a report."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import date
from pathlib import PurePath

from tracker.importer.labels import CN_DIGITS, cn_to_int
from tracker.importer.structure import Paragraph
from tracker.importer.text import DATE, SIGNOFF, YEAR, is_date_line, is_footer

TITLE_WORDS = re.compile(r"报告|情况|总结|工作")
DOCUMENT_NUMBER = re.compile(r"[〔\[［(（]\s*(?:19|20)\d{2}\s*[〕\]］)）]\s*\d+\s*号$")
# The first line of a title broken mid-phrase: "…关于2022年度法治政府建设" (not "附件1", "机密★1年").
TITLE_START = re.compile(r"关于|(?:19|20)\d{2}\s*年")
ORG_SUFFIX = re.compile(r"(?:局|委|办|厅|部|院|署|会|室|处|中心|政府|支队|大队|分局|公司|党组|委员会|办公室)$")


def find_title(paragraphs: list[Paragraph], filename: str) -> str:
    """The first line when it reads as a title, joined with the second when the title runs over
    two lines (the first only the issuer, or broken mid-phrase: "…关于2022年度法治政府建设" /
    "工作情况的报告"; an addressee line "XX市人民政府：" is never part of it); otherwise the file
    name when it names a report; otherwise empty."""
    # An official document may open with its number ("云环〔2020〕5号") above the title.
    paragraphs = list(itertools.dropwhile(lambda p: DOCUMENT_NUMBER.search(p.text), paragraphs))
    if paragraphs:
        first = paragraphs[0]
        second = paragraphs[1] if len(paragraphs) > 1 else None
        if "报告" not in first.text and second is not None and "报告" in second.text:
            joined = first.text + second.text
            starts_a_title = _is_title_line(first) or TITLE_START.search(first.text)
            if starts_a_title and first.label is None and _is_title_line(second) and _reads_as_title(joined):
                return joined
        if _is_title_line(first):
            return first.text
    stem = re.sub(r"^[\d_\-\s.]+", "", PurePath(filename).stem)
    return stem if re.search(r"报告|情况", stem) else ""


def _is_title_line(p: Paragraph) -> bool:
    return p.label is None and len(p.text) <= 60 and _reads_as_title(p.text)


def _reads_as_title(text: str) -> bool:
    return (
        len(text) <= 80
        and not re.search(r"[。；;：:，,]", text)
        and bool(TITLE_WORDS.search(text) or ORG_SUFFIX.search(text))
    )


def find_signature(paragraphs: list[Paragraph]) -> tuple[str, date | None]:
    """Issuer and date from the closing lines (the last few paragraphs); the date may stand under
    the title instead."""
    issuer = ""
    found_date: date | None = None
    for p in reversed(paragraphs[-6:]):
        text = p.text.strip()
        if is_footer(text) or SIGNOFF.match(text):
            continue
        if is_date_line(text):
            found_date = found_date or parse_date(text)
            continue
        if p.label is None and len(text) <= 30 and not re.search(r"[。，,；;：:！？]", text):
            # Issuer and date may share a line: "柳林镇人民政府 2022年1月10日".
            trailing_date = DATE.search(text)
            if trailing_date and not text[trailing_date.end() :].strip(" \u3000）)"):
                found_date = found_date or parse_date(trailing_date.group(0))
                text = text[: trailing_date.start()].strip(" \u3000（(")
            issuer = issuer or text
            continue
        break
    if found_date is None:
        # No dated signature: some reports give the date under the title, "（2022年1月20日）".
        found_date = next((parse_date(p.text) for p in paragraphs[1:4] if is_date_line(p.text)), None)
    return issuer, found_date


def parse_date(text: str) -> date | None:
    match = DATE.search(text)
    if not match:
        return None
    try:
        if match.group("y"):
            return date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        if match.group("y2"):
            return date(int(match.group("y2")), int(match.group("m2")), int(match.group("d2")))
        year = int("".join(str(CN_DIGITS[ch]) for ch in match.group("cy")))
        return date(year, cn_to_int(match.group("cm")), cn_to_int(match.group("cd")))
    except ValueError:
        return None


def issuer_from_title(title: str) -> str:
    """The issuer named before the year: "市公安局2020年…年度报告" gives "市公安局"; "关于…的报告" nothing."""
    match = re.match(r"^(.{2,30}?)(?:关于)?(?:19|20)\d{2}\s*年", title)
    if match and ORG_SUFFIX.search(match.group(1).removesuffix("关于")):
        return match.group(1).removesuffix("关于")
    return ""


def find_year(
    title: str, review: list[Paragraph], plans_heading: str, report_date: date | None, filename: str
) -> int | None:
    """The year reported on: from the title; else the year the review (the paragraphs before the
    shortcomings and plans, which speak of next year) mentions most; else the year before the one
    the plans' heading names ("三、2022年工作安排"); else from the date (a report dated early in a
    year covers the year before); else from the file name."""
    match = YEAR.search(title) or re.search(r"((?:19|20)\d{2})", title)
    if match:
        return int(match.group(1))
    counts = Counter(int(y) for p in review for y in YEAR.findall(p.text))
    if counts:
        top, top_count = counts.most_common(1)[0]
        if report_date is None or top in (report_date.year, report_date.year - 1) or top_count >= 3:
            return top
    match = YEAR.search(plans_heading)
    if match:
        return int(match.group(1)) - 1
    if report_date is not None:
        return report_date.year - 1 if report_date.month <= 3 else report_date.year
    match = re.search(r"((?:19|20)\d{2})", PurePath(filename).stem)
    return int(match.group(1)) if match else None
