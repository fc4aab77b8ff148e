"""``flask import-report`` on a file over the importer's limits or too slow to parse: exit 1 with
the importer's Chinese message, nothing stored; a list of more than 99 measures imports whole."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from tests.test_importer_limits import HEAD, docx_with_body
from tracker.demo import seed_report_bytes
from tracker.extensions import db
from tracker.models import ReportItem, SourceReport


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(SourceReport)) + db.session.scalar(
            sa.select(sa.func.count()).select_from(ReportItem)
        )


def test_it_refuses_a_zip_bomb_with_the_limit_it_broke(app, runner, tmp_path: Path):
    path = tmp_path / "report.docx"
    path.write_bytes(
        docx_with_body([b"<w:p><w:r><w:t>", *(["啊".encode() * (1024 * 1024)] * 13), b"</w:t></w:r></w:p>"])
    )

    result = runner.invoke(args=["import-report", str(path)])

    assert result.exit_code == 1
    assert "Word 文档超出导入限制" in result.output and "16 MB" in result.output
    assert "Traceback" not in result.output
    assert stored(app) == 0


def test_it_stops_a_parse_that_takes_too_long(app, runner, tmp_path: Path, monkeypatch):
    path = tmp_path / "seed.txt"
    path.write_bytes(seed_report_bytes())
    monkeypatch.setitem(app.config, "IMPORT_TIMEOUT_SECONDS", 0.001)

    result = runner.invoke(args=["import-report", str(path)])

    assert result.exit_code == 1
    assert "报告解析超时：超过 0.001 秒仍未完成" in result.output
    assert stored(app) == 0


def test_it_prints_every_one_of_more_than_99_measures(runner, tmp_path: Path):
    path = tmp_path / "report.txt"
    path.write_text(HEAD + "".join(f"{n}. 推进第{n}项工作。\n" for n in range(1, 121)), encoding="utf-8")

    result = runner.invoke(args=["import-report", str(path), "--dry-run", "--json"])

    assert result.exit_code == 0, result.output
    measures = json.loads(result.output)["measures"]
    assert len(measures) == 120
    assert measures[119]["number"] == "120." and measures[119]["title"] == "推进第120项工作"
