import json

import sqlalchemy as sa

from tracker.demo import seed_report_bytes
from tracker.extensions import db
from tracker.models import AuditEvent, ItemKind, ReportItem, SourceReport


def _seed_file(tmp_path, name="report.txt", data=None):
    path = tmp_path / name
    path.write_bytes(seed_report_bytes() if data is None else data)
    return path


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_it_prints_the_parsed_report_as_one_json_object_and_stores_nothing(app, runner, tmp_path):
    result = runner.invoke(args=["import-report", str(_seed_file(tmp_path)), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == "市公安局2020年法治政府建设年度报告"
    assert data["issuer"] == "汕头市公安局"
    assert data["year"] == 2020
    assert data["date"] == "2020-12-13"
    assert (len(data["achievements"]), len(data["shortcomings"]), len(data["measures"])) == (11, 3, 10)
    assert data["measures"][2] == {
        "number": "（三）",
        "title": "深化改革，力保落实到位",
        "body": data["measures"][2]["body"],
    }
    assert data["measures"][2]["body"].startswith("紧紧围绕市委、市政府")
    assert _count(app, SourceReport) == 0


def test_it_stores_the_report_and_its_items_and_prints_the_id(app, runner, tmp_path):
    result = runner.invoke(args=["import-report", str(_seed_file(tmp_path))])
    assert result.exit_code == 0, result.output
    report_id = int(result.output.strip())
    with app.app_context():
        report = db.session.get(SourceReport, report_id)
        assert report.title == "市公安局2020年法治政府建设年度报告"
        assert report.original_filename == "report.txt"
        kinds = [item.kind for item in report.items]
        assert kinds.count(ItemKind.ACHIEVEMENT) == 11
        assert kinds.count(ItemKind.SHORTCOMING) == 3
        assert kinds.count(ItemKind.MEASURE) == 10
        measures = sorted((i for i in report.items if i.kind == ItemKind.MEASURE), key=lambda i: i.position)
        assert measures[5].title == "落实政务服务改革，打造便民便商环境"
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "report_imported"))
        assert event.object_id == report_id and event.after["measures"] == 10


def test_it_refuses_the_same_report_twice_even_in_another_encoding(app, runner, tmp_path):
    assert runner.invoke(args=["import-report", str(_seed_file(tmp_path))]).exit_code == 0
    gb = seed_report_bytes().decode("utf-8").encode("gb18030")
    result = runner.invoke(args=["import-report", str(_seed_file(tmp_path, "again.txt", gb))])
    assert result.exit_code != 0
    assert "已导入过" in result.output
    assert _count(app, SourceReport) == 1


def test_it_fails_with_a_message_and_stores_nothing_for_a_report_without_measures(app, runner, tmp_path):
    path = _seed_file(tmp_path, "notes.txt", "会议纪要\n\n今天开会讨论了食堂的菜单。\n".encode())
    result = runner.invoke(args=["import-report", str(path), "--dry-run", "--json"])
    assert result.exit_code == 1
    assert "未能在文件中识别出下一步工作措施" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(args=["import-report", str(path)])
    assert result.exit_code == 1
    assert _count(app, SourceReport) == 0 and _count(app, ReportItem) == 0


def test_it_fails_with_a_message_for_a_file_of_the_wrong_type(app, runner, tmp_path):
    path = _seed_file(tmp_path, "report.pdf", b"%PDF-1.7\n...")
    result = runner.invoke(args=["import-report", str(path)])
    assert result.exit_code == 1
    assert "不支持 PDF 文件" in result.output
