"""The reminder planner: which mails are due at a moment, by the reminder policy.

It is run by the scheduler (and by ``flask remind``) at or after 09:00 on working days. Each mail
it plans carries a dedup key (kind, task, deadline, step, recipient); the outbox's unique
constraint turns planning the same mail twice into a no-op, so the planner can run as often as
it likes, and a changed deadline simply starts a new schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from tracker.clock import local_zone
from tracker.extensions import db
from tracker.models import (
    Notification,
    NotificationStatus,
    ReminderMode,
    Role,
    Setting,
    Task,
    TaskState,
    User,
)
from tracker.services import outbox, staffing
from tracker.services.audit import record_event
from tracker.services.workdays import WorkCalendar

POLICY_SETTING = "reminder_policy"
DEFAULT_POLICY: dict[str, Any] = {
    "lead_workdays": [14, 7, 3, 1],  # reminders this many working days before the deadline
    "on_the_day": True,
    "leadership_after_days": 14,  # overdue this many days: the leadership is told, then weekly
    "stale_after_days": 30,  # no progress for this many days: ask for an update
    "send_hour": 9,  # local time; nothing goes out earlier in the day
}
# Kinds a user may take as a weekly digest instead; escalations and overdue notices always go.
NON_URGENT_KINDS = frozenset({"due_soon", "progress_request"})
REMINDER_KINDS = frozenset(
    {"due_soon", "due_today", "overdue", "overdue_legal", "escalation_leader", "progress_request", "digest"}
)
WORKABLE = (TaskState.NOT_STARTED, TaskState.IN_PROGRESS)
DIGEST_HORIZON = 5  # working days: the legal office's digest lists what is due this soon, or overdue


@dataclass(frozen=True)
class PlannedMail:
    kind: str
    task_id: int | None
    recipient: User
    subject: str
    body_text: str
    dedup_key: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "task_id": self.task_id,
            "recipient": self.recipient.email,
            "subject": self.subject,
            "dedup_key": self.dedup_key,
        }


def load_policy(task: Task | None = None) -> dict[str, Any]:
    """The default policy, as changed in the UI, as changed for this task."""
    stored = db.session.get(Setting, POLICY_SETTING)
    policy = DEFAULT_POLICY | (stored.value if stored is not None else {})
    if task is not None and task.reminder_overrides:
        policy |= task.reminder_overrides
    return policy


def plan(now: datetime, calendar: WorkCalendar | None = None) -> list[PlannedMail]:
    """Every reminder due at ``now`` (nothing before the send hour or on a rest day)."""
    calendar = calendar or WorkCalendar.load()
    local = now.astimezone(local_zone())
    today = local.date()
    base_policy = load_policy()
    if not calendar.is_workday(today) or local.time() < time(base_policy["send_hour"]):
        return []
    tasks = db.session.scalars(
        sa.select(Task)
        .where(Task.state.in_(WORKABLE), Task.deadline.is_not(None), Task.lead_department_id.is_not(None))
        .options(selectinload(Task.assignee), selectinload(Task.report_item), selectinload(Task.parent))
        .order_by(Task.id)
    ).all()
    heads = staffing.heads_by_department(t.lead_department_id for t in tasks)
    office = list(db.session.scalars(sa.select(User).where(User.role == Role.LEGAL, User.is_active)))
    leaders = list(db.session.scalars(sa.select(User).where(User.role == Role.LEADER, User.is_active)))

    planned: list[PlannedMail] = []
    for task in tasks:
        policy = load_policy(task) if task.reminder_overrides else base_policy
        owners = [task.assignee] if task.assignee is not None else heads.get(task.lead_department_id or 0, [])
        planned += _task_reminders(task, owners, office, leaders, today, calendar, policy, task.last_progress_at)
    if _first_workday_of_week(today, calendar):
        planned += _digests(tasks, heads, office, today, calendar)
    return [mail for mail in planned if _wanted(mail)]


def _digests(
    tasks: Sequence[Task], heads: dict[int, list[User]], office: list[User], today: date, calendar: WorkCalendar
) -> list[PlannedMail]:
    """每周汇总, on the first working day of the week: one mail per head with the department's
    open tasks, one per legal officer with what is overdue or due within DIGEST_HORIZON working
    days. Nobody gets an empty digest."""
    week = f"{today:%G-W%V}"
    mails: list[PlannedMail] = []
    by_department: dict[int, list[Task]] = {}
    for task in tasks:
        if task.parent_id is None and task.lead_department_id is not None:
            by_department.setdefault(task.lead_department_id, []).append(task)
    for department_id, department_tasks in by_department.items():
        lines = [_digest_line(t, today, calendar) for t in sorted(department_tasks, key=lambda t: t.deadline or today)]
        for head in heads.get(department_id, []):
            mails.append(_digest(head, week, f"【每周汇总】本部门有{len(lines)}项督办任务在办", lines))
    pressing = [
        t
        for t in tasks
        if t.parent_id is None
        and t.deadline is not None
        and calendar.workdays_until(today, t.deadline) <= DIGEST_HORIZON
    ]
    if pressing:
        lines = [_digest_line(t, today, calendar) for t in sorted(pressing, key=lambda t: t.deadline or today)]
        for officer in office:
            mails.append(_digest(officer, week, f"【每周汇总】{len(lines)}项督办任务已逾期或即将到期", lines))
    return mails


def _digest(person: User, week: str, subject: str, lines: list[str]) -> PlannedMail:
    body = "本周督办任务情况：\n" + "\n".join(lines)
    return PlannedMail("digest", None, person, subject, body, f"digest:0:{week}:week:{person.id}")


def _digest_line(task: Task, today: date, calendar: WorkCalendar) -> str:
    assert task.deadline is not None
    label = task.report_item.number_label if task.report_item is not None else ""
    if task.deadline < today:
        standing = f"已逾期{(today - task.deadline).days}天"
    else:
        standing = f"剩余{calendar.workdays_until(today, task.deadline)}个工作日"
    return f"- {label}{task.title}（完成时限{task.deadline:%Y年%m月%d日}，{standing}，进度{task.percent_done}%）"


def _wanted(mail: PlannedMail) -> bool:
    return not (mail.kind in NON_URGENT_KINDS and mail.recipient.reminder_mode == ReminderMode.DIGEST)


def _task_reminders(
    task: Task,
    owners: list[User],
    office: list[User],
    leaders: list[User],
    today: date,
    calendar: WorkCalendar,
    policy: dict[str, Any],
    last_update: datetime | None,
) -> list[PlannedMail]:
    assert task.deadline is not None
    label = task.report_item.number_label if task.report_item is not None else ""
    name = f"{label}{task.title}"
    deadline = task.deadline
    mails: list[PlannedMail] = []

    def add(kind: str, step: str, people: list[User], subject: str, body: str) -> None:
        for person in people:
            key = f"{kind}:{task.id}:{deadline.isoformat()}:{step}:{person.id}"
            mails.append(PlannedMail(kind, task.id, person, subject, body, key))

    left = calendar.workdays_until(today, deadline)
    if deadline > today and left in policy["lead_workdays"]:
        add(
            "due_soon",
            str(left),
            owners,
            f"【督办提醒】{name} 距截止还有{left}个工作日",
            f"督办任务“{name}”的完成时限为{deadline:%Y年%m月%d日}，距截止还有{left}个工作日，请抓紧办理。",
        )
    elif deadline == today and policy["on_the_day"]:
        add("due_today", "0", owners, f"【督办提醒】{name} 今日到期", f"督办任务“{name}”今日到期，请按时办结。")
    elif deadline < today:
        late = (today - deadline).days
        add(
            "overdue",
            today.isoformat(),
            owners,
            f"【逾期提醒】{name} 已逾期{late}天",
            f"督办任务“{name}”的完成时限为{deadline:%Y年%m月%d日}，已逾期{late}天，请尽快办理并反馈。",
        )
        first_notice = calendar.next_workday(deadline)
        if today == first_notice or (today > first_notice and _first_workday_of_week(today, calendar)):
            step = "first" if today == first_notice else f"week-{today:%G-%V}"
            add(
                "overdue_legal",
                step,
                office,
                f"【逾期通报】{name} 已逾期{late}天",
                f"督办任务“{name}”（完成时限{deadline:%Y年%m月%d日}）已逾期{late}天，尚未办结。",
            )
        if late >= policy["leadership_after_days"] and (
            late == policy["leadership_after_days"] or _first_workday_of_week(today, calendar)
        ):
            add(
                "escalation_leader",
                f"week-{today:%G-%V}",
                leaders,
                f"【逾期督办】{name} 已逾期{late}天",
                f"督办任务“{name}”已逾期{late}天，请领导关注督促。",
            )
    since = last_update or task.acknowledged_at or task.assigned_at or task.created_at
    if since is not None:
        quiet = (today - since.astimezone(local_zone()).date()).days
        if quiet >= policy["stale_after_days"]:
            add(
                "progress_request",
                f"{since.date().isoformat()}:{quiet // policy['stale_after_days']}",
                owners,
                f"【进展催报】{name} 已{quiet}天未反馈进展",
                f"督办任务“{name}”已{quiet}天未更新进展，请登录系统反馈办理情况。",
            )
    return mails


def _first_workday_of_week(day: date, calendar: WorkCalendar) -> bool:
    """Is ``day`` the first working day of its ISO week (Monday, or later when Monday is a holiday)?"""
    monday = day.fromordinal(day.toordinal() - day.weekday())
    first = monday if calendar.is_workday(monday) else calendar.next_workday(monday)
    return day == first


def queue(planned: list[PlannedMail], now: datetime) -> int:
    """Put the planned mails into the outbox; returns how many were new."""
    return sum(
        outbox.queue_mail(
            kind=mail.kind,
            dedup_key=mail.dedup_key,
            recipient=mail.recipient,
            subject=mail.subject,
            body_text=mail.body_text,
            now=now,
            task_id=mail.task_id,
        )
        for mail in planned
    )


def drop_queued_reminders(task: Task) -> int:
    """A new owner or deadline makes the queued reminders wrong: cancel those not yet sent."""
    result = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.task_id == task.id,
            Notification.status == NotificationStatus.PENDING,
            Notification.kind.in_(REMINDER_KINDS),
        )
        .values(status=NotificationStatus.CANCELLED, last_error="任务已改派或调整时限，提醒作废")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


class PolicyError(Exception):
    """A reminder policy that cannot work; the message says why, in Chinese."""


def validate_policy(values: dict[str, Any]) -> dict[str, Any]:
    """The policy keys given, checked: lead days 1–60 working days, hours 0–23, day counts ≥ 1."""
    checked: dict[str, Any] = {}
    if "lead_workdays" in values:
        days = sorted({int(d) for d in values["lead_workdays"]}, reverse=True)
        if not days or any(not 1 <= d <= 60 for d in days):
            raise PolicyError(_("提前提醒的工作日数须为 1 到 60 之间的整数，例如 14,7,3,1。"))
        checked["lead_workdays"] = days
    for key, low, high, message in (
        ("leadership_after_days", 1, 365, _("逾期报告领导的天数须为 1 到 365 之间的整数。")),
        ("stale_after_days", 1, 365, _("进展催报的天数须为 1 到 365 之间的整数。")),
        ("send_hour", 0, 23, _("发送时间须为 0 到 23 点之间的整点。")),
    ):
        if key in values:
            if not low <= int(values[key]) <= high:
                raise PolicyError(message)
            checked[key] = int(values[key])
    if "on_the_day" in values:
        checked["on_the_day"] = bool(values["on_the_day"])
    return checked


def save_policy(values: dict[str, Any], actor: User, now: datetime) -> dict[str, Any]:
    """Store the office-wide policy (audited); returns it as it now stands."""
    checked = validate_policy(values)
    stored = db.session.get(Setting, POLICY_SETTING)
    before = stored.value if stored is not None else {}
    if stored is None:
        stored = Setting(name=POLICY_SETTING, value=checked)
        db.session.add(stored)
    stored.value = checked
    stored.updated_by_id = actor.id
    stored.updated_at = now
    record_event("reminder_policy_changed", now=now, actor=actor, object_type="setting", before=before, after=checked)
    return DEFAULT_POLICY | checked


def set_task_overrides(task: Task, values: dict[str, Any] | None, actor: User, now: datetime) -> None:
    """Change the policy for one task (None: back to the office-wide policy)."""
    checked = validate_policy(values) if values else None
    before = task.reminder_overrides
    task.reminder_overrides = checked or None
    record_event(
        "reminder_overrides_changed",
        now=now,
        actor=actor,
        object_type="task",
        object_id=task.id,
        before={"reminder_overrides": before},
        after={"reminder_overrides": task.reminder_overrides},
    )
