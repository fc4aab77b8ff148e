"""One mail per person per day: bob (head of 交警支队) with thirty tasks due gets one list, not
thirty mails; nothing is mailed twice and nothing is lost when the day's list changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import count_queries
from tests.factories import make_task
from tracker.extensions import db
from tracker.models import Assignment, ListedReminder, Notification, NotificationStatus, TaskState
from tracker.services.mail import planner
from tracker.services.timeline import urge_record

DAY = date(2026, 6, 2)  # a Tuesday: no weekly digest to get in the way
NEXT_DAY = date(2026, 6, 3)


def at_nine(day: date, hour_utc: int = 1) -> datetime:
    return datetime(day.year, day.month, day.day, hour_utc, 0, tzinfo=UTC)


def tasks_for_bob(personas, count: int, deadline: date, **overrides):
    return [
        make_task(
            title=f"整改任务{n:02d}",
            lead_department_id=personas.bob_dept.id,
            deadline=deadline,
            state=TaskState.IN_PROGRESS,
            assignment=Assignment.ACKNOWLEDGED,
            acknowledged_at=at_nine(DAY) - timedelta(days=2),
            created_at=at_nine(DAY) - timedelta(days=3),
            **overrides,
        )
        for n in range(count)
    ]


def mails_to(email: str) -> list[Notification]:
    """What went (or goes) out to ``email``."""
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.recipient_email == email).order_by(Notification.id)
        )
    )


def test_thirty_reminders_to_one_person_go_out_as_one_list(personas, ctx):
    tasks = tasks_for_bob(personas, 30, DAY - timedelta(days=3))  # all overdue
    assert planner.queue_due(at_nine(DAY)) == 30
    [mail] = [m for m in mails_to("bob@example.gov.cn") if m.kind == "reminders"]
    assert mail.subject == "【督办提醒】30项督办任务需要您关注（已逾期30项）"
    assert all(f"整改任务{n:02d}" in mail.body_text and f"/tasks/{t.id}" in mail.body_text for n, t in enumerate(tasks))
    assert [m.kind for m in mails_to("bob@example.gov.cn")] == ["reminders"]
    listed = db.session.scalars(sa.select(ListedReminder).where(ListedReminder.recipient_id == personas.bob.id)).all()
    assert sorted(n.task_id for n in listed) == sorted(t.id for t in tasks)
    assert {n.list_id for n in listed} == {mail.id}


def test_one_reminder_alone_is_the_plain_single_task_mail(personas, ctx):
    [task] = tasks_for_bob(personas, 1, DAY - timedelta(days=3))
    planner.queue_due(at_nine(DAY))
    [mail] = mails_to("bob@example.gov.cn")
    assert mail.kind == "overdue" and mail.subject == f"【逾期提醒】{task.title} 已逾期2个工作日"
    assert mail.status == NotificationStatus.PENDING


def test_the_next_day_repeats_the_overdue_list_but_not_yesterdays_one_off_reminders(personas, ctx):
    tasks_for_bob(personas, 2, DAY - timedelta(days=3))  # overdue: every working day
    tasks_for_bob(personas, 2, date(2026, 6, 5))  # 3 working days before on Monday: once
    planner.queue_due(at_nine(DAY))
    planner.queue_due(at_nine(NEXT_DAY))
    monday, tuesday = [m for m in mails_to("bob@example.gov.cn") if m.kind == "reminders"]
    assert "即将到期（2项）" in monday.body_text and "已逾期（2项）" in monday.body_text
    assert "即将到期" not in tuesday.body_text and "已逾期（2项）" in tuesday.body_text


def test_a_reminder_due_after_the_days_mail_went_out_comes_in_the_next_ticks_mail(personas, ctx):
    tasks_for_bob(personas, 2, DAY - timedelta(days=3))
    planner.queue_due(at_nine(DAY))
    late = tasks_for_bob(personas, 1, DAY)  # a deadline set to today after 09:00
    planner.queue_due(at_nine(DAY, hour_utc=5))  # the 13:00 tick
    first, second = mails_to("bob@example.gov.cn")
    assert first.kind == "reminders" and "今日到期" not in first.body_text
    assert second.kind == "due_today" and late[0].title in second.subject
    assert planner.queue_due(at_nine(DAY, hour_utc=6)) == 0  # and nothing twice


def test_the_task_still_shows_every_reminder_it_was_part_of(personas, ctx):
    task, _ = tasks_for_bob(personas, 2, DAY - timedelta(days=3))
    planner.queue_due(at_nine(DAY))
    planner.queue_due(at_nine(NEXT_DAY))
    record = [row for row in urge_record(task) if isinstance(row, ListedReminder) and row.kind == "overdue"]
    assert len(record) == 2 and all(row.list.kind == "reminders" for row in record)
    assert record[0].list.status == NotificationStatus.PENDING


def test_planning_costs_the_same_queries_for_ten_or_a_hundred_tasks(app, personas, ctx):
    tasks_for_bob(personas, 10, DAY - timedelta(days=3))
    db.session.commit()
    planner.plan(at_nine(DAY))  # reads the reminder rules, once for this context
    with count_queries(app) as few:
        planner.plan(at_nine(DAY))
    tasks_for_bob(personas, 90, DAY - timedelta(days=3))
    tasks_for_bob(personas, 20, date(2026, 6, 5), assignee_id=personas.carol.id)
    db.session.commit()
    with count_queries(app) as many:
        planner.plan(at_nine(DAY))
    assert len(many) == len(few)


@pytest.mark.postgresql_only("work_mem is PostgreSQL's; SQLite has no such setting")
def test_planning_sorts_in_memory_for_the_rest_of_its_transaction_only(personas, ctx):
    def work_mem() -> str:
        return db.session.execute(sa.text("SHOW work_mem")).scalar_one()

    tasks_for_bob(personas, 3, DAY - timedelta(days=3))
    db.session.commit()
    server_default = work_mem()
    planner.plan(at_nine(DAY))
    assert work_mem() == f"{planner.PLANNING_MEMORY_MB}MB" != server_default
    db.session.rollback()
    assert work_mem() == server_default


def test_a_tick_that_finds_nothing_new_queues_in_one_statement(app, personas, ctx):
    tasks_for_bob(personas, 20, DAY - timedelta(days=3))
    planner.queue_due(at_nine(DAY))
    db.session.commit()
    planned = planner.plan(at_nine(DAY, hour_utc=2))
    with count_queries(app) as statements:
        assert planner.queue(planned, at_nine(DAY, hour_utc=2)) == 0
    assert len(statements) == 1


def test_the_dry_run_by_recipient_shows_the_mails_as_they_would_go_out(runner, personas, app):
    import json

    with app.app_context():
        tasks_for_bob(personas, 3, DAY - timedelta(days=3))
        db.session.commit()
    result = runner.invoke(args=["remind", "--dry-run", "--at", "2026-06-02T09:00", "--json", "--by-recipient"])
    assert result.exit_code == 0, result.output
    mails = {m["recipient"]: m for m in json.loads(result.output)}
    bob = mails["bob@example.gov.cn"]
    assert bob["subject"].startswith("【督办提醒】3项") and bob["kinds"] == ["overdue"] and len(bob["task_ids"]) == 3
    plain = runner.invoke(args=["remind", "--dry-run", "--at", "2026-06-02T09:00", "--json"])
    assert len([m for m in json.loads(plain.output) if m["recipient"] == "bob@example.gov.cn"]) == 3


def test_a_long_group_lists_the_most_urgent_and_links_the_rest(personas, ctx, monkeypatch):
    from tracker.services.mail import messages

    monkeypatch.setattr(messages, "LIST_LINES", 3)
    tasks = tasks_for_bob(personas, 5, DAY - timedelta(days=3))
    planner.queue_due(at_nine(DAY))
    [mail] = [m for m in mails_to("bob@example.gov.cn") if m.kind == "reminders"]
    assert "5项督办任务" in mail.subject and "已逾期（5项）" in mail.body_text
    listed = [t for t in tasks if f"/tasks/{t.id}\n" in mail.body_text]
    assert listed == tasks[:3]  # the same deadline: the lowest ids first
    assert "另有2项，请在系统中查看：http://127.0.0.1:5000/tasks?light=red" in mail.body_text
    assert 'href="http://127.0.0.1:5000/tasks?light=red"' in mail.body_html
    # Each of the five is still its own row in the list, for its task's 催办记录.
    assert len([n for n in urge_record(tasks[4]) if isinstance(n, ListedReminder) and n.list_id == mail.id]) == 1


def test_a_task_whose_own_policy_was_cleared_stores_no_policy(personas, ctx):
    from tracker.models import Task
    from tracker.services import workflow

    [task] = tasks_for_bob(personas, 1, DAY + timedelta(days=30))
    workflow.set_task_overrides(task, {"lead_workdays": [1]}, personas.alice, at_nine(DAY))
    workflow.set_task_overrides(task, None, personas.alice, at_nine(DAY))
    db.session.flush()
    # SQL NULL, not JSON null: the planner reads only the tasks that have a policy of their own.
    assert db.session.scalar(sa.select(sa.func.count()).where(Task.reminder_overrides.is_not(None))) == 0


def test_a_tick_after_the_days_mail_builds_no_reminder_at_all(app, personas, ctx):
    tasks_for_bob(personas, 20, DAY - timedelta(days=3))
    planner.queue_due(at_nine(DAY))
    db.session.commit()
    later = at_nine(DAY, hour_utc=2)
    assert planner.plan(later, only_new=True).reminders == []
    assert len(planner.plan(later).reminders) == 20  # the dry run still shows the day's reminders
    with count_queries(app) as few:
        assert planner.queue_due(later) == 0
    tasks_for_bob(personas, 40, DAY - timedelta(days=4))
    planner.queue_due(later)
    db.session.commit()
    with count_queries(app) as many:
        assert planner.queue_due(at_nine(DAY, hour_utc=3)) == 0
    assert len(many) == len(few)


def test_a_task_with_a_policy_of_its_own_is_reminded_by_it(personas, ctx):
    from tracker.services import workflow

    due_thursday = date(2026, 6, 4)  # two working days after DAY
    [common, own] = tasks_for_bob(personas, 2, due_thursday)
    [late] = tasks_for_bob(personas, 1, DAY - timedelta(days=3))
    workflow.set_task_overrides(own, {"lead_workdays": [2], "stale_after_days": 2}, personas.alice, at_nine(DAY))
    workflow.set_task_overrides(late, {"leadership_after_days": 3}, personas.alice, at_nine(DAY))
    db.session.flush()
    reminders = {(r.kind, r.task.id, r.recipient.email): r for r in planner.plan(at_nine(DAY)).reminders}
    assert ("due_soon", own.id, "bob@example.gov.cn") in reminders
    due_soon = reminders["due_soon", own.id, "bob@example.gov.cn"]
    assert due_soon.dedup_key == f"due_soon:{own.id}:2026-06-04:2:{personas.bob.id}"
    assert ("progress_request", own.id, "bob@example.gov.cn") in reminders  # quiet 2 days, its limit
    assert ("escalation_leader", late.id, "erin@example.gov.cn") in reminders  # 3 days late, its limit
    assert not any(task_id == common.id for _kind, task_id, _email in reminders)


def test_quiet_days_are_counted_in_the_offices_time_zone(personas, ctx):
    from tracker.services import deadlines

    # Acknowledged at 01:00 on 3 May in Shanghai: still 2 May in UTC.
    since = datetime(2026, 5, 2, 17, 0, tzinfo=UTC)
    [task] = tasks_for_bob(personas, 1, date(2026, 9, 30))
    task.acknowledged_at = task.created_at = since
    db.session.flush()
    [reminder] = [r for r in planner.plan(at_nine(DAY)).reminders if r.task.id == task.id]
    assert deadlines.quiet_days(since, DAY) == 30
    assert reminder.kind == "progress_request" and reminder.detail == "已30天未反馈进展"
    assert reminder.dedup_key == f"progress_request:{task.id}:2026-09-30:2026-05-02:1:{personas.bob.id}"


def test_a_deadline_typed_centuries_back_is_overdue_too(personas, ctx):
    [task] = tasks_for_bob(personas, 1, date(202, 6, 30))  # "0202-06-30": a slip of the keyboard
    kinds = {r.kind for r in planner.plan(at_nine(DAY)).reminders if r.task.id == task.id}
    assert "overdue" in kinds


def test_the_task_page_and_the_outbox_show_the_list_that_carried_a_reminder(client, personas, app):
    from tests.conftest import login

    with app.app_context():
        task, _ = tasks_for_bob(personas, 2, DAY - timedelta(days=3))
        planner.queue_due(at_nine(DAY))
        db.session.commit()
        task_id = task.id
        [mail] = mails_to("bob@example.gov.cn")
        mail_id = mail.id
    login(client, "alice@example.gov.cn")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    record = page[page.index("催办记录</h2>") :]
    assert "列入当日提醒汇总：【督办提醒】2项督办任务需要您关注" in record and "bob@example.gov.cn" in record
    assert "待发送" in record  # the list's own state
    outbox = client.get(f"/mail/?task={task_id}").get_data(as_text=True)
    assert f"/mail/{mail_id}" in outbox
