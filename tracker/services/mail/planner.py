"""The reminder planner: which mails are due at a moment, by the reminder policy.

Every timing rule lives here: nothing is planned on a rest day or before the policy's send hour
(Asia/Shanghai), whoever asks — the scheduler, ``flask remind`` or ``flask
chase-acknowledgements``. Each planned mail carries a dedup key naming the logical reminder
(kind, task, deadline, step, recipient); the outbox's unique constraint turns planning it twice
into a no-op, so the planner can run as often as it likes, and a changed deadline simply starts
a new schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.clock import local_date, local_zone
from tracker.extensions import db
from tracker.models import OPEN_STATES, Assignment, Task, TaskState, User
from tracker.services import deadlines, staffing
from tracker.services.mail import messages, outbox
from tracker.services.mail.catalogue import MailKind
from tracker.services.mail.messages import Message
from tracker.services.mail.policy import load_policy
from tracker.services.workdays import WorkCalendar

WORKABLE = (TaskState.NOT_STARTED, TaskState.IN_PROGRESS)


def sending_day(now: datetime, calendar: WorkCalendar) -> date | None:
    """The local date when ``now`` is on a working day at or after the send hour, else None."""
    local = now.astimezone(local_zone())
    if not calendar.is_workday(local.date()) or local.time() < time(load_policy()["send_hour"]):
        return None
    return local.date()


def plan(now: datetime, calendar: WorkCalendar | None = None) -> list[Message]:
    """Every reminder, 催签 and digest due at ``now`` (none on a rest day or before the send hour)."""
    calendar = calendar or WorkCalendar.load()
    today = sending_day(now, calendar)
    if today is None:
        return []
    base_policy = load_policy()
    tasks = db.session.scalars(
        sa.select(Task)
        .where(Task.state.in_(WORKABLE), Task.deadline.is_not(None), Task.lead_department_id.is_not(None))
        .options(selectinload(Task.assignee), selectinload(Task.report_item), selectinload(Task.parent))
        .order_by(Task.id)
    ).all()
    heads = staffing.heads_by_department(t.lead_department_id for t in tasks)
    office = staffing.legal_officers()
    leaders = staffing.leaders()

    planned: list[Message] = []
    for task in tasks:
        policy = load_policy(task) if task.reminder_overrides else base_policy
        owners = messages.owners(task, heads)
        planned += _task_reminders(task, owners, office, leaders, today, calendar, policy)
    planned += _chases(today, calendar)
    if calendar.is_first_workday_of_week(today):
        planned += _digests(tasks, heads, office, today, calendar)
    return planned


def queue_due(now: datetime, calendar: WorkCalendar | None = None) -> int:
    """Plan what is due at ``now`` and queue it; returns how many mails were new."""
    return outbox.queue(plan(now, calendar), now)


# --- 催签 ------------------------------------------------------------------------------------------------


def plan_chases(now: datetime, calendar: WorkCalendar | None = None) -> list[Message]:
    """The 催签 mails due at ``now`` alone (none on a rest day or before the send hour)."""
    calendar = calendar or WorkCalendar.load()
    today = sending_day(now, calendar)
    return _chases(today, calendar) if today is not None else []


def _chases(today: date, calendar: WorkCalendar) -> list[Message]:
    """A 催签 to the lead department's heads for every open task assigned more than
    ACKNOWLEDGE_WITHIN_WORKDAYS working days ago and still not acknowledged; at most one a day
    per task and head (the day is in the dedup key)."""
    waiting = db.session.scalars(
        sa.select(Task)
        .where(
            Task.assignment == Assignment.ASSIGNED,
            Task.state.in_(OPEN_STATES),
            Task.assigned_at < deadlines.late_acknowledgement_before(today, calendar),
        )
        .options(selectinload(Task.lead_department), selectinload(Task.report_item))
        .order_by(Task.id)
    ).all()
    heads = staffing.heads_by_department(t.lead_department_id for t in waiting)
    planned: list[Message] = []
    for task in waiting:
        assert task.assigned_at is not None
        department_heads = heads.get(task.lead_department_id or 0, [])
        planned += messages.chase_acknowledgement(task, department_heads, local_date(task.assigned_at), today)
    return planned


# --- reminders about deadlines -----------------------------------------------------------------------------


def _task_reminders(
    task: Task,
    owners: list[User],
    office: list[User],
    leaders: list[User],
    today: date,
    calendar: WorkCalendar,
    policy: dict[str, Any],
) -> list[Message]:
    assert task.deadline is not None
    deadline = task.deadline
    mails: list[Message] = []
    left = calendar.workdays_until(today, deadline)
    if deadline > today and left in policy["lead_workdays"]:
        mails += messages.reminder(MailKind.DUE_SOON, task, owners, str(left), left=left)
    elif deadline == today and policy["on_the_day"]:
        mails += messages.reminder(MailKind.DUE_TODAY, task, owners, "0")
    elif deadlines.is_overdue(deadline, today):
        late = (today - deadline).days
        mails += messages.reminder(MailKind.OVERDUE, task, owners, today.isoformat(), late=late)
        first_notice = calendar.next_workday(deadline)
        weekly = calendar.is_first_workday_of_week(today)
        if today == first_notice or (today > first_notice and weekly):
            step = "first" if today == first_notice else f"week-{today:%G-%V}"
            mails += messages.reminder(MailKind.OVERDUE_LEGAL, task, office, step, late=late)
        after = policy["leadership_after_days"]
        if late >= after and (late == after or weekly):
            mails += messages.reminder(MailKind.ESCALATION_LEADER, task, leaders, f"week-{today:%G-%V}", late=late)
    # An assignment not yet acknowledged is chased by 催签, not asked for progress.
    since = deadlines.quiet_since(task, task.last_progress_at)
    if task.assignment == Assignment.ACKNOWLEDGED and deadlines.is_stale(since, today, policy["stale_after_days"]):
        assert since is not None
        quiet = deadlines.quiet_days(since, today)
        step = f"{since.date().isoformat()}:{quiet // policy['stale_after_days']}"
        mails += messages.reminder(MailKind.PROGRESS_REQUEST, task, owners, step, quiet=quiet)
    return mails


# --- weekly digests -----------------------------------------------------------------------------------------


def _digests(
    tasks: Sequence[Task], heads: dict[int, list[User]], office: list[User], today: date, calendar: WorkCalendar
) -> list[Message]:
    """每周汇总, on the first working day of the week: one mail per head with the department's
    open tasks, one per legal officer with what is overdue or due within DUE_SOON_WORKDAYS
    working days, each with the notifications held for the person's digest; anyone else who
    chose the digest gets theirs when something was held. Nobody gets an empty digest."""
    week = f"{today:%G-W%V}"
    lines_for: dict[int, tuple[User, str, list[str]]] = {}
    by_department: dict[int, list[Task]] = {}
    for task in tasks:
        if task.parent_id is None and task.lead_department_id is not None:
            by_department.setdefault(task.lead_department_id, []).append(task)
    for department_id, department_tasks in by_department.items():
        lines = [_digest_line(t, today, calendar) for t in sorted(department_tasks, key=_by_deadline)]
        for head in heads.get(department_id, []):
            lines_for[head.id] = (head, f"本部门有{len(lines)}项督办任务在办", lines)
    pressing = [
        t
        for t in tasks
        if t.parent_id is None
        and t.deadline is not None
        and calendar.workdays_until(today, t.deadline) <= deadlines.DUE_SOON_WORKDAYS
    ]
    if pressing:
        lines = [_digest_line(t, today, calendar) for t in sorted(pressing, key=_by_deadline)]
        for officer in office:
            lines_for[officer.id] = (officer, f"{len(lines)}项督办任务已逾期或即将到期", lines)
    held = outbox.held_by_recipient()
    people = {person.id: person for person, _, _ in lines_for.values()}
    people |= {
        user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(set(held) - set(people))))
    }
    mails: list[Message] = []
    for person_id, person in sorted(people.items()):
        _, heading, lines = lines_for.get(person_id, (person, "", []))
        mails += messages.digest(person, week, heading, lines, held.get(person_id, []))
    return mails


def _by_deadline(task: Task) -> tuple[date, int]:
    return (task.deadline or date.max, task.id)


def _digest_line(task: Task, today: date, calendar: WorkCalendar) -> str:
    assert task.deadline is not None
    if deadlines.is_overdue(task.deadline, today):
        standing = f"已逾期{(today - task.deadline).days}天"
    else:
        standing = f"剩余{calendar.workdays_until(today, task.deadline)}个工作日"
    return (
        f"{messages.task_name(task)}（完成时限{messages.cn_date(task.deadline)}，{standing}，进度{task.percent_done}%）"
    )
