import sqlalchemy as sa

from tests.conftest import csrf_token, login
from tracker.extensions import db
from tracker.models import AuditEvent


def test_it_shows_a_chinese_sign_in_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and "邮箱" in page and "密码" in page
    assert 'name="csrf_token"' in page


def test_it_signs_alice_in_and_shows_her_the_dashboard(client, personas):
    response = login(client, "alice@example.gov.cn")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "<h1>督办看板" in page and "法制王" in page


def test_it_accepts_the_email_in_any_case(client, personas):
    assert login(client, "ALICE@Example.gov.cn").status_code == 302


def test_it_refuses_a_wrong_password_with_a_message_and_audits_it(app, client, personas):
    response = login(client, "alice@example.gov.cn", "wrong", follow=True)
    assert "邮箱或密码不正确" in response.get_data(as_text=True)
    assert "登录系统" in client.get("/").get_data(as_text=True)  # still a visitor
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions == ["login_failed"]


def test_it_refuses_a_deactivated_user(app, client, personas):
    with app.app_context():
        db.session.execute(sa.text("UPDATE users SET is_active = false WHERE email = 'bob@example.gov.cn'"))
        db.session.commit()
    response = login(client, "bob@example.gov.cn", follow=True)
    assert "邮箱或密码不正确" in response.get_data(as_text=True)


def test_it_refuses_a_sign_in_without_the_csrf_token(client, personas):
    response = client.post("/login", data={"email": "alice@example.gov.cn", "password": "x"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


def test_it_follows_next_only_within_the_site(client, personas):
    token = csrf_token(client, "/login")
    data = {"email": "alice@example.gov.cn", "password": "correct horse 马", "csrf_token": token}
    response = client.post("/login?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/"


def test_it_signs_out_on_post(client, personas):
    login(client, "alice@example.gov.cn")
    token = csrf_token(client, "/tasks")
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=True)
    assert "您已退出登录" in response.get_data(as_text=True)
    assert "登录系统" in client.get("/").get_data(as_text=True)


def test_signing_out_ends_the_session_on_the_server_so_a_copied_cookie_is_useless(app, client, personas):
    login(client, "alice@example.gov.cn")
    stolen = app.test_client()
    for cookie in client._cookies.values():  # a copy of every cookie the browser holds
        stolen.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert "<h1>督办看板" in stolen.get("/", follow_redirects=True).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/tasks")})
    assert "登录系统" in stolen.get("/").get_data(as_text=True)


def test_it_does_not_follow_a_next_with_a_line_break(client, personas):
    token = csrf_token(client, "/login")
    data = {"email": "alice@example.gov.cn", "password": "correct horse 马", "csrf_token": token}
    response = client.post("/login?next=/tasks%0d%0aSet-Cookie:%20x=1", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/"
