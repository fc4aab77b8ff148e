"""The pages under their Content Security Policy in a real browser: the legal office's dashboard
(server-drawn SVG charts, progress bars), a task page, a mail with its HTML part in a sandboxed
frame, and the print page, with no violation reported. Screenshots go to the test's temporary
folder; look at them after a change of style."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tracker.clock import local_today, utcnow
from tracker.demo import DEMO_PASSWORD, load_demo
from tracker.extensions import db
from tracker.models import Notification, Task, User
from tracker.services.mail import messages, outbox
from tracker.services.mail.catalogue import MailKind

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo(today=local_today(), now=utcnow())
        task = db.session.scalars(sa.select(Task).order_by(Task.id)).first()
        head = db.session.scalar(sa.select(User).where(User.email == "fazhi.head@demo.gov.cn"))
        outbox.queue(messages.compose(MailKind.URGE, [head], "csp", task=task, text="请加快办理。"), utcnow())
        db.session.commit()
        mail_id = db.session.scalar(sa.select(Notification.id).where(Notification.kind == "urge"))
        return {"task": task.id, "mail": mail_id}


def test_it_shows_the_office_pages_without_a_csp_violation(demo, page, tmp_path):
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto("/login")
    page.get_by_label("邮箱").fill("fazhi@demo.gov.cn")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/dashboard$"))

    # The stylesheet applies: the charts are framed and the progress bars filled, from classes alone.
    chart = page.locator("svg.chart").first
    assert chart.evaluate("svg => getComputedStyle(svg).borderTopStyle") == "solid"
    bar = page.locator("progress.progress").first
    assert bar.evaluate("bar => getComputedStyle(bar).width") == page.evaluate(
        "parseFloat(getComputedStyle(document.documentElement).fontSize) * 6 + 'px'"
    )
    page.screenshot(path=str(tmp_path / "01-dashboard.png"), full_page=True)

    page.goto(f"/tasks/{demo['task']}")
    assert page.locator("h1").first.is_visible()
    page.screenshot(path=str(tmp_path / "02-task.png"), full_page=True)

    page.goto(f"/mail/{demo['mail']}")
    frame = page.frame_locator("iframe.mail-html")
    assert "请勿直接回复" in frame.locator("body").inner_text()
    assert frame.locator("body").evaluate("body => getComputedStyle(body).fontFamily") == "sans-serif"
    page.locator("iframe.mail-html").screenshot(path=str(tmp_path / "03-mail-html.png"))

    # The 打印 button works from static/print.js, without an inline onclick.
    page.goto("/tasks/print")
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    assert page.get_by_role("button", name="打印").is_hidden()
    page.screenshot(path=str(tmp_path / "04-print.png"), full_page=True)

    violations = [text for text in console if "Content Security Policy" in text]
    assert violations == []
