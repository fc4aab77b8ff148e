"""A department head's phone: at 390×844 every page a head uses fits the screen, and the legal
office chases a department's overdue tasks in one go from the list. Screenshots go to the test's
temporary folder (and to TRACKER_SCREENSHOTS when set)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, screenshots_folder
from tests.factories import assign_task, make_task
from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.models import Task
from tracker.services import workflow

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LONG_TITLE = "推进严格规范公正文明执法，全面落实行政执法公示制度、执法全过程记录制度、重大执法决定法制审核制度"

# What may not be wider than the phone: the page, and every table, card, form and section in it.
WIDEST = """() => {
  const parts = [document.documentElement, document.body,
    ...document.querySelectorAll('main table, main .card, main form, main section, main .figure, main nav, header')];
  return parts.map(el => ({what: el.tagName + '.' + (el.className || '') + '#' + (el.id || ''),
    width: Math.max(el.scrollWidth, Math.ceil(el.getBoundingClientRect().right))}))
    .filter(part => part.width > 390);
}"""


@pytest.fixture
def busy_department(app, personas):
    """交警支队 with the kinds of task a head meets: acknowledged with progress, milestones,
    催办 records and a long title; one waiting to be acknowledged; some overdue."""
    with app.app_context():
        today, now = local_today(), utcnow()
        alice = db.session.get(type(personas.alice), personas.alice.id)
        bob = db.session.get(type(personas.bob), personas.bob.id)
        dept = db.session.get(type(personas.bob_dept), personas.bob_dept.id)
        main_task = make_task(title=LONG_TITLE, description="按照年度报告要求，逐项落实。" * 8)
        assign_task(main_task, alice, dept, co_departments=(personas.dave_dept,), deadline=today + timedelta(days=40))
        workflow.acknowledge(main_task, bob, now)
        workflow.record_progress(
            main_task, bob, percent=40, text="已完成制度梳理，正在起草实施细则。" * 5, files=[], now=now
        )
        workflow.add_milestone(
            main_task, alice, title="完成实施细则起草", deadline=today + timedelta(days=20), assignee=None, now=now
        )
        workflow.urge(main_task, alice, "请于本周内报送实施细则草案。", today, now)
        workflow.log_offline_urge(
            main_task, alice, method="phone", note="电话联系交警支队综合科，答复本周报送。", happened_at=now, now=now
        )
        overdue = []
        for n in range(3):
            task = make_task(title=f"逾期整改事项{n + 1}")
            assign_task(task, alice, dept, deadline=today - timedelta(days=10 + n))
            workflow.acknowledge(task, bob, now)
            overdue.append(task.id)
        waiting = make_task(title="新交办待签收的整改任务")
        assign_task(waiting, alice, dept, deadline=today + timedelta(days=60))
        other = make_task(title="治安支队的逾期任务")
        assign_task(other, alice, personas.dave_dept, deadline=today - timedelta(days=5))
        db.session.commit()
        return {"main": main_task.id, "overdue": overdue, "dept": dept.id, "other": other.id}


def phone_page(browser, live_server: str, email: str):
    context = browser.new_context(
        base_url=live_server, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return context, page


def test_every_page_a_head_uses_fits_a_phone(browser, live_server, personas, busy_department, tmp_path):
    shots = screenshots_folder(tmp_path)
    context, page = phone_page(browser, live_server, personas.bob.email)
    pages = {
        "my-work": ("/my", "text=待签收"),
        "task-list": ("/tasks", "text=逾期整改事项1"),
        "dashboard": ("/dashboard", "h1"),
        "task": (f"/tasks/{busy_department['main']}", "button:has-text('提交进展')"),
        "notifications": ("/mail/mine", "h1"),
        "account": ("/account/", "button:has-text('修改密码')"),
    }
    for name, (path, main_action) in pages.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(shots / f"phone-{name}.png"), full_page=True)
        assert page.evaluate(WIDEST) == [], f"{path} is wider than the phone"
        action = page.locator(main_action).first
        action.scroll_into_view_if_needed()
        box = action.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{path}: {main_action}"
    # The ranking's header is hidden on a phone; its sort links are not.
    page.goto("/dashboard")
    page.locator(".sort-links").get_by_role("link", name="已逾期").tap()
    page.wait_for_url(re.compile(r"sort=overdue"))
    assert page.locator(".sort-links").get_by_role("link", name=re.compile("已逾期 [▲▼]")).is_visible()
    page.screenshot(path=str(shots / "phone-dashboard-sorted.png"), full_page=True)
    # The navigation folds behind one button, and opens on a tap.
    page.goto("/my")
    assert not page.get_by_role("link", name="督办看板").is_visible()
    page.locator(".menu-button").tap()
    assert page.get_by_role("link", name="督办看板").is_visible()
    nav_box = page.locator(".main-nav").bounding_box()
    assert nav_box is not None and nav_box["x"] + nav_box["width"] <= PHONE["width"]
    page.screenshot(path=str(shots / "phone-menu-open.png"))
    # Every tap target on the task page is at least 44 px high.
    page.goto(f"/tasks/{busy_department['main']}")
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main .button, header .menu-button')]
            .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
            .map(el => el.textContent.trim())"""
    )
    assert small == []
    upload = page.locator("input[type=file]").first
    assert "jpg" in (upload.get_attribute("accept") or "")
    context.close()


def test_the_legal_office_chases_a_departments_overdue_tasks_at_once(
    app, browser, live_server, personas, busy_department, tmp_path
):
    shots = screenshots_folder(tmp_path)
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login")
    page.get_by_label("邮箱").fill(personas.alice.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # From the dashboard: the department's overdue figure opens the list of exactly those tasks.
    page.goto("/dashboard")
    page.locator(f"a[href*='department={busy_department['dept']}'][href*='light=red']").first.click()
    page.wait_for_load_state()
    rows = page.locator("table.tasks tbody tr")
    assert rows.count() == 3 and "治安支队的逾期任务" not in page.locator("main").inner_text()
    selected_button = page.get_by_role("button", name="催办所选任务")
    assert selected_button.is_disabled()
    page.locator("input[data-select-all]").check()
    assert selected_button.is_enabled()
    page.get_by_label("批量催办", exact=False).fill("请本周内报送整改进展。")
    page.screenshot(path=str(shots / "bulk-urge-selected.png"), full_page=True)
    selected_button.click()
    page.wait_for_load_state()
    flash = page.locator(".flash").all_inner_texts()
    assert any("已催办 3 项任务" in text for text in flash), flash
    assert "/tasks?" in page.url and f"department={busy_department['dept']}" in page.url
    page.screenshot(path=str(shots / "bulk-urge-done.png"), full_page=True)
    for n, task_id in enumerate(busy_department["overdue"], start=1):
        page.goto(f"/tasks/{task_id}")
        record = page.locator("section.card", has_text="催办记录").last.inner_text()
        assert f"【催办】逾期整改事项{n}" in record, record
    # The same day again: nothing is sent twice, and the page says so.
    page.go_back()
    page.goto(f"/tasks?department={busy_department['dept']}&light=red")
    page.get_by_role("button", name="催办全部筛选结果").click()
    page.wait_for_load_state()
    flash = page.locator(".flash").all_inner_texts()
    assert any("3 项今天已催办过，未重复发送" in text for text in flash), flash
    assert not any("已催办 3 项任务" in text for text in flash)
    page.screenshot(path=str(shots / "bulk-urge-again.png"), full_page=True)

    # One task's 催办 with nothing typed asks first; declined, nothing is sent.
    page.goto(f"/tasks/{busy_department['other']}")
    page.locator("summary", has_text=re.compile("^催办$")).click()
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="发送催办").click()
    assert asked and "未填写催办内容" in asked[0]
    assert page.locator(".flash").count() == 0
    page.locator("summary", has_text=re.compile("^交办$")).click()
    assert page.get_by_role("checkbox", name="交警支队").count() == 1  # co-departments are boxes to tick
    # The 责任人 list follows the departments chosen: the lead department's people, then a
    # ticked co-department's too.
    assign_form = page.locator("form.action-form", has=page.get_by_role("button", name="交办", exact=True))
    people = assign_form.locator("select[name$=assignee]")

    def offered() -> list[str]:
        return people.evaluate("s => Array.from(s.options).filter(o => !o.hidden && o.value).map(o => o.text)")

    assert offered() == ["治安赵（治安支队）"]
    assign_form.locator("select[name$=lead_department]").select_option(label="交警支队")
    assert offered() == ["交警张（交警支队）", "交警李（交警支队）"]
    assign_form.get_by_role("checkbox", name="治安支队").check()
    assert sorted(offered()) == sorted(["交警张（交警支队）", "交警李（交警支队）", "治安赵（治安支队）"])
    page.screenshot(path=str(shots / "desktop-task-office.png"), full_page=True)
    page.get_by_label("催办内容").fill("请今天回复")
    page.get_by_role("button", name="发送催办").click()
    page.wait_for_load_state()
    assert "已催办" in page.locator(".flash").first.inner_text()
    # A second one the same day is refused: the error shows, the text stays, and the address is
    # the task's own, so that reloading reads the page instead of sending the form again.
    page.locator("summary", has_text=re.compile("^催办$")).click()
    page.get_by_label("催办内容").fill("再催一次")
    page.get_by_role("button", name="发送催办").click()
    page.wait_for_load_state()
    assert "今天已催办过" in page.locator(".flash-error").first.inner_text()
    assert page.get_by_label("催办内容").input_value() == "再催一次"
    assert page.url.endswith(f"/tasks/{busy_department['other']}")
    page.reload()
    assert page.locator(".flash").count() == 0

    # An edit saved over someone else's: the panel shows the task as it is now beside the unsaved text.
    edit_panel = page.locator("details", has=page.locator("summary", has_text="修改任务内容"))
    edit_panel.locator("summary").click()
    edit_panel.get_by_label("任务名称").fill("我改的标题")
    with app.app_context():
        db.session.execute(
            sa.update(Task)
            .where(Task.id == busy_department["other"])
            .values(title="他人改的标题", version=Task.version + 1)
        )
        db.session.commit()
    edit_panel.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    beside = page.locator(".conflict-beside")
    assert "他人改的标题" in beside.locator(".conflict").inner_text()
    assert beside.get_by_label("任务名称").input_value() == "我改的标题"
    beside.screenshot(path=str(shots / "stale-edit-desktop.png"))
    page.set_viewport_size(PHONE)
    assert page.evaluate(WIDEST) == []
    beside.screenshot(path=str(shots / "stale-edit-phone.png"))
    context.close()
