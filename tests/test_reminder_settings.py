import pytest

from tests.conftest import csrf_token, login
from tracker.extensions import db
from tracker.models import Setting
from tracker.services import workflow
from tracker.services.mail import reminder_rules as reminders


def test_it_lets_the_legal_office_change_the_policy(app, client, personas):
    login(client, "alice@example.gov.cn")
    page = client.get("/reminders/").get_data(as_text=True)
    assert 'value="14,7,3,1"' in page
    response = client.post(
        "/reminders/",
        data={
            "csrf_token": csrf_token(client, "/reminders/"),
            "lead_workdays": "10，5,2",
            "on_the_day": "y",
            "leadership_after_days": "10",
            "stale_after_days": "20",
            "due_soon_workdays": "3",
            "acknowledge_within_workdays": "1",
            "send_hour": "8",
        },
        follow_redirects=True,
    )
    assert "提醒规则已保存" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Setting, "reminder_policy").value["lead_workdays"] == [10, 5, 2]
        policy = reminders.load_rules()
        assert (policy["send_hour"], policy["due_soon_workdays"], policy["acknowledge_within_workdays"]) == (8, 3, 1)


def test_it_refuses_a_policy_that_cannot_work_and_keeps_the_input(client, personas):
    login(client, "alice@example.gov.cn")
    response = client.post(
        "/reminders/",
        data={
            "csrf_token": csrf_token(client, "/reminders/"),
            "lead_workdays": "14,七",
            "leadership_after_days": "14",
            "stale_after_days": "30",
            "due_soon_workdays": "5",
            "acknowledge_within_workdays": "2",
            "send_hour": "9",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "须为 1 到 60 之间的整数" in page and 'value="14,七"' in page


@pytest.mark.parametrize("email", ["bob@example.gov.cn", "carol@example.gov.cn", "erin@example.gov.cn"])
def test_it_is_the_office_s_page_only(client, personas, email):
    login(client, email)
    assert client.get("/reminders/").status_code == 403


def test_it_overrides_the_policy_for_one_task(ctx, personas):
    from tests.factories import make_task
    from tracker.models import User

    task = make_task()
    alice = db.session.get(User, personas.alice.id)
    workflow.set_task_overrides(task, {"lead_workdays": [2]}, alice, task.created_at)
    assert reminders.load_rules(task)["lead_workdays"] == [2]
    assert reminders.load_rules()["lead_workdays"] == [14, 7, 3, 1]
    with pytest.raises(reminders.RulesError):
        workflow.set_task_overrides(task, {"lead_workdays": [0]}, alice, task.created_at)


@pytest.mark.parametrize(
    ("text", "days"),
    [("14,7,3,1", [14, 7, 3, 1]), ("3，14, 7", [14, 7, 3]), ("5,5", [5]), ("60", [60]), ("", []), (" ， ", [])],
)
def test_it_reads_lead_days_as_typed_most_first_each_once(text, days):
    assert reminders.parse_lead_workdays(text) == days
    assert reminders.parse_lead_workdays(reminders.lead_workdays_text(days)) == days


@pytest.mark.parametrize("text", ["14,七", "0", "61", "7,-1", "3.5", "1-3"])
def test_it_refuses_lead_days_other_than_whole_working_days_from_1_to_60(text):
    with pytest.raises(reminders.RulesError, match="须为 1 到 60 之间的整数，例如 14,7,3,1"):
        reminders.parse_lead_workdays(text)


def test_the_due_soon_days_and_the_time_to_acknowledge_are_the_policy_s(ctx, personas):
    """Changed on the page, they change the light, the lists and the 催签 alike."""
    from datetime import date, datetime, timedelta

    from tests.factories import FROZEN_NOW, make_task
    from tracker.models import Assignment, User
    from tracker.services import deadlines, queues
    from tracker.services.workdays import WorkCalendar

    today = date(2026, 6, 1)  # a Monday; FROZEN_NOW is that day
    calendar = WorkCalendar.load()
    # Due Monday 8 June: five working days left. Assigned on Thursday 28 May: two working days ago.
    task = make_task(deadline=date(2026, 6, 8), lead_department_id=personas.bob_dept.id)
    late = make_task(
        lead_department_id=personas.bob_dept.id,
        assignment=Assignment.ASSIGNED,
        assigned_at=datetime(2026, 5, 28, 2, 0, tzinfo=FROZEN_NOW.tzinfo),
    )
    db.session.commit()

    def judged() -> tuple[str, bool]:
        light = deadlines.standings([task], today, calendar)[task.id].light
        waiting = {g.key: [i.task.id for i in g.items] for g in queues.office_groups(today, calendar)}
        return light, late.id in waiting.get("unacknowledged", [])

    assert judged() == ("yellow", False)
    alice = db.session.get(User, personas.alice.id)
    reminders.save_rules({"due_soon_workdays": 4, "acknowledge_within_workdays": 1}, alice, FROZEN_NOW)
    db.session.commit()
    assert judged() == ("green", True)
    assert deadlines.Thresholds.on(today, calendar).due_soon_until == date(2026, 6, 5) + timedelta(days=2)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("due_soon_workdays", "0", "即将到期的工作日数须为 1 到 60 之间的整数"),
        ("acknowledge_within_workdays", "31", "签收时限的工作日数须为 1 到 30 之间的整数"),
    ],
)
def test_it_refuses_a_due_soon_or_acknowledge_limit_out_of_range_and_keeps_the_input(
    app, client, personas, field, value, message
):
    login(client, "alice@example.gov.cn")
    data = {
        "csrf_token": csrf_token(client, "/reminders/"),
        "lead_workdays": "14,7,3,1",
        "on_the_day": "y",
        "leadership_after_days": "14",
        "stale_after_days": "30",
        "due_soon_workdays": "5",
        "acknowledge_within_workdays": "2",
        "send_hour": "9",
    }
    response = client.post("/reminders/", data=data | {field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page and f'value="{value}"' in page
    with app.app_context():
        assert db.session.get(Setting, "reminder_policy") is None  # nothing saved
