"""Onboarding in a real browser: the administrator downloads the 通讯录 template, fills it in,
uploads it, reads the preview, confirms, and the new department head signs in through the
one-time link the outbox holds for them. Screenshots go to the test's temporary folder (and to
TRACKER_SCREENSHOTS when set)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.conftest import PASSWORD, screenshots_folder
from tracker.extensions import db
from tracker.models import Notification, User

pytestmark = pytest.mark.browser

NEW_HEAD = ("网络安全保卫支队", "周网安", "部门负责人", "zhou.wangan@example.gov.cn", "13800000001")
NEW_STAFF = ("网络安全保卫支队", "吴小安", "工作人员", "wu.xiaoan@example.gov.cn", "")


def test_the_administrator_imports_the_sheet_and_the_new_head_signs_in_by_the_mailed_link(
    app, personas, page, browser, live_server, tmp_path, monkeypatch
):
    shots = screenshots_folder(tmp_path)
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # the uploaded sheet is kept there until confirmed
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/login")
    page.get_by_label("邮箱").fill("frank@example.gov.cn")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/admin/")
    page.get_by_role("link", name="从通讯录导入").click()

    with page.expect_download() as downloaded:
        page.get_by_role("link", name="下载通讯录模板").click()
    template = tmp_path / downloaded.value.suggested_filename
    downloaded.value.save_as(template)
    assert template.suffix == ".xlsx"
    book = load_workbook(template)
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert {"部门", "姓名", "邮箱"} <= set(headers)
    sheet.delete_rows(2, sheet.max_row)  # the example row
    for row in (NEW_HEAD, NEW_STAFF):
        values = dict(zip(("部门", "姓名", "职务/角色", "邮箱", "手机"), row, strict=True))
        sheet.append([values.get(header, "") for header in headers])
    filled = tmp_path / "通讯录.xlsx"
    book.save(filled)

    page.set_input_files("input[type=file]", str(filled))
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url(re.compile(r"/admin/people/import/"))
    preview = page.locator("main").inner_text()
    assert "新建人员（2 名）" in preview and "周网安" in preview and "网络安全保卫支队" in preview
    page.screenshot(path=str(shots / "onboarding-preview.png"), full_page=True)
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_url(re.compile(r"/admin/people/import/done"))
    assert "新建人员 2 名" in page.locator("main").inner_text()
    page.screenshot(path=str(shots / "onboarding-done.png"), full_page=True)

    with app.app_context():
        head = db.session.scalar(sa.select(User).where(User.email == NEW_HEAD[3]))
        mail = db.session.scalar(
            sa.select(Notification).where(Notification.recipient_id == head.id, Notification.kind == "password_setup")
        )
        link = re.search(r"https?://\S+/password/\S+", mail.body_text).group(0)

    newcomer = browser.new_context(base_url=live_server, locale="zh-CN")
    try:
        phone = newcomer.new_page()
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.goto(urlsplit(link).path)  # the mailed address, on this test's server
        phone.screenshot(path=str(shots / "onboarding-set-password-390.png"), full_page=True)
        phone.get_by_label("新密码", exact=True).fill("Wangan-2026-safe")
        phone.get_by_label("确认新密码").fill("Wangan-2026-safe")
        phone.get_by_role("button", name="设置密码并登录").click()
        phone.wait_for_load_state()
        assert "密码已设置，您已登录。" in phone.content()
        assert "周网安" in phone.content()
        # The link works once.
        phone.goto(urlsplit(link).path)
        assert "该链接已使用过" in phone.content()
    finally:
        newcomer.close()
