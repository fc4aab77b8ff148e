"""No passwords by mail or by hand: one-time links to set or reset a password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token, login
from tests.factories import FROZEN_NOW
from tests.smtp import SMTPServer, smtp_server  # noqa: F401
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import AuditEvent, Notification, NotificationStatus, Role, SignInLink, User
from tracker.services import people, sign_in_links
from tracker.services.accounts import authenticate
from tracker.services.mail import sender as mailer
from tracker.services.sign_in_links import SignInLinkError

BASE_URL = "https://dbtz.example.gov.cn"
LINK = re.compile(re.escape(BASE_URL) + r"/password/([A-Za-z0-9_-]+)")
NEW_PASSWORD = "新的密码 horse 9"
SAME_ANSWER = "如该邮箱已注册，我们已发送重置密码的链接，请在2小时内使用。"


@pytest.fixture(autouse=True)
def base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL + "/")


def user(persona) -> User:
    """The persona in this test's session (the fixture's objects belong to a closed one)."""
    return db.session.get_one(User, persona.id)


def mails(kind: str) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


def token_in(body: str) -> str:
    match = LINK.search(body)
    assert match, body
    return match.group(1)


def new_account(now=FROZEN_NOW) -> User:
    return people.create_user(
        email="gina@example.gov.cn",
        name="新同事",
        role=Role.LEADER,
        department=None,
        password=None,
        actor=None,
        now=now,
    )


# --- the service ---------------------------------------------------------------------------------------------


def test_it_mails_a_setup_link_under_the_base_url_through_the_real_outbox(app, personas, ctx, smtp_server, monkeypatch):  # noqa: F811
    smtp_server.configure(app, monkeypatch)
    gina = new_account()
    sign_in_links.send_setup_link(gina, actor=user(personas.frank), now=FROZEN_NOW)
    db.session.commit()
    [row] = mails("password_setup")
    assert (row.recipient_email, row.subject) == ("gina@example.gov.cn", "【整改督办】设置密码")
    assert "72小时内有效" in row.body_text
    assert mailer.send_due(FROZEN_NOW).sent == 1
    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    token = token_in(text)
    assert f'href="{BASE_URL}/password/{token}"' in html
    assert sign_in_links.peek(token, now=FROZEN_NOW).user_id == gina.id


def test_a_setup_link_works_once(personas, ctx):
    gina = new_account()
    sign_in_links.send_setup_link(gina, actor=None, now=FROZEN_NOW)
    token = token_in(mails("password_setup")[0].body_text)
    old_session = gina.session_token
    assert sign_in_links.redeem(token, NEW_PASSWORD, now=FROZEN_NOW + timedelta(hours=1)) is gina
    assert gina.check_password(NEW_PASSWORD) and not gina.must_change_password
    assert gina.session_token != old_session
    with pytest.raises(SignInLinkError) as refused:
        sign_in_links.redeem(token, "another password 1", now=FROZEN_NOW + timedelta(hours=2))
    assert refused.value.status == 410 and "已使用" in refused.value.message
    assert gina.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("hours, works", [(71, True), (72, False)])
def test_a_setup_link_expires_after_the_configured_hours(personas, ctx, hours, works):
    gina = new_account()
    sign_in_links.send_setup_link(gina, actor=None, now=FROZEN_NOW)
    token = token_in(mails("password_setup")[0].body_text)
    later = FROZEN_NOW + timedelta(hours=hours)
    if works:
        sign_in_links.redeem(token, NEW_PASSWORD, now=later)
    else:
        with pytest.raises(SignInLinkError, match="已过期") as refused:
            sign_in_links.peek(token, now=later)
        assert refused.value.status == 410


def test_the_lifetime_of_a_setup_link_is_a_setting(app, personas, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LINK_HOURS", 24)
    sign_in_links.send_setup_link(user(personas.carol), actor=None, now=FROZEN_NOW)
    [link] = db.session.scalars(sa.select(SignInLink)).all()
    assert link.expires_at == FROZEN_NOW + timedelta(hours=24)
    assert "24小时内有效" in mails("password_setup")[0].body_text


def test_it_stores_only_a_hash_of_the_token(personas, ctx):
    sign_in_links.send_setup_link(user(personas.carol), actor=None, now=FROZEN_NOW)
    token = token_in(mails("password_setup")[0].body_text)
    [link] = db.session.scalars(sa.select(SignInLink)).all()
    assert token not in link.token_hash and len(link.token_hash) == 64


def test_a_resend_ends_the_earlier_link_and_is_audited(personas, ctx):
    carol, frank = user(personas.carol), user(personas.frank)
    sign_in_links.send_setup_link(carol, actor=frank, now=FROZEN_NOW)
    sign_in_links.send_setup_link(carol, actor=frank, now=FROZEN_NOW + timedelta(minutes=5))
    first, second = (token_in(row.body_text) for row in mails("password_setup"))
    with pytest.raises(SignInLinkError):
        sign_in_links.peek(first, now=FROZEN_NOW + timedelta(minutes=6))
    sign_in_links.redeem(second, NEW_PASSWORD, now=FROZEN_NOW + timedelta(minutes=6))
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "setup_link_sent")).all()
    assert [(e.actor_id, e.object_id) for e in events] == [(frank.id, carol.id)] * 2


def test_a_reset_link_lasts_two_hours(personas, ctx):
    sign_in_links.request_reset(" Carol@Example.gov.cn ", now=FROZEN_NOW, remote_addr="10.0.0.1")
    [row] = mails("password_reset")
    assert row.recipient_email == "carol@example.gov.cn" and "2小时内有效" in row.body_text
    token = token_in(row.body_text)
    with pytest.raises(SignInLinkError, match="已过期"):
        sign_in_links.peek(token, now=FROZEN_NOW + timedelta(hours=2))
    sign_in_links.redeem(token, NEW_PASSWORD, now=FROZEN_NOW + timedelta(minutes=119))


def test_a_reset_is_not_mailed_to_an_unknown_or_deactivated_address(personas, ctx):
    user(personas.dave).is_active = False
    for email in ("nobody@example.gov.cn", "dave@example.gov.cn"):
        sign_in_links.request_reset(email, now=FROZEN_NOW, remote_addr="10.0.0.1")
    assert mails("password_reset") == []


def test_it_throttles_reset_requests_for_one_address(personas, ctx):
    for minute in range(5):
        sign_in_links.request_reset(
            "carol@example.gov.cn", now=FROZEN_NOW + timedelta(minutes=minute), remote_addr=None
        )
    assert len(mails("password_reset")) == sign_in_links.MAX_RESETS_PER_PAIR
    sign_in_links.request_reset("carol@example.gov.cn", now=FROZEN_NOW + timedelta(minutes=40), remote_addr=None)
    assert len(mails("password_reset")) == sign_in_links.MAX_RESETS_PER_PAIR + 1


def test_strangers_asking_for_a_reset_neither_lock_the_owner_out_nor_end_a_setup_link(personas, ctx):
    carol = user(personas.carol)
    sign_in_links.send_setup_link(carol, actor=None, now=FROZEN_NOW)
    setup = token_in(mails("password_setup")[0].body_text)
    for n in range(5):  # from elsewhere, more than a person retrying from one place would
        sign_in_links.request_reset("carol@example.gov.cn", now=FROZEN_NOW, remote_addr=f"203.0.113.{n}")
    sign_in_links.request_reset("carol@example.gov.cn", now=FROZEN_NOW, remote_addr="10.0.0.7")  # carol herself
    assert len(mails("password_reset")) == 6
    sign_in_links.peek(setup, now=FROZEN_NOW + timedelta(minutes=1))  # the new account's link still works


def test_a_link_of_a_deactivated_user_is_refused(personas, ctx):
    carol = user(personas.carol)
    sign_in_links.send_setup_link(carol, actor=None, now=FROZEN_NOW)
    carol.is_active = False
    with pytest.raises(SignInLinkError, match="已停用"):
        sign_in_links.redeem(token_in(mails("password_setup")[0].body_text), NEW_PASSWORD, now=FROZEN_NOW)


def test_a_password_set_by_link_obeys_the_password_rules(personas, ctx):
    sign_in_links.send_setup_link(user(personas.carol), actor=None, now=FROZEN_NOW)
    token = token_in(mails("password_setup")[0].body_text)
    with pytest.raises(people.PeopleError, match="至少"):
        sign_in_links.redeem(token, "short", now=FROZEN_NOW)
    sign_in_links.peek(token, now=FROZEN_NOW)  # still usable


def test_an_account_without_a_password_cannot_sign_in(personas, ctx):
    gina = new_account()
    for guess in ("", "!unusable", gina.password_hash, "correct horse 马"):
        assert authenticate("gina@example.gov.cn", guess, now=FROZEN_NOW, remote_addr=None) is None


# --- the pages ---------------------------------------------------------------------------------------------


def test_an_account_without_a_password_gets_the_wrong_password_message(app, client, personas):
    with app.app_context():
        new_account(now=utcnow())
        db.session.commit()
    unset = login(client, "gina@example.gov.cn", "!unusable")
    wrong = login(client, "bob@example.gov.cn", "not the password")
    assert unset.status_code == wrong.status_code == 200
    assert "邮箱或密码不正确。" in unset.get_data(as_text=True)
    assert "邮箱或密码不正确。" in wrong.get_data(as_text=True)


def test_the_login_page_leads_to_forgotten_password(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


def _ask_reset(client, email: str):
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_token(client, "/password/forgot")})


def test_the_reset_page_answers_the_same_for_known_and_unknown_addresses(app, client, personas):
    known = _ask_reset(client, "carol@example.gov.cn")
    unknown = _ask_reset(client, "nobody@example.gov.cn")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert SAME_ANSWER in known.get_data(as_text=True)
    with app.app_context():
        assert [row.recipient_email for row in mails("password_reset")] == ["carol@example.gov.cn"]


def test_the_reset_page_needs_the_csrf_token(app, client, personas):
    response = client.post("/password/forgot", data={"email": "carol@example.gov.cn"})
    assert response.status_code == 400
    with app.app_context():
        assert mails("password_reset") == []


def test_the_link_page_sets_the_password_and_signs_in_once(app, client, personas):
    with app.app_context():
        sign_in_links.send_setup_link(new_account(now=utcnow()), actor=None, now=utcnow())
        db.session.commit()
        token = token_in(mails("password_setup")[0].body_text)
    page = client.get(f"/password/{token}")
    assert page.status_code == 200 and "gina@example.gov.cn" in page.get_data(as_text=True)
    data = {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(f"/password/{token}", data=data).status_code == 400  # no CSRF token
    data["csrf_token"] = csrf_token(client, f"/password/{token}")
    response = client.post(f"/password/{token}", data=data)
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    home = client.get("/", follow_redirects=True)  # signed in, and not sent to change the password
    assert home.status_code == 200 and home.request.path not in ("/login", "/account/")
    again = client.get(f"/password/{token}")
    assert again.status_code == 410
    assert "已使用" in again.get_data(as_text=True) and 'href="/password/forgot"' in again.get_data(as_text=True)
    with app.app_context():
        assert authenticate("gina@example.gov.cn", NEW_PASSWORD, now=utcnow(), remote_addr=None) is not None


def test_the_link_page_refuses_a_mismatched_confirmation(app, client, personas):
    with app.app_context():
        sign_in_links.send_setup_link(user(personas.carol), actor=None, now=utcnow())
        db.session.commit()
        token = token_in(mails("password_setup")[0].body_text)
    data = {"new_password": NEW_PASSWORD, "confirm": "something else", "csrf_token": csrf_token(client, "/login")}
    response = client.post(f"/password/{token}", data=data)
    assert response.status_code == 200 and "两次输入的密码不一致。" in response.get_data(as_text=True)


def test_an_unknown_link_gets_a_clear_page(client):
    response = client.get("/password/not-a-real-token")
    assert response.status_code == 400
    assert "链接无效" in response.get_data(as_text=True)


# --- the administrator ---------------------------------------------------------------------------------------


def test_the_administrator_resends_a_setup_link(app, client, personas):
    login(client, "frank@example.gov.cn")
    path = f"/admin/users/{personas.carol.id}/edit"
    assert "重新发送设置密码链接" in client.get(path).get_data(as_text=True)
    url = f"/admin/users/{personas.carol.id}/setup-link"
    assert client.post(url).status_code == 400  # no CSRF token
    response = client.post(url, data={"csrf_token": csrf_token(client, path)}, follow_redirects=True)
    assert "已向 carol@example.gov.cn 发送设置密码的链接" in response.get_data(as_text=True)
    with app.app_context():
        assert [row.recipient_email for row in mails("password_setup")] == ["carol@example.gov.cn"]


@pytest.mark.parametrize("persona", ["alice", "bob", "carol"])
def test_only_the_administrator_may_resend(app, client, personas, persona):
    login(client, f"{persona}@example.gov.cn")
    token = csrf_token(client, "/account/")
    response = client.post(f"/admin/users/{personas.dave.id}/setup-link", data={"csrf_token": token})
    assert response.status_code == 403
    with app.app_context():
        assert mails("password_setup") == []


def test_a_new_user_without_a_password_gets_a_setup_link(app, client, personas):
    login(client, "frank@example.gov.cn")
    data = {
        "email": "gina@example.gov.cn",
        "name": "新同事",
        "role": "leader",
        "department_id": "0",
        "password": "",
        "confirm": "",
        "csrf_token": csrf_token(client, "/admin/users/new"),
    }
    response = client.post("/admin/users/new", data=data, follow_redirects=True)
    assert "设置密码的链接已发送到 gina@example.gov.cn。" in response.get_data(as_text=True)
    with app.app_context():
        gina = db.session.scalar(sa.select(User).where(User.email == "gina@example.gov.cn"))
        assert gina is not None and not gina.must_change_password
        assert [row.recipient_id for row in mails("password_setup")] == [gina.id]
        assert authenticate("gina@example.gov.cn", "", now=utcnow(), remote_addr=None) is None


def test_the_outbox_pages_withhold_the_link_from_everyone_but_its_recipient(app, client, personas):
    with app.app_context():
        sign_in_links.send_setup_link(new_account(), actor=None, now=FROZEN_NOW)
        db.session.commit()
        [mail] = mails("password_setup")
        mail_id, token = mail.id, token_in(mail.body_text)
    login(client, "alice@example.gov.cn")  # the legal office reads every mail, not this one's body
    page = client.get(f"/mail/{mail_id}").get_data(as_text=True)
    assert token not in page and "不在系统中显示" in page


def test_the_recipients_own_notification_does_not_show_the_link_either(app, client, personas):
    """Whoever holds a session could otherwise ask for a reset and read the link in 通知."""
    with app.app_context():
        sign_in_links.request_reset("carol@example.gov.cn", now=utcnow(), remote_addr="10.0.0.1")
        db.session.commit()
        [mail] = mails("password_reset")
        mail_id, token = mail.id, token_in(mail.body_text)
    login(client, "carol@example.gov.cn")
    page = client.get(f"/mail/mine/{mail_id}").get_data(as_text=True)
    assert token not in page and "不在系统中显示" in page


def test_with_no_mail_server_the_recorded_mail_shows_its_link_as_the_only_copy(app, client, personas):
    with app.app_context():
        sign_in_links.send_setup_link(new_account(), actor=None, now=FROZEN_NOW)
        db.session.commit()
        [mail] = mails("password_setup")
        mail.status = NotificationStatus.RECORDED  # what the sender does when no SMTP host is configured
        db.session.commit()
        mail_id, token = mail.id, token_in(mail.body_text)
    login(client, "alice@example.gov.cn")
    assert token in client.get(f"/mail/{mail_id}").get_data(as_text=True)
