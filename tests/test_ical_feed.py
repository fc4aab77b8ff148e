"""The secret iCalendar feed: issued and revoked on the account page, read by calendar clients
without signing in, holding the open deadlines the user cares about."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from tests.conftest import count_queries, csrf_token, login
from tests.factories import FROZEN_NOW, make_seed_report, make_task
from tracker.extensions import db
from tracker.models import AuditEvent, ItemKind, Task, TaskState, User
from tracker.services import ical_feed

TODAY = date(2026, 6, 1)  # the frozen clock's date in Shanghai, for the service-level tests
DEADLINE = date(2026, 6, 30)
FEED_URL = re.compile(r'value="http://localhost(/feed/[A-Za-z0-9_-]+\.ics)"')
BASE_URL = "https://dbtz.example.gov.cn"


@pytest.fixture(autouse=True)
def _base_url(app, monkeypatch):
    """Links and UIDs follow TRACKER_BASE_URL (written with a trailing slash, as people do), not
    the host the tests fetch the feed at (localhost)."""
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL + "/")


def _issue(client) -> str:
    """Press 生成/重新生成订阅地址 on the account page; the feed's path as the page shows it."""
    page = client.post(
        "/account/calendar-feed", data={"csrf_token": csrf_token(client, "/account/")}, follow_redirects=True
    ).get_data(as_text=True)
    match = FEED_URL.search(page)
    assert match, "no feed address on the account page"
    return match.group(1)


def _revoke(client):  # noqa: ANN202
    data = {"csrf_token": csrf_token(client, "/account/")}
    return client.post("/account/calendar-feed/revoke", data=data, follow_redirects=True)


def _fetch(app, path: str) -> Calendar:
    """Read the feed as a calendar client does: a fresh client, no cookie."""
    response = app.test_client().get(path)
    assert response.status_code == 200, response.status_code
    return Calendar.from_ical(response.data)


def _uids(calendar: Calendar) -> set[str]:
    return {str(event["UID"]) for event in calendar.events}


def _uid(task_id: int) -> str:
    return f"task-{task_id}@dbtz.example.gov.cn"


@pytest.fixture
def scenario(app, personas):
    """bob's department (交警支队) has a task handed to carol, with a milestone, and one of its own;
    dave's department has one; bob's department also has a closed and a cancelled task."""
    with app.app_context():
        report = make_seed_report()
        measure = next(item for item in report.items if item.kind == ItemKind.MEASURE)
        carols = make_task(
            title="规范交通执法",
            lead_department_id=personas.bob_dept.id,
            assignee_id=personas.carol.id,
            report_id=report.id,
            report_item_id=measure.id,
            percent_done=40,
        )
        milestone = make_task(
            title="完成执法记录仪配备",
            parent_id=carols.id,
            lead_department_id=personas.bob_dept.id,
            deadline=date(2026, 6, 15),
        )
        bobs = make_task(title="整改交通信号", lead_department_id=personas.bob_dept.id, deadline=date(2026, 7, 20))
        daves = make_task(title="治安巡逻", lead_department_id=personas.dave_dept.id)
        done = make_task(title="已办结的任务", lead_department_id=personas.bob_dept.id, state=TaskState.DONE)
        cancelled = make_task(title="已撤销的任务", lead_department_id=personas.bob_dept.id, state=TaskState.CANCELLED)
        db.session.commit()
        return {
            "label": measure.number_label,
            **{
                name: task.id
                for name, task in [
                    ("carols", carols),
                    ("milestone", milestone),
                    ("bobs", bobs),
                    ("daves", daves),
                    ("done", done),
                    ("cancelled", cancelled),
                ]
            },
        }


def test_it_serves_the_deadlines_as_all_day_events_with_a_reminder_the_day_before(app, client, personas, scenario):
    login(client, "bob@example.gov.cn")
    path = _issue(client)
    response = app.test_client().get(path)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert "no-store" in response.headers["Cache-Control"]
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    assert str(calendar["X-WR-CALNAME"]) == "督办任务完成时限 – 交警张"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in response.data and str(calendar["X-PUBLISHED-TTL"]) == "PT1H"

    events = {str(event["UID"]): event for event in calendar.events}
    event = events[_uid(scenario["carols"])]
    assert event["SUMMARY"] == "【完成时限】规范交通执法"  # the report's enumerator is not part of the name
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert type(start) is date and start == DEADLINE  # all day: a date, not a datetime
    assert type(end) is date and end == DEADLINE + timedelta(days=1)
    task_url = f"{BASE_URL}/tasks/{scenario['carols']}"
    assert str(event["URL"]) == task_url
    description = str(event["DESCRIPTION"])
    assert "交警支队" in description and "进行中" in description and "40%" in description and task_url in description
    assert event["SEQUENCE"] == 1
    assert isinstance(event["DTSTAMP"].dt, datetime) and isinstance(event["LAST-MODIFIED"].dt, datetime)
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == -timedelta(hours=15)  # 09:00 the day before
    assert "规范交通执法" in str(alarm["DESCRIPTION"])

    milestone = events[_uid(scenario["milestone"])]
    assert milestone["DTSTART"].dt == date(2026, 6, 15)
    assert "所属任务：规范交通执法" in str(milestone["DESCRIPTION"])


def test_the_feed_is_the_same_at_every_host_name_the_server_answers_to(app, client, personas, scenario):
    """A client that reaches the server by two names (the intranet's, the VPN's) must not see
    every deadline twice: the feed follows TRACKER_BASE_URL, not the Host header."""
    login(client, "bob@example.gov.cn")
    path = _issue(client)
    fetched = [app.test_client().get(path, headers={"Host": host}) for host in ("10.8.0.12:8080", "dbtz.intranet")]
    assert all(r.status_code == 200 for r in fetched)
    assert fetched[0].data == fetched[1].data
    calendar = Calendar.from_ical(fetched[0].data)
    assert _uids(calendar) == {_uid(scenario[name]) for name in ("carols", "milestone", "bobs")}
    assert str(calendar["UID"]) == f"calendar-{personas.bob.id}@dbtz.example.gov.cn"
    assert {str(event["URL"]) for event in calendar.events} == {
        f"{BASE_URL}/tasks/{scenario[name]}" for name in ("carols", "milestone", "bobs")
    }
    assert all(r.headers["Content-Type"].count("charset=utf-8") == 1 for r in fetched)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("bob", {"carols", "milestone", "bobs"}),  # the head: his department's open tasks
        ("carol", {"carols", "milestone"}),  # staff: what is handed to her
        ("dave", {"daves"}),  # the other head: only his department's
    ],
)
def test_it_holds_only_the_open_tasks_the_user_may_see(app, client, personas, scenario, persona, expected):
    login(client, getattr(personas, persona).email)
    calendar = _fetch(app, _issue(client))
    assert _uids(calendar) == {_uid(scenario[name]) for name in expected}


def test_it_keeps_the_same_uids_and_counts_each_change_in_the_sequence(app, client, personas, scenario):
    login(client, "bob@example.gov.cn")
    path = _issue(client)
    before = {str(e["UID"]): e for e in _fetch(app, path).events}
    with app.app_context():
        task = db.session.get(Task, scenario["bobs"])
        task.deadline = date(2026, 8, 1)
        db.session.commit()
    after = {str(e["UID"]): e for e in _fetch(app, path).events}
    assert after.keys() == before.keys()
    moved = after[_uid(scenario["bobs"])]
    assert moved["DTSTART"].dt == date(2026, 8, 1) and moved["SEQUENCE"] == 2


def test_it_stops_serving_a_revoked_feed(app, client, personas, scenario):
    login(client, "bob@example.gov.cn")
    path = _issue(client)
    page = _revoke(client).get_data(as_text=True)
    assert "日历订阅地址已停用" in page and "生成订阅地址" in page and not FEED_URL.search(page)
    assert app.test_client().get(path).status_code == 404
    with app.app_context():
        assert db.session.get(User, personas.bob.id).calendar_token is None


def test_it_says_so_when_there_is_no_feed_to_revoke(client, personas):
    login(client, "bob@example.gov.cn")
    assert "尚未生成日历订阅地址。" in _revoke(client).get_data(as_text=True)


def test_it_ends_the_old_address_when_a_new_one_is_issued(app, client, personas, scenario):
    login(client, "bob@example.gov.cn")
    old = _issue(client)
    page = client.post(
        "/account/calendar-feed", data={"csrf_token": csrf_token(client, "/account/")}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已重新生成日历订阅地址，原地址已失效。" in page
    new = FEED_URL.search(page).group(1)
    assert new != old
    assert app.test_client().get(old).status_code == 404
    assert _uid(scenario["bobs"]) in _uids(_fetch(app, new))


@pytest.mark.parametrize("path", ["/feed/not-a-token.ics", "/feed/" + "x" * 300 + ".ics", "/feed/.ics"])
def test_it_answers_404_to_an_unknown_token(client, personas, path):
    assert client.get(path).status_code == 404


def test_it_answers_404_once_the_user_is_deactivated(app, client, personas, scenario):
    login(client, "bob@example.gov.cn")
    path = _issue(client)
    with app.app_context():
        db.session.get(User, personas.bob.id).is_active = False
        db.session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 404 and "BEGIN:VCALENDAR" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/account/calendar-feed", "/account/calendar-feed/revoke"])
def test_it_refuses_to_issue_or_revoke_without_the_csrf_token(app, client, personas, path):
    login(client, "bob@example.gov.cn")
    feed = _issue(client)
    response = client.post(path)
    assert response.status_code == 400 and "表单已过期或来源无效" in response.get_data(as_text=True)
    assert app.test_client().get(feed).status_code == 200  # neither replaced nor revoked


def test_it_sends_a_visitor_to_sign_in_before_issuing(app, client, personas):
    # The CSRF token of the sign-in page: this is about sign-in, not about forgery.
    response = client.post("/account/calendar-feed", data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(User.calendar_token.is_not(None))) == 0


def test_it_records_issuing_and_revoking_without_the_token(app, client, personas):
    login(client, "bob@example.gov.cn")
    path = _issue(client)
    _issue(client)
    _revoke(client)
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        feed_events = [(e.action, e.actor_id, e.after) for e in events if e.action.startswith("ical_feed")]
        assert feed_events == [
            ("ical_feed_issued", personas.bob.id, {"reissued": False}),
            ("ical_feed_issued", personas.bob.id, {"reissued": True}),
            ("ical_feed_revoked", personas.bob.id, None),
        ]
        token = path.removeprefix("/feed/").removesuffix(".ics")
        assert all(token not in repr((e.before, e.after)) for e in events)


def test_it_reads_the_feed_in_a_fixed_number_of_queries(app, client, personas):
    """Loading the departments, report items and parents must not cost a query per task."""
    with app.app_context():
        report = make_seed_report()
        measures = [item.id for item in report.items if item.kind == ItemKind.MEASURE]

    def add_tasks(pairs: int) -> None:
        with app.app_context():
            for i in range(pairs):
                parent = make_task(lead_department_id=personas.bob_dept.id, report_item_id=measures[i % len(measures)])
                make_task(lead_department_id=personas.bob_dept.id, parent_id=parent.id, deadline=date(2026, 6, 10))
            db.session.commit()

    login(client, "bob@example.gov.cn")
    path = _issue(client)
    counts = []
    for pairs, total in [(1, 2), (9, 20)]:
        add_tasks(pairs)
        with count_queries(app) as statements:
            calendar = _fetch(app, path)
        assert len(calendar.events) == total
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


# --- the service, on the frozen date -------------------------------------------------------------


def _feed(user: User) -> Calendar:
    return Calendar.from_ical(ical_feed.feed_for(user, TODAY))


@pytest.mark.parametrize("persona", ["alice", "erin", "frank"])
def test_it_gives_oversight_roles_the_top_level_tasks_due_around_today(ctx, personas, persona):
    def due(days: int, **overrides: object) -> int:
        return make_task(
            deadline=TODAY + timedelta(days=days), lead_department_id=personas.dave_dept.id, **overrides
        ).id

    inside = {due(-30), due(0), due(180)}
    parent = due(10)
    inside.add(parent)
    outside = {due(-31), due(181), due(5, parent_id=parent), due(5, state=TaskState.ON_HOLD)}
    make_task(deadline=None)
    user = db.session.get(User, getattr(personas, persona).id)
    uids = _uids(_feed(user))
    assert uids == {_uid(i) for i in inside}
    assert not uids & {_uid(i) for i in outside}


def test_it_caps_an_oversight_feed_at_the_nearest_deadlines(ctx, personas, monkeypatch):
    monkeypatch.setattr(ical_feed, "OVERSIGHT_LIMIT", 3)
    ids = [make_task(deadline=TODAY + timedelta(days=days)).id for days in (40, 10, 30, 20, 50)]
    tasks = ical_feed.feed_tasks(db.session.get(User, personas.erin.id), TODAY)
    assert [t.id for t in tasks] == [ids[1], ids[3], ids[2]]


def test_it_issues_a_fresh_unguessable_token_each_time(ctx, personas):
    bob = db.session.get(User, personas.bob.id)
    first = ical_feed.issue_feed(bob, FROZEN_NOW)
    second = ical_feed.issue_feed(bob, FROZEN_NOW)
    assert first != second and len(second) >= 43 and bob.calendar_token == second
    assert ical_feed.user_for_token(first) is None
    assert ical_feed.user_for_token(second) is bob
    assert ical_feed.revoke_feed(bob, FROZEN_NOW) is True
    assert ical_feed.user_for_token(second) is None
    assert ical_feed.revoke_feed(bob, FROZEN_NOW) is False


def test_an_old_address_does_not_come_back_with_a_reactivated_account(app, client, personas, scenario):
    from tracker.services import people

    login(client, "bob@example.gov.cn")
    path = _issue(client)
    with app.app_context():
        bob = db.session.get(User, personas.bob.id)
        people.deactivate_user(bob, actor=None, now=FROZEN_NOW)
        people.reactivate_user(bob, actor=None, now=FROZEN_NOW)
        db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_it_leaves_control_characters_out_of_the_feed(ctx, personas):
    title = "规范\x07执法\x1b[31m程序\x0c"  # (PostgreSQL stores no NUL; the guards refuse it at the door)
    make_task(title=title, deadline=TODAY + timedelta(days=3), lead_department_id=personas.bob_dept.id)
    raw = ical_feed.feed_for(db.session.get(User, personas.alice.id), TODAY)
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", raw)
    assert "规范执法[31m程序" in raw.decode()
