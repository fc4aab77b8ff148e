"""The whole 督办 path in a real browser: the legal office imports the seed report, reviews and
confirms it, assigns a measure; the head of 政治部 acknowledges it, asks for an extension that is
granted, reports progress with a file and applies for closure; the legal office sends it back
once, then verifies and closes it (销号). Screenshots go to the test's temporary folder."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.factories import make_department, make_user
from tracker.clock import local_today
from tracker.demo import seed_report_bytes
from tracker.extensions import db
from tracker.models import Role

pytestmark = pytest.mark.browser

MEASURE = "加强培训，增强法治意识"


@pytest.fixture
def office(app, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    with app.app_context():
        legal = make_department(name="法制支队")
        politics = make_department(name="政治部")
        make_department(name="交警支队")
        make_user(Role.LEGAL, email="fazhi@example.gov.cn", name="王法制", department=legal)
        make_user(Role.HEAD, email="zhengzhi@example.gov.cn", name="陈政委", department=politics)
        db.session.commit()
    seed = tmp_path / "市公安局2020年法治政府建设年度报告.txt"
    seed.write_bytes(seed_report_bytes())
    evidence = tmp_path / "培训签到表.pdf"
    evidence.write_bytes(b"%PDF-1.4 sign-in sheet")
    return {"seed": seed, "evidence": evidence, "shots": tmp_path}


class Story:
    def __init__(self, page, shots: Path) -> None:
        self.page = page
        self.shots = shots
        self.count = 0

    def shot(self, name: str, part: Any = None) -> None:
        """A screenshot of the whole page, or of ``part`` (a locator) alone."""
        self.count += 1
        path = str(self.shots / f"{self.count:02d}-{name}.png")
        if part is not None:
            part.screenshot(path=path)
        else:
            self.page.screenshot(path=path, full_page=True)

    def sign_in(self, email: str) -> None:
        self.page.goto("/login")
        self.page.get_by_label("邮箱").fill(email)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="退出").click()
        self.page.wait_for_load_state()

    def open_task(self, listing: str) -> None:
        """From "/my" (a head's work) or "/tasks" (the legal office's list), open the measure."""
        self.page.goto(listing)
        self.page.get_by_role("link", name=re.compile(MEASURE)).first.click()
        self.page.wait_for_load_state()

    def form(self, action: str):
        return self.page.locator(f"form[action$='{action}']")

    def alert(self) -> str:
        return self.page.get_by_role("alert").first.inner_text()


def test_it_walks_a_measure_from_import_to_closure(app, office, page):
    story = Story(page, office["shots"])
    with app.app_context():
        deadline = local_today() + timedelta(days=60)

    # The legal office imports, reviews and confirms the report.
    story.sign_in("fazhi@example.gov.cn")
    page.get_by_role("link", name="年度报告").click()
    page.locator("input[type=file]").set_input_files(str(office["seed"]))
    page.get_by_role("button", name="上传并识别").click()
    page.wait_for_url(re.compile(r"/reports/\d+/review"))
    assert page.get_by_text(MEASURE).first.is_visible()
    story.shot("review")
    # An item is split by a click after the sentence to split at.
    long_measure = page.locator("#kind-measure article", has=page.locator("button.split-here")).first
    long_measure.locator("summary", has_text="拆分为两条").click()
    split_here = long_measure.get_by_role("button", name=re.compile("之后拆分$")).first
    assert split_here.is_visible() and split_here.inner_text() == "在此拆分"
    story.shot("review-split", long_measure)
    page.get_by_role("button", name="确认条目，生成督办任务").click()
    page.wait_for_url(re.compile(r"/reports/\d+/assign"))
    story.shot("bulk-assign")

    # One date fills the rows given a lead department and no date yet; a date past next year's
    # filing asks first (once, however many rows have it), and declined, nothing is sent.
    far = deadline.replace(year=deadline.year + 3)
    row = page.locator("tr", has_text=MEASURE)
    row.get_by_label("牵头单位").select_option(label="政治部")
    fill = page.locator("[data-fill-all]")
    fill.locator("input").fill(far.isoformat())
    fill.get_by_role("button", name="填入已选牵头单位、尚无时限的行").click()
    deadlines = page.locator("input[name$='-deadline']")
    filled = [value for value in deadlines.evaluate_all("inputs => inputs.map(i => i.value)") if value]
    assert filled == [far.isoformat()] and row.get_by_label("完成时限").input_value() == far.isoformat()
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="交办").click()
    assert asked and far.isoformat() in asked[0] and "晚于明年年度报告的报送日期" in asked[0], asked
    assert page.url.endswith("/assign")

    # Co-departments are ticked in a list folded into the row.
    picker = page.locator("tr", has_text=MEASURE).locator("details.picker")
    picker.locator("summary").click()
    assert picker.get_by_role("checkbox", name="交警支队").is_visible()
    story.shot("bulk-assign-picker", page.locator("tr", has_text=MEASURE))
    picker.locator("summary").click()

    # It assigns the measure to 政治部.
    row.get_by_label("完成时限").fill(deadline.isoformat())
    page.get_by_role("button", name="交办").click()
    page.wait_for_load_state()
    story.shot("assigned")
    story.sign_out()

    # The head acknowledges and asks for more time.
    story.sign_in("zhengzhi@example.gov.cn")
    story.open_task("/my")
    story.form("/acknowledge").get_by_role("button", name="签收").click()
    assert story.alert() == "已签收。"
    extension = story.form("/extension")
    extension.get_by_label("申请延期至").fill((deadline + timedelta(days=30)).isoformat())
    extension.get_by_label("延期理由").fill("培训场地需重新安排")
    extension.get_by_role("button", name="提交延期申请").click()
    assert "延期申请已提交" in story.alert()
    story.shot("extension-requested")
    story.sign_out()

    # The legal office grants it.
    story.sign_in("fazhi@example.gov.cn")
    story.open_task("/tasks")
    decide = page.locator("form[action*='/extensions/']")
    decide.get_by_label("同意延期").check()
    decide.get_by_role("button", name="提交审批意见").click()
    assert story.alert() == "已同意延期。"
    assert "已延期 1 次" in page.locator(".facts").inner_text()
    story.sign_out()

    # The head reports progress with a file and applies for closure.
    story.sign_in("zhengzhi@example.gov.cn")
    story.open_task("/my")
    progress = story.form("/progress")
    progress.get_by_label("完成进度（%）").fill("60")
    progress.get_by_label("进展情况").fill("完成第一期执法培训，参训民警 120 人")
    progress.locator("input[type=file]").set_input_files(str(office["evidence"]))
    progress.get_by_role("button", name="提交进展").click()
    assert story.alert() == "进展已填报。"
    assert page.get_by_role("link", name=re.compile("培训签到表.pdf")).first.is_visible()
    story.shot("progress")
    closure = story.form("/closure")
    closure.get_by_label("办结情况说明").fill("两期培训均已完成")
    closure.locator("input[type=file]").set_input_files(str(office["evidence"]))
    closure.get_by_role("button", name="申请办结").click()
    assert "办结申请已提交" in story.alert()
    story.sign_out()

    # The legal office sends it back once.
    story.sign_in("fazhi@example.gov.cn")
    story.open_task("/tasks")
    send_back = story.form("/send-back")
    send_back.get_by_label("理由").fill("缺少第二期培训的签到表")
    send_back.get_by_role("button", name="退办").click()
    assert "已退办" in story.alert()
    story.shot("sent-back")
    story.sign_out()

    # The head applies again; the legal office verifies and closes it.
    story.sign_in("zhengzhi@example.gov.cn")
    story.open_task("/my")
    closure = story.form("/closure")
    closure.get_by_label("办结情况说明").fill("已补充第二期签到表")
    closure.locator("input[type=file]").set_input_files(str(office["evidence"]))
    closure.get_by_role("button", name="申请办结").click()
    story.sign_out()
    story.sign_in("fazhi@example.gov.cn")
    story.open_task("/tasks")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    story.form("/verify").get_by_label("审核意见（选填）").fill("佐证材料齐全")
    story.form("/verify").get_by_role("button", name="审核通过，销号").click()
    assert story.alert() == "已审核通过，任务销号。"
    assert asked == ["确认审核通过并销号？销号后任务即办结。"]
    assert "已办结" in page.locator(".badges").inner_text()
    timeline = page.locator(".timeline").inner_text()
    for step in ("交办", "签收", "申请延期", "同意延期", "反馈进展", "申请办结", "退办", "审核通过，销号"):
        assert step in timeline, step
    story.shot("closed")
    assert len(list(office["shots"].glob("*.png"))) == story.count
