"""Uploading a report over HTTP that breaks one of the importer's limits, or takes too long to parse:
the page says why in Chinese, with a 4xx status, and nothing is stored. A long list still imports."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import csrf_token, login
from tests.factories import Personas
from tests.test_importer_limits import HEAD, docx_with_body
from tracker.demo import seed_report_bytes
from tracker.extensions import db
from tracker.importer.labels import int_to_cn
from tracker.importer.limits import SECTION_MAX_ITEMS, TEXT_MAX_CHARS
from tracker.models import AuditEvent, ItemKind, ReportItem, SourceReport


def upload(client: FlaskClient, data: bytes, filename: str) -> TestResponse:
    return client.post(
        "/reports/upload",
        data={"csrf_token": csrf_token(client, "/reports/"), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def stored(app: Flask) -> tuple[int, int, int]:
    """Reports, items, and audit records of an import."""
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(SourceReport)),
            db.session.scalar(sa.select(sa.func.count()).select_from(ReportItem)),
            db.session.scalar(
                sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "report_imported")
            ),
        )


def zip_bomb() -> bytes:
    run = "啊".encode() * (1024 * 1024)
    return docx_with_body([b"<w:p><w:r><w:t>", *([run] * 13), b"</w:t></w:r></w:p>"])


@pytest.mark.parametrize(
    ("make_file", "filename", "message"),
    [
        (zip_bomb, "report.docx", "Word 文档超出导入限制：解压后的正文及格式（XML）超过上限（16 MB）"),
        (lambda: docx_with_body([b"<w:p/>" * 233_000]), "report.docx", "报告的行（段落）过多"),
        (lambda: (HEAD + "（一）推进。" + "啊" * TEXT_MAX_CHARS).encode(), "report.txt", "报告正文过长"),
        (
            lambda: (HEAD + "".join(f"{n}. 推进第{n}项工作。\n" for n in range(1, SECTION_MAX_ITEMS + 2))).encode(),
            "report.txt",
            f"“下一步工作措施”部分识别出 {SECTION_MAX_ITEMS + 1} 项",
        ),
    ],
    ids=["zip bomb", "paragraph bomb", "text too long", "too many measures"],
)
def test_it_refuses_a_file_over_a_limit_says_which_and_stores_nothing(
    app, client, personas: Personas, make_file, filename, message
):
    login(client, personas.alice.email)

    response = upload(client, make_file(), filename)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(app) == (0, 0, 0)


def test_it_stops_a_parse_that_takes_too_long_and_stores_nothing(app, client, personas: Personas, monkeypatch):
    login(client, personas.alice.email)
    monkeypatch.setitem(app.config, "IMPORT_TIMEOUT_SECONDS", 0.001)

    response = upload(client, seed_report_bytes(), "seed.txt")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "报告解析超时：超过 0.001 秒仍未完成，已停止解析，未导入任何内容。" in page
    assert stored(app) == (0, 0, 0)


def test_it_imports_every_one_of_more_than_99_measures(app, client, personas: Personas):
    login(client, personas.alice.email)
    text = HEAD + "".join(f"（{int_to_cn(n)}）推进第{n}项工作。\n" for n in range(1, 121))

    response = upload(client, text.encode(), "report.txt")

    assert response.status_code == 302, response.get_data(as_text=True)
    assert "120 项工作措施" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        measures = db.session.scalars(
            sa.select(ReportItem).where(ReportItem.kind == ItemKind.MEASURE).order_by(ReportItem.position)
        ).all()
        assert [(m.number_label, m.title) for m in measures[98:101]] == [
            ("（九十九）", "推进第99项工作"),
            ("（一百）", "推进第100项工作"),
            ("（一百零一）", "推进第101项工作"),
        ]
        assert len(measures) == 120
