import pytest

from tests.conftest import csrf_token, login
from tracker.extensions import db
from tracker.models import Setting
from tracker.services import workflow
from tracker.services.mail import policy as reminders


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
            "send_hour": "8",
        },
        follow_redirects=True,
    )
    assert "提醒规则已保存" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Setting, "reminder_policy").value["lead_workdays"] == [10, 5, 2]
        assert reminders.load_policy()["send_hour"] == 8


def test_it_refuses_a_policy_that_cannot_work_and_keeps_the_input(client, personas):
    login(client, "alice@example.gov.cn")
    response = client.post(
        "/reminders/",
        data={
            "csrf_token": csrf_token(client, "/reminders/"),
            "lead_workdays": "14,七",
            "leadership_after_days": "14",
            "stale_after_days": "30",
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
    assert reminders.load_policy(task)["lead_workdays"] == [2]
    assert reminders.load_policy()["lead_workdays"] == [14, 7, 3, 1]
    with pytest.raises(reminders.PolicyError):
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
    with pytest.raises(reminders.PolicyError, match="须为 1 到 60 之间的整数，例如 14,7,3,1"):
        reminders.parse_lead_workdays(text)
