"""Each user's secret iCalendar feed of deadlines, for Outlook or a phone's calendar to subscribe to.

The feed's address holds a random token (``User.calendar_token``): whoever has the address reads
the feed without signing in, so the token is the whole secret. Issuing a new one ends the old
address; revoking ends it without a replacement.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event, vDuration
from sqlalchemy.orm import selectinload

from tracker.clock import local_zone
from tracker.extensions import db
from tracker.models import OPEN_STATES, Task, User
from tracker.names import STATE_NAMES
from tracker.policy import OVERSIGHT_ROLES, visible_tasks
from tracker.services.audit import record_event
from tracker.services.mail import messages

TOKEN_BYTES = 32  # token_urlsafe(32) is 43 characters; the column holds 64
PRODID = "-//tracker//整改督办台账 deadlines//ZH"
# Oversight roles see every task (possibly 100,000): their feed keeps to the top-level tasks due
# in a window around today, nearest first, and stops at a size every calendar client accepts.
OVERSIGHT_PAST_DAYS = 30
OVERSIGHT_AHEAD_DAYS = 180
OVERSIGHT_LIMIT = 2000
# Relative to the start of the all-day event (00:00 of the deadline): 09:00 the day before.
ALARM_BEFORE = timedelta(hours=15)
REFRESH_INTERVAL = timedelta(hours=1)

FEED_LOADING = (
    selectinload(Task.lead_department),
    selectinload(Task.parent),
)


def issue_feed(user: User, now: datetime) -> str:
    """Give ``user`` a new feed token, replacing (and so ending) any earlier one; returns it."""
    reissued = user.calendar_token is not None
    user.calendar_token = secrets.token_urlsafe(TOKEN_BYTES)
    # The token itself stays out of the audit trail: it is a credential.
    record_event(
        "ical_feed_issued",
        now=now,
        actor=user,
        object_type="user",
        object_id=user.id,
        after={"reissued": reissued},
    )
    db.session.flush()
    return user.calendar_token


def revoke_feed(user: User, now: datetime) -> bool:
    """End ``user``'s feed address. False (and no audit event) when there was none."""
    if user.calendar_token is None:
        return False
    user.calendar_token = None
    record_event("ical_feed_revoked", now=now, actor=user, object_type="user", object_id=user.id)
    db.session.flush()
    return True


def user_for_token(token: str) -> User | None:
    """The active user whose feed token is ``token``; None for an unknown, revoked or malformed
    token or a deactivated user (the caller answers all of them alike)."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(User).where(User.calendar_token == token, User.is_active.is_(True)))


def feed_tasks(user: User, today: date) -> list[Task]:
    """The open tasks with a deadline that ``user``'s feed shows, milestones included, by deadline.

    Heads and staff get every such task they may see; oversight roles only the top-level tasks due
    from OVERSIGHT_PAST_DAYS ago to OVERSIGHT_AHEAD_DAYS ahead, at most OVERSIGHT_LIMIT of them.
    """
    conditions = [visible_tasks(user), Task.state.in_(OPEN_STATES), Task.deadline.is_not(None)]
    if user.role in OVERSIGHT_ROLES:
        conditions += [
            Task.parent_id.is_(None),
            Task.deadline >= today - timedelta(days=OVERSIGHT_PAST_DAYS),
            Task.deadline <= today + timedelta(days=OVERSIGHT_AHEAD_DAYS),
        ]
    query = (
        sa.select(Task)
        .where(*conditions)
        .options(*FEED_LOADING)
        .order_by(Task.deadline, Task.id)
        .limit(OVERSIGHT_LIMIT)  # also a safety net for a head of a very busy department
    )
    return list(db.session.scalars(query))


def feed_for(user: User, today: date) -> bytes:
    """The VCALENDAR of ``user``'s deadlines: one all-day event per task of :func:`feed_tasks`,
    with a reminder at 09:00 the day before.

    Links and UIDs come from ``TRACKER_BASE_URL``, as in mails, never from the address the feed
    was fetched at: a client that reaches the server by two names must see the same events, or it
    shows each deadline twice. Texts are in the current locale (the caller may force the user's own).
    """
    uid_domain = urlsplit(messages.base_url()).hostname or "tracker"
    calendar = Calendar.new(
        prodid=PRODID,
        name=_("督办任务完成时限 – %(name)s", name=user.name),
        uid=f"calendar-{user.id}@{uid_domain}",
        refresh_interval=REFRESH_INTERVAL,
    )
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"  # RFC 7986 requires it; icalendar omits it
    calendar.add("X-WR-TIMEZONE", local_zone().key)
    # Outlook reads this one rather than REFRESH-INTERVAL.
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))
    for task in feed_tasks(user, today):
        calendar.add_component(_event(task, messages.task_url(task.id), uid_domain))
    return calendar.to_ical()


# Control characters (other than line breaks, which iCalendar escapes) have no place in a calendar:
# some clients refuse the whole feed over one.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def _clean(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def _event(task: Task, url: str, uid_domain: str) -> Event:
    assert task.deadline is not None
    name = _clean(messages.task_name(task))
    lines = [
        _("牵头单位：%(department)s", department=_clean(task.lead_department.name) if task.lead_department else "—"),
        _("状态：%(state)s", state=_(STATE_NAMES[task.state])),
        _("进度 %(percent)s%%", percent=task.percent_done),
    ]
    if task.parent is not None:
        lines.append(_("所属任务：%(title)s", title=_clean(task.parent.title)))
    lines.append(url)
    event = Event.new(
        uid=f"task-{task.id}@{uid_domain}",
        summary=_("【完成时限】%(title)s", title=name),
        start=task.deadline,
        end=task.deadline + timedelta(days=1),
        description="\n".join(lines),
        url=url,
        # Without METHOD, DTSTAMP is the last revision of the event: stable between fetches.
        stamp=task.updated_at,
        last_modified=task.updated_at,
        sequence=task.version,
    )
    alarm = Alarm.new(description=_("明天是“%(title)s”的完成时限。", title=name))
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -ALARM_BEFORE)
    event.add_component(alarm)
    return event
