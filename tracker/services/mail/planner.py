"""The reminder planner: which mails are due at a moment, by the reminder rules.

Every timing rule lives here: nothing is planned on a rest day or before the policy's send hour
(Asia/Shanghai), whoever asks — the scheduler, ``flask remind`` or ``flask
chase-acknowledgements``. Each planned reminder carries a dedup key naming the logical reminder
(kind, task, deadline, step, recipient); the outbox's unique constraint turns planning it twice
into a no-op, so the planner can run as often as it likes, and a changed deadline simply starts
a new schedule. The day's reminders to one person go out as one mail (:func:`outbox.queue_reminders`).

Which reminders are due, and to whom, is decided in one SQL statement: each reminder rules'
rules are ranges of deadlines worked out once from the working-day calendar (due in N working
days, due today, overdue, the legal office's first and weekly notices, the leaders'), joined to
the workable tasks and to the people each rule names, with the dedup key built in SQL. A tick
asks only for the keys the outbox does not know, so one that finds nothing new reads nothing; a
province's 100,000 tasks are never loaded as objects.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from tracker.clock import local_date, local_zone
from tracker.database import allow_sort_memory, days_between, json_table, local_day
from tracker.extensions import db
from tracker.models import OPEN_STATES, WORKABLE_STATES, Assignment, Department, ReminderMode, Task, User
from tracker.models.types import UTCDateTime
from tracker.services import deadlines, staffing
from tracker.services.mail import messages, outbox
from tracker.services.mail.catalogue import DEADLINE_KINDS, MailKind, goes_to_digest
from tracker.services.mail.messages import ListItem, Message, TaskRef
from tracker.services.mail.reminder_rules import load_rules
from tracker.services.workdays import WorkCalendar

# What the planner and the digests read of a task: columns, never the object.
TASK_COLUMNS = (
    Task.id,
    Task.title,
    Task.deadline,
    Task.lead_department_id,
    Task.assignee_id,
    Task.percent_done,
    # The policy of its own, when it has one, is read apart: those are few.
    Task.reminder_overrides.is_not(None).label("has_overrides"),
)
# A weekly digest lists this many tasks, the most urgent first, and counts the rest.
DIGEST_LINES = 50


@dataclass(slots=True)
class Reminder:
    """One logical reminder: a kind, a task, what tells it from the others of its kind (``key``:
    the deadline and the step of its schedule, or a 催签's day), a recipient."""

    kind: MailKind
    task: TaskRef
    deadline: date | None
    key: str
    recipient: User
    detail: str  # its line in the day's list ("完成时限…，已逾期3天")
    context: dict[str, Any] = field(default_factory=dict)  # what its own mail says (left, late, quiet…)
    dedup_key: str = ""  # worked out here unless the database already did
    # Waits for the recipient's weekly digest instead of going out today.
    held: bool = field(init=False)

    def __post_init__(self) -> None:
        self.dedup_key = self.dedup_key or messages.dedup_key(self.kind, self.key, self.recipient)
        self.held = self.recipient.reminder_mode == ReminderMode.DIGEST and goes_to_digest(self.kind, True)

    def message(self) -> Message:
        """The reminder as a mail of its own (for a person with only this one, or a digest user)."""
        return messages.reminder(self.kind, self.task, self.recipient, self.key, **self.context)

    def item(self) -> ListItem:
        return ListItem(self.kind, self.task, self.deadline or date.max, self.detail)

    def to_json(self) -> dict[str, Any]:
        return self.message().to_json()


class _Due(NamedTuple):
    """A reminder the planner found, before it is one per recipient."""

    kind: MailKind
    task: TaskRef
    deadline: date | None
    key: str
    people: list[User]
    detail: str
    context: dict[str, Any]


def _reminders(found: list[_Due], *, only_new: bool) -> list[Reminder]:
    """One reminder per recipient of each found; with ``only_new``, only those whose dedup key
    the outbox does not know yet (asked in one query before any reminder is built)."""
    keyed = [(due, person, messages.dedup_key(due.kind, due.key, person)) for due in found for person in due.people]
    wanted = outbox.unknown_keys([key for _due, _person, key in keyed]) if only_new else None
    return [
        Reminder(due.kind, due.task, due.deadline, due.key, person, due.detail, due.context)
        for due, person, key in keyed
        if wanted is None or key in wanted
    ]


@dataclass
class Plan:
    """What is due at a moment: reminders (folded per person when queued) and other mail
    (催签, weekly digests), each mail as it stands."""

    reminders: list[Reminder] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.reminders) + len(self.messages)

    def to_json(self) -> list[dict[str, Any]]:
        """One entry per planned reminder or mail (``remind --dry-run --json``)."""
        return [r.to_json() for r in self.reminders] + [m.to_json() for m in self.messages]

    def by_recipient(self) -> list[dict[str, Any]]:
        """The mails as they would go out, one entry per mail (``remind --dry-run --by-recipient``):
        a person's reminders in one list (or alone when there is one), then 催签 and digests."""
        mails: list[dict[str, Any]] = []
        for recipient, reminders in _by_recipient(r for r in self.reminders if not r.held):
            subject = (
                reminders[0].message().subject
                if len(reminders) == 1
                else messages.reminder_list(recipient, [r.item() for r in reminders], "preview").subject
            )
            mails.append(_mail_json(recipient, subject, [r.kind for r in reminders], [r.task.id for r in reminders]))
        for message in self.messages:
            task_ids = [message.task_id] if message.task_id is not None else []
            mails.append(_mail_json(message.recipient, message.subject, [message.kind], task_ids))
        return mails


def _mail_json(recipient: User, subject: str, kinds: Iterable[MailKind], task_ids: list[int]) -> dict[str, Any]:
    return {
        "recipient": recipient.email,
        "subject": subject,
        "kinds": sorted({kind.value for kind in kinds}),
        "task_ids": task_ids,
    }


def _by_recipient(reminders: Iterable[Reminder]) -> list[tuple[User, list[Reminder]]]:
    grouped: dict[int, tuple[User, list[Reminder]]] = {}
    for reminder in reminders:
        grouped.setdefault(reminder.recipient.id, (reminder.recipient, []))[1].append(reminder)
    return [grouped[key] for key in sorted(grouped)]


def sending_day(now: datetime, calendar: WorkCalendar) -> date | None:
    """The local date when ``now`` is on a working day at or after the send hour, else None."""
    local = now.astimezone(local_zone())
    if not calendar.is_workday(local.date()) or local.time() < time(load_rules()["send_hour"]):
        return None
    return local.date()


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused: a province's day is some 50,000 reminders, each a few
    objects that hold no reference cycle (freed as they go), which the collector would otherwise
    walk again and again while they are made, a quarter of the planning time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@_no_cycle_collection()
def plan(now: datetime, calendar: WorkCalendar | None = None, *, only_new: bool = False) -> Plan:
    """Every reminder, 催签 and digest due at ``now`` (none on a rest day or before the send hour);
    with ``only_new``, only those not yet in the outbox (the database leaves the known ones out,
    so a tick that finds nothing new builds nothing)."""
    calendar = calendar or WorkCalendar.load()
    today = sending_day(now, calendar)
    if today is None:
        return Plan()
    base_policy = load_rules()
    schedules = {BASE_SCHEDULE: _Schedule(today, calendar, base_policy)}
    for task_id, values in _overrides():
        schedules[task_id] = _Schedule(today, calendar, base_policy | values)
    rows = _due_rows(today, schedules, only_new=only_new)
    # row[-2] is the recipient_id, read by position: by name costs ten times more, 50,000 times over.
    people = _active_users({row[-2] for row in rows})  # one deactivated since is skipped
    tasks: dict[int, TaskRef] = {}
    reminders = [
        schedules[schedule].reminder(
            tasks.get(task_id) or tasks.setdefault(task_id, TaskRef(task_id, title)),
            KINDS[kind],
            deadline,
            quiet,
            key,
            people[recipient_id],
            dedup_key,
        )
        for schedule, task_id, title, deadline, kind, quiet, key, recipient_id, dedup_key in rows
        if recipient_id in people
    ]
    result = Plan(reminders=reminders + _reminders(_chases(today, calendar), only_new=only_new))
    if calendar.is_first_workday_of_week(today):
        result.messages += _digests(staffing.legal_officers(), today, calendar)
    return result


@_no_cycle_collection()
def queue_due(now: datetime, calendar: WorkCalendar | None = None) -> int:
    """Plan what is due at ``now`` and queue it; returns how many reminders and mails were new.
    Another planner waits until this one's transaction ends, then finds these known."""
    outbox.lock_planning()
    return queue(plan(now, calendar, only_new=True), now, only_new=True)


@_no_cycle_collection()
def queue(planned: Plan, now: datetime, *, only_new: bool = False) -> int:
    """Queue a plan (``only_new``: planned as what the outbox lacked)."""
    return outbox.queue(planned.messages, now) + outbox.queue_reminders(planned.reminders, now, only_new=only_new)


# Who hears of a rule's reminder: the task's owners (its assignee, else its lead department's
# heads), the legal office, the leaders.
OWNERS, OFFICE, LEADERS = "owners", "office", "leaders"
# The schedule of the tasks without reminder rules of their own; a task with one has its own,
# numbered with the task's id.
BASE_SCHEDULE = 0
EARLIEST = date.min
KINDS = {kind.value: kind for kind in MailKind}
RULE_COLUMNS = {
    "schedule": sa.Integer,
    "earliest": sa.Date,
    "latest": sa.Date,
    "kind": sa.String,
    "step": sa.String,
    "audience": sa.String,
}
QUIET_COLUMNS = {"schedule": sa.Integer, "quiet_before": UTCDateTime, "stale_after_days": sa.Integer}
# A Monday at 100,000 tasks is some 50,000 rows of about 250 bytes: sorted in memory, not on disk.
PLANNING_MEMORY_MB = 64


def _due_rows(today: date, schedules: dict[int, _Schedule], *, only_new: bool) -> Sequence[sa.Row[Any]]:
    """One row per reminder due today and recipient, decided in the database: the tasks whose
    deadline falls in a range of one of their schedule's rules, and those quiet since before its
    cut-off, each joined to the people its rule names. With ``only_new``, the rows whose dedup
    key the outbox knows are left out. One statement, whatever the number of tasks."""
    workable = (Task.state.in_(WORKABLE_STATES), Task.deadline.is_not(None), Task.lead_department_id.is_not(None))
    # An assignment not yet acknowledged is chased by 催签, not asked for progress.
    since = deadlines.Thresholds.quiet_since()
    quiet_days = days_between(local_day(since, local_zone().key), today.isoformat())

    def due_by(own: bool) -> list[sa.Select[Any]]:
        """The reminders of the tasks on the office's schedule, or of those with their own (few:
        apart, so that the many are matched against a handful of rules)."""
        numbers = [n for n in schedules if (n != BASE_SCHEDULE) == own]
        name = "own" if own else "office"
        rules = json_table(
            [rule | {"schedule": n} for n in numbers for rule in schedules[n].rules()], RULE_COLUMNS, f"{name}_rules"
        )
        quiet = json_table(
            [
                {
                    "schedule": n,
                    "quiet_before": schedules[n].quiet_before,
                    "stale_after_days": schedules[n].policy["stale_after_days"],
                }
                for n in numbers
            ],
            QUIET_COLUMNS,
            f"{name}_quiet",
        )
        schedule_of = Task.id if own else sa.literal(BASE_SCHEDULE)
        these = (*workable, Task.reminder_overrides.is_not(None) if own else Task.reminder_overrides.is_(None))
        task_columns = (
            Task.id.label("task_id"),
            Task.title,
            Task.deadline,
            Task.lead_department_id,
            Task.assignee_id,
            schedule_of.label("schedule"),
        )
        by_deadline = (
            sa.select(*task_columns, rules.c.kind, rules.c.step, rules.c.audience, sa.null().label("quiet"))
            .select_from(Task)
            .join(
                rules, sa.and_(rules.c.schedule == schedule_of, Task.deadline.between(rules.c.earliest, rules.c.latest))
            )
            .where(*these)
        )
        # The step names the quiet spell by its start (the UTC date, as it always has) and its length.
        step = local_day(since, "UTC") + ":" + sa.cast(quiet_days // quiet.c.stale_after_days, sa.String)
        by_quiet = (
            sa.select(
                *task_columns,
                sa.literal(MailKind.PROGRESS_REQUEST.value).label("kind"),
                step.label("step"),
                sa.literal(OWNERS).label("audience"),
                quiet_days.label("quiet"),
            )
            .select_from(Task)
            .join(quiet, quiet.c.schedule == schedule_of)
            .where(*these, Task.assignment == Assignment.ACKNOWLEDGED, since < quiet.c.quiet_before)
        )
        return [by_deadline, by_quiet]

    due = sa.union_all(*due_by(own=False), *due_by(own=True)).cte("due")
    other = aliased(User)
    has_active_assignee = sa.select(other.id).where(other.id == due.c.assignee_id, other.is_active).exists()

    def to(people: sa.ColumnElement[bool], *where: sa.ColumnElement[bool]) -> sa.Select[Any]:
        return sa.select(due, User.id.label("recipient_id")).select_from(due).join(User, people).where(*where)

    recipients = sa.union_all(
        to(sa.and_(User.id == due.c.assignee_id, User.is_active), due.c.audience == OWNERS),
        to(staffing.is_head_of(due.c.lead_department_id), due.c.audience == OWNERS, ~has_active_assignee),
        to(staffing.is_legal_officer(), due.c.audience == OFFICE),
        to(staffing.is_leader(), due.c.audience == LEADERS),
    ).subquery("recipients")
    r = recipients.c
    key = messages.reminder_key_sql(r.task_id, r.deadline, r.step)
    dedup_key = messages.dedup_key_sql(r.kind, key, r.recipient_id)
    query = sa.select(
        r.schedule, r.task_id, r.title, r.deadline, r.kind, r.quiet, key, r.recipient_id, dedup_key
    ).order_by(
        r.task_id, sa.case({kind.value: n for n, kind in enumerate(DEADLINE_KINDS)}, value=r.kind), r.recipient_id
    )
    if only_new:
        query = query.where(~outbox.is_known(dedup_key))
    allow_sort_memory(PLANNING_MEMORY_MB)
    # Plain rows through the connection: the session's result machinery costs more than the
    # statement at 50,000 rows.
    return db.session.connection().execute(query).all()


def _due_dates(today: date, calendar: WorkCalendar, lead_workdays: Iterable[int]) -> dict[date, int]:
    """The deadlines that are one of ``lead_workdays`` working days after ``today``, with that number."""
    wanted = set(lead_workdays)
    if not wanted:
        return {}
    last = calendar.add_workdays(today, max(wanted) + 1)
    days = (today + timedelta(days=n) for n in range(1, (last - today).days))
    return {day: left for day in days if (left := calendar.workdays_until(today, day)) in wanted}


def _overrides() -> list[tuple[int, dict[str, Any]]]:
    """The workable tasks with reminder rules of their own (a handful) and their policies."""
    rows = db.session.execute(
        sa.select(Task.id, Task.reminder_overrides).where(
            Task.reminder_overrides.is_not(None), Task.state.in_(WORKABLE_STATES)
        )
    )
    return [(task_id, values) for task_id, values in rows if values]


def _active_users(user_ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in user_ids if i is not None}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted), User.is_active))}


class _Schedule:
    """One reminder rules' day: its rules as ranges of deadlines, for the database to match
    tasks against, and the words of each reminder, worked out once per deadline."""

    def __init__(self, today: date, calendar: WorkCalendar, policy: dict[str, Any]) -> None:
        self.today, self.calendar, self.policy = today, calendar, policy
        self.due_in = _due_dates(today, calendar, policy["lead_workdays"])
        self.weekly = calendar.is_first_workday_of_week(today)
        self.week = f"week-{today:%G-%V}"
        self.quiet_before = deadlines.stale_before(today, policy["stale_after_days"])
        self._words: dict[tuple[str, date, int | None], tuple[str, dict[str, Any]]] = {}

    def rules(self) -> list[dict[str, Any]]:
        """What a deadline calls for today, as ranges of deadlines (from ``earliest`` to
        ``latest``): the kind, the step of its schedule, who hears it."""
        today, policy = self.today, self.policy

        def rule(earliest: date, latest: date, kind: MailKind, step: str, audience: str) -> dict[str, Any]:
            return {"earliest": earliest, "latest": latest, "kind": kind.value, "step": step, "audience": audience}

        rules = [rule(day, day, MailKind.DUE_SOON, str(left), OWNERS) for day, left in self.due_in.items()]
        if policy["on_the_day"]:
            rules.append(rule(today, today, MailKind.DUE_TODAY, "0", OWNERS))
        yesterday = today - timedelta(days=1)  # overdue: a deadline before today
        rules.append(rule(EARLIEST, yesterday, MailKind.OVERDUE, today.isoformat(), OWNERS))
        # The legal office hears of a lapse on the working day after the deadline, then weekly.
        last_workday = yesterday
        while not self.calendar.is_workday(last_workday):
            last_workday -= timedelta(days=1)
        rules.append(rule(last_workday, yesterday, MailKind.OVERDUE_LEGAL, "first", OFFICE))
        if self.weekly:
            rules.append(rule(EARLIEST, last_workday - timedelta(days=1), MailKind.OVERDUE_LEGAL, self.week, OFFICE))
        # The leaders hear when it is leadership_after_days days late, then weekly.
        escalate = today - timedelta(days=policy["leadership_after_days"])
        rules.append(rule(escalate, escalate, MailKind.ESCALATION_LEADER, self.week, LEADERS))
        if self.weekly:
            rules.append(rule(EARLIEST, escalate - timedelta(days=1), MailKind.ESCALATION_LEADER, self.week, LEADERS))
        return rules

    def reminder(
        self, task: TaskRef, kind: MailKind, deadline: date, quiet: int | None, key: str, person: User, dedup_key: str
    ) -> Reminder:
        """The reminder of a row of :func:`_due_rows`."""
        detail, context = self.words(kind, deadline, quiet)
        return Reminder(kind, task, deadline, key, person, detail, context, dedup_key)

    def words(self, kind: MailKind, deadline: date, quiet: int | None) -> tuple[str, dict[str, Any]]:
        """A reminder's line in a list and what its own mail says, once per kind and deadline."""
        if (kind, deadline, quiet) not in self._words:
            due = f"完成时限{messages.cn_date(deadline)}"
            said: dict[str, Any] = {"deadline": messages.cn_date(deadline)}
            if kind == MailKind.DUE_SOON:
                left = self.due_in[deadline]
                words = (f"{due}，剩余{left}个工作日", said | {"left": left})
            elif kind == MailKind.DUE_TODAY:
                words = (f"{due}，今日到期", said)
            elif kind == MailKind.PROGRESS_REQUEST:
                words = (f"已{quiet}天未反馈进展", said | {"quiet": quiet})
            else:  # overdue, as the pages count it: "已逾期N个工作日"
                late = -self.calendar.workdays_until(self.today, deadline)
                words = (f"{due}，已逾期{late}个工作日", said | {"late": late})
            self._words[kind, deadline, quiet] = words
        return self._words[kind, deadline, quiet]


# --- 催签 ------------------------------------------------------------------------------------------------


def plan_chases(now: datetime, calendar: WorkCalendar | None = None) -> list[Reminder]:
    """The 催签 due at ``now`` alone (none on a rest day or before the send hour)."""
    calendar = calendar or WorkCalendar.load()
    today = sending_day(now, calendar)
    return _reminders(_chases(today, calendar), only_new=False) if today is not None else []


def _chases(today: date, calendar: WorkCalendar) -> list[_Due]:
    """A 催签 to the lead department's heads for every open task assigned more than the policy's
    ``acknowledge_within_workdays`` working days ago and still not acknowledged; at most one a
    day per task and head (the day is in the dedup key)."""
    waiting = db.session.execute(
        sa.select(
            Task.id,
            Task.title,
            Task.deadline,
            Task.assigned_at,
            Task.lead_department_id,
            Department.name.label("department"),
        )
        .join(Department, Department.id == Task.lead_department_id)
        .where(
            Task.assignment == Assignment.ASSIGNED,
            Task.state.in_(OPEN_STATES),
            Task.assigned_at < deadlines.late_acknowledgement_before(today, calendar),
        )
        .order_by(Task.id)
    ).all()
    heads = staffing.heads_by_department(row.lead_department_id for row in waiting)
    zone = local_zone()
    chases: list[_Due] = []
    for row in waiting:
        assigned_on = messages.cn_date(local_date(row.assigned_at, zone))
        task = TaskRef(row.id, row.title)
        key = messages.chase_key(row.id, row.assigned_at, today)
        context = {"department": row.department, "assigned_on": assigned_on}
        detail = f"{assigned_on}交办，尚未签收"
        if people := heads.get(row.lead_department_id, []):
            chases.append(_Due(MailKind.CHASE_ACKNOWLEDGEMENT, task, row.deadline, key, people, detail, context))
    return chases


# --- weekly digests -----------------------------------------------------------------------------------------


def _digests(office: list[User], today: date, calendar: WorkCalendar) -> list[Message]:
    """每周汇总, on the first working day of the week: one mail per head with the department's
    open tasks, one per legal officer with what is overdue or due soon (the policy's
    ``due_soon_workdays``; each list the DIGEST_LINES most urgent, the rest counted), each with the
    notifications held for the person's digest; anyone else who chose the digest gets theirs
    when something was held. Nobody gets an empty digest, and nobody gets one twice: once all
    of the week's are queued, a tick reads no task."""
    week = f"{today:%G-W%V}"
    heads = staffing.heads_by_department()
    held = outbox.held_by_recipient()
    people = {person.id: person for person in [*office, *(h for group in heads.values() for h in group)]}
    people |= _active_users(set(held) - set(people))
    unsent = outbox.unknown_keys([messages.digest_key(person, week) for person in people.values()])
    if not unsent:
        return []
    open_tasks = sa.and_(
        Task.state.in_(WORKABLE_STATES),
        Task.deadline.is_not(None),
        Task.lead_department_id.is_not(None),
        Task.parent_id.is_(None),
    )
    tasks_for: dict[int, tuple[str, list[sa.Row[Any]], int]] = {}
    for department_id, (count, listed) in _most_urgent(open_tasks, Task.lead_department_id).items():
        for head in heads.get(department_id, []):
            tasks_for[head.id] = (f"本部门有{count}项督办任务在办", listed, count)
    due_soon_until = deadlines.Thresholds.on(today, calendar).due_soon_until
    for count, listed in _most_urgent(sa.and_(open_tasks, Task.deadline <= due_soon_until)).values():
        for officer in office:
            tasks_for[officer.id] = (f"{count}项督办任务已逾期或即将到期", listed, count)
    standing = _standing_words(today, calendar)
    mails: list[Message] = []
    for person_id, person in sorted(people.items()):
        if messages.digest_key(person, week) not in unsent or (person_id not in tasks_for and person_id not in held):
            continue
        heading, listed, count = tasks_for.get(person_id, ("", [], 0))
        lines = [_digest_line(row, standing) for row in listed[:DIGEST_LINES]]
        mails += messages.digest(person, week, heading, lines, count - len(lines), held.get(person_id, []))
    return mails


def _most_urgent(
    where: sa.ColumnElement[bool], group: sa.ColumnElement[Any] | None = None
) -> dict[Any, tuple[int, list[sa.Row[Any]]]]:
    """The tasks matching ``where``, per value of ``group`` (or all under None): how many there
    are and the DIGEST_LINES with the nearest deadlines, chosen in SQL."""
    key = (group if group is not None else sa.literal(None)).label("group_key")
    partition = [group] if group is not None else []
    # Ranked on narrow rows (a sort of every task's title would not fit in memory).
    ranked = (
        sa.select(
            Task.id,
            key,
            sa.func.row_number().over(partition_by=partition, order_by=(Task.deadline, Task.id)).label("rank"),
            sa.func.count().over(partition_by=partition).label("total"),
        )
        .where(where)
        .subquery()
    )
    # One row at least, which tells the count.
    chosen = db.session.execute(
        sa.select(ranked.c.id, ranked.c.group_key, ranked.c.total)
        .where(ranked.c.rank <= max(DIGEST_LINES, 1))
        .order_by(ranked.c.group_key, ranked.c.rank)
    ).all()
    # The columns of the few chosen are read by their ids in a second statement: joined in the
    # first, the database, unable to tell how few the ranks leave, would read the whole table.
    ids = json_table([{"id": row.id} for row in chosen], {"id": sa.Integer}, "chosen")
    rows = {row.id: row for row in db.session.execute(sa.select(*TASK_COLUMNS).join(ids, ids.c.id == Task.id))}
    found: dict[Any, tuple[int, list[sa.Row[Any]]]] = {}
    for task_id, group_key, total in chosen:
        found.setdefault(group_key, (total, []))[1].append(rows[task_id])
    return found


def _digest_line(row: sa.Row[Any], standing: Callable[[date], str]) -> str:
    return f"{row.title}（{standing(row.deadline)}，进度{row.percent_done}%）"


def _standing_words(today: date, calendar: WorkCalendar) -> Callable[[date], str]:
    """A deadline's words in a digest line, worked out once per deadline (a province's digests
    list 10,000 tasks with a few hundred deadlines)."""

    @cache
    def standing(deadline: date) -> str:
        left = calendar.workdays_until(today, deadline)
        late = f"已逾期{-left}个工作日" if deadlines.is_overdue(deadline, today) else f"剩余{left}个工作日"
        return f"完成时限{messages.cn_date(deadline)}，{late}"

    return standing
