"""The mail pages over HTTP: the outbox for the legal office (list, filters, a mail as sent,
retry), everyone's own notifications with the unread count, and who may see what."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import count_queries, csrf_token, login
from tests.factories import Personas, make_notification, make_task
from tests.smtp import SMTPServer, smtp_server  # noqa: F401
from tracker.extensions import db
from tracker.models import Notification, NotificationStatus, User
from tracker.services.mail import messages, outbox
from tracker.services.mail import sender as mailer
from tracker.services.mail.catalogue import MailKind

NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # Monday 1 June 2026, 09:00 in Shanghai
FORBIDDEN = "您没有执行此操作的权限"


def page_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def queue(app: Flask, recipient: User, subject: str, minutes: int = 0, **overrides) -> int:
    """Queue one mail ``minutes`` after NOW; returns its id."""
    values = {
        "kind": "due_soon",
        "dedup_key": f"test:{subject}:{recipient.id}",
        "recipient": recipient,
        "subject": subject,
        "body_text": f"{subject}：请及时办理。",
        "now": NOW + timedelta(minutes=minutes),
    } | overrides
    with app.app_context():
        make_notification(**values)
        db.session.commit()
        return db.session.scalar(sa.select(Notification.id).where(Notification.dedup_key == values["dedup_key"]))


def set_status(app: Flask, notification_id: int, status: NotificationStatus, **values) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(Notification).where(Notification.id == notification_id).values(status=status, **values)
        )
        db.session.commit()


def status_of(app: Flask, notification_id: int) -> NotificationStatus:
    with app.app_context():
        return db.session.get_one(Notification, notification_id).status


def post_retry(client: FlaskClient, notification_id: int) -> TestResponse:
    token = csrf_token(client, f"/mail/{notification_id}")
    return client.post(f"/mail/{notification_id}/retry", data={"csrf_token": token})


@pytest.fixture(autouse=True)
def clock(frozen_clock: Callable[[datetime], datetime]) -> None:
    """The pages see NOW too (retries are due at once, read receipts stamped)."""
    frozen_clock(NOW)


@pytest.fixture
def alice(client: FlaskClient, personas: Personas) -> Personas:
    """The legal office signed in."""
    login(client, personas.alice.email)
    return personas


# --- the outbox ----------------------------------------------------------------------------------------


def test_it_lists_the_outbox_newest_first(app, client, alice):
    queue(app, alice.bob, "【督办提醒】先排队的", 0)
    failed = queue(app, alice.carol, "【催办】后排队的", 5, kind="urge")
    set_status(app, failed, NotificationStatus.FAILED, attempts=5, last_error="收件人被拒绝：550 5.1.1 no such user")
    page = page_of(client.get("/mail/"))
    assert page.index("【催办】后排队的") < page.index("【督办提醒】先排队的")
    assert "bob@example.gov.cn" in page and alice.bob.name in page
    assert "收件人被拒绝：550 5.1.1 no such user" in page
    assert "发送失败" in page and "待发送" in page and "共 2 封" in page
    assert f'action="/mail/{failed}/retry"' in page  # only the failed one offers a retry
    assert page.count("/retry") == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=failed", {"交办甲"}),
        ("kind=urge", {"催办乙"}),
        ("recipient=carol", {"催办乙"}),
        ("recipient=交警", {"交办甲", "催办乙"}),  # by name: bob and carol are 交警张 and 交警李
        ("recipient=nobody", set()),
        ("task=TASK", {"交办甲"}),
        ("status=nonsense&task=x", {"交办甲", "催办乙", "提醒丙"}),  # filters that do not fit are ignored
    ],
)
def test_it_filters_the_outbox(app, client, alice, query, expected):
    with app.app_context():
        task_id = make_task(title="强化部门联动").id
        db.session.commit()
    failed = queue(app, alice.bob, "交办甲", 0, kind="assigned", task_id=task_id)
    set_status(app, failed, NotificationStatus.FAILED)
    queue(app, alice.carol, "催办乙", 1, kind="urge")
    queue(app, alice.dave, "提醒丙", 2)
    page = page_of(client.get("/mail/?" + query.replace("TASK", str(task_id))))
    shown = {subject for subject in ("交办甲", "催办乙", "提醒丙") if subject in page}
    assert shown == expected


def test_it_filters_by_the_recipients_name(app, client, alice):
    queue(app, alice.bob, "给鲍勃的")
    queue(app, alice.carol, "给卡罗尔的")
    page = page_of(client.get("/mail/", query_string={"recipient": alice.carol.name}))
    assert "给卡罗尔的" in page and "给鲍勃的" not in page


def test_it_pages_the_outbox_and_keeps_the_filters(app, client, alice):
    for n in range(55):
        queue(app, alice.bob, f"提醒{n:02d}", n, kind="urge")
    first = page_of(client.get("/mail/?kind=urge"))
    assert "第 1 / 2 页" in first and "提醒54" in first and "提醒04" not in first
    assert html.escape("/mail/?page=2&kind=urge") in first
    second = page_of(client.get("/mail/?page=2&kind=urge"))
    assert "提醒04" in second and "提醒54" not in second


def test_it_lists_a_page_of_mail_in_a_few_queries(app, client, alice):
    for n in range(30):
        task_id = None
        if n % 2:
            with app.app_context():
                task_id = make_task().id
                db.session.commit()
        queue(app, [alice.bob, alice.carol, alice.dave][n % 3], f"提醒{n}", n, task_id=task_id)
    with count_queries(app) as statements:
        assert client.get("/mail/").status_code == 200
    # One of them reads the reminder rules: the badge of 我的待办 counts the assignments past the
    # time to acknowledge, which the rules set.
    assert len(statements) <= 11, statements


def test_it_shows_a_mail_as_sent(app, client, alice):
    with app.app_context():
        task = make_task(title="（三）深化改革，力保落实到位")
        bob = db.session.get(User, alice.bob.id)
        text = '请办理。<script>alert("x")</script>'
        outbox.queue(messages.compose(MailKind.URGE, [bob], "shown", task=task, text=text), NOW)
        db.session.commit()
        task_id = task.id
        notification_id = db.session.scalar(sa.select(Notification.id).where(Notification.kind == "urge"))
    subject = "【催办】（三）深化改革，力保落实到位"
    page = page_of(client.get(f"/mail/{notification_id}"))
    assert f"<th>Subject</th><td>{subject}</td>" in page
    assert f"&lt;notification-{notification_id}." in page  # the Message-ID
    assert "multipart/alternative" in page
    assert f"查看任务：http://127.0.0.1:5000/tasks/{task_id}" in page  # the text part
    # The HTML part sits in a sandboxed frame; its markup (escaped once by the mail, once for the
    # attribute) never reaches the page as markup.
    assert '<iframe class="mail-html" sandbox srcdoc=' in page
    assert "&amp;lt;script&amp;gt;" in page
    assert "<script>" not in page
    assert "=?utf-8?" in page  # the source, with the subject encoded as it went out


def test_it_answers_404_for_a_mail_that_does_not_exist(client, alice):
    assert client.get("/mail/999").status_code == 404


def test_it_retries_a_failed_mail(app, client, alice, smtp_server: SMTPServer, monkeypatch):  # noqa: F811
    smtp_server.configure(app, monkeypatch)
    notification_id = queue(app, alice.bob, "【交办】被拒收的邮件")
    smtp_server.answer_rcpt("550 5.1.1 mailbox unavailable", times=1)
    with app.app_context():
        assert mailer.send_due(NOW).failed == 1
    detail = page_of(client.get(f"/mail/{notification_id}"))
    assert "550 5.1.1 mailbox unavailable" in detail and "重新发送" in detail

    response = post_retry(client, notification_id)
    assert response.status_code == 302 and response.location.endswith(f"/mail/{notification_id}")
    assert "邮件已放回发送队列" in page_of(client.get(response.location))
    assert status_of(app, notification_id) == NotificationStatus.PENDING
    with app.app_context():
        assert mailer.send_due(NOW).sent == 1
    assert [m["Subject"] for m in smtp_server.messages] == ["【交办】被拒收的邮件"]


def test_it_refuses_to_retry_a_mail_that_has_not_failed(app, client, alice):
    notification_id = queue(app, alice.bob, "【交办】还在排队")
    response = post_retry(client, notification_id)
    assert "只有发送失败的邮件可以重新发送。" in page_of(client.get(response.location))
    assert status_of(app, notification_id) == NotificationStatus.PENDING


@pytest.mark.parametrize("who", ["bob", "carol", "dave", "erin"])
@pytest.mark.parametrize("method_and_path", ["GET /mail/", "GET /mail/ID", "POST /mail/ID/retry"])
def test_it_keeps_the_outbox_from_everyone_but_the_office(app, client, personas, who, method_and_path):
    notification_id = queue(app, personas.bob, "【交办】给鲍勃的")
    set_status(app, notification_id, NotificationStatus.FAILED)
    login(client, getattr(personas, who).email)
    method, path = method_and_path.replace("ID", str(notification_id)).split()
    data = {"csrf_token": csrf_token(client, "/mail/mine")} if method == "POST" else None
    response = client.open(path, method=method, data=data)
    assert response.status_code == 403 and FORBIDDEN in page_of(response)
    assert status_of(app, notification_id) == NotificationStatus.FAILED


def test_it_lets_the_administrator_read_the_outbox(app, client, personas):
    queue(app, personas.bob, "【交办】给鲍勃的")
    login(client, personas.frank.email)
    assert "【交办】给鲍勃的" in page_of(client.get("/mail/"))


@pytest.mark.parametrize("path", ["/mail/", "/mail/mine"])
def test_it_sends_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.location


# --- everyone's own notifications ----------------------------------------------------------------------


def test_it_shows_each_user_their_own_notifications_with_an_unread_count(app, client, personas):
    first = queue(app, personas.carol, "【交办】给卡罗尔的第一封", 0)
    queue(app, personas.carol, "【催办】给卡罗尔的第二封", 1, kind="urge")
    queue(app, personas.bob, "【交办】给鲍勃的")
    login(client, personas.carol.email)
    page = page_of(client.get("/mail/mine"))
    assert "2 条未读" in page
    assert "给卡罗尔的第一封" in page and "给卡罗尔的第二封" in page and "给鲍勃的" not in page

    opened = page_of(client.get(f"/mail/mine/{first}"))
    assert "【交办】给卡罗尔的第一封：请及时办理。" in opened
    assert "1 条未读" in page_of(client.get("/mail/mine"))
    with app.app_context():
        assert db.session.get_one(Notification, first).read_at == NOW


def test_it_links_a_notification_to_its_task(app, client, personas):
    with app.app_context():
        task_id = make_task(title="强化部门联动，打击违法犯罪").id
        db.session.commit()
    notification_id = queue(app, personas.carol, "【交办】强化部门联动，打击违法犯罪", task_id=task_id)
    login(client, personas.carol.email)
    page = page_of(client.get(f"/mail/mine/{notification_id}"))
    assert f'href="/tasks/{task_id}"' in page and "查看任务：强化部门联动，打击违法犯罪" in page


def test_it_hides_other_peoples_and_cancelled_notifications(app, client, personas):
    bobs = queue(app, personas.bob, "【交办】给鲍勃的")
    cancelled = queue(app, personas.carol, "【督办提醒】已作废的提醒")
    set_status(app, cancelled, NotificationStatus.CANCELLED)
    login(client, personas.carol.email)
    assert client.get(f"/mail/mine/{bobs}").status_code == 404
    assert client.get(f"/mail/mine/{cancelled}").status_code == 404
    page = page_of(client.get("/mail/mine"))
    assert "已作废的提醒" not in page and "0 条未读" in page
    with app.app_context():
        assert db.session.get_one(Notification, bobs).read_at is None


def test_it_offers_the_unread_count_to_every_template(app, client, personas):
    queue(app, personas.erin, "【逾期督办】给领导的")
    login(client, personas.erin.email)
    with app.test_request_context():
        unread_mail_count = app.jinja_env.globals["unread_mail_count"]
        assert unread_mail_count() == 0  # nobody signed in here
    assert "1 条未读" in page_of(client.get("/mail/mine"))
