"""What the legal office or the administrator must fix, for ``flask doctor`` and the dashboard.

Each check answers one question and returns a :class:`Problem` only when there is something to
fix; :func:`diagnose` lists those present, errors first. An error means work is stuck (a task
nobody can act on, mail that did not leave); a warning, that it soon will be; "info", something
waiting for the legal office. Messages are in the reader's language (Chinese outside a request).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.clock import local_date, local_zone
from tracker.extensions import db
from tracker.i18n import N_
from tracker.models import OPEN_STATES, Notification, NotificationStatus, SourceReport, Task
from tracker.services import drafts, heartbeat, staffing
from tracker.services.workdays import WorkCalendar

Severity = Literal["error", "warning", "info"]

SEVERITY_NAMES: dict[str, str] = {"error": N_("错误"), "warning": N_("警告"), "info": N_("提示")}
HOLIDAY_HORIZON_DAYS = 90  # holiday data must cover this many days ahead
SCHEDULER_SILENCE = timedelta(hours=1)  # longer without a heartbeat: no scheduler is running
NAMES_IN_MESSAGE = 10  # departments named in a message; a province has hundreds


@dataclass(frozen=True)
class Problem:
    """One kind of trouble: ``count`` of what it is about (departments, tasks, mails, days,
    hours, drafts: see the README), and the open tasks it concerns, oldest first."""

    code: str
    severity: Severity
    message: str
    count: int
    task_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "count": self.count,
            "task_ids": list(self.task_ids),
        }


def diagnose(now: datetime) -> list[Problem]:
    """Every problem present at ``now``, in the order of :data:`CHECKS` (errors first)."""
    return [problem for check in CHECKS if (problem := check(now)) is not None]


def has_errors(problems: list[Problem]) -> bool:
    return any(problem.severity == "error" for problem in problems)


# --- errors: work is stuck ---------------------------------------------------------------------------


def department_without_head(now: datetime) -> Problem | None:
    """Departments leading open tasks with no active head: nobody there can 签收, ask for an
    extension or apply for closure."""
    found = staffing.departments_leading_without_head()
    if not found:
        return None
    task_ids = [task_id for _department, ids in found for task_id in ids]
    departments = _("、").join(department.name for department, _ids in found[:NAMES_IN_MESSAGE])
    if len(found) > NAMES_IN_MESSAGE:
        departments = _("%(names)s等 %(num)s 个部门", names=departments, num=len(found))
    message = _(
        "%(departments)s没有在岗的部门负责人，其牵头的 %(num)s 项未办结任务无人签收、申请延期或申请办结。"
        "法制部门可代其办理（代签收、代为申请延期、代为申请办结），或由系统管理员为其指定负责人。",
        departments=departments,
        num=len(task_ids),
    )
    return Problem("department_without_head", "error", message, len(found), task_ids)


def task_without_actor(now: datetime) -> Problem | None:
    """Open top-level tasks nobody may move on: with no active legal officer or administrator,
    those whose next step is the office's and those led by a department without a head (the
    office would act for it); and, always, those whose lead department was deactivated."""
    office_missing = not staffing.office_is_staffed()
    stuck = [staffing.led_by_inactive_department()]
    if office_missing:
        stuck += [staffing.waiting_on_office(), staffing.led_without_head()]
    rows = db.session.execute(
        sa.select(Task.id, staffing.led_by_inactive_department())
        .where(Task.parent_id.is_(None), Task.state.in_(OPEN_STATES), sa.or_(*stuck))
        .order_by(Task.created_at, Task.id)
    ).all()
    if not rows:
        return None
    reasons = []
    if office_missing:
        reasons.append(
            _(
                "系统中没有在岗的法制部门人员或系统管理员，等待交办、审核办结或审批延期的任务，"
                "以及牵头部门没有负责人的任务都无人办理，请用 flask create-user 添加法制部门账号"
            )
        )
    if any(inactive for _id, inactive in rows):
        reasons.append(_("牵头部门已停用的任务无人办理，请法制部门改由其他部门牵头"))
    message = _("%(num)s 项未办结任务无人能够办理：%(reasons)s。", num=len(rows), reasons=_("；").join(reasons))
    return Problem("task_without_actor", "error", message, len(rows), [task_id for task_id, _inactive in rows])


def mail_failed(now: datetime) -> Problem | None:
    """Mail the sender gave up on: the recipient was never told."""
    failed = NotificationStatus.FAILED
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(Notification.status == failed))
    if not count:
        return None
    task_ids = db.session.scalars(
        sa.select(Notification.task_id)
        .where(Notification.status == failed, Notification.task_id.is_not(None))
        .distinct()
        .order_by(Notification.task_id)
    ).all()
    message = _("%(num)s 封邮件发送失败，收件人没有收到通知，请在“邮件”页面查看失败原因后重试。", num=count)
    return Problem("mail_failed", "error", message, count, list(task_ids))


# --- warnings: work will soon be stuck -----------------------------------------------------------------


def holidays_missing(now: datetime) -> Problem | None:
    """Days of the coming :data:`HOLIDAY_HORIZON_DAYS` past the holiday data: deadlines and
    reminders there count weekends only. ``count`` is those days."""
    known_through = WorkCalendar.load().known_through()
    horizon = local_date(now) + timedelta(days=HOLIDAY_HORIZON_DAYS)
    if horizon <= known_through:
        return None
    missing = min((horizon - known_through).days, HOLIDAY_HORIZON_DAYS)
    message = _(
        "节假日数据只到 %(date)s，今后 %(days)s 天中有 %(num)s 天没有节假日数据，届时只能按周一至周五推算工作日。"
        "请在“节假日”页面录入国务院办公厅发布的放假安排。",
        date=known_through.strftime(_("%Y年%m月%d日")).replace("年0", "年").replace("月0", "月"),
        days=HOLIDAY_HORIZON_DAYS,
        num=missing,
    )
    return Problem("holidays_missing", "warning", message, missing)


def scheduler_silent(now: datetime) -> Problem | None:
    """No scheduler job ran within :data:`SCHEDULER_SILENCE`: no reminder is planned and no mail
    sent. ``count`` is the whole hours since the last heartbeat (0: never)."""
    last = heartbeat.last()
    if last is not None and now - last <= SCHEDULER_SILENCE:
        return None
    if last is None:
        message = _(
            "没有调度程序运行过的记录：提醒不会排队，邮件也不会发出。"
            "请运行 flask --app tracker scheduler，或在网站进程中启用调度程序（TRACKER_SCHEDULER）。"
        )
        return Problem("scheduler_silent", "warning", message, 0)
    hours = int((now - last) / timedelta(hours=1))
    message = _(
        "调度程序已有 %(num)s 小时没有运行（最近一次：%(at)s）：提醒不会排队，邮件也不会发出。请检查调度程序进程。",
        num=hours,
        at=last.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M"),
    )
    return Problem("scheduler_silent", "warning", message, hours)


# --- info: waiting for the legal office -----------------------------------------------------------------


def drafts_pending_merge(now: datetime) -> Problem | None:
    """Drafts of next year's report with new progress waiting beside a hand-edited section."""
    waiting = drafts.waiting_for_merge()
    if not waiting:
        return None
    titles = db.session.scalars(
        sa.select(SourceReport.title)
        .where(SourceReport.id.in_({draft.report_id for draft in waiting}))
        .order_by(SourceReport.id)
    )
    message = _(
        "%(num)s 份年度报告草稿有新进展等待合入手工修改过的章节（%(reports)s），请在草稿页面合入或暂不合入。",
        num=len(waiting),
        reports=_("、").join(f"《{title}》" for title in titles),
    )
    return Problem("drafts_pending_merge", "info", message, len(waiting))


CHECKS: tuple[Callable[[datetime], Problem | None], ...] = (
    department_without_head,
    task_without_actor,
    mail_failed,
    holidays_missing,
    scheduler_silent,
    drafts_pending_merge,
)
