"""Reviewing an imported report before it becomes tasks: edit, split, merge, move, delete, add
items; correct the title, issuer, year and date; confirm.

Every function refuses (ReviewError, with a message for the user) once the report is confirmed,
records an audit event on the report, and adds and flushes without committing. Who may review is
the policy module's question (``Action.MANAGE_REPORTS``), asked by the caller first.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from tracker.errors import Refusal
from tracker.extensions import db
from tracker.importer.labels import CIRCLED, int_to_cn, parse_label
from tracker.models import ItemKind, ReportItem, ReportStatus, ShortcomingMeasureLink, SourceReport, Task, User
from tracker.services import links
from tracker.services.audit import record_event

# The kinds that become tasks on confirmation, in the order the report prints them.
TASK_KINDS = (ItemKind.SHORTCOMING, ItemKind.MEASURE)
# The end of a heading sentence: what separates a new item's title from its body after a split.
SENTENCE_END = re.compile(r"[。；;！!？?\n]")
# Numerals inside a label, replaced when the items of a kind are renumbered.
CN_NUMERAL = re.compile(r"[一二三四五六七八九十]+")
AR_NUMERAL = re.compile(r"\d+")
# A heading title ends without punctuation; merged into a body it needs a full stop.
CLOSING_PUNCTUATION = "。；;！!？?：:"
MAX_TITLE = 500
MAX_BODY = 20000

Direction = Literal["up", "down"]


class ReviewError(Refusal):
    """The change does not fit the report as it stands; the message says why, in the user's language."""


def _require_in_review(report: SourceReport) -> None:
    if report.status != ReportStatus.IN_REVIEW:
        raise ReviewError(_("该报告已确认并生成督办任务，条目不能再修改。"))


def _audit(action: str, report: SourceReport, actor: User | None, now: datetime, **details: Any) -> None:
    before = details.pop("before", None)
    record_event(
        action, now=now, actor=actor, object_type="source_report", object_id=report.id, before=before, after=details
    )


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ReviewError(_("标题不能为空。"))
    if len(title) > MAX_TITLE:
        raise ReviewError(_("标题不能超过 %(max)s 个字。", max=MAX_TITLE))
    return title


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > MAX_BODY:
        raise ReviewError(_("正文不能超过 %(max)s 个字。", max=MAX_BODY))
    return body


def items_of(report: SourceReport, kind: ItemKind) -> list[ReportItem]:
    """The report's items of ``kind`` in their current order (pending changes flushed first)."""
    return list(
        db.session.scalars(
            sa.select(ReportItem)
            .where(ReportItem.report_id == report.id, ReportItem.kind == kind)
            .order_by(ReportItem.position, ReportItem.id)
        )
    )


def _renumber(ordered: list[ReportItem]) -> None:
    """Give ``ordered`` the positions 1..n and labels in the kind's numbering style.

    Positions are unique per kind, checked row by row: park every item on a negative position
    first, so no intermediate UPDATE collides with a neighbour's old position.
    """
    for parked, item in enumerate(ordered, start=1):
        item.position = -parked
    db.session.flush()
    relabel = _label_maker(ordered)
    for position, item in enumerate(ordered, start=1):
        item.position = position
        if relabel is not None:
            item.number_label = relabel(position)
    db.session.flush()


def _label_maker(items: list[ReportItem]) -> Any:
    """A function position -> label copying the first recognisable label ("（三）" gives
    "（{n}）" in Chinese numerals), or None when no item carries a label we know."""
    for item in items:
        label, _rest = parse_label(item.number_label + "某") if item.number_label else (None, "")
        if label is None:
            continue
        text = label.text
        if label.style == CIRCLED:
            return lambda n: chr(0x2460 + n - 1) if n <= 20 else f"（{n}）"
        if AR_NUMERAL.search(text):
            return lambda n, text=text: AR_NUMERAL.sub(str(n), text, count=1)
        return lambda n, text=text: CN_NUMERAL.sub(int_to_cn(n), text, count=1)
    return None


def _title_and_body(text: str) -> tuple[str, str, str]:
    """Split the text that starts a new item into (label, title, body): a leading number label
    is dropped into the label, the first sentence becomes the title."""
    label, rest = parse_label(text.strip())
    rest = rest.strip()
    match = SENTENCE_END.search(rest)
    if match is None:
        return (label.text if label else ""), rest, ""
    return (label.text if label else ""), rest[: match.start()].strip(), rest[match.end() :].strip()


def _item_snapshot(item: ReportItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind.value,
        "number_label": item.number_label,
        "title": item.title,
        "body": item.body,
        "position": item.position,
    }


# --- the report itself -----------------------------------------------------------------------------


def update_details(
    report: SourceReport,
    actor: User,
    *,
    title: str,
    issuer: str,
    year: int | None,
    report_date: date | None,
    now: datetime,
) -> None:
    """Correct what the importer found: the title, the issuer, the year and the date."""
    _require_in_review(report)
    title = _clean_title(title)
    if len(title) > 300:
        raise ReviewError(_("报告标题不能超过 %(max)s 个字。", max=300))
    issuer = " ".join((issuer or "").split())
    if len(issuer) > 200:
        raise ReviewError(_("发布单位不能超过 %(max)s 个字。", max=200))
    if year is not None and not 1990 <= year <= 2100:
        raise ReviewError(_("年度须在 %(first)s 至 %(last)s 之间。", first=1990, last=2100))
    before = {
        "title": report.title,
        "issuer": report.issuer,
        "year": report.year,
        "report_date": report.report_date.isoformat() if report.report_date else None,
    }
    report.title, report.issuer, report.year, report.report_date = title, issuer, year, report_date
    after = {
        "title": report.title,
        "issuer": report.issuer,
        "year": report.year,
        "report_date": report_date.isoformat() if report_date else None,
    }
    changed = {k for k in after if after[k] != before[k]}
    db.session.flush()
    _audit(
        "report_details_edited",
        report,
        actor,
        now,
        before={k: before[k] for k in changed},
        **{k: after[k] for k in changed},
    )


# --- the items ---------------------------------------------------------------------------------------


def edit_item(item: ReportItem, actor: User, *, title: str, body: str, now: datetime) -> None:
    report = item.report
    _require_in_review(report)
    before = _item_snapshot(item)
    item.title = _clean_title(title)
    item.body = _clean_body(body)
    db.session.flush()
    _audit("report_item_edited", report, actor, now, before=before, item=_item_snapshot(item))


# Where a sentence of a body ends: an item is split after one.
SENTENCE_END = re.compile(r"[。；;！？!?]+[”’」』）)]*|\n")


def split_points(body: str) -> list[tuple[str, int | None]]:
    """The body's sentences in order, each with the ``at`` of :func:`split_item` that splits after
    it (None where nothing would follow): what the review page offers to click."""
    pieces: list[tuple[str, int | None]] = []
    start = 0
    for end in [m.end() for m in SENTENCE_END.finditer(body)] + [len(body)]:
        if body[start:end].strip():  # a line break alone goes with the sentence after it
            pieces.append((body[start:end], end if body[end:].strip() else None))
            start = end
    return pieces


def split_item(item: ReportItem, actor: User, *, at: int | None = None, now: datetime) -> ReportItem:
    """Split ``item`` in two after the ``at``-th character of its body, or at the first line break
    when ``at`` is None. The second part becomes a new item right after this one: a leading
    number label is dropped, its first sentence is the title and the rest the body."""
    report = item.report
    _require_in_review(report)
    body = item.body or ""
    if not body.strip():
        raise ReviewError(_("该条目没有正文，无法拆分。可先修改正文，或直接添加一个新条目。"))
    if at is None:
        at = body.find("\n")
        if at < 0:
            raise ReviewError(_("正文中没有换行，请选择在哪一句之后拆分。"))
    if not 0 < at < len(body):
        raise ReviewError(
            ngettext(
                "拆分位置须在 1 到 %(last)s 之间（正文共 %(num)s 个字）。",
                "拆分位置须在 1 到 %(last)s 之间（正文共 %(num)s 个字）。",
                len(body),
                last=len(body) - 1,
            )
        )
    first, second = body[:at].strip(), body[at:].strip()
    if not second:
        raise ReviewError(_("拆分位置之后没有文字，请重新选择拆分位置。"))
    label, title, rest = _title_and_body(second)
    if not title:
        raise ReviewError(_("拆分位置之后只有编号，没有文字，请重新选择拆分位置。"))
    before = _item_snapshot(item)
    ordered = items_of(report, item.kind)
    item.body = first
    created = ReportItem(
        report=report,
        kind=item.kind,
        number_label=label,
        title=title,
        body=rest,
        position=len(ordered) + 1,  # free until the renumbering below
    )
    db.session.add(created)
    db.session.flush()
    ordered.insert(ordered.index(item) + 1, created)
    _renumber(ordered)
    _audit(
        "report_item_split",
        report,
        actor,
        now,
        before=before,
        item=_item_snapshot(item),
        created=_item_snapshot(created),
    )
    return created


def merge_with_next(item: ReportItem, actor: User, *, now: datetime) -> ReportItem:
    """Merge the next item of the same kind into ``item`` (its title and body join the body) and
    delete it. Returns ``item``."""
    report = item.report
    _require_in_review(report)
    ordered = items_of(report, item.kind)
    index = ordered.index(item)
    if index == len(ordered) - 1:
        raise ReviewError(_("这是该类中的最后一条，没有可合并的下一条。"))
    following = ordered[index + 1]
    before = _item_snapshot(item)
    removed = _item_snapshot(following)
    heading = following.title
    if following.body and heading and heading[-1] not in CLOSING_PUNCTUATION:
        heading += "。"
    item.body = "\n".join(part for part in (item.body, heading + following.body) if part)
    _move_links(following, item)
    report.items.remove(following)
    db.session.delete(following)
    db.session.flush()
    ordered.remove(following)
    _renumber(ordered)
    _audit("report_items_merged", report, actor, now, before=before, item=_item_snapshot(item), removed=removed)
    return item


def move_item(item: ReportItem, actor: User, *, direction: Direction, now: datetime) -> None:
    """Swap ``item`` with its neighbour above ("up") or below ("down") among items of its kind."""
    report = item.report
    _require_in_review(report)
    ordered = items_of(report, item.kind)
    index = ordered.index(item)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ordered):
        raise ReviewError(_("已是第一条，不能上移。") if direction == "up" else _("已是最后一条，不能下移。"))
    before = item.position
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(ordered)
    _audit(
        "report_item_moved",
        report,
        actor,
        now,
        before={"position": before},
        item_id=item.id,
        position=item.position,
    )


def delete_item(item: ReportItem, actor: User, *, now: datetime) -> None:
    report = item.report
    _require_in_review(report)
    removed = _item_snapshot(item)
    ordered = items_of(report, item.kind)
    _drop_links(item)
    report.items.remove(item)
    db.session.delete(item)
    db.session.flush()
    ordered.remove(item)
    _renumber(ordered)
    _audit("report_item_deleted", report, actor, now, before=removed)


def add_item(
    report: SourceReport,
    actor: User,
    *,
    kind: ItemKind,
    title: str,
    body: str = "",
    position: int | None = None,
    now: datetime,
) -> ReportItem:
    """Add an item the importer missed, at ``position`` (1-based) among its kind, or last."""
    _require_in_review(report)
    title = _clean_title(title)
    body = _clean_body(body)
    ordered = items_of(report, kind)
    if position is not None and not 1 <= position <= len(ordered) + 1:
        raise ReviewError(_("位置须在 1 到 %(last)s 之间。", last=len(ordered) + 1))
    item = ReportItem(report=report, kind=kind, number_label="", title=title, body=body, position=len(ordered) + 1)
    db.session.add(item)
    db.session.flush()
    ordered.insert((position or len(ordered) + 1) - 1, item)
    _renumber(ordered)
    _audit("report_item_added", report, actor, now, item=_item_snapshot(item))
    return item


def _links_of(item: ReportItem) -> list[ShortcomingMeasureLink]:
    return list(
        db.session.scalars(
            sa.select(ShortcomingMeasureLink).where(
                sa.or_(ShortcomingMeasureLink.shortcoming_id == item.id, ShortcomingMeasureLink.measure_id == item.id)
            )
        )
    )


def _drop_links(item: ReportItem) -> None:
    for link in _links_of(item):
        db.session.delete(link)


def _move_links(source: ReportItem, target: ReportItem) -> None:
    """Links of a merged-away item go to the item it joined, unless that one has the same link."""
    taken = {(link.shortcoming_id, link.measure_id) for link in _links_of(target)}
    for link in _links_of(source):
        was_shortcoming = link.shortcoming_id == source.id
        pair = (target.id, link.measure_id) if was_shortcoming else (link.shortcoming_id, target.id)
        if pair in taken:
            db.session.delete(link)
        else:
            link.shortcoming_id, link.measure_id = pair
            taken.add(pair)
    db.session.flush()


# --- confirmation --------------------------------------------------------------------------------------


def confirm(report: SourceReport, actor: User, *, now: datetime) -> list[Task]:
    """Turn every shortcoming and measure into a task, mark the report confirmed, and suggest
    which measures address which shortcoming (for the legal office to accept or reject).

    All or nothing: the tasks are only added and flushed, so the caller's single commit keeps
    them, and a failure part-way (rolled back by the caller) leaves none.
    """
    if report.status == ReportStatus.CONFIRMED:
        raise ReviewError(_("该报告已确认过，督办任务已生成，不能重复确认。"))
    items = [item for kind in TASK_KINDS for item in items_of(report, kind)]
    if not items:
        raise ReviewError(_("报告中没有存在不足或工作措施，无法生成督办任务。请先添加条目。"))
    tasks = [_task_for(item, now) for item in items]
    report.status = ReportStatus.CONFIRMED
    db.session.flush()
    links.suggest(report, now=now)
    _audit(
        "report_confirmed",
        report,
        actor,
        now,
        before={"status": ReportStatus.IN_REVIEW.value},
        status=ReportStatus.CONFIRMED.value,
        task_ids=[task.id for task in tasks],
    )
    for task in tasks:
        record_event(
            "task_created",
            now=now,
            actor=actor,
            object_type="task",
            object_id=task.id,
            after={"report_id": report.id, "report_item_id": task.report_item_id, "title": task.title},
        )
    return tasks


def task_from_item(item: ReportItem, **columns: Any) -> Task:
    """A new task for a shortcoming or measure: the item's report, kind and title, and its body
    as the task's description. ``columns`` set the rest (``created_at``; the demo's departments,
    deadline, state…). Not added to the session."""
    return Task(
        report=item.report,
        report_item=item,
        kind=item.kind,
        title=item.title,
        description=item.body,
        **columns,
    )


def _task_for(item: ReportItem, now: datetime) -> Task:
    task = task_from_item(item, created_at=now, updated_at=now)
    db.session.add(task)
    db.session.flush()
    return task
