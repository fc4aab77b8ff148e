"""Drafts of next year's report: versions, hand edits, new progress merged in, and the roll-up.

A draft's text lives in its versions (``DraftVersion``); every change writes a new version and
none is ever rewritten, so any two can be compared and any one restored. Fresh text comes from
the tracker (:func:`.compose.compose`); a section the legal office edited by hand (its text
differs from what the generator last produced, see :mod:`.content`) is never
overwritten by fresh text: the new material waits beside it in ``pending`` (新进展待合入) until
someone merges it or sets it aside.

Edits carry the version number the form was loaded from (``based_on``); a save based on an older
version raises :class:`DraftConflict` instead of silently overwriting. Two saves racing past that
check still cannot both land: the second one's version number collides with the first's on the
(draft, number) unique constraint when the caller commits.

Functions add and flush, never commit. Each takes ``now``; ``actor`` None is the system.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from tracker.clock import local_date
from tracker.errors import Refusal
from tracker.extensions import db
from tracker.models import Draft, DraftStructure, DraftVersion, ReportStatus, SourceReport, User, VersionReason
from tracker.services.audit import record_event
from tracker.services.drafts import compose as draft_compose
from tracker.services.drafts.content import DraftContent, Section
from tracker.services.mail import messages, outbox
from tracker.services.workdays import WorkCalendar

Composer = Callable[[SourceReport, DraftStructure, date], DraftContent]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STRUCTURE_LABELS = {DraftStructure.SOURCE: "沿用来源报告结构", DraftStructure.STATUTORY: "法定五部分结构"}
OPENING_LABEL = "开头段落"  # how a section without a heading is named in notes and mails
BREAKS = frozenset("。；！？，、：,.;:!?\n “”‘’（）()《》")  # where an edit reads best starting or ending
MIN_EQUAL_RUN = 3  # in an inline diff, shorter equal runs between changes fold into the change
# A sentence ends after 。；！？ (and any closing quotes or brackets that follow), or at a line end.
SENTENCE = re.compile(r".+?(?:[。；！？]+[”’」』）)]*|$)")
# The composer dates its figures ("截至2026年6月8日，…"): a text that differs only in that date
# brings nothing new, or every roll-up would write a version and mail the office.
AS_OF = re.compile(r"截至\d{4}年\d{1,2}月\d{1,2}日")


class DraftConflict(Refusal):
    """The form was loaded from an older version than the latest; nothing was written."""

    def __init__(self, latest: DraftVersion) -> None:
        self.latest = latest
        super().__init__(f"草稿已更新为第{latest.number}版，请在最新版本上重新操作。")


class DraftNotFound(Refusal, LookupError):
    """No such section, version, or new progress to merge; the message is for the user."""

    status = 404


class DraftRefused(Refusal):
    """The report cannot have a draft yet (still in review); the message is for the user."""


# --- reading --------------------------------------------------------------------------------------------


def draft_for(report: SourceReport, structure: DraftStructure) -> Draft | None:
    return db.session.scalar(sa.select(Draft).where(Draft.report_id == report.id, Draft.structure == structure))


def latest(draft: Draft) -> DraftVersion:
    """The newest version (read from the database, not the possibly stale ``draft.versions``)."""
    return db.session.scalars(
        sa.select(DraftVersion).where(DraftVersion.draft_id == draft.id).order_by(DraftVersion.number.desc()).limit(1)
    ).one()


def content_of(version: DraftVersion) -> DraftContent:
    return DraftContent.from_json(version.content)


def download_name(version: DraftVersion, title: str, suffix: str) -> str:
    """The name ``version`` downloads under, with ``suffix`` (".docx", ".md"): its title, number
    and structure, so that the files of both structures and of successive versions can sit side
    by side in a folder: "…年度报告（草稿）（第3版，法定五部分结构）.docx"."""
    return f"{title}（第{version.number}版，{STRUCTURE_LABELS[version.draft.structure]}）{suffix}"


def waiting_for_merge() -> list[Draft]:
    """The drafts whose latest version holds new progress waiting beside a hand-edited section
    (``pending``, 新进展待合入), oldest first. One query; the content is read in Python."""
    newest = (
        sa.select(DraftVersion.draft_id, sa.func.max(DraftVersion.number).label("number"))
        .group_by(DraftVersion.draft_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Draft, DraftVersion.content)
        .join(DraftVersion, DraftVersion.draft_id == Draft.id)
        .join(newest, sa.and_(newest.c.draft_id == DraftVersion.draft_id, newest.c.number == DraftVersion.number))
        .order_by(Draft.id)
    ).all()
    return [draft for draft, content in rows if any(s.get("pending") is not None for s in content["sections"])]


def section_label(section: Section) -> str:
    return section.heading or OPENING_LABEL


# --- writing --------------------------------------------------------------------------------------------


def _compose(report: SourceReport, structure: DraftStructure, today: date) -> DraftContent:
    # Looked up when called, so that a test may replace drafts.compose.compose.
    return draft_compose.compose(report, structure, today)


def generate(
    report: SourceReport, structure: DraftStructure, actor: User | None, now: datetime, *, compose: Composer = _compose
) -> DraftVersion:
    """Version 1 of a new draft, or a regeneration of an existing one (see :func:`refresh`).

    A regeneration that changes nothing returns the latest version and writes nothing. Raises
    :class:`DraftRefused` for a report still in review (it has no tasks to report on).
    """
    if report.status != ReportStatus.CONFIRMED:
        raise DraftRefused("该报告尚在审核中，确认生成督办任务后才能生成草稿。")
    draft = draft_for(report, structure)
    if draft is not None:
        return refresh(draft, actor, now, VersionReason.REGENERATED, compose=compose) or latest(draft)
    draft = Draft(report_id=report.id, structure=structure, created_by_id=actor.id if actor else None, created_at=now)
    db.session.add(draft)
    db.session.flush()
    content = compose(report, structure, local_date(now))
    version = _write(draft, content, actor, now, VersionReason.GENERATED, "生成初稿", number=1)
    _audit("draft_generated", draft, version, actor, now, structure=structure.value)
    return version


def refresh(
    draft: Draft, actor: User | None, now: datetime, reason: VersionReason, *, compose: Composer = _compose
) -> DraftVersion | None:
    """Merge fresh text from the tracker into the latest version; None (nothing written) when
    nothing changed, a difference only in the composer's as-of date (AS_OF) counting as none.

    A section not edited by hand takes the fresh text. A hand-edited one keeps its text, and
    gets ``pending`` = the fresh text when that differs from the text its edits started from
    (``generated``). New sections are inserted where the fresh content has them; sections gone
    from it are dropped unless edited by hand. Title and annex are the fresh ones.
    """
    current = latest(draft)
    old = content_of(current)
    merged = merge_fresh(old, compose(draft.report, draft.structure, local_date(now)))
    if _same(merged, old, substance_only=True):
        return None
    change = Change.between(old, merged)
    version = _write(draft, merged, actor, now, reason, change.note())
    _audit(f"draft_{reason.value}", draft, version, actor, now, **change.to_json())
    return version


def merge_fresh(old: DraftContent, fresh: DraftContent) -> DraftContent:
    """The merge rule of :func:`refresh`, on plain content."""
    fresh_keys = {s.key for s in fresh.sections}
    sections: list[Section] = []
    for new in fresh.sections:
        kept = old.section(new.key)
        if kept is None or not kept.edited or substance(kept.text) == substance(new.text):
            # Also when the hand edit says what the tracker now says: it is no longer "edited".
            sections.append(replace(new, text=new.text, generated=new.text, pending=None))
        else:
            pending = new.text if substance(new.text) != substance(kept.generated) else None
            sections.append(
                replace(kept, heading=new.heading, level=new.level, placeholder=new.placeholder, pending=pending)
            )
    # Hand-edited sections the tracker no longer produces stay, after the section they followed.
    for index, gone in enumerate(old.sections):
        if gone.key in fresh_keys or not gone.edited:
            continue
        placed = {s.key for s in sections}
        before = next((s.key for s in reversed(old.sections[:index]) if s.key in placed), None)
        at = 0 if before is None else next(i for i, s in enumerate(sections) if s.key == before) + 1
        sections.insert(at, gone)
    return DraftContent(title=fresh.title, sections=sections, annex=fresh.annex)


def save_section(
    draft: Draft, key: str, text: str, actor: User | None, now: datetime, *, based_on: int
) -> DraftVersion:
    """The legal office's edit of one section (text normalised: stripped, newlines "\\n").

    Raises :class:`DraftConflict` when ``based_on`` is not the latest version, and
    :class:`DraftNotFound` for an unknown section. Text equal to the current text writes nothing
    and returns the latest version.
    """
    current, content, section = _editable(draft, key, based_on)
    text = normalise(text)
    if text == section.text:
        return current
    version = _write(
        draft,
        content.with_section(replace(section, text=text)),
        actor,
        now,
        VersionReason.EDITED,
        f"编辑：{section_label(section)}",
    )
    _audit("draft_edited", draft, version, actor, now, section=key, before=section.text, after=text)
    return version


def merge_pending(draft: Draft, key: str, actor: User | None, now: datetime, *, based_on: int) -> DraftVersion:
    """合入: the hand-edited text gains the new material of ``pending`` (:func:`new_material`) as
    a new paragraph; then ``generated`` = ``pending`` and ``pending`` is cleared.

    Raises :class:`DraftConflict` on a stale ``based_on``, :class:`DraftNotFound` for an unknown
    section or one with nothing pending.
    """
    current, content, section = _editable(draft, key, based_on, with_pending=True)
    assert section.pending is not None
    added = new_material(section.generated, section.pending, section.text)
    text = "\n".join([section.text, *added]) if added else section.text
    merged = replace(section, text=text.strip(), generated=section.pending, pending=None)
    version = _write(
        draft, content.with_section(merged), actor, now, VersionReason.MERGED, f"合入新进展：{section_label(section)}"
    )
    _audit("draft_merged", draft, version, actor, now, section=key, added=added)
    return version


def dismiss_pending(draft: Draft, key: str, actor: User | None, now: datetime, *, based_on: int) -> DraftVersion:
    """暂不合入: the text stays as edited; the new progress becomes the base (``generated``) so
    it is not offered again. Raises as :func:`merge_pending`."""
    current, content, section = _editable(draft, key, based_on, with_pending=True)
    dismissed = replace(section, generated=section.pending, pending=None)
    version = _write(
        draft,
        content.with_section(dismissed),
        actor,
        now,
        VersionReason.DISMISSED,
        f"暂不合入新进展：{section_label(section)}",
    )
    _audit("draft_dismissed", draft, version, actor, now, section=key)
    return version


def restore(draft: Draft, number: int, actor: User | None, now: datetime) -> DraftVersion:
    """A new version with the content of version ``number`` (note "恢复为第N版").

    Raises :class:`DraftNotFound` for an unknown number. Restoring content equal to the latest
    writes nothing and returns the latest version.
    """
    old = db.session.scalar(
        sa.select(DraftVersion).where(DraftVersion.draft_id == draft.id, DraftVersion.number == number)
    )
    if old is None:
        raise DraftNotFound(f"草稿没有第{number}版。")
    current = latest(draft)
    content = content_of(old)
    if _same(content, content_of(current)):
        return current
    version = _write(draft, content, actor, now, VersionReason.RESTORED, f"恢复为第{number}版")
    _audit("draft_restored", draft, version, actor, now, restored=number)
    return version


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def sentences(text: str) -> list[str]:
    """The sentences of ``text``: split after 。；！？ (closing quotes stay with their sentence)
    and at line ends; stripped, empty ones left out."""
    found: list[str] = []
    for line in text.split("\n"):
        found += [s.strip() for s in SENTENCE.findall(line) if s.strip()]
    return found


def new_material(generated: str, pending: str, text: str) -> list[str]:
    """The paragraphs to append when merging ``pending`` into a section edited by hand.

    New material is each sentence of ``pending`` that is not a sentence of ``generated`` (what
    the hand edits started from) and does not already appear in ``text`` (the editor may have
    written it in). The sentences of one paragraph of ``pending`` stay together as one
    paragraph; ``pending``'s order is kept.
    """
    known = set(sentences(generated))
    paragraphs: list[str] = []
    for line in pending.split("\n"):
        fresh = [s for s in sentences(line) if s not in known and s not in text]
        if fresh:
            paragraphs.append("".join(fresh))
    return paragraphs


def _editable(
    draft: Draft, key: str, based_on: int, *, with_pending: bool = False
) -> tuple[DraftVersion, DraftContent, Section]:
    current = latest(draft)
    if current.number != based_on:
        raise DraftConflict(current)
    content = content_of(current)
    section = content.section(key)
    if section is None:
        raise DraftNotFound("草稿中没有这一部分，可能已被删除，请刷新页面。")
    if with_pending and section.pending is None:
        raise DraftNotFound("这一部分没有待合入的新进展。")
    return current, content, section


def _write(
    draft: Draft,
    content: DraftContent,
    actor: User | None,
    now: datetime,
    reason: VersionReason,
    note: str,
    *,
    number: int | None = None,
) -> DraftVersion:
    version = DraftVersion(
        draft_id=draft.id,
        number=number if number is not None else latest(draft).number + 1,
        author_id=actor.id if actor is not None else None,
        reason=reason,
        note=note,
        content=content.to_json(),
        created_at=now,
    )
    db.session.add(version)
    db.session.flush()
    db.session.expire(draft, ["versions"])  # so draft.versions includes the new one
    return version


def substance(text: str | None) -> str | None:
    """``text`` without the composer's as-of date (see AS_OF)."""
    return AS_OF.sub("截至", text) if text is not None else None


def _same(a: DraftContent, b: DraftContent, *, substance_only: bool = False) -> bool:
    """Equal as stored (through JSON's shapes: tuples become lists…); with ``substance_only``,
    also when the texts differ only in the as-of date."""

    def shape(content: DraftContent) -> dict[str, Any]:
        data = DraftContent.from_json(content.to_json()).to_json()
        if substance_only:
            for section in data["sections"]:
                for name in ("text", "generated", "pending"):
                    section[name] = substance(section[name])
        return data

    return shape(a) == shape(b)


def _audit(action: str, draft: Draft, version: DraftVersion, actor: User | None, now: datetime, **after: Any) -> None:
    record_event(
        action,
        now=now,
        actor=actor,
        object_type="draft",
        object_id=draft.id,
        after={"report_id": draft.report_id, "structure": draft.structure.value, "version": version.number, **after},
    )


# --- what changed ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What a refresh brought, by section heading: sections whose text changed (taken from the
    tracker), sections newly flagged 新进展待合入, and whether the annex changed."""

    updated: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    annex_changed: bool = False

    @classmethod
    def between(cls, old: DraftContent, new: DraftContent) -> Change:
        updated, pending = [], []
        for section in new.sections:
            before = old.section(section.key)
            if before is None or substance(section.text) != substance(before.text):
                updated.append(section_label(section))
            elif section.pending is not None and substance(section.pending) != substance(before.pending):
                pending.append(section_label(section))
        return cls(updated, pending, not _same_annex(old, new))

    @property
    def new_material(self) -> bool:
        return bool(self.updated or self.pending or self.annex_changed)

    def note(self) -> str:
        parts = []
        if self.updated:
            parts.append("更新：" + "、".join(self.updated))
        if self.pending:
            parts.append("新进展待合入：" + "、".join(self.pending))
        if self.annex_changed:
            parts.append("附件已更新")
        return "；".join(parts) or "标题或结构调整"

    def to_json(self) -> dict[str, Any]:
        return {"updated": self.updated, "pending": self.pending, "annex_changed": self.annex_changed}


def _same_annex(old: DraftContent, new: DraftContent) -> bool:
    return old.to_json()["annex"] == new.to_json()["annex"]


Chunk = tuple[str, str]  # (op, text): op is "equal", "insert" or "delete"


@dataclass(frozen=True)
class SectionChange:
    """One section compared between two versions. ``status``: "added", "removed", "changed" or
    "same". ``chunks`` render the text: for a changed section an inline diff, otherwise the
    whole text as one chunk (equal, insert for added, delete for removed). ``old_heading`` is
    set when the heading changed; ``pending_changed`` when the new progress waiting beside it
    differs."""

    key: str
    heading: str
    level: int
    status: str
    chunks: list[Chunk]
    old_heading: str | None = None
    pending_changed: bool = False


class DraftDiff(list[SectionChange]):
    """The section changes in order (a list), plus whether the title or the annex changed."""

    def __init__(self, changes: list[SectionChange], *, old_title: str, new_title: str, annex_changed: bool) -> None:
        super().__init__(changes)
        self.old_title = old_title
        self.new_title = new_title
        self.title_changed = old_title != new_title
        self.annex_changed = annex_changed

    @property
    def changed(self) -> bool:
        return self.title_changed or self.annex_changed or any(c.status != "same" for c in self)


def diff(old: DraftVersion, new: DraftVersion) -> DraftDiff:
    """Section by section, in the new version's order; removed sections follow the section they
    came after in the old version."""
    before, after = content_of(old), content_of(new)
    changes: list[SectionChange] = []
    for section in after.sections:
        was = before.section(section.key)
        if was is None:
            changes.append(_change(section, "added", [("insert", section.text)]))
            continue
        heading_changed = was.heading != section.heading
        status = "changed" if was.text != section.text or heading_changed else "same"
        chunks = inline_diff(was.text, section.text) if was.text != section.text else [("equal", section.text)]
        changes.append(
            _change(
                section,
                status,
                chunks,
                old_heading=was.heading if heading_changed else None,
                pending_changed=was.pending != section.pending,
            )
        )
    new_keys = {s.key for s in after.sections}
    for index, gone in enumerate(before.sections):
        if gone.key in new_keys:
            continue
        listed = [c.key for c in changes]
        previous = next((s.key for s in reversed(before.sections[:index]) if s.key in listed), None)
        at = 0 if previous is None else listed.index(previous) + 1
        changes.insert(at, _change(gone, "removed", [("delete", gone.text)]))
    return DraftDiff(
        changes, old_title=before.title, new_title=after.title, annex_changed=not _same_annex(before, after)
    )


def _change(section: Section, status: str, chunks: list[Chunk], **extra: Any) -> SectionChange:
    chunks = [(op, text) for op, text in chunks if text]
    return SectionChange(section.key, section.heading, section.level, status, chunks, **extra)


def inline_diff(old: str, new: str) -> list[Chunk]:
    """A character diff (Chinese has no spaces to split words on) that reads well: equal runs
    shorter than MIN_EQUAL_RUN between two changes are folded into them, so a rewritten phrase
    shows as one deletion and one insertion rather than a confetti of single characters."""
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    chunks: list[Chunk] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        if deleted:
            chunks.append(("delete", "".join(deleted)))
        if inserted:
            chunks.append(("insert", "".join(inserted)))
        deleted.clear()
        inserted.clear()

    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            text = old[i1:i2]
            between_changes = 0 < index < len(opcodes) - 1
            if between_changes and len(text) < MIN_EQUAL_RUN:
                deleted.append(text)
                inserted.append(text)
                continue
            flush()
            chunks.append(("equal", text))
            continue
        if tag in ("delete", "replace"):
            deleted.append(old[i1:i2])
        if tag in ("insert", "replace"):
            inserted.append(new[j1:j2])
    flush()
    return _aligned(chunks)


def _aligned(chunks: list[Chunk]) -> list[Chunk]:
    """Slide each lone insertion or deletion along the text around it (its ends repeat there)
    to where it begins or ends at punctuation: "5项，废止2项。" reads "5项[，废止2项]。", not
    "5[项，废止2]项。"."""
    chunks = list(chunks)
    for index, (op, edit) in enumerate(chunks):
        if op == "equal" or not edit:
            continue
        before = chunks[index - 1][1] if index > 0 and chunks[index - 1][0] == "equal" else None
        after = chunks[index + 1][1] if index + 1 < len(chunks) and chunks[index + 1][0] == "equal" else None
        if before is None or after is None:
            continue  # next to another change, or at an end: leave it
        while before and before[-1] == edit[-1]:
            before, edit, after = before[:-1], before[-1] + edit[:-1], edit[-1] + after
        best, best_score = (before, edit, after), _boundary_score(before, edit, after)
        while after and after[0] == edit[0]:
            before, edit, after = before + edit[0], edit[1:] + after[0], after[1:]
            if (score := _boundary_score(before, edit, after)) >= best_score:
                best, best_score = (before, edit, after), score
        chunks[index - 1], chunks[index], chunks[index + 1] = ("equal", best[0]), (op, best[1]), ("equal", best[2])
    return [(op, text) for op, text in chunks if text]


def _boundary_score(before: str, edit: str, after: str) -> int:
    starts = not before or before[-1] in BREAKS or edit[0] in BREAKS
    ends = not after or after[0] in BREAKS or edit[-1] in BREAKS
    return int(starts) + int(ends)


# --- the roll-up ----------------------------------------------------------------------------------------


def roll_up_all(now: datetime, *, compose: Composer = _compose) -> list[DraftVersion]:
    """Refresh every draft (author: the system). For each new version that brought new material
    (a section's text or pending, or the annex), queue one mail to each active legal officer;
    its dedup key names the draft and version, so a rerun never mails twice. Returns the new
    versions; a run that changes nothing writes and queues nothing."""
    written: list[DraftVersion] = []
    for draft in db.session.scalars(sa.select(Draft).order_by(Draft.report_id, Draft.id)).all():
        before = content_of(latest(draft))
        version = refresh(draft, None, now, VersionReason.ROLLED_UP, compose=compose)
        if version is None:
            continue
        written.append(version)
        change = Change.between(before, content_of(version))
        if change.new_material:
            outbox.queue(messages.draft_rollup(draft, version, change, STRUCTURE_LABELS[draft.structure]), now)
    return written


def rollup_due(today: date, calendar: WorkCalendar, *, weekday: str | None = None, monthly: bool | None = None) -> bool:
    """Whether the roll-up runs today: on the configured weekday (``DRAFT_ROLLUP_WEEKDAY``,
    "off" for never; holidays included, as it only updates text), or on the first working day of
    the month (``DRAFT_ROLLUP_MONTHLY``, Chinese calendar). Both default to the app's config."""
    weekday = (weekday if weekday is not None else current_app.config["DRAFT_ROLLUP_WEEKDAY"]).strip().lower()
    monthly = monthly if monthly is not None else bool(current_app.config["DRAFT_ROLLUP_MONTHLY"])
    if weekday in WEEKDAYS and today.weekday() == WEEKDAYS.index(weekday):
        return True
    return monthly and today == first_workday_of_month(today, calendar)


def first_workday_of_month(today: date, calendar: WorkCalendar) -> date:
    day = today.replace(day=1)
    if calendar.is_workday(day):
        return day
    return calendar.next_workday(day)


# --- the filing date ------------------------------------------------------------------------------------


def parse_filing_date(setting: str) -> tuple[int, int]:
    """(month, day) of a "MM-DD" setting such as "03-01"; ValueError when it is no date."""
    month_text, _, day_text = setting.strip().partition("-")
    month, day = int(month_text), int(day_text)
    date(2000, month, day)  # a leap year: "02-29" is allowed
    return month, day


def filing_date_in(year: int, setting: str) -> date:
    """The filing date (``DRAFT_FILING_DATE``, "MM-DD") in ``year``; "02-29" is 28 February in
    other years."""
    month, day = parse_filing_date(setting)
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, 2, 28)


def filing_deadline(today: date, setting: str) -> date:
    """The next filing date on or after ``today``."""
    this_year = filing_date_in(today.year, setting)
    return this_year if this_year >= today else filing_date_in(today.year + 1, setting)


def accounting_filing(today: date, setting: str) -> date:
    """The filing date next year: when the report that accounts for work given out today is
    due. A task deadline after it is probably a typing slip."""
    return filing_date_in(today.year + 1, setting)


def days_to_filing(today: date, setting: str) -> int:
    return (filing_deadline(today, setting) - today).days
