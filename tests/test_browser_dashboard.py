"""The legal office's monitoring in a real browser: the dashboard after sign-in, the list filtered
through its form (the filter lands in the URL), and the Excel 台账 of what the list shows,
downloaded and opened back with openpyxl. Screenshots go to the test's temporary folder."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from tests.conftest import PASSWORD
from tests.factories import make_department, make_task, make_user
from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.models import ProgressUpdate, Role, TaskState

pytestmark = pytest.mark.browser


@pytest.fixture
def monitored(app):
    with app.app_context():
        today = local_today()
        legal = make_department(name="法制支队")
        traffic = make_department(name="交警支队")
        order = make_department(name="治安支队")
        make_user(Role.LEGAL, email="fazhi@example.gov.cn", name="王法制", department=legal)
        overdue = make_task(
            title="规范交通执法程序", lead_department_id=traffic.id, deadline=today - timedelta(days=10)
        )
        make_task(title="整理交通执法档案", lead_department_id=traffic.id, deadline=today + timedelta(days=90))
        make_task(title="开展治安执法培训", lead_department_id=order.id, deadline=today - timedelta(days=3))
        make_task(
            title="清理交通规范性文件",
            lead_department_id=traffic.id,
            deadline=today - timedelta(days=30),
            state=TaskState.DONE,
        )
        db.session.add(
            ProgressUpdate(task_id=overdue.id, percent_done=40, text="已完成执法案卷评查", created_at=utcnow())
        )
        db.session.commit()
        return {"traffic": traffic.id}


def test_the_legal_office_filters_the_list_and_downloads_the_excel_ledger(app, monitored, page, tmp_path):
    page.goto("/login")
    page.get_by_label("邮箱").fill("fazhi@example.gov.cn")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/dashboard$"))
    assert page.get_by_role("heading", name="督办看板").is_visible()
    assert page.locator(".figure-red .number").inner_text() == "2"
    page.screenshot(path=str(tmp_path / "01-dashboard.png"), full_page=True)

    # The overdue figure opens the list of red tasks.
    page.locator(".figure-red").click()
    page.wait_for_load_state()
    assert "共 2 项" in page.locator(".list-summary").inner_text()

    # Narrow it down with the form: 交警支队, searching the progress text.
    page.goto("/tasks")
    page.get_by_label("牵头单位").select_option(label="交警支队")
    page.get_by_label("关键词").fill("案卷")
    page.get_by_role("button", name="筛选", exact=True).click()
    page.wait_for_load_state()
    query = parse_qs(urlsplit(page.url).query)
    assert query["department"] == [str(monitored["traffic"])] and query["q"] == ["案卷"]
    rows = page.locator("table.tasks tbody tr")
    assert rows.count() == 1 and "规范交通执法程序" in rows.first.inner_text()
    page.screenshot(path=str(tmp_path / "02-filtered.png"), full_page=True)

    # The bookmarked address shows the same list after a reload.
    page.reload()
    assert page.locator("table.tasks tbody tr").count() == 1

    # Widen to every 交警支队 task and download the 台账.
    page.get_by_label("关键词").fill("")
    page.get_by_role("button", name="筛选", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("table.tasks tbody tr").count() == 3
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel 台账").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    sheet = openpyxl.load_workbook(saved).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header_at = next(i for i, row in enumerate(cells) if row and row[0] == "序号")
    assert cells[header_at][:3] == ["序号", "存在问题", "整改措施"]
    body = [row for row in cells[header_at + 1 :] if row[0] is not None]
    measures = {row[2] for row in body}
    assert measures == {"规范交通执法程序", "整理交通执法档案", "清理交通规范性文件"}
