"""催签: chase assignments that were not acknowledged (签收) in time."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.clock import local_date
from tracker.extensions import db
from tracker.models import OPEN_STATES, Assignment, Task
from tracker.services import outbox, staffing
from tracker.services.workdays import WorkCalendar

ACKNOWLEDGE_WITHIN_WORKDAYS = 2


def chase_unacknowledged(today: date, now: datetime, calendar: WorkCalendar | None = None) -> int:
    """Queue a 催签 mail to the lead department's heads for every open task assigned more than
    ACKNOWLEDGE_WITHIN_WORKDAYS working days ago and still not acknowledged. At most one a day per
    task and head (the outbox's dedup key), and only on working days. Returns how many mails were
    queued."""
    calendar = calendar or WorkCalendar.load()
    if not calendar.is_workday(today):
        return 0  # like every reminder, 催签 waits for a working day
    waiting = db.session.scalars(
        sa.select(Task)
        .where(Task.assignment == Assignment.ASSIGNED, Task.state.in_(OPEN_STATES), Task.assigned_at.is_not(None))
        .options(selectinload(Task.lead_department))
    ).all()
    heads = staffing.heads_by_department(t.lead_department_id for t in waiting)
    queued = 0
    for task in waiting:
        assert task.assigned_at is not None
        due = calendar.add_workdays(local_date(task.assigned_at), ACKNOWLEDGE_WITHIN_WORKDAYS)
        if today <= due:
            continue
        for head in heads.get(task.lead_department_id or 0, []):
            queued += outbox.queue_mail(
                kind="chase_acknowledgement",
                dedup_key=f"chase_acknowledgement:{task.id}:{task.assigned_at:%Y%m%d%H%M%S}:{today.isoformat()}:{head.id}",
                recipient=head,
                subject=f"【催签】{task.title}",
                body_text=(
                    f"{task.lead_department.name if task.lead_department else ''}：督办任务“{task.title}”"
                    f"已于{local_date(task.assigned_at):%Y年%m月%d日}交办，尚未签收，请及时签收或退回。"
                ),
                now=now,
                task_id=task.id,
            )
    return queued
