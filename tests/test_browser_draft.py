"""The legal office drafts next year's report in a real browser: it generates the draft from the
demo data, edits a section, sees the new version and its comparison with the first, and downloads
the Word file, opened back with python-docx. Screenshots go to the test's temporary folder."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from tracker.clock import local_today, utcnow
from tracker.demo import DEMO_PASSWORD, load_demo
from tracker.extensions import db
from tracker.models import SourceReport

pytestmark = pytest.mark.browser

EDITED = "全年组织执法培训六期，参训民警一千二百人次，执法规范化水平明显提升。"


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo(today=local_today(), now=utcnow())
        db.session.commit()
        return db.session.query(SourceReport).one().id


def test_the_legal_office_generates_edits_and_downloads_the_draft(demo, page, tmp_path):
    page.goto("/login")
    page.get_by_label("邮箱").fill("fazhi@demo.gov.cn")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/dashboard$"))

    page.goto("/reports/")
    page.get_by_role("link", name="年度报告草稿").first.click()
    page.wait_for_url(re.compile(rf"/reports/{demo}/draft"))
    page.get_by_role("button", name="生成草稿").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").first.inner_text() == "草稿已生成。"
    draft = page.locator("article.draft")
    # The demo's report plays last year's: the draft is this year's, as of today.
    assert f"市公安局{datetime.now(ZoneInfo('Asia/Shanghai')).year}年法治政府建设年度报告（草稿）" in draft.inner_text()
    headings = draft.locator("h4").all_inner_texts()
    assert headings[0].startswith("（一）") and any(h.startswith("（十）") for h in headings)
    page.screenshot(path=str(tmp_path / "01-generated.png"), full_page=True)

    # Edit the second measure's section.
    section = draft.locator("section.draft-section.level-2").nth(1)
    section.locator("summary").click()
    section.locator("textarea").fill(EDITED)
    section.get_by_role("button", name="保存本节").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").first.inner_text() == "已保存（新版本）。"
    edited = page.locator("article.draft section.draft-section.level-2").nth(1)
    assert EDITED in edited.inner_text() and "已手工修改" in edited.inner_text()
    assert "当前为第 2 版" in page.locator(".draft-toolbar").inner_text()
    page.screenshot(path=str(tmp_path / "02-edited.png"), full_page=True)

    # The comparison with the first version shows the new sentence as inserted.
    page.get_by_role("link", name="与上一版对比").first.click()
    page.wait_for_load_state()
    assert "一千二百人次，执法规范化水平明显提升。" in page.locator("ins.diff-ins").all_inner_texts()
    assert page.locator(".diff-section del.diff-del").count() > 0  # the generated text it replaced
    page.screenshot(path=str(tmp_path / "03-diff.png"), full_page=True)
    page.go_back()

    # Download the Word file and open it back.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Word").click()
    saved = tmp_path / "draft.docx"
    download_info.value.save_as(saved)
    text = "\n".join(p.text for p in Document(str(saved)).paragraphs)
    assert f"市公安局{datetime.now(ZoneInfo('Asia/Shanghai')).year}年法治政府建设年度报告（草稿）" in text
    assert EDITED in text
