"""The draft pages over HTTP, on the demo data: who may use them, generate, a stale save refused
with nothing lost, new progress merged with one click, restore, compare, the exports, and the
warning as the filing date nears."""

from __future__ import annotations

import io
import re
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from docx import Document

from tests.conftest import csrf_token, login
from tests.factories import FROZEN_NOW
from tracker.demo import DEMO_PASSWORD, load_demo
from tracker.extensions import db
from tracker.models import Draft, DraftVersion, ProgressUpdate, ReportItem, SourceReport, Task
from tracker.services.drafts.export import markdown_headings

TODAY = date(2026, 6, 1)
LEGAL = "fazhi@demo.gov.cn"
MEASURE_TWO = "section-measure-{item}"


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo(today=TODAY, now=FROZEN_NOW)
        db.session.commit()
        report = db.session.scalars(sa.select(SourceReport)).one()
        second = db.session.scalars(
            sa.select(ReportItem)
            .where(ReportItem.report_id == report.id, ReportItem.kind == "measure")
            .order_by(ReportItem.position)
        ).all()[1]
        task = db.session.scalars(sa.select(Task).where(Task.report_item_id == second.id)).first()
        return {"report": report.id, "item": second.id, "task": task.id}


def sign_in(client, email: str = LEGAL) -> None:
    login(client, email, DEMO_PASSWORD)


def page_url(demo, suffix: str = "") -> str:
    return f"/reports/{demo['report']}/draft{suffix}"


def generate(client, demo, structure: str = "source"):
    return client.post(
        page_url(demo, "/generate"), data={"structure": structure, "csrf_token": csrf_token(client, page_url(demo))}
    )


def save(client, demo, text: str, based_on: int, key: str | None = None):
    return client.post(
        page_url(demo, "/section"),
        data={
            "structure": "source",
            "key": key or f"measure:{demo['item']}",
            "based_on": str(based_on),
            "text": text,
            "csrf_token": csrf_token(client, page_url(demo)),
        },
    )


def versions(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(DraftVersion)) or 0


def test_only_the_legal_office_may_use_the_draft_pages(client, demo):
    sign_in(client, "zhengzhi.head@demo.gov.cn")  # a department head
    assert client.get(page_url(demo)).status_code == 403
    response = client.post(page_url(demo, "/generate"), data={"structure": "source"})
    assert response.status_code in (400, 403)  # no CSRF token to be had on a page one may not see
    assert client.get(page_url(demo, ".docx")).status_code == 403


def test_a_leader_reads_and_exports_the_draft_but_does_not_write_it(app, client, demo):
    sign_in(client)
    generate(client, demo)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    sign_in(client, "leader@demo.gov.cn")
    page = client.get(page_url(demo)).get_data(as_text=True)
    assert "法治政府建设" in page and "导出 Word" in page
    assert "编辑本节" not in page and "按最新进展重新生成" not in page and "恢复此版" not in page
    assert client.get(page_url(demo, ".docx")).status_code == 200
    token = csrf_token(client, "/account/")
    before = versions(app)
    refused = client.post(page_url(demo, "/generate"), data={"csrf_token": token, "structure": "source"})
    assert refused.status_code == 403 and versions(app) == before
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert f'href="/reports/{demo["report"]}/draft"' in dashboard


def test_it_generates_once_and_regenerating_without_news_writes_nothing(app, client, demo):
    sign_in(client)
    assert "生成草稿" in client.get(page_url(demo)).get_data(as_text=True)
    response = generate(client, demo)
    assert response.status_code == 302
    page = client.get(page_url(demo)).get_data(as_text=True)
    assert "草稿已生成。" in page and "当前为第 1 版" in page
    assert page.count('class="draft-section level-2') >= 10
    generate(client, demo)
    assert "没有新的进展，草稿未变。" in client.get(page_url(demo)).get_data(as_text=True)
    assert versions(app) == 1


def test_a_stale_save_is_refused_and_the_typed_text_stays(app, client, demo):
    sign_in(client)
    generate(client, demo)
    assert save(client, demo, "第一次修改的文字。", based_on=1).status_code == 302
    response = save(client, demo, "基于旧版本的修改。", based_on=1)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "其他人刚刚保存了新版本" in page
    assert "基于旧版本的修改。" in page  # in the textarea, as typed
    assert "最新版本中的本节内容" in page and "第一次修改的文字。" in page
    assert versions(app) == 2


def test_new_progress_beside_a_hand_edit_is_merged_with_one_click(app, client, demo):
    sign_in(client)
    generate(client, demo)
    save(client, demo, "本节由法制部门改写。", based_on=1)
    with app.app_context():
        db.session.add(
            ProgressUpdate(task_id=demo["task"], percent_done=80, text="完成第二期执法培训", created_at=FROZEN_NOW)
        )
        db.session.commit()
    generate(client, demo)
    page = client.get(page_url(demo)).get_data(as_text=True)
    section = page.split(f'id="{MEASURE_TWO.format(item=demo["item"])}"')[1].split("</section>")[0]
    assert "新进展待合入" in section and "本节由法制部门改写。" in section and "完成第二期执法培训" in section

    response = client.post(
        page_url(demo, "/pending"),
        data={
            "structure": "source",
            "key": f"measure:{demo['item']}",
            "based_on": "3",
            "action": "merge",
            "csrf_token": csrf_token(client, page_url(demo)),
        },
    )
    assert response.status_code == 302
    page = client.get(page_url(demo)).get_data(as_text=True)
    assert "已合入新进展。" in page
    section = page.split(f'id="{MEASURE_TWO.format(item=demo["item"])}"')[1].split("</section>")[0]
    assert "新进展待合入" not in section
    assert "本节由法制部门改写。" in section and "完成第二期执法培训" in section


def test_an_old_version_is_restored_and_versions_are_compared(app, client, demo):
    sign_in(client)
    generate(client, demo)
    save(client, demo, "改写后的文字。", based_on=1)
    diff = client.get(page_url(demo, "/diff?structure=source&from=1&to=2")).get_data(as_text=True)
    inserted = "".join(re.findall(r'<ins class="diff-ins">(.*?)</ins>', diff))
    assert "改写后的文字" in inserted
    assert '<del class="diff-del">' in diff
    response = client.post(
        page_url(demo, "/versions/1/restore?structure=source"), data={"csrf_token": csrf_token(client, page_url(demo))}
    )
    assert response.status_code == 302
    page = client.get(page_url(demo)).get_data(as_text=True)
    assert "已恢复为第 1 版（保存为第 3 版）。" in page and "改写后的文字。" not in page.split("版本记录")[0]
    assert client.get(page_url(demo, "/diff?structure=source&from=1&to=9")).status_code == 404


def test_the_exports_open_back(client, demo):
    sign_in(client)
    generate(client, demo)
    word = client.get(page_url(demo, ".docx"))
    assert word.status_code == 200 and ".docx" in word.headers["Content-Disposition"]
    document = Document(io.BytesIO(word.data))
    assert "年法治政府建设年度报告（草稿）" in document.paragraphs[0].text
    assert len(document.tables) == 1 and len(document.tables[0].rows) == 14  # header + 13 tasks
    markdown = client.get(page_url(demo, ".md"))
    assert markdown.headers["Content-Type"].count("charset=utf-8") == 1
    headings = markdown_headings(markdown.get_data(as_text=True))
    assert headings[0][0] == 1 and headings[0][1].endswith("年法治政府建设年度报告（草稿）")
    assert [text for level, text in headings if level == 3][:2][0].startswith("（一）")
    printed = client.get(page_url(demo, "/print")).get_data(as_text=True)
    assert '<script src="/static/print.js" defer>' in printed and "整改任务完成情况表" in printed


def saved_name(response) -> str:
    """The name a browser saves a download under (a non-ASCII one is sent as RFC 5987's
    filename*=UTF-8''…)."""
    match = re.search(r"filename\*=UTF-8''([^;]+)", response.headers["Content-Disposition"])
    assert match, response.headers["Content-Disposition"]
    return unquote(match[1])


def test_each_structure_and_version_downloads_under_a_name_of_its_own(app, client, demo):
    structures = ("source", "statutory")

    def download_names() -> list[str]:
        names = []
        for structure in structures:
            word = client.get(page_url(demo, f".docx?structure={structure}"))
            markdown = client.get(page_url(demo, f".md?structure={structure}"))
            assert saved_name(markdown) == saved_name(word).removesuffix(".docx") + ".md"
            names.append(saved_name(word))
        return names

    sign_in(client)
    for structure in structures:
        generate(client, demo, structure)
    names = download_names()
    with app.app_context():  # new progress: regenerating writes version 2 of both
        db.session.add(
            ProgressUpdate(task_id=demo["task"], percent_done=80, text="完成第二期执法培训", created_at=FROZEN_NOW)
        )
        db.session.commit()
    for structure in structures:
        generate(client, demo, structure)
    names += download_names()

    assert len(set(names)) == 4
    assert all(name.startswith(names[0].split("（第")[0]) and "年度报告" in name for name in names)
    assert [name.split("（草稿）")[-1] for name in names] == [
        "（第1版，沿用来源报告结构）.docx",
        "（第1版，法定五部分结构）.docx",
        "（第2版，沿用来源报告结构）.docx",
        "（第2版，法定五部分结构）.docx",
    ]


def test_a_report_in_review_has_no_draft_to_generate(app, client, demo):
    with app.app_context():
        report = db.session.get(SourceReport, demo["report"])
        report.status = "in_review"
        db.session.commit()
    sign_in(client)
    assert "报告尚未确认生成督办任务，不能生成草稿。" in client.get(page_url(demo)).get_data(as_text=True)
    assert versions(app) == 0


@pytest.mark.parametrize(("today", "warned"), [(date(2027, 2, 10), True), (date(2026, 8, 1), False)])
def test_the_page_warns_as_the_filing_date_nears(client, demo, frozen_clock, today, warned):
    frozen_clock(today)
    sign_in(client)
    page = client.get(page_url(demo)).get_data(as_text=True)
    assert ("距年度报告报送截止日（2027年3月1日）还有 19 天" in page) is warned


# --- large drafts: the Word export built in the background ------------------------------------


@pytest.fixture
def in_background(app, monkeypatch, tmp_path):
    """Every draft counts as large (the demo's has 13 tasks), and the prepared files go to a
    folder of the test's own. Yields a gate the build waits at, and the builds started."""
    from tracker.services import drafts
    from tracker.views import drafts as views

    monkeypatch.setattr(views, "BACKGROUND_EXPORT_TASKS", 2)
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    gate = threading.Event()
    builds = []
    real = drafts.to_docx

    def held(content, issuer, today):
        builds.append(content.title)
        assert gate.wait(10), "the test never opened the gate"
        return real(content, issuer, today)

    monkeypatch.setattr(drafts, "to_docx", held)
    yield gate, builds
    gate.set()


def wait_for(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def exports(app) -> list[int]:
    """The version numbers of the draft's prepared files."""
    folder = Path(app.instance_path) / "exports"
    with app.app_context():
        draft = db.session.scalar(sa.select(Draft.id))
    names = [p.name for p in folder.glob("draft-*.docx")] if folder.exists() else []
    return sorted(int(re.fullmatch(rf"draft-{draft}-v(\d+)-\d{{8}}T\d{{12}}\.docx", name)[1]) for name in names)


def test_a_large_draft_is_exported_in_the_background_once(app, client, demo, in_background):
    gate, builds = in_background
    sign_in(client)
    generate(client, demo)
    assert "生成 Word 文件" in client.get(page_url(demo)).get_data(as_text=True)

    response = client.get(page_url(demo, ".docx?structure=source"))
    assert response.status_code == 302 and response.headers["Location"].endswith(page_url(demo, "?structure=source"))
    page = client.get(page_url(demo)).get_data(as_text=True)
    assert "Word 文件较大（13 项任务），正在后台生成，请稍后刷新本页下载。" in page
    assert "Word 文件正在后台生成，请稍后刷新本页下载。" in page and "导出 Word" not in page
    assert client.get(page_url(demo, ".docx")).status_code == 302  # asked again while it is built
    assert len(builds) == 1

    gate.set()
    wait_for(lambda: exports(app) == [1])
    wait_for(lambda: "导出 Word" in client.get(page_url(demo)).get_data(as_text=True))
    word = client.get(page_url(demo, ".docx"))
    assert word.status_code == 200 and word.headers["Cache-Control"] == "private, no-store"
    assert saved_name(word).endswith("（第1版，沿用来源报告结构）.docx")
    document = Document(io.BytesIO(word.data))
    assert "年法治政府建设年度报告（草稿）" in document.paragraphs[0].text
    assert len(document.tables[0].rows) == 14  # header + 13 tasks
    assert len(builds) == 1  # served from the file


def test_a_new_version_is_prepared_anew_and_the_old_file_goes(app, client, demo, in_background):
    gate, builds = in_background
    gate.set()
    sign_in(client)
    generate(client, demo)
    client.get(page_url(demo, ".docx"))
    wait_for(lambda: exports(app) == [1])
    save(client, demo, "改写后的文字。", based_on=1)

    assert "生成 Word 文件" in client.get(page_url(demo)).get_data(as_text=True)
    assert client.get(page_url(demo, ".docx")).status_code == 302
    wait_for(lambda: exports(app) == [2])
    document = Document(io.BytesIO(client.get(page_url(demo, ".docx")).data))
    assert any(p.text.endswith("改写后的文字。") for p in document.paragraphs)
    assert len(builds) == 2


def test_a_failed_build_is_said_and_tried_again(app, client, demo, in_background, monkeypatch, caplog):
    from tracker.services import drafts

    gate, builds = in_background
    gate.set()
    held = drafts.to_docx

    def broken(*_args: object) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(drafts, "to_docx", broken)
    sign_in(client)
    generate(client, demo)
    client.get(page_url(demo, ".docx"))
    wait_for(lambda: "上次生成 Word 文件失败" in client.get(page_url(demo)).get_data(as_text=True))
    assert exports(app) == []
    # The failure is the one the stand-in raised, not a call it could not take.
    assert any(r.exc_info and str(r.exc_info[1]) == "disk full" for r in caplog.records)

    monkeypatch.setattr(drafts, "to_docx", held)
    client.get(page_url(demo, ".docx"))
    wait_for(lambda: exports(app) == [1])
    assert "上次生成 Word 文件失败" not in client.get(page_url(demo)).get_data(as_text=True)


@pytest.mark.parametrize("email", ["zhengzhi.head@demo.gov.cn", "keji.staff@demo.gov.cn"])
def test_a_prepared_file_is_not_for_departments(app, client, demo, in_background, email):
    gate, _ = in_background
    gate.set()
    sign_in(client)
    generate(client, demo)
    client.get(page_url(demo, ".docx"))
    wait_for(lambda: exports(app) == [1])

    other = app.test_client()
    sign_in(other, email)
    assert other.get(page_url(demo, ".docx")).status_code == 403
