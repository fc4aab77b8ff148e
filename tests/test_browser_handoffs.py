"""Every hand-off in a real browser, three people each in their own browser: 王法制 (legal office),
陈政委 (head of 政治部) and 小刘 (staff of 政治部). After each step the person who acts next finds
it in their 通知 and their 我的待办. Screenshots go to the test's temporary folder."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.factories import make_department, make_task, make_user
from tracker.clock import local_today
from tracker.extensions import db
from tracker.models import Role, TaskState

pytestmark = pytest.mark.browser

TITLE = "加强培训，增强法治意识"


class Person:
    """One person in a browser of their own."""

    def __init__(self, browser, base_url: str, email: str, shots: Path, name: str) -> None:
        self.context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("dialog", lambda dialog: dialog.accept())  # "确认…？" before 销号: yes
        self.shots, self.name, self.count = shots, name, 0
        self.page.goto("/login")
        self.page.get_by_label("邮箱").fill(email)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state()

    def shot(self, step: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(self.shots / f"{self.name}-{self.count:02d}-{step}.png"), full_page=True)

    def notifications(self) -> str:
        self.page.goto("/mail/mine")
        return self.page.locator("main").inner_text()

    def queue(self) -> str:
        self.page.goto("/my")
        return self.page.locator("main").inner_text()

    def open_task(self, task_id: int) -> None:
        self.page.goto(f"/tasks/{task_id}")

    def submit(self, action: str, button: str, **fields: str) -> str:
        """Fill the form posting to ``action`` on the open task page, press ``button``; the flash."""
        form = self.page.locator(f"form[action$='{action}']")
        details = form.locator("xpath=ancestor::details")
        if details.count() and details.first.get_attribute("open") is None:
            details.first.locator("summary").click()
        for label, value in fields.items():
            if label == "佐证材料":  # two forms on the page have a file field; take this form's own
                form.locator("input[type=file]").set_input_files(value)
                continue
            field = form.get_by_label(label)
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)
        form.get_by_role("button", name=button).click()
        self.page.wait_for_load_state()
        return self.page.get_by_role("alert").first.inner_text()


@pytest.fixture
def office(app, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    with app.app_context():
        legal = make_department(name="法制支队")
        politics = make_department(name="政治部")
        make_user(Role.LEGAL, email="fazhi@example.gov.cn", name="王法制", department=legal)
        make_user(Role.HEAD, email="zhengzhi@example.gov.cn", name="陈政委", department=politics)
        make_user(Role.STAFF, email="liu@example.gov.cn", name="小刘", department=politics)
        task = make_task(title=TITLE, state=TaskState.NOT_STARTED, deadline=None)
        db.session.commit()
        task_id = task.id
        deadline = local_today() + timedelta(days=60)
    evidence = tmp_path / "培训签到表.pdf"
    evidence.write_bytes(b"%PDF-1.4 sign-in sheet")
    return {"task": task_id, "evidence": str(evidence), "shots": tmp_path, "deadline": deadline}


def test_every_hand_off_reaches_the_next_person(browser, live_server, office):
    task = office["task"]
    legal = Person(browser, live_server, "fazhi@example.gov.cn", office["shots"], "legal")
    head = Person(browser, live_server, "zhengzhi@example.gov.cn", office["shots"], "head")
    staff = Person(browser, live_server, "liu@example.gov.cn", office["shots"], "staff")
    deadline = office["deadline"]

    # The legal office's queue holds the task not yet assigned, with a badge in the navigation.
    assert "尚未交办" in legal.queue() and TITLE in legal.queue()
    assert re.search(r"我的待办\s*1", legal.page.locator("nav").inner_text())
    legal.shot("queue-unassigned")

    # 交办 → the head is told and finds it in 我的待办.
    legal.open_task(task)
    assert "已交办政治部" in legal.submit("/assign", "交办", 牵头单位="政治部", 完成时限=deadline.isoformat())
    assert "【交办】" in head.notifications()
    assert TITLE in head.queue()
    head.shot("queue-assigned")

    # 签收 → the legal office is told.
    head.open_task(task)
    assert "已签收" in head.submit("/acknowledge", "签收")
    assert "【签收】" in legal.notifications()

    # 指派 → the member of staff is told and finds the task in 我的待办.
    head.open_task(task)
    assert "已指派给小刘" in head.submit("/staff", "指派", 责任人="小刘")
    assert "【指派】" in staff.notifications()
    assert TITLE in staff.queue()
    staff.shot("notified")

    # 反馈 by the member of staff; 延期申请 by the head → the legal office is told and must decide.
    staff.open_task(task)
    assert "进展已填报" in staff.submit(
        "/progress", "提交进展", **{"完成进度（%）": "40", "进展情况": "已完成第一期培训。"}
    )
    head.open_task(task)
    later = (deadline + timedelta(days=30)).isoformat()
    assert "延期申请已提交" in head.submit("/extension", "提交延期申请", 申请延期至=later, 延期理由="培训场地改造")
    assert "【延期申请】" in legal.notifications()
    assert "待审批的延期申请" in legal.queue()
    legal.shot("queue-extension")

    # 延期 refused, with the reason → the head is told why.
    legal.open_task(task)
    legal.page.get_by_label("不同意").check()
    assert "已不同意延期" in legal.submit("/decide", "提交审批意见", 说明="场地可另行协调")
    assert "【延期未同意】" in head.notifications()
    head.page.get_by_role("link", name=re.compile("延期未同意")).first.click()
    assert "场地可另行协调" in head.page.locator("main").inner_text()

    # 办结申请 → the legal office is told and finds it to verify.
    head.open_task(task)
    assert "办结申请已提交" in head.submit(
        "/closure", "申请办结", 办结情况说明="两期培训均已完成。", 佐证材料=office["evidence"]
    )
    assert "【办结申请】" in legal.notifications()
    assert "待审核销号" in legal.queue()

    # 退办 → the head and the member of staff are told.
    legal.open_task(task)
    assert "已退办" in legal.submit("/send-back", "退办", 理由="缺少第二期签到表")
    assert "【退办】" in head.notifications() and "【退办】" in staff.notifications()
    assert TITLE in head.queue()

    # Applied again, then 销号 → both are told, and the task leaves their queues.
    head.open_task(task)
    head.submit("/closure", "申请办结", 办结情况说明="已补充第二期签到表。", 佐证材料=office["evidence"])
    legal.open_task(task)
    assert "销号" in legal.submit("/verify", "审核通过，销号")
    assert "【销号】" in head.notifications() and "【销号】" in staff.notifications()
    head.shot("notifications")
    assert TITLE not in head.queue() and TITLE not in staff.queue()
    assert "没有待法制部门处理的事项" in legal.queue()
    legal.shot("queue-empty")
    for person in (legal, head, staff):
        person.context.close()


def test_a_returned_task_leaves_the_heads_queue_for_the_legal_offices(browser, live_server, office):
    legal = Person(browser, live_server, "fazhi@example.gov.cn", office["shots"], "legal-return")
    head = Person(browser, live_server, "zhengzhi@example.gov.cn", office["shots"], "head-return")
    legal.open_task(office["task"])
    legal.submit("/assign", "交办", 牵头单位="政治部", 完成时限=office["deadline"].isoformat())
    head.open_task(office["task"])
    assert "已退回法制部门" in head.submit("/return", "退回", 理由="属于法制支队职责")
    assert "【退回】" in legal.notifications()
    assert "被退回、待重新交办" in legal.queue() and TITLE in legal.queue()
    assert TITLE not in head.queue()
    for person in (legal, head):
        person.context.close()
