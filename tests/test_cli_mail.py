"""``flask outbox`` and ``flask send-mail``, through the CLI runner and a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import Personas, make_notification
from tests.smtp import SMTPServer, smtp_server  # noqa: F401
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import Notification, NotificationStatus, User


def queue(app: Flask, recipient: User, subject: str, **overrides) -> int:
    """Queue one mail, due a minute ago (``send-mail`` sends what is due by the real clock)."""
    values = {
        "kind": "due_soon",
        "dedup_key": f"test:{subject}:{recipient.id}",
        "recipient": recipient,
        "subject": subject,
        "body_text": "请及时办理。",
        "now": utcnow() - timedelta(minutes=1),
    } | overrides
    with app.app_context():
        make_notification(**values)
        db.session.commit()
        return db.session.scalar(sa.select(Notification.id).where(Notification.dedup_key == values["dedup_key"]))


def fail(app: Flask, notification_id: int, error: str) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id == notification_id)
            .values(status=NotificationStatus.FAILED, attempts=5, last_error=error)
        )
        db.session.commit()


@pytest.fixture
def server(app: Flask, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> SMTPServer:  # noqa: F811
    smtp_server.configure(app, monkeypatch)
    return smtp_server


def test_it_lists_the_outbox_newest_first(app, runner, personas: Personas):
    first = queue(app, personas.bob, "【交办】强化部门联动", now=utcnow() - timedelta(minutes=5))
    second = queue(app, personas.carol, "【催办】完善制度", kind="urge")
    fail(app, second, "收件人被拒绝：550 5.1.1\nno such user")
    result = runner.invoke(args=["outbox"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "编号\t状态\t类型\t收件人\t主题\t尝试次数\t最近错误",
        f"{second}\tfailed\turge\tcarol@example.gov.cn\t【催办】完善制度\t5\t收件人被拒绝：550 5.1.1 no such user",
        f"{first}\tpending\tdue_soon\tbob@example.gov.cn\t【交办】强化部门联动\t0\t-",
    ]


def test_it_filters_by_status_and_limits_the_list(app, runner, personas: Personas):
    for n in range(3):
        queue(app, personas.bob, f"提醒{n}", now=utcnow() - timedelta(minutes=10 - n))
    failed = queue(app, personas.carol, "被拒收的")
    fail(app, failed, "550")
    result = runner.invoke(args=["outbox", "--status", "pending", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert [line.split("\t")[4] for line in result.output.splitlines()[1:]] == ["提醒2", "提醒1"]
    both = runner.invoke(args=["outbox", "--status", "pending", "--status", "failed"])
    assert len(both.output.splitlines()) == 1 + 4


def test_it_says_when_no_mail_matches(runner):
    result = runner.invoke(args=["outbox", "--status", "failed"])
    assert result.exit_code == 0, result.output
    assert result.output == "没有符合条件的邮件。\n"


def test_it_refuses_an_unknown_status(runner):
    result = runner.invoke(args=["outbox", "--status", "lost"])
    assert result.exit_code == 2 and "lost" in result.output


def test_it_sends_what_is_due(app, runner, personas: Personas, server: SMTPServer):
    sent = queue(app, personas.bob, "【交办】强化部门联动")
    queue(app, personas.carol, "【督办提醒】明天才到时候", now=utcnow() + timedelta(days=1))
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert result.output == "邮件：已发送 1 封。\n"
    assert [m["Subject"] for m in server.messages] == ["【交办】强化部门联动"]
    with app.app_context():
        assert db.session.get_one(Notification, sent).status == NotificationStatus.SENT
    again = runner.invoke(args=["send-mail"])
    assert again.output == "没有到期待发的邮件。\n" and len(server.messages) == 1


def test_it_sends_at_most_the_limit(app, runner, personas: Personas, server: SMTPServer):
    for n in range(3):
        queue(app, personas.bob, f"提醒{n}")
    result = runner.invoke(args=["send-mail", "--limit", "2"])
    assert result.output == "邮件：已发送 2 封。\n" and len(server.messages) == 2


def test_it_exits_with_an_error_when_the_server_is_down(app, runner, personas: Personas, server: SMTPServer):
    queue(app, personas.bob, "【交办】强化部门联动")
    server.stop()
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 1
    assert "邮件：待重试 1 封。邮件服务器暂不可用（无法连接邮件服务器" in result.output
    assert "其余邮件留待下次发送" in result.output


def test_it_records_mail_when_no_smtp_host_is_set(app, runner, personas: Personas, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    recorded = queue(app, personas.bob, "【交办】强化部门联动")
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert result.output == "邮件：已记录（未配置邮件服务器） 1 封。\n"
    listing = runner.invoke(args=["outbox", "--status", "recorded"])
    assert f"{recorded}\trecorded\tdue_soon\tbob@example.gov.cn" in listing.output
