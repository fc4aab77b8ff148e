"""The reminder planner: which mails are due at a moment, by the reminder policy.

Every timing rule lives here: nothing is planned on a rest day or before the policy's send hour
(Asia/Shanghai), whoever asks — the scheduler, ``flask remind`` or ``flask
chase-acknowledgements``. Each planned reminder carries a dedup key naming the logical reminder
(kind, task, deadline, step, recipient); the outbox's unique constraint turns planning it twice
into a no-op, so the planner can run as often as it likes, and a changed deadline simply starts
a new schedule. The day's reminders to one person go out as one mail (:func:`outbox.queue_reminders`).

Which tasks need a reminder is decided in SQL, from dates computed once from the working-day
calendar (the deadlines that are N working days away, the quiet-since cut-off), reading plain
columns: a province's 100,000 tasks are never loaded as objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa

from tracker.clock import local_date, local_zone
from tracker.extensions import db
from tracker.models import OPEN_STATES, Assignment, Department, ReminderMode, Task, TaskState, User
from tracker.services import deadlines, staffing
from tracker.services.mail import messages, outbox
from tracker.services.mail.catalogue import MailKind, goes_to_digest
from tracker.services.mail.messages import ListItem, Message, TaskRef
from tracker.services.mail.policy import load_policy
from tracker.services.workdays import WorkCalendar

WORKABLE = (TaskState.NOT_STARTED, TaskState.IN_PROGRESS)
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
    dedup_key: str = field(init=False)
    # Waits for the recipient's weekly digest instead of going out today.
    held: bool = field(init=False)

    def __post_init__(self) -> None:
        self.dedup_key = messages.dedup_key(self.kind, self.key, self.recipient)
        self.held = goes_to_digest(self.kind, self.recipient.reminder_mode == ReminderMode.DIGEST)

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
    if not calendar.is_workday(local.date()) or local.time() < time(load_policy()["send_hour"]):
        return None
    return local.date()


def plan(now: datetime, calendar: WorkCalendar | None = None, *, only_new: bool = False) -> Plan:
    """Every reminder, 催签 and digest due at ``now`` (none on a rest day or before the send hour);
    with ``only_new``, only those not yet in the outbox (found by their dedup keys in one query
    before any is written, so a tick that finds nothing new builds nothing)."""
    calendar = calendar or WorkCalendar.load()
    today = sending_day(now, calendar)
    if today is None:
        return Plan()
    base_policy = load_policy()
    due_in = _due_dates(today, calendar, base_policy["lead_workdays"])
    rows = _candidates(today, due_in, base_policy)
    overrides = _overrides([row.id for row in rows if row.has_overrides])
    heads = staffing.heads_by_department(row.lead_department_id for row in rows)
    assignees = _active_users(row.assignee_id for row in rows)
    office = staffing.legal_officers()
    leaders = staffing.leaders()
    schedule = _Schedule(today, calendar, base_policy, due_in)
    found: list[_Due] = []
    for row in rows:
        owner = assignees.get(row.assignee_id or 0)
        owners = [owner] if owner is not None else heads.get(row.lead_department_id, [])
        task_schedule = schedule.with_policy(base_policy | overrides[row.id]) if row.id in overrides else schedule
        found += task_schedule.due(row, {OWNERS: owners, OFFICE: office, LEADERS: leaders})
    found += _chases(today, calendar)
    result = Plan(reminders=_reminders(found, only_new=only_new))
    if calendar.is_first_workday_of_week(today):
        result.messages += _digests(office, today, calendar)
    return result


def queue_due(now: datetime, calendar: WorkCalendar | None = None) -> int:
    """Plan what is due at ``now`` and queue it; returns how many reminders and mails were new."""
    return queue(plan(now, calendar, only_new=True), now)


def queue(planned: Plan, now: datetime) -> int:
    return outbox.queue(planned.messages, now) + outbox.queue_reminders(planned.reminders, now)


def _candidates(today: date, due_in: dict[date, int], policy: dict[str, Any]) -> Sequence[sa.Row[Any]]:
    """The workable tasks that may need a reminder today, as rows of :data:`TASK_COLUMNS` and
    ``quiet_since`` (set only when the lead department has been quiet past the policy's days): due
    in one of the policy's lead days, due today or overdue, quiet, or with a policy of their own
    (few; judged in Python)."""
    quiet_before = deadlines.stale_before(today, policy["stale_after_days"])
    since = deadlines.Thresholds.quiet_since()
    quiet = sa.and_(Task.assignment == Assignment.ACKNOWLEDGED, since < quiet_before)
    has_overrides = Task.reminder_overrides.is_not(None)
    needs_a_look = sa.or_(
        Task.deadline <= today,
        Task.deadline.in_(list(due_in)) if due_in else sa.false(),
        quiet,
        has_overrides,
    )
    # A task with a policy of its own may count as quiet sooner: it gets its time whatever today's cut-off.
    quiet_since = sa.case((sa.and_(Task.assignment == Assignment.ACKNOWLEDGED, sa.or_(quiet, has_overrides)), since))
    return db.session.execute(
        sa.select(*TASK_COLUMNS, quiet_since.label("quiet_since"))
        .where(
            Task.state.in_(WORKABLE),
            Task.deadline.is_not(None),
            Task.lead_department_id.is_not(None),
            needs_a_look,
        )
        .order_by(Task.id)
    ).all()


def _due_dates(today: date, calendar: WorkCalendar, lead_workdays: Iterable[int]) -> dict[date, int]:
    """The deadlines that are one of ``lead_workdays`` working days after ``today``, with that number."""
    wanted = set(lead_workdays)
    if not wanted:
        return {}
    last = calendar.add_workdays(today, max(wanted) + 1)
    days = (today + timedelta(days=n) for n in range(1, (last - today).days))
    return {day: left for day in days if (left := calendar.workdays_until(today, day)) in wanted}


def _overrides(task_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The policies of their own of these tasks (a handful), in one query."""
    rows = db.session.execute(sa.select(Task.id, Task.reminder_overrides).where(Task.id.in_(task_ids)))
    return {task_id: values for task_id, values in rows if values}


def _active_users(user_ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in user_ids if i is not None}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted), User.is_active))}


# Who hears of a rule's reminder: the task's owners (its assignee, else its lead department's
# heads), the legal office, the leaders.
OWNERS, OFFICE, LEADERS = "owners", "office", "leaders"


class _Rule(NamedTuple):
    """What a deadline calls for today, whichever task has it: a kind, the step of its schedule,
    who hears it, its line in a list and what its own mail says."""

    kind: MailKind
    step: str
    audience: str
    detail: str
    context: dict[str, Any]


class _Schedule:
    """The day's dates, worked out once, against which each task's row is judged."""

    def __init__(self, today: date, calendar: WorkCalendar, policy: dict[str, Any], due_in: dict[date, int]) -> None:
        self.today, self.calendar, self.policy, self.due_in = today, calendar, policy, due_in
        self.weekly = calendar.is_first_workday_of_week(today)
        self.week = f"week-{today:%G-%V}"
        self.quiet_before = deadlines.stale_before(today, policy["stale_after_days"])
        self.zone = local_zone()
        self._rules: dict[date, list[_Rule]] = {}

    def workdays_late(self, deadline: date) -> int:
        """Working days since ``deadline`` (the pages' "已逾期N个工作日")."""
        return -self.calendar.workdays_until(self.today, deadline)

    def with_policy(self, policy: dict[str, Any]) -> _Schedule:
        return _Schedule(
            self.today, self.calendar, policy, _due_dates(self.today, self.calendar, policy["lead_workdays"])
        )

    def rules(self, deadline: date) -> list[_Rule]:
        """What ``deadline`` calls for today, whichever task has it: worked out once per deadline."""
        if deadline not in self._rules:
            self._rules[deadline] = self._deadline_rules(deadline)
        return self._rules[deadline]

    def _deadline_rules(self, deadline: date) -> list[_Rule]:
        today, policy = self.today, self.policy
        due = f"完成时限{messages.cn_date(deadline)}"
        said = {"deadline": messages.cn_date(deadline)}
        if deadline in self.due_in:
            left = self.due_in[deadline]
            return [_Rule(MailKind.DUE_SOON, str(left), OWNERS, f"{due}，剩余{left}个工作日", said | {"left": left})]
        if deadline == today:
            return [_Rule(MailKind.DUE_TODAY, "0", OWNERS, f"{due}，今日到期", said)] if policy["on_the_day"] else []
        if not deadlines.is_overdue(deadline, today):
            return []
        late = self.workdays_late(deadline)  # what the mail says
        overdue, said = f"{due}，已逾期{late}个工作日", said | {"late": late}
        rules = [_Rule(MailKind.OVERDUE, today.isoformat(), OWNERS, overdue, said)]
        first_notice = self.calendar.next_workday(deadline)  # the legal office hears of the lapse then
        if today == first_notice or (today > first_notice and self.weekly):
            step = "first" if today == first_notice else self.week
            rules.append(_Rule(MailKind.OVERDUE_LEGAL, step, OFFICE, overdue, said))
        after, days_late = policy["leadership_after_days"], (today - deadline).days
        if days_late >= after and (days_late == after or self.weekly):
            rules.append(_Rule(MailKind.ESCALATION_LEADER, self.week, LEADERS, overdue, said))
        return rules

    def due(self, row: sa.Row[Any], audiences: dict[str, list[User]]) -> list[_Due]:
        """The reminders ``row``'s task needs today, each with the people it goes to
        (``audiences``: the task's owners, the legal office, the leaders)."""
        deadline: date = row.deadline
        task = TaskRef(row.id, row.title)
        found = [
            _Due(
                rule.kind,
                task,
                deadline,
                messages.reminder_key(row.id, deadline, rule.step),
                people,
                rule.detail,
                rule.context,
            )
            for rule in self.rules(deadline)
            if (people := audiences[rule.audience])
        ]
        # An assignment not yet acknowledged is chased by 催签, not asked for progress.
        since = row.quiet_since
        owners = audiences[OWNERS]
        if since is not None and since < self.quiet_before and owners:
            quiet = deadlines.quiet_days(since, self.today, self.zone)
            step = f"{since.date().isoformat()}:{quiet // self.policy['stale_after_days']}"
            context = {"deadline": messages.cn_date(deadline), "quiet": quiet}
            key = messages.reminder_key(row.id, deadline, step)
            found.append(
                _Due(MailKind.PROGRESS_REQUEST, task, deadline, key, owners, f"已{quiet}天未反馈进展", context)
            )
        return found


# --- 催签 ------------------------------------------------------------------------------------------------


def plan_chases(now: datetime, calendar: WorkCalendar | None = None) -> list[Reminder]:
    """The 催签 due at ``now`` alone (none on a rest day or before the send hour)."""
    calendar = calendar or WorkCalendar.load()
    today = sending_day(now, calendar)
    return _reminders(_chases(today, calendar), only_new=False) if today is not None else []


def _chases(today: date, calendar: WorkCalendar) -> list[_Due]:
    """A 催签 to the lead department's heads for every open task assigned more than
    ACKNOWLEDGE_WITHIN_WORKDAYS working days ago and still not acknowledged; at most one a day
    per task and head (the day is in the dedup key)."""
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
    open tasks, one per legal officer with what is overdue or due within DUE_SOON_WORKDAYS
    working days (each list the DIGEST_LINES most urgent, the rest counted), each with the
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
        Task.state.in_(WORKABLE),
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
    mails: list[Message] = []
    for person_id, person in sorted(people.items()):
        if messages.digest_key(person, week) not in unsent or (person_id not in tasks_for and person_id not in held):
            continue
        heading, listed, count = tasks_for.get(person_id, ("", [], 0))
        lines = [_digest_line(row, today, calendar) for row in listed[:DIGEST_LINES]]
        mails += messages.digest(person, week, heading, lines, count - len(lines), held.get(person_id, []))
    return mails


def _most_urgent(
    where: sa.ColumnElement[bool], group: sa.ColumnElement[Any] | None = None
) -> dict[Any, tuple[int, list[sa.Row[Any]]]]:
    """The tasks matching ``where``, per value of ``group`` (or all under None): how many there
    are and the DIGEST_LINES with the nearest deadlines, chosen in SQL."""
    key = (group if group is not None else sa.literal(None)).label("group_key")
    partition = [group] if group is not None else []
    ranked = (
        sa.select(
            *TASK_COLUMNS,
            key,
            sa.func.row_number().over(partition_by=partition, order_by=(Task.deadline, Task.id)).label("rank"),
            sa.func.count().over(partition_by=partition).label("total"),
        )
        .where(where)
        .subquery()
    )
    found: dict[Any, tuple[int, list[sa.Row[Any]]]] = {}
    # One row at least, which tells the count.
    rows = db.session.execute(
        sa.select(ranked).where(ranked.c.rank <= max(DIGEST_LINES, 1)).order_by(ranked.c.group_key, ranked.c.rank)
    )
    for row in rows:
        found.setdefault(row.group_key, (row.total, []))[1].append(row)
    return found


def _digest_line(row: sa.Row[Any], today: date, calendar: WorkCalendar) -> str:
    if deadlines.is_overdue(row.deadline, today):
        standing = f"已逾期{-calendar.workdays_until(today, row.deadline)}个工作日"
    else:
        standing = f"剩余{calendar.workdays_until(today, row.deadline)}个工作日"
    name = row.title
    return f"{name}（完成时限{messages.cn_date(row.deadline)}，{standing}，进度{row.percent_done}%）"
