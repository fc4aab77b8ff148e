"""The next cycle (结转): the unfinished tasks of an earlier year's report carried on by the
measures of a newer one, so that the history of a measure spans years.

Carrying over only links the two tasks (``Task.carried_from_id`` on the new one). The old task
stays as it is, with last year's figures, in last year's report; nothing is copied, so no task
or progress is counted twice. A new measure carries at most one old task, and an old task is
carried at most once. Nothing here commits; who may carry over is the policy module's question
(``Action.MANAGE_REPORTS``), asked by the caller.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from tracker.errors import Refusal
from tracker.extensions import db
from tracker.models import OPEN_STATES, ItemKind, ReportItem, ReportStatus, SourceReport, Task, TaskState, User
from tracker.services.audit import record_event
from tracker.services.links import bigrams, cosine, inverse_document_frequency

# Unfinished: open, or put on hold (暂缓) and so still to be done some day.
CARRYABLE_STATES = OPEN_STATES | {TaskState.ON_HOLD}
# Below this similarity a measure is listed but not suggested: the office picks by hand.
MIN_SUGGESTED_SCORE = 0.2
# A chain longer than this is a data error (a loop), not a history: stop walking it.
MAX_HISTORY = 50


class CarryOverError(Refusal):
    """The task cannot be carried over; the message says why, in the user's language."""


@dataclass(frozen=True)
class Candidate:
    """An unfinished task of an earlier report, offered to be carried over.

    ``ranked`` holds the new report's free measure tasks with their similarity, most similar
    first. ``suggestion`` is the one to preselect, or None when no measure reaches
    :data:`MIN_SUGGESTED_SCORE` (or each one that does is suggested for a closer old task).
    """

    task: Task
    ranked: list[tuple[Task, float]]
    suggestion: Task | None


# --- which tasks ------------------------------------------------------------------------------------------


def _earlier_than(report: SourceReport) -> ColumnElement[bool]:
    """SQL condition: the joined SourceReport comes before ``report`` (an earlier year when both
    years are known, otherwise imported before it)."""
    imported_before = sa.or_(
        SourceReport.created_at < report.created_at,
        sa.and_(SourceReport.created_at == report.created_at, SourceReport.id < report.id),
    )
    if report.year is None:
        return imported_before
    return sa.or_(SourceReport.year < report.year, sa.and_(SourceReport.year.is_(None), imported_before))


def _same_issuer(report: SourceReport) -> ColumnElement[bool]:
    """SQL condition: the joined SourceReport is by ``report``'s issuer (another body's reports are
    not its history). A report whose issuer was not found may be either's: it stays offered."""
    issuer = "".join((report.issuer or "").split())
    if not issuer:
        return sa.true()
    # Spaces, full-width ones too, do not make another issuer.
    stored = sa.func.replace(sa.func.replace(SourceReport.issuer, " ", ""), "\u3000", "")
    return stored.in_([issuer, ""])


def _carryable(report: SourceReport) -> ColumnElement[bool]:
    """SQL condition on Task joined to its SourceReport: an unfinished top-level task of a
    confirmed earlier report of the same issuer that no task carries on yet."""
    carrier = aliased(Task)
    return sa.and_(
        Task.parent_id.is_(None),
        Task.state.in_(CARRYABLE_STATES),
        Task.report_id != report.id,
        SourceReport.status == ReportStatus.CONFIRMED,
        _earlier_than(report),
        _same_issuer(report),
        ~sa.exists().where(carrier.carried_from_id == Task.id),
    )


def count_candidates(report: SourceReport) -> int:
    """How many tasks :func:`candidates` would offer (one query; 0 before confirmation)."""
    if report.status != ReportStatus.CONFIRMED:
        return 0
    return db.session.scalar(sa.select(sa.func.count(Task.id)).join(Task.report).where(_carryable(report))) or 0


def free_measures(report: SourceReport) -> list[Task]:
    """The report's measure tasks that carry on no task yet, in the report's order (one query)."""
    return list(
        db.session.scalars(
            sa.select(Task)
            .outerjoin(Task.report_item)
            .where(
                Task.report_id == report.id,
                Task.parent_id.is_(None),
                Task.kind == ItemKind.MEASURE,
                Task.carried_from_id.is_(None),
            )
            .options(contains_eager(Task.report_item))
            .order_by(ReportItem.position.asc().nulls_last(), Task.id)
        )
    )


def candidates(report: SourceReport) -> list[Candidate]:
    """The unfinished tasks of the issuer's earlier reports that no task carries on yet, oldest report first
    (shortcomings, then measures, in report order), each with the new report's free measures
    ranked by similarity. Three queries, whatever the number of tasks; none before confirmation.
    """
    if report.status != ReportStatus.CONFIRMED:
        return []
    measures = free_measures(report)
    kind_rank = sa.case((Task.kind == ItemKind.SHORTCOMING, 0), else_=1)
    old_tasks = list(
        db.session.scalars(
            sa.select(Task)
            .join(Task.report)
            .outerjoin(Task.report_item)
            .where(_carryable(report))
            .options(contains_eager(Task.report), contains_eager(Task.report_item), selectinload(Task.lead_department))
            .order_by(
                SourceReport.year.asc().nulls_first(),
                SourceReport.created_at,
                SourceReport.id,
                kind_rank,
                ReportItem.position.asc().nulls_last(),
                Task.id,
            )
        )
    )
    ranked = _rank(old_tasks, measures)
    suggestion = _suggest(old_tasks, ranked)
    return [Candidate(task=t, ranked=ranked[t.id], suggestion=suggestion.get(t.id)) for t in old_tasks]


def _text(task: Task) -> Counter[str]:
    """Bigrams of the title and the content; the title counts twice, as it carries the gist."""
    grams = bigrams(f"{task.title}\n{task.description}")
    grams.update(bigrams(task.title))
    return grams


def _rank(old_tasks: list[Task], measures: list[Task]) -> dict[int, list[tuple[Task, float]]]:
    """For each old task, every measure with its similarity, most similar first (report order
    among equals). Rare bigrams weigh more, rarity counted among the new report's measures."""
    texts = {measure.id: _text(measure) for measure in measures}
    idf = inverse_document_frequency(texts.values())
    ranked: dict[int, list[tuple[Task, float]]] = {}
    for old in old_tasks:
        old_text = _text(old)
        scored = [(measure, cosine(old_text, texts[measure.id], idf)) for measure in measures]
        # sorted() is stable and ``measures`` are in report order: equals keep that order.
        ranked[old.id] = sorted(scored, key=lambda pair: -pair[1])
    return ranked


def _suggest(old_tasks: list[Task], ranked: dict[int, list[tuple[Task, float]]]) -> dict[int, Task]:
    """The measure to preselect for each old task. A measure carries only one old task, so the
    closest pairs are taken first: preselecting one measure twice would make a form that cannot
    be saved as it stands."""
    order = {task.id: n for n, task in enumerate(old_tasks)}
    pairs = [
        (score, order[old_id], position, old_id, measure)
        for old_id, scored in ranked.items()
        for position, (measure, score) in enumerate(scored)
        if score >= MIN_SUGGESTED_SCORE
    ]
    pairs.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
    suggestion: dict[int, Task] = {}
    taken: set[int] = set()
    for _score, _order, _position, old_id, measure in pairs:
        if old_id in suggestion or measure.id in taken:
            continue
        suggestion[old_id] = measure
        taken.add(measure.id)
    return suggestion


# --- carrying over ----------------------------------------------------------------------------------------


def carry_over(old_task: Task, new_task: Task, actor: User | None, now: datetime) -> None:
    """Make ``new_task`` (a measure of a confirmed report) carry on ``old_task`` (an unfinished
    task of an earlier report). Raises CarryOverError when the pair does not fit; adds an audit
    event to both tasks; leaves ``old_task`` unchanged."""
    new_report = new_task.report
    if new_report is not None and new_report.status != ReportStatus.CONFIRMED:
        raise CarryOverError(_("《%(title)s》尚未确认，不能结转任务。请先审核并确认报告条目。", title=new_report.title))
    if new_report is None or new_task.parent_id is not None or new_task.kind != ItemKind.MEASURE:
        raise CarryOverError(_("只能结转到年度报告的工作措施任务。"))
    if old_task.report_id is None or old_task.parent_id is not None:
        raise CarryOverError(_("只能结转年度报告生成的督办任务。"))
    if old_task.state not in CARRYABLE_STATES:
        raise CarryOverError(_("“%(title)s”已办结或已撤销，无需结转。", title=old_task.title))
    if not _reports_in_order(old_task, new_report):
        raise CarryOverError(
            _(
                "“%(title)s”不属于本单位更早年度已确认的报告，不能结转至《%(report)s》。",
                title=old_task.title,
                report=new_report.title,
            )
        )
    # Lock the old task's row (PostgreSQL), so that a concurrent carry of it waits here and then
    # finds it taken, instead of both passing the check below.
    db.session.execute(sa.select(Task.id).where(Task.id == old_task.id).with_for_update())
    carrier = db.session.scalar(sa.select(Task).where(Task.carried_from_id == old_task.id))
    if carrier is not None:
        raise CarryOverError(
            _("“%(title)s”已结转至“%(other)s”，不能重复结转。", title=old_task.title, other=carrier.title)
        )
    if new_task.carried_from_id is not None:
        carried = new_task.carried_from
        raise CarryOverError(
            _(
                "“%(title)s”已延续“%(other)s”，一项措施只能延续一项任务。",
                title=new_task.title,
                other=carried.title if carried else "",
            )
        )
    new_task.carried_from = old_task
    db.session.flush()
    record_event(
        "task_carried_over",
        now=now,
        actor=actor,
        object_type="task",
        object_id=new_task.id,
        before={"carried_from_id": None},
        after={"carried_from_id": old_task.id, "report_id": old_task.report_id, "title": old_task.title},
    )
    record_event(
        "task_carried_over",
        now=now,
        actor=actor,
        object_type="task",
        object_id=old_task.id,
        before={"carried_to_id": None},
        after={"carried_to_id": new_task.id, "report_id": new_task.report_id, "title": new_task.title},
    )


def _reports_in_order(old_task: Task, new_report: SourceReport) -> bool:
    """Is the old task's report confirmed, by the same issuer and earlier than ``new_report``?
    (The same rule as the candidates', asked of the database.)"""
    earlier = sa.exists().where(
        SourceReport.id == old_task.report_id,
        SourceReport.status == ReportStatus.CONFIRMED,
        _earlier_than(new_report),
        _same_issuer(new_report),
    )
    return bool(db.session.scalar(sa.select(earlier)))


def carry_over_many(
    report: SourceReport, pairs: Iterable[tuple[int, int]], actor: User | None, now: datetime
) -> list[Task]:
    """Carry over each (old task id, new task id) pair chosen on the form; the new tasks must be
    ``report``'s. All or nothing: the first refusal raises CarryOverError, and the caller rolls
    back what was flushed. Returns the new tasks that now carry an old one."""
    pairs = list(pairs)
    ids = {task_id for pair in pairs for task_id in pair}
    tasks = {
        task.id: task
        for task in db.session.scalars(sa.select(Task).where(Task.id.in_(ids)).options(selectinload(Task.report)))
    }
    carried = []
    for old_id, new_id in pairs:
        old_task, new_task = tasks.get(old_id), tasks.get(new_id)
        if old_task is None or new_task is None or new_task.report_id != report.id:
            raise CarryOverError(_("所选任务不存在或不属于这份报告，请刷新页面后重试。"))
        carry_over(old_task, new_task, actor, now)
        carried.append(new_task)
    return carried


# --- what the task page shows -----------------------------------------------------------------------------


def history(task: Task) -> list[Task]:
    """The earlier-year tasks ``task`` carries on, oldest first, with their reports and items;
    empty when it carries on none. One query (a recursive walk), however many years."""
    if task.carried_from_id is None:
        return []
    chain = (
        sa.select(Task.id, Task.carried_from_id, sa.literal(1, sa.Integer).label("depth"))
        .where(Task.id == task.carried_from_id)
        .cte("carry_chain", recursive=True)
    )
    earlier = aliased(Task)
    chain = chain.union_all(
        sa.select(earlier.id, earlier.carried_from_id, chain.c.depth + 1).where(
            earlier.id == chain.c.carried_from_id, chain.c.depth < MAX_HISTORY
        )
    )
    return list(
        db.session.scalars(
            sa.select(Task)
            .join(chain, chain.c.id == Task.id)
            .options(joinedload(Task.report), joinedload(Task.report_item))
            .order_by(chain.c.depth.desc())
        )
    )


def carried_to(task: Task) -> Task | None:
    """The task of a later report that carries ``task`` on, or None (one query for a top-level task)."""
    if task.parent_id is not None:
        return None
    return db.session.scalar(
        sa.select(Task)
        .where(Task.carried_from_id == task.id)
        .options(joinedload(Task.report), joinedload(Task.report_item))
    )
