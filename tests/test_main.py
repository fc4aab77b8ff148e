from config import TestConfig
from tracker import create_app
from tracker.extensions import db


def test_it_greets_visitors_in_chinese(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "整改督办台账" in page and "登录系统" in page


def test_it_reports_healthy_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_it_reports_unhealthy_when_the_database_does_not_answer(tmp_path):
    missing = tmp_path / "no-such-dir" / "x.db"
    app = create_app(TestConfig, {"DATABASE_URL": f"sqlite:///{missing}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_it_answers_an_unknown_page_in_chinese(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_it_answers_json_clients_in_json(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["message"] == "页面不存在，或您无权查看。"


def test_it_reports_a_hung_database_as_unhealthy_within_five_seconds():
    """A PostgreSQL server that accepts connections and never answers (a listening socket)."""
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    try:
        app = create_app(TestConfig, {"DATABASE_URL": f"postgresql+psycopg://nobody@127.0.0.1:{port}/hung"})
        started = time.monotonic()
        response = app.test_client().get("/healthz")
        assert response.status_code == 503 and time.monotonic() - started < 5
        # An ordinary page fails fast too (the connect timeout), with an error page instead of hanging.
        started = time.monotonic()
        assert app.test_client().get("/feed/0123456789abcdef.ics").status_code >= 400
        assert time.monotonic() - started < 10
    finally:
        listener.close()


def test_the_welcome_page_says_how_the_demo_dates_its_report(app, client):
    from tracker.clock import local_today, utcnow
    from tracker.demo import load_demo

    with app.app_context():
        load_demo(today=local_today(), now=utcnow())
        db.session.commit()
        year = local_today().year
    page = client.get("/").get_data(as_text=True)
    assert f"原为2020年度，演示中视作上一年度（{year - 1}年度）的报告" in page and f"生成的是{year}年度报告草稿" in page
