"""A person opens the demo in a real browser, signs in, and sees the tasks."""

import re

import pytest

from tracker.clock import local_today, utcnow
from tracker.demo import DEMO_PASSWORD, load_demo
from tracker.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo(today=local_today(), now=utcnow())
        db.session.commit()


def test_it_lets_the_legal_office_sign_in_see_the_dashboard_and_every_task(demo, page, tmp_path):
    page.goto("/")
    assert page.title() == "整改督办台账"
    page.get_by_role("link", name="登录系统").click()
    page.get_by_label("邮箱").fill("fazhi@demo.gov.cn")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/dashboard$"))
    assert page.get_by_role("heading", name="督办看板").is_visible()
    assert page.locator(".figure .number").first.inner_text() == "13"
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    page.get_by_role("link", name="督办任务", exact=True).click()
    page.wait_for_url(re.compile(r"/tasks$"))
    rows = page.locator("table.tasks tbody tr")
    assert rows.count() == 13
    assert page.locator("table.tasks").get_by_text("深化改革，力保落实到位").is_visible()
    assert page.locator("tr.light-red").count() >= 1
    assert "王法制" in page.locator("header").inner_text()
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)


def test_it_tells_a_wrong_password_in_chinese(demo, page):
    page.goto("/login")
    page.get_by_label("邮箱").fill("fazhi@demo.gov.cn")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text() == "邮箱或密码不正确。"
