"""Evidence files: the content must be what the suffix says, the stored type comes from the suffix,
and a download is typed by the suffix alone, as an attachment, whatever was uploaded before the
check (a web page, an SVG)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import Workbook

from tests.conftest import csrf_token, login
from tests.factories import FROZEN_NOW, make_task
from tracker.extensions import db
from tracker.models import EvidenceAttachment, ProgressUpdate, User
from tracker.services import workflow
from tracker.services.evidence import ALLOWED_SUFFIXES, EvidenceError, Upload, check_upload, evidence_dir

TODAY = date(2026, 6, 1)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
WEB_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def office_document() -> bytes:
    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


def workbook() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("Doc_0/Content.xml", "<ofd:Page/>")
    return buffer.getvalue()


# One genuine file of each allowed suffix (the real thing where a library writes it).
GENUINE = {
    "会议纪要.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
    "电子公文.ofd": archive(),
    "通知.doc": OLE,
    "通知（RTF导出）.doc": b"{\\rtf1\\ansi\\ansicpg936 ...}",
    "方案.docx": office_document(),
    "加密方案.docx": OLE,  # a password-protected .docx is a Compound File
    "报告.wps": OLE,
    "台账.xls": OLE,
    "台账.xlsx": workbook(),
    "统计.et": OLE,
    "汇报.ppt": OLE,
    "汇报.pptx": archive(),
    "说明.txt": "第一期培训已完成。\n".encode(),
    "说明（Unicode）.txt": "第一期培训已完成。".encode("utf-16"),
    "现场照片.jpg": JPEG,
    "截图.jpg": PNG,  # phones save screenshots as .jpg
    "现场照片.jpeg": JPEG,
    "截图.png": PNG,
    "材料.zip": archive(),
    "材料.rar": b"Rar!\x1a\x07\x01\x00" + bytes(8),
    "材料.7z": b"7z\xbc\xaf\x27\x1c\x00\x04",
}


def test_every_allowed_suffix_has_a_genuine_sample():
    assert {"." + name.rsplit(".", 1)[1] for name in GENUINE} == ALLOWED_SUFFIXES


@pytest.mark.parametrize("name", GENUINE)
def test_it_accepts_a_genuine_file(ctx, name):
    check_upload(Upload(name, "application/octet-stream", GENUINE[name]))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("会议纪要.pdf", WEB_PAGE),
        ("现场照片.jpg", SVG),
        ("台账.xls", b"<table><tr><td>1</td></tr></table>"),  # a web system's "Excel" export
        ("方案.docx", b"%PDF-1.4"),
        ("通知.doc", office_document()),  # a .docx renamed .doc
        ("材料.zip", b"MZ\x90\x00\x03\x00\x00\x00"),  # a program
        ("说明.txt", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("截图.png", b" " + PNG),  # the signature must come first
    ],
)
def test_it_refuses_content_that_is_not_what_its_suffix_says(ctx, name, data):
    suffix = "." + name.rsplit(".", 1)[1]
    with pytest.raises(EvidenceError) as refused:
        check_upload(Upload(name, "application/pdf", data))
    assert str(refused.value) == (
        f"文件“{name}”的内容与扩展名“{suffix}”不符，不能上传。请确认文件完好，或改用与内容相符的扩展名。"
    )


@pytest.mark.parametrize("name", ["页面.html", "页面.htm", "图表.svg", "脚本.js"])
def test_it_refuses_web_pages_and_svg_by_their_suffix(ctx, name):
    with pytest.raises(EvidenceError, match="不允许上传"):
        check_upload(Upload(name, "image/svg+xml", SVG))


# --- over HTTP -----------------------------------------------------------------------------------------


@pytest.fixture
def task(app, personas, tmp_path):
    """A task of 交警支队, acknowledged by bob, carol assigned."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    with app.app_context():
        get = db.session.get
        alice, bob, carol = (get(User, p.id) for p in (personas.alice, personas.bob, personas.carol))
        task = make_task(title="加强培训，增强法治意识")
        workflow.assign(
            task,
            alice,
            lead_department=bob.department,
            co_departments=[],
            assignee=carol,
            start_date=TODAY,
            deadline=TODAY + timedelta(days=30),
            priority=task.priority,
            expected_version=None,
            now=FROZEN_NOW,
        )
        workflow.acknowledge(task, bob, FROZEN_NOW)
        db.session.commit()
        return task.id


def report_progress(client, task_id: int, name: str, data: bytes, content_type: str):  # noqa: ANN201
    return client.post(
        f"/tasks/{task_id}/progress",
        data={
            "csrf_token": csrf_token(client, f"/tasks/{task_id}"),
            "percent": "40",
            "text": "第一期培训已完成",
            "files": [(io.BytesIO(data), name, content_type)],
        },
        content_type="multipart/form-data",
    )


def test_it_refuses_a_web_page_named_pdf_and_keeps_the_text(app, client, personas, task):
    login(client, personas.carol.email)
    response = report_progress(client, task, "签到表.pdf", WEB_PAGE, "application/pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "文件“签到表.pdf”的内容与扩展名“.pdf”不符" in page and "第一期培训已完成" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceAttachment)) == 0


def test_it_stores_and_serves_the_type_of_the_suffix_not_the_browsers(app, client, personas, task):
    login(client, personas.carol.email)
    pdf = b"%PDF-1.4 sign-in sheet"
    assert report_progress(client, task, "签到表.pdf", pdf, "text/html").status_code == 302
    with app.app_context():
        attachment = db.session.scalars(sa.select(EvidenceAttachment)).one()
        assert attachment.content_type == "application/pdf"
    response = client.get(f"/evidence/{attachment.id}")
    assert response.status_code == 200 and response.data == pdf
    assert response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_it_serves_a_text_file_with_one_charset(app, client, personas, task):
    login(client, personas.carol.email)
    assert report_progress(client, task, "说明.txt", "培训签到情况说明".encode(), "text/plain").status_code == 302
    with app.app_context():
        attachment_id = db.session.scalar(sa.select(EvidenceAttachment.id))
    response = client.get(f"/evidence/{attachment_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("name", "claimed", "served"),
    [
        ("页面.html", "text/html", "application/octet-stream"),
        ("图表.svg", "image/svg+xml", "application/octet-stream"),
        ("照片.png", "text/html", "image/png"),
    ],
)
def test_it_never_serves_a_file_kept_before_the_check_as_a_page(app, client, personas, task, name, claimed, served):
    with app.app_context():
        path = evidence_dir() / "2025/01/legacy"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(SVG)
        attachment = EvidenceAttachment(
            task_id=task,
            uploaded_by_id=personas.carol.id,
            filename=name,
            content_type=claimed,
            size_bytes=len(SVG),
            sha256="0" * 64,
            storage_key="2025/01/legacy",
            created_at=FROZEN_NOW,
        )
        db.session.add(attachment)
        db.session.commit()
        attachment_id = attachment.id
    login(client, personas.alice.email)
    response = client.get(f"/evidence/{attachment_id}")
    assert response.status_code == 200
    assert response.mimetype == served
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
