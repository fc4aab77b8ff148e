"""The reminder planner walked day by day around a deadline, across the 2021 National Day holiday.

The task is due Friday 8 October 2021. Holidays: 19–21 September (Mid-Autumn) and 1–7 October;
make-up working days: Saturday 18 September, Sunday 26 September and Saturday 9 October.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.factories import make_task
from tracker.extensions import db
from tracker.models import (
    Assignment,
    ListedReminder,
    Notification,
    NotificationStatus,
    ProgressUpdate,
    ReminderMode,
    TaskState,
)
from tracker.services import workflow
from tracker.services.mail import planner as reminders

DEADLINE = date(2021, 10, 8)
FIRST_DAY = date(2021, 9, 8)
LAST_DAY = date(2021, 10, 28)


def at_nine(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def task(personas, ctx):
    task = make_task(
        title="深化改革，力保落实到位",
        lead_department_id=personas.bob_dept.id,
        deadline=DEADLINE,
        state=TaskState.IN_PROGRESS,
        assignment=Assignment.ACKNOWLEDGED,
        acknowledged_at=datetime(2021, 9, 1, 2, 0, tzinfo=UTC),
        created_at=datetime(2021, 9, 1, 1, 0, tzinfo=UTC),
    )
    db.session.add(
        ProgressUpdate(
            task=task, percent_done=20, text="方案已起草", created_at=datetime(2021, 9, 15, 3, 0, tzinfo=UTC)
        )
    )
    db.session.commit()
    return task


def walk(first: date = FIRST_DAY, last: date = LAST_DAY) -> dict[date, set[tuple[str, str]]]:
    """Run the planner at 08:00 and at 09:00 and 15:00 each day; what was queued, by day: each
    reminder, whether a mail of its own or a line of a day list (the list mails are left out)."""
    queued: dict[date, set[tuple[str, str]]] = defaultdict(set)
    day = first
    while day <= last:
        for hour_utc in (0, 1, 7):  # 08:00, 09:00, 15:00 in Shanghai
            moment = datetime(day.year, day.month, day.day, hour_utc, 0, tzinfo=UTC)
            reminders.queue_due(moment)
        db.session.commit()

        def on_the_day(created_at: Any, day: date = day) -> sa.ColumnElement[bool]:
            if db.engine.dialect.name == "sqlite":
                return sa.func.date(created_at) == day.isoformat()
            return sa.cast(created_at, sa.Date) == day

        mails = sa.select(Notification.kind, Notification.recipient_email).where(
            Notification.kind != "reminders", on_the_day(Notification.created_at)
        )
        listed = (
            sa.select(ListedReminder.kind, Notification.recipient_email)
            .join(Notification, Notification.id == ListedReminder.list_id)
            .where(on_the_day(ListedReminder.created_at))
        )
        for kind, email in db.session.execute(sa.union_all(mails, listed)):
            queued[day].add((kind, email))
        day += timedelta(days=1)
    return queued


BOB, ALICE, LEADER = "bob@example.gov.cn", "alice@example.gov.cn", "erin@example.gov.cn"


def expected_mails() -> dict[date, set[tuple[str, str]]]:
    """(kind, recipient) by day, from 20 working days before the deadline to 20 days after."""
    expected = {
        date(2021, 9, 13): {("due_soon", BOB)},  # 14 working days before
        date(2021, 9, 23): {("due_soon", BOB)},  # 7
        date(2021, 9, 28): {("due_soon", BOB)},  # 3
        date(2021, 9, 30): {("due_soon", BOB)},  # 1: the holiday comes in between
        DEADLINE: {("due_today", BOB)},
        date(2021, 10, 9): {("overdue", BOB), ("overdue_legal", ALICE)},  # a make-up Saturday
        date(2021, 10, 11): {("overdue", BOB), ("overdue_legal", ALICE)},  # the next week's first notice
        date(2021, 10, 15): {("overdue", BOB), ("progress_request", BOB)},  # 30 days without progress
        date(2021, 10, 18): {("overdue", BOB), ("overdue_legal", ALICE)},
        date(2021, 10, 22): {("overdue", BOB), ("escalation_leader", LEADER)},  # 14 days late
        date(2021, 10, 25): {("overdue", BOB), ("overdue_legal", ALICE), ("escalation_leader", LEADER)},
    }
    for day in (12, 13, 14, 19, 20, 21, 26, 27, 28):
        expected.setdefault(date(2021, 10, day), {("overdue", BOB)})
    # 每周汇总 on the first working day of each week: the head always (the department has an open
    # task), the legal office once it is due within 5 working days. Monday 20 September and
    # Monday 4 October are holidays: those weeks' digests go on Wednesday 22 and Friday 8.
    for day in (date(2021, 9, 13), date(2021, 9, 22)):
        expected.setdefault(day, set()).add(("digest", BOB))
    for day in (date(2021, 9, 27), DEADLINE, date(2021, 10, 11), date(2021, 10, 18), date(2021, 10, 25)):
        expected.setdefault(day, set()).update({("digest", BOB), ("digest", ALICE)})
    return expected


def test_it_sends_exactly_the_right_mails_on_the_right_days(task):
    assert dict(walk()) == expected_mails()


def test_it_groups_a_weekly_digest_per_person(task):
    mails = [m for m in reminders.plan(at_nine(date(2021, 10, 11))).messages if m.kind == "digest"]
    by_person = {m.recipient.email: m for m in mails}
    assert set(by_person) == {BOB, ALICE}
    assert by_person[BOB].subject == "【每周汇总】本部门有1项督办任务在办"
    assert "深化改革，力保落实到位（完成时限2021年10月8日，已逾期2个工作日，进度0%）" in by_person[BOB].body_text


@pytest.mark.parametrize("collecting", [True, False])
def test_planning_leaves_the_cycle_collector_as_it_found_it(task, collecting):
    """The planner pauses Python's cycle collector while it works (its objects hold no cycles)."""
    seen: list[bool] = []
    original = reminders._due_rows

    def due_rows(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    (gc.enable if collecting else gc.disable)()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(reminders, "_due_rows", due_rows)
            reminders.queue_due(at_nine(date(2021, 10, 11)))
        assert seen == [False]
        assert gc.isenabled() == collecting
    finally:
        gc.enable()


def test_a_weekly_digest_lists_the_most_urgent_and_counts_the_rest(task, monkeypatch):
    from tracker.services.mail import planner

    monkeypatch.setattr(planner, "DIGEST_LINES", 0)
    mails = [m for m in reminders.plan(at_nine(date(2021, 10, 11))).messages if m.kind == "digest"]
    bob = next(m for m in mails if m.recipient.email == BOB)
    assert "深化改革" not in bob.body_text and "另有1项，请登录系统查看。" in bob.body_text


def test_a_weekly_digest_lists_the_nearest_deadlines_first(task, personas, monkeypatch):
    from tracker.services.mail import planner

    # Written latest deadline first, so that an unordered read would list them wrongly.
    for day, title in ((20, "第三项"), (15, "第二项"), (12, "第一项")):
        make_task(
            title=title,
            lead_department_id=personas.bob_dept.id,
            deadline=date(2021, 10, day),
            state=TaskState.IN_PROGRESS,
            assignment=Assignment.ACKNOWLEDGED,
        )
    db.session.commit()
    monkeypatch.setattr(planner, "DIGEST_LINES", 3)
    mails = [m for m in reminders.plan(at_nine(date(2021, 10, 11))).messages if m.kind == "digest"]
    body = next(m for m in mails if m.recipient.email == BOB).body_text
    positions = [body.index(title) for title in ("深化改革", "第一项", "第二项")]
    assert positions == sorted(positions)
    assert "第三项" not in body and "另有1项，请登录系统查看。" in body


def test_it_sends_nothing_on_rest_days_or_before_nine(task):
    queued = walk(date(2021, 10, 1), date(2021, 10, 7))
    assert dict(queued) == {}


def test_it_plans_the_same_mail_once_however_often_it_runs(task):
    moment = at_nine(date(2021, 9, 30))
    assert reminders.queue_due(moment) == 1
    assert reminders.queue_due(moment) == 0
    subject = db.session.scalar(sa.select(Notification.subject))
    assert subject == "【督办提醒】深化改革，力保落实到位 距截止还有1个工作日"


def test_it_starts_a_new_schedule_when_the_deadline_moves_and_drops_the_queued_ones(task, personas):
    moment = at_nine(date(2021, 9, 30))
    reminders.queue_due(moment)
    request = workflow.request_extension(
        task,
        db.session.get(type(personas.bob), personas.bob.id),
        new_deadline=date(2021, 10, 29),
        reason="等待批复",
        now=moment,
    )
    workflow.decide_extension(
        request, db.session.get(type(personas.alice), personas.alice.id), approve=True, note="", now=moment
    )
    statuses = db.session.scalars(sa.select(Notification.status).where(Notification.kind == "due_soon")).all()
    assert statuses == [NotificationStatus.CANCELLED]
    later = at_nine(date(2021, 10, 26))  # 3 working days before 29 October
    [mail] = [m for m in reminders.plan(later).reminders if m.kind == "due_soon"]
    assert mail.dedup_key.startswith(f"due_soon:{task.id}:2021-10-29:3:")


@pytest.mark.parametrize("state", [TaskState.DONE, TaskState.ON_HOLD, TaskState.CANCELLED, TaskState.CLOSURE_PENDING])
def test_it_leaves_closed_and_held_tasks_alone(task, state):
    task.state = state
    db.session.commit()
    assert len(reminders.plan(at_nine(date(2021, 10, 11)))) == 0


def test_it_holds_non_urgent_reminders_of_digest_only_users_for_the_digest_but_not_escalations(task, personas):
    bob = db.session.get(type(personas.bob), personas.bob.id)
    bob.reminder_mode = ReminderMode.DIGEST
    db.session.commit()
    reminders.queue_due(at_nine(date(2021, 9, 30)))
    reminders.queue_due(at_nine(date(2021, 10, 15)))
    rows = db.session.execute(sa.select(Notification.kind, Notification.status).order_by(Notification.id)).all()
    # The reminder shows in bob's 通知 at once but waits for his digest; the overdue notice goes now.
    assert (("due_soon", NotificationStatus.HELD) in rows) and (("overdue", NotificationStatus.PENDING) in rows)


def test_it_gathers_the_held_notifications_into_the_next_digest(task, personas):
    bob = db.session.get(type(personas.bob), personas.bob.id)
    bob.reminder_mode = ReminderMode.DIGEST
    db.session.commit()
    reminders.queue_due(at_nine(date(2021, 9, 30)))
    held = db.session.scalar(sa.select(Notification).where(Notification.kind == "due_soon"))
    reminders.queue_due(at_nine(date(2021, 10, 8)))  # the first working day after the National Day week
    digest = db.session.scalar(
        sa.select(Notification).where(Notification.kind == "digest", Notification.recipient_id == bob.id)
    )
    assert "本周通知（1条）" in digest.body_text and held.subject in digest.body_text
    db.session.refresh(held)
    assert held.status == NotificationStatus.DIGESTED
    assert reminders.queue_due(at_nine(date(2021, 10, 8))) == 0  # a second run gathers nothing twice


def test_it_reminds_the_assignee_of_a_milestone(task, personas):
    milestone = make_task(
        parent_id=task.id,
        title="完成调研",
        lead_department_id=personas.bob_dept.id,
        assignee_id=personas.carol.id,
        deadline=date(2021, 9, 30),
        assignment=Assignment.ACKNOWLEDGED,
        created_at=datetime(2021, 9, 20, tzinfo=UTC),
    )
    mails = [m for m in reminders.plan(at_nine(date(2021, 9, 29))).reminders if m.task.id == milestone.id]
    assert [(m.kind, m.recipient.email) for m in mails] == [("due_soon", "carol@example.gov.cn")]
