"""Find the report's sections and the items in them.

The genre: a title, an intro, the achievements (usually "一、工作情况及成效" with "（一）…"
headings), the shortcomings ("存在不足", often inline "一是…；二是…") and the measures for next
year ("下一步工作对策", "（一）…（十）"), then a sign-off. Reports vary in numbering, in heading
words, and in whether shortcomings and measures share one section; see ``../corpus/README.md``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from tracker.importer.labels import AR, CHAPTER, CN, CN_NUM, INLINE, TOP_STYLES, Label, cn_to_int, parse_label
from tracker.importer.text import SIGNOFF, YEAR, is_date_line, is_footer

HEADING_MAX = 40  # characters in a heading sentence; longer first sentences are body text

SHORTCOMING_HEADING = re.compile(r"不足|差距|短板|弱项|薄弱环节|(?:存在|主要|突出|面临)的?(?:问题|困难)|^问题|^困难")
# A heading about fixing problems is an achievement or a measure, not the shortcomings section.
NOT_SHORTCOMING_HEADING = re.compile(r"补齐|补强|弥补|解决|整改|整治|排查|聚焦|破解|化解|克服")
MEASURE_HEADING = re.compile(
    r"下一?步|下阶段|下一阶段|下一年度?|明年|今后|接下来|努力方向|工作(?:计划|打算|安排|思路|对策|措施|设想|展望)"
    r"|(?:改进|整改)措施|\d{4}年.{0,16}(?:计划|安排|打算|思路|重点|任务|措施|目标|设想|展望)"
)
NOT_MEASURE_HEADING = re.compile(r"成效|成绩|情况|做法|进展|回顾|完成|经验")
# "落实" and "开展" are left out: topic headings use them too ("五、全面落实行政执法三项制度").
ACHIEVEMENT_CONTAINER = re.compile(r"情况|成效|成绩|做法|主要工作|进展|举措|回顾|总结")
# The statutory part on the principal leaders' duties (2019 rules): a top-level section, first or
# second, that reports how they led; it is kept apart from the achievements.
LEADER_DUTIES_HEADING = re.compile(
    r"主要负责人.{0,4}履行.{0,20}(?:职责|第一责任人)|第一责任人.{0,6}(?:职责|履职).{0,4}情况$"
)
# The sentence that announces the body ("现将工作情况、存在问题及下一步工作计划报告如下：") names
# the sections but is none of them.
LEAD_IN = re.compile(r"(?:报告|汇报|总结|说明)如下[：:]?$")
# Section headings are looked for level by level: "一、" headings first, then bare lines, then
# "1、", which numbers items more often than sections ("2、科学制定年度普法工作计划").
HEADING_LEVELS: tuple[frozenset[str | None], ...] = (frozenset({CHAPTER, CN}), frozenset({None}), frozenset({AR}))
# Words that turn from the shortcomings to the measures inside one paragraph or section.
MEASURE_PIVOT = re.compile(
    r"下一步|接下来|下阶段|今后|明年|新的一年|为此|对此|针对(?:上述|以上|这些)|\d{4}年，?(?:我|全)"
)


@dataclass
class Paragraph:
    index: int
    text: str
    label: Label | None
    rest: str  # text after the label

    # Cached: the finders ask every paragraph these several times, and a paragraph may be long.
    @cached_property
    def _head_and_tail(self) -> tuple[str, str]:
        return _split_head(self.rest)

    @property
    def head(self) -> str:
        """The heading sentence: the text after the label up to the first full stop."""
        return self._head_and_tail[0]

    @property
    def tail(self) -> str:
        return self._head_and_tail[1]

    @cached_property
    def is_heading_like(self) -> bool:
        if LEAD_IN.search(self.text):
            return False
        if self.label is None:
            return len(self.text) <= 30 and not re.search(r"[。！？；;，,]", self.text.rstrip("：:"))
        return len(self.head) <= HEADING_MAX and self.label.style != INLINE


@dataclass
class Item:
    number: str
    title: str
    body: str = ""


@dataclass
class Sections:
    achievements: list[Item] = field(default_factory=list)
    leader_duties: list[Item] = field(default_factory=list)  # the section, as one item, when it has one
    shortcomings: list[Item] = field(default_factory=list)
    measures: list[Item] = field(default_factory=list)
    achievements_end: int = 0  # where the account of the year's work gives way to what is lacking or planned
    plans_heading: str = ""  # the heading of the measures' section, when it has one of its own


def _split_head(text: str) -> tuple[str, str]:
    match = re.search(r"[。！？!?]|[：:](?=.)", text)
    if not match:
        return text.strip().rstrip("：:；;，,"), ""
    return text[: match.start()].strip(), text[match.end() :].strip()


def make_paragraphs(texts: list[str]) -> list[Paragraph]:
    paragraphs = []
    for index, text in enumerate(texts):
        label, rest = parse_label(text)
        paragraphs.append(Paragraph(index, text, label, rest))
    return paragraphs


def is_shortcoming_heading(p: Paragraph) -> bool:
    return p.is_heading_like and bool(SHORTCOMING_HEADING.search(p.head)) and not NOT_SHORTCOMING_HEADING.search(p.head)


def is_measure_heading(p: Paragraph) -> bool:
    return p.is_heading_like and bool(MEASURE_HEADING.search(p.head)) and not NOT_MEASURE_HEADING.search(p.head)


def signoff_start(paragraphs: list[Paragraph]) -> int:
    """Index of the first paragraph of the closing block (特此报告, issuer, date), or len()."""
    start = len(paragraphs)
    for p in reversed(paragraphs):
        text = p.text
        closing = (
            SIGNOFF.match(text)
            or is_date_line(text)
            or is_footer(text)
            or text.startswith(("附件", "抄送", "（此件", "(此件"))
            or (p.label is None and len(text) <= 30 and not re.search(r"[。，,；;：:！？]", text))
        )
        if not closing:
            break
        start = p.index
    return start


def find_sections(paragraphs: list[Paragraph]) -> Sections:
    """Tell the review of the year from what is lacking and what is planned for next year.

    The sign-off (特此报告, the issuer, the date…) is set aside first: it belongs to no section.
    Two headings are then looked for, each at the outermost level that has one ("一、" or
    "第一部分", then lines without a label, then "1、"; never "（一）", which numbers topics and
    items): the first naming shortcomings ("存在的问题", "主要问题和不足"…), and from it on (from
    the start without it) the first naming next year's work ("下一步工作计划", "2022年工作安排"…),
    which is the same heading when it names both. Lines of a table of contents, the sentence
    announcing the sections ("…报告如下："), and headings about fixing problems or about results
    ("补齐短板", "2021年工作计划完成情况") are passed over. The layouts:

    - Two sections ("二、存在的问题", "三、下一步工作计划"): the items of each.
    - One section naming both ("二、存在不足及下一步工作对策"): split at its measures' sub-heading
      ("（二）下一步工作对策"); without one, its first two lists are the shortcomings and the
      measures, and a single list is the measures when a turn to next year ("下一步，…") comes
      before it (the paragraphs before it are then the shortcomings), else the shortcomings.
    - Shortcomings without a measures heading: split as above when a measures' sub-heading stands
      under them; otherwise the measures are the items of what follows their section, whatever
      its heading ("三、强化措施").
    - Measures without a shortcomings heading: the shortcomings stay empty (never borrowed from
      another section), unless a shortcomings' sub-heading stands under the measures' heading:
      their section is then split as above. With neither heading, the last top-level heading
      is the measures' heading when it names a year later than any named before it
      ("三、2022年法治政府建设" closing a report on 2021).
    - No section headings at all: the measures are the first list from the last paragraph of the
      body's second half that turns to next year ("下一步，我局将…"); no shortcomings.

    A section's items are its first list, numbered ("（一）", "1.") or run in ("一是…；二是…",
    "第一，…"), else its paragraphs one by one (or the clauses of a lone one). What comes before
    the first of these sections (or the turn) is the review of the year: its achievements, and
    apart from them the statutory section on the principal leaders' duties.

    Returns the :class:`Sections` found; ``achievements_end`` is the index of the first paragraph
    after the account of the year's work (the first section's heading, the turn, or the sign-off
    when nothing was found),
    ``plans_heading`` the measures' heading sentence ("" when they have none of their own); the
    year finder reads both. Empty ``measures`` means the text holds no plans: the caller refuses
    it. Changes no paragraph.
    """
    end = signoff_start(paragraphs)
    body = paragraphs[:end]
    shortcoming_heading = _section_heading(body, is_shortcoming_heading, 0)
    start = shortcoming_heading.index if shortcoming_heading is not None else 0
    measure_heading = _section_heading(body, is_measure_heading, start)
    if shortcoming_heading is None and measure_heading is None:
        measure_heading = _next_year_heading(body)
    sections = Sections(achievements_end=end)
    first_section = min((h.index for h in (shortcoming_heading, measure_heading) if h is not None), default=None)
    if first_section is None:
        pivot = _measure_pivot(body)
        if pivot is not None:
            sections.measures = _first_group(body[pivot:], inline=True)
            sections.achievements, sections.leader_duties = _achievements(body[:pivot], None)
            sections.achievements_end = pivot
        return sections

    first_heading = paragraphs[first_section]
    sections.achievements_end = first_section
    sections.plans_heading = measure_heading.head if measure_heading is not None else ""
    sections.achievements, sections.leader_duties = _achievements(body[:first_section], first_heading)

    if shortcoming_heading is not None and measure_heading is shortcoming_heading:
        region = _section_region(body, shortcoming_heading)
        sections.shortcomings, sections.measures = _split_combined(region)
    else:
        if shortcoming_heading is not None:
            stop = measure_heading.index if measure_heading is not None else None
            region = _section_region(body, shortcoming_heading, stop)
            sub_measures = next((i for i, p in enumerate(region) if is_measure_heading(p)), None)
            if measure_heading is None and sub_measures is not None:
                sections.shortcomings, sections.measures = _split_combined(region)
            else:
                sections.shortcomings = _items_in(region)
                if measure_heading is None:
                    sections.measures = _measures_after(body, shortcoming_heading)
        if measure_heading is not None:
            region = _section_region(body, measure_heading)
            sub_shortcomings = next((i for i, p in enumerate(region) if is_shortcoming_heading(p)), None)
            if sub_shortcomings is not None and not sections.shortcomings:
                sections.shortcomings, sections.measures = _split_combined(region)
            else:
                sections.measures = _items_in(region)
    return sections


def _section_heading(body: list[Paragraph], test: Callable[[Paragraph], bool], start: int) -> Paragraph | None:
    """The first paragraph from ``start`` on that passes ``test``, at the outermost level that has one."""
    for level in HEADING_LEVELS:
        for p in body[start:]:
            if (p.label.style if p.label else None) in level and test(p) and not _is_contents_entry(body, p):
                return p
    return None


def _is_contents_entry(body: list[Paragraph], p: Paragraph) -> bool:
    """A line of a table of contents at the top: nothing stands between it and the next heading
    of its style, numbered one more."""
    following = body[p.index + 1] if p.index + 1 < len(body) else None
    return (
        p.label is not None
        and not p.tail
        and following is not None
        and following.label is not None
        and following.label.style == p.label.style
        and following.label.number == p.label.number + 1
        and following.is_heading_like
    )


def _next_year_heading(body: list[Paragraph]) -> Paragraph | None:
    """The last top-level heading when it names a year later than any named before it: the plans,
    whatever its words ("三、2022年法治政府建设" closing a report on 2021)."""
    tops = [p for p in body if p.label is not None and p.label.style in (CHAPTER, CN) and p.is_heading_like]
    named = YEAR.search(tops[-1].head) if tops else None
    if named is None:
        return None
    earlier = [int(year) for p in body[: tops[-1].index] for year in YEAR.findall(p.text)]
    return tops[-1] if all(int(named.group(1)) > year for year in earlier) else None


def _section_region(body: list[Paragraph], heading: Paragraph, stop: int | None = None) -> list[Paragraph]:
    """Paragraphs under a top-level heading, up to the next heading of its rank (or ``stop``).

    The heading's own text after its first sentence ("三、存在的问题。一是…") is part of it.
    """
    end = len(body) if stop is None else stop
    if heading.label is not None:
        for p in body[heading.index + 1 : end]:
            if (
                p.label is not None
                and p.label.style == heading.label.style
                and p.label.number == heading.label.number + 1
                and p.is_heading_like
            ):
                end = p.index
                break
    region = body[heading.index + 1 : end]
    if heading.tail:
        region = [_tail_paragraph(heading), *region]
    return region


def _tail_paragraph(p: Paragraph) -> Paragraph:
    label, rest = parse_label(p.tail)
    return Paragraph(p.index, p.tail, label, rest)


def _measure_pivot(body: list[Paragraph]) -> int | None:
    """Where a report without section headings turns to next year ("下一步，我局将…")."""
    for p in reversed(body[len(body) // 2 :]):
        if p.label is None and MEASURE_PIVOT.match(p.text):
            return p.index
    return None


def _measures_after(body: list[Paragraph], shortcoming_heading: Paragraph) -> list[Item]:
    """Measures in the top-level section that follows the shortcomings, whatever its heading."""
    region = _section_region(body, shortcoming_heading)
    after = body[region[-1].index + 1 :] if region else []
    if not after:
        return []
    return _items_in(after[1:] if after[0].is_heading_like else after)


# --- achievements -------------------------------------------------------------------------------


def _achievements(region: list[Paragraph], next_heading: Paragraph | None) -> tuple[list[Item], list[Item]]:
    """Achievement headings: the topics under the container heading ("工作情况及成效"), or the
    top-level headings themselves when the report has no container; and, apart, the top-level
    section on the principal leaders' duties, whole, when the report has one."""
    tops = _top_headings(region, next_heading)
    if not tops:
        return _labelled_items(region), []
    items: list[Item] = []
    duties: list[Item] = []
    for position, (top, container) in enumerate(zip(tops, _containers(tops), strict=True)):
        stop = tops[position + 1].index if position + 1 < len(tops) else (region[-1].index + 1 if region else 0)
        # The region is in document order: the paragraphs under a heading are one slice of it.
        under = region[bisect_right(region, top.index, key=_index) : bisect_left(region, stop, key=_index)]
        body = "\n".join(text for text in (top.tail, *(p.text for p in under)) if text)
        topic = Item(top.label.text if top.label else "", _clean_title(top.head), body)
        if len(tops) > 1 and LEADER_DUTIES_HEADING.search(top.head) and not top.tail:
            duties.append(topic)
            continue
        topics_under = _labelled_items(under) if container else []
        if topics_under or len(tops) == 1 or (container and not _reads_as_topic(top)):
            items.extend(topics_under)
        else:
            items.append(topic)
    return items, duties[:1]


def _index(p: Paragraph) -> int:
    return p.index


def _reads_as_topic(heading: Paragraph) -> bool:
    """A wrapper-like heading with no numbered topics under it is still a topic when it makes a
    statement ("一、强化法治引领，生态环境治理成效明显", "二、党政主要负责人履行…职责情况"), and an
    introduction when it only names one ("一、基本情况")."""
    return "，" in heading.head or len(heading.head) > 15


def _containers(tops: list[Paragraph]) -> list[bool]:
    """For each heading, whether it is a wrapper such as "一、工作情况及成效" rather than a topic.
    A topic may say "成效" too ("六、行政复议和应诉工作取得新成效"): only the first heading, or
    every heading, wraps."""
    if len(tops) == 1:
        return [True]
    named = [bool(ACHIEVEMENT_CONTAINER.search(top.head)) for top in tops]
    every = all(named)
    return [wraps and (position == 0 or every) for position, wraps in enumerate(named)]


def _top_headings(region: list[Paragraph], next_heading: Paragraph | None) -> list[Paragraph]:
    """The top-level headings before ``next_heading``, found by counting back from its number.

    Counting back copes with a first heading numbered in another style ("1、" then "二、").
    """
    candidates = [p for p in region if p.label is not None and p.label.style in TOP_STYLES and p.is_heading_like]
    if next_heading is None or next_heading.label is None or next_heading.label.style not in TOP_STYLES:
        for style in (CHAPTER, CN):
            found = _sequence([p for p in candidates if p.label.style == style])
            if found:
                return found
        return []
    by_number: dict[int, list[Paragraph]] = {}
    for p in candidates:
        by_number.setdefault(p.label.number, []).append(p)
    tops: list[Paragraph] = []
    limit = next_heading.index
    for number in range(next_heading.label.number - 1, 0, -1):
        numbered = [p for p in by_number.get(number, ()) if p.index < limit]
        same_style = [p for p in numbered if p.label.style == next_heading.label.style]
        if same_style:
            chosen = same_style[-1]
        elif numbered:
            chosen = numbered[0]
        else:
            continue
        tops.insert(0, chosen)
        limit = chosen.index
    return tops


# --- items --------------------------------------------------------------------------------------


def _sequence(paragraphs: Iterable[Paragraph]) -> list[Paragraph]:
    """Paragraphs numbered 1, 2, 3… in order, up to where the numbering starts over at 1 (a new
    list: the measures after the shortcomings, both "（一）…"); stray numbers are skipped."""
    found: list[Paragraph] = []
    for p in paragraphs:
        if p.label is None:
            continue
        if p.label.number == len(found) + 1:
            found.append(p)
        elif p.label.number == 1 and found:
            break
    return found


@dataclass
class _Group:
    start: int  # paragraph index of the first item
    last: int  # paragraph index of the last item
    items: list[Item]


def _labelled_groups(region: list[Paragraph], inline: bool) -> list[_Group]:
    """Every numbered list in the region: each paragraph numbered 1 starts one.

    Linear in the region: a list ends where the next one of its style starts, so the walks
    through the paragraphs of one style never overlap (every line "（一）…" is a list of its own).
    """
    positions = {p.index: position for position, p in enumerate(region)}
    by_style: dict[str, list[Paragraph]] = {}
    for p in region:
        if p.label is not None and (inline or p.label.style != INLINE):
            by_style.setdefault(p.label.style, []).append(p)
    groups = []
    for same_style in by_style.values():
        for start, p in enumerate(same_style):
            if p.label.number != 1:
                continue
            members = _sequence(same_style[k] for k in range(start, len(same_style)))
            items, last = _items_from_paragraphs(region, positions, members)
            groups.append(_Group(members[0].index, last, items))
    return groups


def _inline_groups(region: list[Paragraph]) -> list[_Group]:
    groups = []
    for p in region:
        items = split_inline(p.text)
        if len(items) >= 2:
            groups.append(_Group(p.index, p.index, items))
    return groups


def _top_level(groups: list[_Group]) -> list[_Group]:
    """Groups not nested in another one, in document order. Of two readings of the same
    paragraphs ("一是…。二是…" as one labelled paragraph, or split inline), the one with more items."""
    groups = sorted(groups, key=lambda g: (g.start, -g.last, -len(g.items)))
    outer: list[_Group] = []
    reach = -1  # the last paragraph of the outer groups so far, all of which start no later
    for group in groups:
        if group.start <= reach:
            continue
        outer.append(group)
        reach = max(reach, group.last)
    return outer


def _first_group(region: list[Paragraph], inline: bool) -> list[Item]:
    groups = _top_level(_labelled_groups(region, inline) + (_inline_groups(region) if inline else []))
    return groups[0].items if groups else []


def _labelled_items(region: list[Paragraph]) -> list[Item]:
    groups = _top_level(_labelled_groups(region, inline=False))
    return groups[0].items if groups else []


def _items_from_paragraphs(
    region: list[Paragraph], positions: dict[int, int], members: list[Paragraph]
) -> tuple[list[Item], int]:
    """The items, each with the paragraphs it owns, and the index of the list's last paragraph.
    ``positions`` maps a paragraph's index to its position in ``region``."""
    items = []
    last = members[-1].index
    for n, member in enumerate(members):
        start = positions[member.index]
        if n + 1 < len(members):
            following = region[start + 1 : positions[members[n + 1].index]]
        else:
            following = _last_item_body(region, start + 1, member)
            last = following[-1].index if following else member.index
        title, body = member.head, member.tail
        extra = "\n".join(p.text for p in following)
        body = "\n".join(part for part in (body, extra) if part)
        items.append(Item(member.label.text, _clean_title(title), body.strip()))
    return items, last


def _last_item_body(region: list[Paragraph], start: int, member: Paragraph) -> list[Paragraph]:
    """What belongs to the last item, from ``region[start]`` on: its sub-points (numbered in
    another style), and, for a heading line, the unnumbered paragraphs below it. Closing remarks,
    a turn to next year's plans, or a new list in the item's own style end it."""
    owned = []
    heading_only = not member.tail
    for position in range(start, len(region)):  # not a slice: that would copy the rest each time
        p = region[position]
        if p.label is None and MEASURE_PIVOT.match(p.text):
            break
        if (p.label is not None and p.label.style != member.label.style) or (p.label is None and heading_only):
            owned.append(p)
        else:
            break
    return owned


def _clean_title(title: str) -> str:
    return title.strip().rstrip("。；;，,：:").strip()


_SENTENCE_STOP = re.compile(r"[。！？]")
_INLINE_MARK = re.compile(rf"(?:(?<=^)|(?<=[\s：:，,；;。！？、）)]))(?:其)?({CN_NUM})是")
_ORDINAL_MARK = re.compile(rf"(?:(?<=^)|(?<=[\s：:，,；;。！？]))第({CN_NUM})[，,、]")


def split_inline(text: str) -> list[Item]:
    """Split "…：一是…；二是…；三是…。" (or "第一，…第二，…") into items, in sequence."""
    for pattern in (_INLINE_MARK, _ORDINAL_MARK):
        marks = []
        for match in pattern.finditer(text):
            if cn_to_int(match.group(1)) == len(marks) + 1:
                marks.append(match)
        if len(marks) >= 2:
            break
    else:
        return []
    items = []
    for n, mark in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else _inline_last_end(text, marks)
        content = text[mark.end() : end].strip().rstrip("；;，,").strip()
        title, body = _split_inline_title(content)
        items.append(Item(mark.group(0).rstrip("，,、"), title, body))
    return items


def _inline_last_end(text: str, marks: list[re.Match[str]]) -> int:
    """Where the last inline item stops: at its first full stop when the items were separated by
    semicolons; otherwise before a sentence that turns to next year, or at the paragraph's end."""
    last = marks[-1]
    separator = text[last.start() - 1 : last.start()] if last.start() else ""
    if separator in "；;，,":
        stop = _SENTENCE_STOP.search(text, last.end())
        return stop.end() if stop else len(text)
    # Matched in place: a slice of the rest at every full stop is quadratic in a long paragraph.
    for stop in _SENTENCE_STOP.finditer(text, last.end()):
        if MEASURE_PIVOT.match(text, stop.end()) or text.startswith("\n", stop.end()):
            return stop.end()
    return len(text)


def _split_inline_title(content: str) -> tuple[str, str]:
    match = re.search(r"[。！？；;]", content)
    if not match:
        return _clean_title(content), ""
    return _clean_title(content[: match.start()]), content[match.end() :].strip()


# --- shortcomings and measures ------------------------------------------------------------------


def _items_in(region: list[Paragraph]) -> list[Item]:
    """The shortcomings or measures under their heading: the first numbered group, else unnumbered."""
    return _first_group(region, inline=True) or _unnumbered_items(region)


def _unnumbered_items(region: list[Paragraph]) -> list[Item]:
    """No numbering at all: clauses after a lead-in colon, or one item per paragraph."""
    texts = [p.text for p in region if not p.text.rstrip().endswith(("：", ":"))]
    if len(texts) == 1:
        _, colon, rest = texts[0].rpartition("：")
        parts = [part for part in re.split(r"[；;]", rest if colon else texts[0]) if part.strip("。 ")]
        if len(parts) >= 2:
            return [Item("", *_split_inline_title(part.strip())) for part in parts]
    return [Item("", *_split_inline_title(text)) for text in texts]


def _split_combined(region: list[Paragraph]) -> tuple[list[Item], list[Item]]:
    """One section with both the shortcomings and the measures ("存在不足及下一步工作对策")."""
    measure_sub = next((p for p in region if p.label is not None and is_measure_heading(p)), None)
    if measure_sub is None:
        measure_sub = next((p for p in region if p.label is None and p.is_heading_like and is_measure_heading(p)), None)
    if measure_sub is not None:
        split = region.index(measure_sub)
        before = region[:split]
        # A sub-heading "（一）存在不足" opens the shortcomings; the items under it may say "不足" too.
        if before and is_shortcoming_heading(before[0]):
            before = _section_tail(before[0]) + before[1:]
        after = _section_tail(measure_sub) + region[split + 1 :]
        return _items_in(before) if before else [], _items_in(after)

    groups = _top_level(_labelled_groups(region, inline=True) + _inline_groups(region))
    if len(groups) >= 2:
        return groups[0].items, groups[1].items
    if len(groups) == 1:
        group = groups[0]
        before_text = "".join(p.text for p in region if p.index < group.start)
        opening = next(p for p in region if p.index == group.start).text
        lead_in = opening[: opening.find(group.items[0].number)] if group.items[0].number else ""
        if MEASURE_PIVOT.search(before_text + lead_in):
            shortcomings_region = [p for p in region if p.index < group.start]
            return (_unnumbered_items(shortcomings_region) if shortcomings_region else []), group.items
        return group.items, []
    return [], []


def _section_tail(p: Paragraph) -> list[Paragraph]:
    return [_tail_paragraph(p)] if p.tail else []


__all__ = ["Item", "Paragraph", "Sections", "find_sections", "make_paragraphs", "split_inline"]
