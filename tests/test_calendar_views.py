"""The holiday pages over HTTP: paste a notice, review it, save it; add and delete a day; the
warning when the coming months have no holiday data; who may use the pages."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import csrf_token, login
from tests.factories import FROZEN_NOW, Personas
from tracker.extensions import db
from tracker.models import AuditEvent, CalendarDay
from tracker.services.workdays import WorkCalendar

TODAY = date(2026, 6, 1)  # FROZEN_NOW's date: 2026 is known through December, past the next three months
AUTUMN = date(2026, 10, 15)  # three months on is January 2027, which only a 2027 notice covers
WARNING = "未来三个月内有日期缺少节假日安排数据，工作日将按周末推算。请粘贴国务院办公厅的节假日安排通知。"
FORBIDDEN = "您没有执行此操作的权限"
# Illustrative: the shape of the State Council's notice, not its 2027 dates.
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：

一、元旦：1月1日（周五）至3日（周日）放假，共3天。

二、春节：2月6日（周六）至14日（周日）放假调休，共9天。2月20日（周六）上班。

三、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）上班。

国务院办公厅
2026年11月4日
"""


def page_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def post(client: FlaskClient, url: str, data: dict[str, str] | None = None) -> TestResponse:
    return client.post(url, data={"csrf_token": csrf_token(client, "/calendar/"), **(data or {})})


def rows(app: Flask) -> dict[date, tuple[bool, str]]:
    with app.app_context():
        return {r.day: (r.is_workday, r.name) for r in db.session.scalars(sa.select(CalendarDay))}


@pytest.fixture(autouse=True)
def today(frozen_clock: Callable[[date], datetime]) -> None:
    frozen_clock(TODAY)


@pytest.fixture
def alice(client: FlaskClient, personas: Personas) -> Personas:
    login(client, personas.alice.email)
    return personas


# --- the notice -------------------------------------------------------------------------------------------


def test_it_shows_what_the_pasted_notice_says_before_saving_anything(app, client, alice):
    response = post(client, "/calendar/notice", {"text": NOTICE_2027})

    page = page_of(response)
    assert response.status_code == 200
    assert "2027 年节假日安排" in page
    assert "2027年2月6日（周六）至2027年2月14日（周日）" in page and "共 9 天" in page
    assert "2027年2月20日（周六）" in page and "2027年4月25日（周日）" in page
    assert "合计：放假 17 天，调休上班 2 天。" in page
    assert "确认保存" in page
    assert rows(app) == {}


def test_it_saves_the_reviewed_notice_and_the_countdowns_honour_it(app, client, alice):
    response = post(client, "/calendar/notice/save", {"text": NOTICE_2027})

    assert response.status_code == 302 and response.headers["Location"] == "/calendar/#year-2027"
    page = page_of(client.get("/calendar/"))
    assert "已保存2027年节假日安排：放假 17 天，调休上班 2 天。" in page
    assert 'id="year-2027"' in page and "2027年2月20日" in page
    saved = rows(app)
    assert len(saved) == 19
    assert saved[date(2027, 2, 8)] == (False, "春节") and saved[date(2027, 2, 20)] == (True, "春节")
    with app.app_context():
        calendar = WorkCalendar.load()
        assert not calendar.is_workday(date(2027, 2, 8))  # a Monday in the Spring Festival
        assert calendar.is_workday(date(2027, 2, 20))  # a Saturday made up
        assert calendar.is_workday(date(2027, 2, 15))  # back to work
        assert calendar.known_through() == date(2027, 12, 31)
        assert calendar.add_workdays(date(2027, 2, 5), 1) == date(2027, 2, 15)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "calendar_notice_saved"))
        assert event.actor_id == alice.alice.id and event.object_id == 2027
        assert len(event.after["days"]) == 19 and event.before == {"days": []}


def test_saving_a_notice_again_replaces_that_year_only(app, client, alice):
    post(client, "/calendar/days", {"day": "2027-03-01", "kind": "holiday", "name": "误录"})
    post(client, "/calendar/days", {"day": "2028-01-03", "kind": "holiday", "name": "元旦"})

    review = page_of(post(client, "/calendar/notice", {"text": NOTICE_2027}))
    assert "保存后将替换 2027 年已有的 1 条记录。" in review
    post(client, "/calendar/notice/save", {"text": NOTICE_2027})

    saved = rows(app)
    assert date(2027, 3, 1) not in saved
    assert saved[date(2028, 1, 3)] == (False, "元旦")
    assert len(saved) == 20


def test_it_shows_why_a_text_is_no_notice_and_keeps_it_to_be_corrected(app, client, alice):
    text = "关于明天开会的通知：请各部门负责人1月5日上午9点到会议室开会。"

    response = post(client, "/calendar/notice", {"text": text})

    page = page_of(response)
    assert response.status_code == 400
    assert "未能识别通知" in page
    assert "没有找到通知标题“国务院办公厅关于××××年部分节假日安排的通知”" in page
    assert html.escape(text, quote=False) in page  # in the textarea, to be corrected and read again
    assert "确认保存" not in page
    assert rows(app) == {}


def test_it_refuses_a_notice_that_contradicts_itself(app, client, alice):
    text = NOTICE_2027.replace("1月1日（周五）", "1月1日（周四）")

    page = page_of(post(client, "/calendar/notice", {"text": text}))

    assert "“元旦”一项中，2027-01-01是周五，而通知写的是“周四”，请核对年份和日期。" in page
    assert page_of(post(client, "/calendar/notice/save", {"text": text})).count("请核对年份和日期") == 1
    assert rows(app) == {}


def test_it_asks_for_the_notice_when_nothing_is_pasted(app, client, alice):
    response = post(client, "/calendar/notice", {"text": "  "})

    assert response.status_code == 400
    assert "请粘贴通知全文。" in page_of(response)


# --- the warning --------------------------------------------------------------------------------------------


def test_it_says_how_far_the_holiday_data_runs(client, alice):
    page = page_of(client.get("/calendar/"))

    assert WARNING not in page
    assert "节假日数据截至 <strong>2026年12月31日</strong>" in page
    assert "尚未录入节假日安排" in page


def test_it_warns_when_the_coming_months_have_no_holiday_data(client, alice, frozen_clock):
    frozen_clock(AUTUMN)
    assert WARNING in page_of(client.get("/calendar/"))

    post(client, "/calendar/notice/save", {"text": NOTICE_2027})

    page = page_of(client.get("/calendar/"))
    assert WARNING not in page
    assert "节假日数据截至 <strong>2027年12月31日</strong>" in page


# --- single days ------------------------------------------------------------------------------------------


def test_it_adds_a_day_and_changes_it(app, client, alice):
    response = post(client, "/calendar/days", {"day": "2027-10-08", "kind": "holiday", "name": "国庆节"})

    assert response.status_code == 302
    assert "已将2027年10月8日（周五）设为放假日。" in page_of(client.get("/calendar/"))
    assert rows(app) == {date(2027, 10, 8): (False, "国庆节")}

    post(client, "/calendar/days", {"day": "2027-10-08", "kind": "workday", "name": "国庆节调休"})
    assert rows(app) == {date(2027, 10, 8): (True, "国庆节调休")}
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "calendar_day_saved").order_by(AuditEvent.id)
        ).all()
        assert [e.before for e in events] == [None, {"day": "2027-10-08", "is_workday": False, "name": "国庆节"}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "2027-02-30", "kind": "holiday"}, "“2027-02-30”不是有效的日期"),
        ({"day": "", "kind": "holiday"}, "请填写日期。"),
        ({"day": "2027-10-08", "kind": "sometimes"}, "请选择放假或上班。"),
        ({"day": "2027-10-08", "kind": "holiday", "name": "节" * 51}, "名称不能超过 50 个字。"),
    ],
)
def test_it_refuses_a_day_that_is_not_filled_in_right(app, client, alice, data, message):
    response = post(client, "/calendar/days", data)

    assert response.status_code == 400
    assert message in page_of(response)
    assert rows(app) == {}


def test_it_deletes_a_day(app, client, alice):
    post(client, "/calendar/days", {"day": "2027-10-08", "kind": "holiday", "name": "国庆节"})

    response = post(client, "/calendar/days/2027-10-08/delete")

    assert response.status_code == 302
    assert "已删除2027年10月8日（周五）的记录" in page_of(client.get("/calendar/"))
    assert rows(app) == {}
    assert post(client, "/calendar/days/2027-10-08/delete").status_code == 404
    assert post(client, "/calendar/days/not-a-date/delete").status_code == 404


# --- who may ------------------------------------------------------------------------------------------------

CALENDAR_URLS = [
    ("GET", "/calendar/"),
    ("POST", "/calendar/notice"),
    ("POST", "/calendar/notice/save"),
    ("POST", "/calendar/days"),
    ("POST", "/calendar/days/2027-01-01/delete"),
]


@pytest.mark.parametrize("persona", ["bob", "carol", "dave", "erin"])
@pytest.mark.parametrize(("method", "url"), CALENDAR_URLS)
def test_it_refuses_the_pages_to_everyone_but_the_legal_office_and_the_administrator(
    app, client, personas, persona, method, url
):
    with app.app_context():
        db.session.add(CalendarDay(day=date(2027, 1, 1), is_workday=False, name="元旦", created_at=FROZEN_NOW))
        db.session.commit()
    login(client, getattr(personas, persona).email)
    data = {"csrf_token": csrf_token(client, "/account/"), "text": NOTICE_2027, "day": "2027-02-01", "kind": "holiday"}

    response = client.open(url, method=method, data=data if method == "POST" else None)

    assert response.status_code == 403
    assert FORBIDDEN in page_of(response)
    assert rows(app) == {date(2027, 1, 1): (False, "元旦")}
    assert "节假日" not in page_of(client.get("/account/"))


def test_the_administrator_may_keep_the_calendar_too(app, client, personas):
    login(client, personas.frank.email)

    assert '<a href="/calendar/" class="nav-item active">节假日</a>' in page_of(client.get("/calendar/"))
    assert post(client, "/calendar/notice/save", {"text": NOTICE_2027}).status_code == 302
    assert len(rows(app)) == 19


def test_it_sends_a_visitor_to_sign_in(client):
    response = client.get("/calendar/")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("url", ["/calendar/notice", "/calendar/notice/save", "/calendar/days"])
def test_it_refuses_a_post_without_its_csrf_token(app, client, alice, url):
    response = client.post(url, data={"text": NOTICE_2027, "day": "2027-02-01", "kind": "holiday"})

    assert response.status_code == 400
    assert "表单已过期或来源无效" in page_of(response)
    assert rows(app) == {}
