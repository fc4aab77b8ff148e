"""The account page: everyone's own password and interface language."""

import re

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, csrf_token, login
from tracker.extensions import db
from tracker.models import User

NEW_PASSWORD = "新的密码 long enough"
EVERYONE = ["alice", "bob", "carol", "dave", "erin", "frank"]


def _carol(app):
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.email == "carol@example.gov.cn"))


def _change_password(client, **fields):
    token = csrf_token(client, "/account/")
    form = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **fields}
    return client.post("/account/password", data={"csrf_token": token, **form}, follow_redirects=True)


@pytest.mark.parametrize("persona", EVERYONE)
def test_it_shows_everyone_their_own_account(client, personas, persona):
    user = getattr(personas, persona)
    login(client, user.email)
    page = client.get("/account/").get_data(as_text=True)
    assert "个人设置" in page and user.email in page and user.name in page
    assert "修改密码" in page and "界面语言" in page
    assert '<a href="/account/" class="nav-item active">个人设置</a>' in page


def test_it_sends_a_visitor_to_sign_in(client):
    response = client.get("/account/")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=%2Faccount%2F"
    assert "请先登录。" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_it_changes_the_password_so_that_only_the_new_one_signs_in(client, personas):
    login(client, "carol@example.gov.cn")
    page = _change_password(client).get_data(as_text=True)
    assert "密码已修改，其他设备上的登录已失效。" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    assert "邮箱或密码不正确" in login(client, "carol@example.gov.cn", follow=True).get_data(as_text=True)
    assert login(client, "carol@example.gov.cn", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"current_password": "wrong password"}, "当前密码不正确。"),
        ({"current_password": ""}, "请输入当前密码。"),
        ({"confirm": "something else"}, "两次输入的密码不一致。"),
        ({"new_password": "short", "confirm": "short"}, "密码长度应为 8 至 200 个字符。"),
        ({"new_password": PASSWORD, "confirm": PASSWORD}, "新密码不能与当前密码相同。"),
    ],
)
def test_it_refuses_a_password_change_that_breaks_a_rule_and_keeps_the_old_one(app, client, personas, fields, message):
    login(client, "carol@example.gov.cn")
    page = _change_password(client, **fields).get_data(as_text=True)
    assert message in page and "密码已修改" not in page
    assert _carol(app).check_password(PASSWORD)


def test_it_refuses_a_password_change_without_the_csrf_token(app, client, personas):
    login(client, "carol@example.gov.cn")
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = client.post("/account/password", data=data)
    assert response.status_code == 400 and "表单已过期或来源无效" in response.get_data(as_text=True)
    assert _carol(app).check_password(PASSWORD)


def test_it_stores_the_chosen_interface_language(app, client, personas):
    login(client, "carol@example.gov.cn")
    token = csrf_token(client, "/account/")
    page = client.post("/account/language", data={"csrf_token": token, "locale": "en"}, follow_redirects=True)
    assert "Interface language set to English." in page.get_data(as_text=True)
    assert _carol(app).locale == "en"
    assert re.search(r'<input checked [^>]*value="en"', client.get("/account/").get_data(as_text=True))


def test_it_refuses_an_unknown_language(app, client, personas):
    login(client, "carol@example.gov.cn")
    token = csrf_token(client, "/account/")
    page = client.post("/account/language", data={"csrf_token": token, "locale": "fr"}).get_data(as_text=True)
    assert "请从列表中选择界面语言。" in page
    assert _carol(app).locale == "zh"


def test_it_signs_out_other_sessions_when_the_password_changes(app, personas):
    from tests.conftest import csrf_token, login

    here, elsewhere = app.test_client(), app.test_client()
    login(here, "bob@example.gov.cn")
    login(elsewhere, "bob@example.gov.cn")
    response = here.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(here, "/account/"),
            "current_password": "correct horse 马",
            "new_password": "a much newer secret",
            "confirm": "a much newer secret",
        },
        follow_redirects=True,
    )
    assert "其他设备上的登录已失效" in response.get_data(as_text=True)
    assert here.get("/my").status_code == 200
    assert elsewhere.get("/my").status_code == 302  # back to the sign-in page


def test_it_lets_a_user_take_only_the_weekly_digest(app, client, personas):
    from tests.conftest import csrf_token, login
    from tracker.extensions import db
    from tracker.models import ReminderMode, User

    login(client, "bob@example.gov.cn")
    response = client.post(
        "/account/reminders",
        data={"csrf_token": csrf_token(client, "/account/"), "mode": "digest"},
        follow_redirects=True,
    )
    assert "邮件提醒方式已保存" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, personas.bob.id).reminder_mode == ReminderMode.DIGEST
