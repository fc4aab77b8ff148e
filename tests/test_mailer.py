"""The sender, against a real SMTP server (aiosmtpd on a free loopback port)."""

import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import make_notification, make_task
from tests.smtp import SMTPServer, smtp_server  # noqa: F401
from tracker.extensions import db
from tracker.models import AuditEvent, Notification, NotificationStatus
from tracker.services.mail import messages, outbox
from tracker.services.mail import sender as mailer
from tracker.services.mail.catalogue import MailKind

NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # Monday 1 June 2026, 09:00 in Shanghai
SUBJECT = "【督办提醒】（三）深化改革，力保落实到位 距截止还有3个工作日"
BASE_URL = "https://dbtz.example.gov.cn"


@pytest.fixture
def server(app: Flask, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> SMTPServer:  # noqa: F811
    smtp_server.configure(app, monkeypatch)
    monkeypatch.setitem(app.config, "SMTP_FROM", "整改督办台账 <noreply@example.gov.cn>")
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL + "/")
    return smtp_server


def queue(recipient, n: int = 1, **overrides) -> int:
    values = {
        "kind": "due_soon",
        "dedup_key": f"due_soon:test:{n}:{recipient.id}",
        "recipient": recipient,
        "subject": SUBJECT,
        "body_text": "督办任务“（三）深化改革，力保落实到位”将于2026年6月4日到期，请抓紧办理。",
        "now": NOW,
    }
    assert make_notification(**values | overrides)
    db.session.commit()
    return db.session.scalar(
        sa.select(Notification.id).where(Notification.dedup_key == (values | overrides)["dedup_key"])
    )


def row(notification_id: int) -> Notification:
    db.session.expire_all()
    return db.session.get_one(Notification, notification_id)


def queue_urge(task, recipient, text: str) -> None:
    """A real message, rendered from its templates, in the outbox."""
    outbox.queue(messages.compose(MailKind.URGE, [recipient], "test", task=task, text=text), NOW)
    db.session.commit()


def test_it_sends_text_and_html_alternatives(personas, ctx, server):
    task = make_task(title="（三）深化改革，力保落实到位")
    queue_urge(task, personas.bob, "请于2026年6月4日前办结。")
    report = mailer.send_due(NOW)
    assert (report.sent, str(report)) == (1, "邮件：已发送 1 封。")
    [message] = server.messages
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert "法制部门催办督办任务“（三）深化改革，力保落实到位”：请于2026年6月4日前办结。" in text.get_content()
    assert "<p>法制部门催办督办任务“（三）深化改革，力保落实到位”：请于2026年6月4日前办结。</p>" in html.get_content()
    assert "请勿直接回复" in text.get_content() and "请勿直接回复" in html.get_content()
    assert message["To"] == "bob@example.gov.cn"
    assert message["From"].addresses[0].display_name == "整改督办台账"
    assert message["Auto-Submitted"] == "auto-generated"
    assert server.handler.envelopes == [("noreply@example.gov.cn", ["bob@example.gov.cn"])]


def test_it_sends_a_row_without_html_as_plain_text(personas, ctx, server):
    queue(personas.bob)
    mailer.send_due(NOW)
    [message] = server.messages
    assert message.get_content_type() == "text/plain"
    assert "将于2026年6月4日到期，请抓紧办理。" in message.get_content()


def test_it_encodes_the_chinese_subject_so_that_it_decodes_exactly(personas, ctx, server):
    queue(personas.bob)
    mailer.send_due(NOW)
    [message], [raw] = server.messages, server.raw
    assert message["Subject"] == SUBJECT
    raw.decode("ascii")  # 7-bit all through: RFC 2047 headers, base64 bodies
    assert b"Subject: =?utf-8?" in raw


def test_it_links_to_the_task(personas, ctx, server):
    task = make_task(title="（三）深化改革，力保落实到位")
    queue_urge(task, personas.bob, "请加快办理。")
    mailer.send_due(NOW)
    [message] = server.messages
    link = f"{BASE_URL}/tasks/{task.id}"
    assert f"查看任务：{link}" in message.get_body(("plain",)).get_content()
    assert f'<a href="{link}">查看任务</a>' in message.get_body(("html",)).get_content()


def test_it_escapes_the_text_in_the_html_part(personas, ctx, server):
    queue_urge(make_task(), personas.bob, '<script>alert("x")</script> & 其他')
    mailer.send_due(NOW)
    message = server.messages[0]
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; 其他" in html
    assert '<script>alert("x")</script> & 其他' in message.get_body(("plain",)).get_content()


def test_it_gives_each_mail_a_stable_message_id(personas, ctx, server):
    notification_id = queue(personas.bob)
    settings = mailer.current_settings()
    before = mailer.build_message(row(notification_id), settings)["Message-ID"]
    mailer.send_due(NOW)
    sent = row(notification_id)
    assert sent.message_id == before == server.messages[0]["Message-ID"]
    assert sent.message_id.startswith(f"<notification-{notification_id}.")
    assert sent.message_id.endswith("@example.gov.cn>")
    assert mailer.build_message(sent, settings)["Message-ID"] == sent.message_id
    assert (sent.status, sent.sent_at, sent.attempts) == (NotificationStatus.SENT, NOW, 1)


def test_it_sends_a_mail_once_even_when_run_twice(personas, ctx, server):
    queue(personas.bob)
    assert mailer.send_due(NOW).sent == 1
    assert mailer.send_due(NOW + timedelta(minutes=1)).sent == 0
    assert len(server.messages) == 1


def test_it_sends_nothing_before_it_is_due(personas, ctx, server):
    queue(personas.bob, now=NOW + timedelta(hours=1))
    assert str(mailer.send_due(NOW)) == "没有到期待发的邮件。"
    assert server.messages == []


def test_it_loses_nothing_while_the_server_is_down(personas, ctx, server):
    ids = [queue(personas.bob, n) for n in range(3)]
    server.stop()
    report = mailer.send_due(NOW)
    # The first attempt finds no server; the run stops there instead of waiting on every mail.
    assert (report.sent, report.retrying) == (0, 1)
    assert "无法连接邮件服务器" in str(report)
    first = row(ids[0])
    assert (first.status, first.attempts, first.next_attempt_at) == (
        NotificationStatus.PENDING,
        1,
        NOW + timedelta(minutes=1),
    )
    assert "无法连接邮件服务器" in first.last_error
    assert [row(i).attempts for i in ids[1:]] == [0, 0]

    server.start()
    assert mailer.send_due(NOW + timedelta(minutes=1)).sent == 3
    assert mailer.send_due(NOW + timedelta(minutes=30)).sent == 0
    assert sorted(m["Message-ID"] for m in server.messages) == sorted(row(i).message_id for i in ids)
    assert {row(i).status for i in ids} == {NotificationStatus.SENT}


@pytest.mark.parametrize("answer", ["answer_rcpt", "answer_data"])
def test_it_retries_a_temporary_refusal_with_back_off(personas, ctx, server, answer):
    notification_id = queue(personas.bob)
    getattr(server, answer)("451 4.3.0 请稍后再试", times=2)
    assert mailer.send_due(NOW).retrying == 1
    waiting = row(notification_id)
    assert (waiting.status, waiting.attempts) == (NotificationStatus.PENDING, 1)
    assert waiting.next_attempt_at == NOW + timedelta(minutes=1)
    assert "451" in waiting.last_error and "请稍后再试" in waiting.last_error

    assert mailer.send_due(NOW + timedelta(seconds=30)).retrying == 0  # not due yet
    assert mailer.send_due(NOW + timedelta(minutes=1)).retrying == 1
    assert row(notification_id).next_attempt_at == NOW + timedelta(minutes=1 + 5)
    assert mailer.send_due(NOW + timedelta(minutes=6)).sent == 1
    sent = row(notification_id)
    assert (sent.status, sent.attempts, sent.last_error) == (NotificationStatus.SENT, 3, None)
    assert len(server.messages) == 1


@pytest.mark.parametrize("answer", ["answer_rcpt", "answer_data"])
def test_it_fails_a_permanent_refusal_at_once(personas, ctx, server, answer):
    notification_id = queue(personas.bob)
    later = queue(personas.carol, 2)
    getattr(server, answer)("550 5.1.1 用户不存在", times=1)
    report = mailer.send_due(NOW)
    assert (report.failed, report.sent) == (1, 1)  # the refusal does not hold up the next mail
    failed = row(notification_id)
    assert (failed.status, failed.attempts, failed.next_attempt_at) == (NotificationStatus.FAILED, 1, None)
    assert "550" in failed.last_error and "用户不存在" in failed.last_error
    assert row(later).status == NotificationStatus.SENT
    assert mailer.send_due(NOW + timedelta(days=1)).sent == 0


def test_it_gives_up_after_the_last_attempt(app, personas, ctx, server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    notification_id = queue(personas.bob)
    server.answer_rcpt("451 4.3.0 try later")
    moment = NOW
    for expected in (NotificationStatus.PENDING, NotificationStatus.PENDING, NotificationStatus.FAILED):
        mailer.send_due(moment)
        current = row(notification_id)
        assert current.status == expected
        moment = current.next_attempt_at or moment
    assert moment == NOW + timedelta(minutes=1 + 5)
    assert (current.attempts, server.messages) == (3, [])
    assert mailer.send_due(NOW + timedelta(days=1)).sent == 0


def test_it_marks_a_mail_stuck_in_sending_as_uncertain_and_does_not_resend_it(personas, ctx, server):
    stuck = queue(personas.bob, 1)
    recent = queue(personas.bob, 2)
    for notification_id, claimed in ((stuck, NOW - timedelta(minutes=11)), (recent, NOW - timedelta(minutes=5))):
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id == notification_id)
            .values(status=NotificationStatus.SENDING, claimed_at=claimed, attempts=1)
        )
    db.session.commit()
    report = mailer.send_due(NOW)
    assert (report.uncertain, report.sent) == (1, 0)
    assert "状态不明 1 封" in str(report)
    given_up = row(stuck)
    assert given_up.status == NotificationStatus.FAILED
    assert given_up.last_error == "发送状态不明（发送过程中断），请核实后手动重试"
    assert row(recent).status == NotificationStatus.SENDING
    assert server.messages == []


def test_it_records_mail_without_an_smtp_host(app, personas, ctx, server, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    notification_id = queue(personas.bob)
    report = mailer.send_due(NOW)
    assert (report.recorded, str(report)) == (1, "邮件：已记录（未配置邮件服务器） 1 封。")
    recorded = row(notification_id)
    assert (recorded.status, recorded.sent_at, recorded.attempts) == (NotificationStatus.RECORDED, None, 0)
    assert recorded.message_id.startswith(f"<notification-{notification_id}.")
    assert server.messages == []
    assert mailer.send_due(NOW).recorded == 0


def test_it_signs_in_when_a_user_is_set(app, personas, ctx, monkeypatch):
    server = SMTPServer(credentials=("dbtz", "s3cret pass"))
    server.start()
    try:
        server.configure(app, monkeypatch)
        monkeypatch.setitem(app.config, "SMTP_USER", "dbtz")
        monkeypatch.setitem(app.config, "SMTP_PASSWORD", "wrong")
        first = queue(personas.bob)
        report = mailer.send_due(NOW)
        assert report.retrying == 1 and "登录失败" in row(first).last_error
        monkeypatch.setitem(app.config, "SMTP_PASSWORD", "s3cret pass")
        assert mailer.send_due(NOW + timedelta(minutes=1)).sent == 1
        assert server.handler.logins == ["dbtz"]
    finally:
        server.stop()


def test_it_gives_up_on_a_server_that_does_not_answer_within_the_timeout(app, personas, ctx, monkeypatch):
    with socket.socket() as silent:  # accepts connections (the backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", silent.getsockname()[1])
        monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 0.5)
        ids = [queue(personas.bob, n) for n in range(2)]
        report = mailer.send_due(NOW)
    assert (report.retrying, report.sent) == (1, 0)
    assert "超时" in row(ids[0]).last_error
    assert row(ids[1]).attempts == 0  # not tried: the run stopped instead of waiting out another timeout


def test_it_never_sends_in_the_clear_when_starttls_is_required(app, personas, ctx, server, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_SECURITY", "starttls")
    notification_id = queue(personas.bob)
    assert mailer.send_due(NOW).retrying == 1
    assert "STARTTLS" in row(notification_id).last_error
    assert server.messages == []


def test_it_refuses_an_unknown_security_setting():
    with pytest.raises(ValueError, match="SMTP_SECURITY='tls'"):
        mailer.MailSettings.from_config({"SMTP_SECURITY": "tls"})


def test_it_keeps_the_subject_on_one_line(personas, ctx, server):
    queue(personas.bob, subject="【交办】强化部门联动，\n打击违法犯罪")
    mailer.send_due(NOW)
    assert server.messages[0]["Subject"] == "【交办】强化部门联动， 打击违法犯罪"


def test_it_puts_a_failed_mail_back_on_request(personas, ctx, server):
    notification_id = queue(personas.bob)
    server.answer_rcpt("550 5.1.1 no such user", times=1)
    mailer.send_due(NOW)
    alice = db.session.merge(personas.alice)
    failed = row(notification_id)
    mailer.retry(failed, alice, NOW + timedelta(hours=1))
    db.session.commit()
    again = row(notification_id)
    assert (again.status, again.attempts, again.next_attempt_at) == (
        NotificationStatus.PENDING,
        0,
        NOW + timedelta(hours=1),
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "mail_retried"))
    assert (event.actor_id, event.object_id, event.before["status"]) == (alice.id, notification_id, "failed")
    assert mailer.send_due(NOW + timedelta(hours=1)).sent == 1
    assert server.messages[0]["Message-ID"] == again.message_id
    with pytest.raises(mailer.MailError, match="只有发送失败的邮件可以重新发送"):
        mailer.retry(row(notification_id), alice, NOW)


@pytest.mark.postgresql_only("needs concurrent writers")
def test_two_senders_racing_send_each_mail_once(app, personas, ctx, server):
    ids = [queue(personas.bob, n) for n in range(20)]
    start = threading.Barrier(2)
    reports: list[mailer.SendReport] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with app.app_context():
                start.wait()
                reports.append(mailer.send_due(NOW))
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(r.sent for r in reports) == 20
    message_ids = [m["Message-ID"] for m in server.messages]
    assert len(message_ids) == len(set(message_ids)) == 20
    assert {row(i).status for i in ids} == {NotificationStatus.SENT}
