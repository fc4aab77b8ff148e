"""Backups that restore: the demo office, with a few weeks of work and evidence on top, backed up
on one database and restored on the other (SQLite and PostgreSQL, both ways), row for row and
file for file."""

from __future__ import annotations

import io
import json
import os
import tarfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from config import TestConfig
from tests.conftest import unavailable
from tracker import create_app
from tracker.demo import load_demo
from tracker.extensions import db
from tracker.models import Assignment, Department, DraftStructure, SourceReport, Task, TaskState, User
from tracker.services import backup, calendar_days, drafts, workflow
from tracker.services.evidence import Upload
from tracker.services.mail import reminder_rules
from tracker.services.staffing import heads_by_department

TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 1, 2, 3, 456789, tzinfo=UTC)  # microseconds must survive
PG_URL = os.environ.get("TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PDF = Upload("会议纪要.pdf", "application/pdf", b"%PDF-1.4 minutes of the meeting")
PNG = Upload("现场照片.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)


# --- two databases at once: SQLite in tmp_path, and a PostgreSQL database of the test's own ------


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A scratch PostgreSQL database with a unique name, dropped after the test."""
    server = sa.engine.make_url(PG_URL)
    maintenance = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"tracker_backup_{uuid.uuid4().hex[:12]}"
    try:
        with maintenance.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        maintenance.dispose()
        unavailable(f"PostgreSQL at {server.host}:{server.port} does not answer: {exc.orig}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with maintenance.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        maintenance.dispose()


@pytest.fixture
def make_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """``make_app(kind, name)``: an app on a migrated, empty database of that kind ("sqlite" or
    "postgresql"), with its own evidence folder ``tmp_path / f"{name}-evidence"``."""
    built: list[Flask] = []

    def make(kind: str, name: str, *, migrated: bool = True) -> Flask:
        url = f"sqlite:///{tmp_path / name}.db" if kind == "sqlite" else request.getfixturevalue("postgres_url")
        app = create_app(TestConfig, {"DATABASE_URL": url, "EVIDENCE_DIR": str(tmp_path / f"{name}-evidence")})
        built.append(app)
        if migrated:
            with app.app_context():
                upgrade()
        return app

    yield make
    for app in built:
        with app.app_context():
            db.engine.dispose()


def fill_with_office_life(now: datetime = NOW) -> None:
    """The demo data, then what weeks of use add: progress and a closure with evidence, a
    milestone, an offline chase, a draft (JSON), the reminder policy (a setting), a holiday, the
    report's original file (binary), and the mails all that queued. Committed."""
    load_demo(today=TODAY, now=now)
    legal = db.session.scalar(sa.select(User).where(User.email == "fazhi@demo.gov.cn"))
    working = db.session.scalars(
        sa.select(Task)
        .where(
            Task.assignment == Assignment.ACKNOWLEDGED, Task.state.in_([TaskState.NOT_STARTED, TaskState.IN_PROGRESS])
        )
        .order_by(Task.id)
    ).all()
    heads = heads_by_department(t.lead_department_id for t in working)
    first, second = [t for t in working if t.lead_department_id in heads][:2]
    later = now + timedelta(days=3, microseconds=1)
    workflow.record_progress(
        first, heads[first.lead_department_id][0], percent=60, text="已完成现场检查。", files=[PDF, PNG], now=later
    )
    workflow.submit_closure(second, heads[second.lead_department_id][0], summary="已全部完成。", files=[PDF], now=later)
    workflow.add_milestone(first, legal, title="阶段一：摸底", deadline=first.deadline, assignee=None, now=later)
    workflow.log_offline_urge(first, legal, method="phone", note="电话催办", happened_at=now, now=later)
    report = db.session.scalar(sa.select(SourceReport))
    report.original_file = b"PK\x03\x04\x00\xff binary \x00 bytes"
    drafts.generate(report, DraftStructure.SOURCE, legal, later)
    reminder_rules.save_rules(reminder_rules.load_rules(), legal, later)
    calendar_days.add_day(date(2026, 10, 1), False, "国庆节", legal, later)
    db.session.commit()


def rows_of(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table as the models read it, plus, per JSON column, whether it holds a
    SQL NULL (the JSON type reads a SQL NULL and a JSON null alike)."""
    with app.app_context():
        found = {}
        for table in db.metadata.sorted_tables:
            json_columns = [c for c in table.columns if isinstance(c.type, sa.JSON)]
            nulls = [c.is_(None) for c in json_columns]
            rows = db.session.execute(sa.select(*table.columns, *nulls)).all()
            # Sorted here: PostgreSQL and SQLite order text keys by different collations.
            found[table.name] = sorted((tuple(row) for row in rows), key=lambda row: repr(row[:3]))
        return found


def files_of(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def rewrite(archive: Path, out: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """A copy of ``archive`` with each member's bytes passed through ``change(name, data)``."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(out, "w:gz") as target:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return out


def manifest_of(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r:gz") as tar:
        return json.loads(tar.extractfile(backup.MANIFEST).read())


# --- the round trip -----------------------------------------------------------------------------


@pytest.mark.parametrize("source_kind, target_kind", [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_it_restores_every_row_and_every_evidence_file_on_the_other_database(
    make_app, tmp_path, source_kind, target_kind
):
    source = make_app(source_kind, "source")
    with source.app_context():
        fill_with_office_life()
        summary = backup.write_backup(tmp_path / "office.tar.gz", NOW)
    assert summary.evidence_files == 3 and not summary.missing and not summary.corrupt
    target = make_app(target_kind, "target")

    result = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "office.tar.gz")])

    assert result.exit_code == 0, result.output
    assert "已恢复" in result.output and "3 份佐证材料" in result.output
    source_rows, target_rows = rows_of(source), rows_of(target)
    assert set(source_rows) == set(target_rows)
    for table, rows in source_rows.items():
        assert target_rows[table] == rows, table
    assert sum(len(rows) for rows in source_rows.values()) == sum(summary.tables.values()) > 100
    assert any(row[-1] for row in source_rows["tasks"])  # a SQL NULL in a JSON column came along
    source_files = files_of(tmp_path / "source-evidence")
    assert len(source_files) == 3 and files_of(tmp_path / "target-evidence") == source_files
    verified = target.test_cli_runner().invoke(args=["verify-evidence"])
    assert verified.exit_code == 0, verified.output


def test_it_moves_the_postgresql_sequences_past_the_restored_ids(make_app, tmp_path):
    source = make_app("sqlite", "source")
    with source.app_context():
        fill_with_office_life()
        backup.write_backup(tmp_path / "office.tar.gz", NOW)
        largest = db.session.scalar(sa.select(sa.func.max(Department.id)))
    target = make_app("postgresql", "target")
    with target.app_context():
        backup.restore_backup(tmp_path / "office.tar.gz")
        db.session.commit()
        department = Department(name="新设支队", created_at=NOW)
        db.session.add(department)
        db.session.commit()
        assert department.id == largest + 1


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_it_reads_all_tables_from_one_snapshot(make_app, tmp_path, monkeypatch, kind):
    app = make_app(kind, "office")
    with app.app_context():
        fill_with_office_life()
        users_before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    dump_table = backup._dump_table

    def meanwhile_a_new_department_and_its_head(connection, table, folder):
        dumped = dump_table(connection, table, folder)
        if table.name == "departments":  # written between two tables' reads, from elsewhere
            with db.engine.begin() as other:
                department_id = other.execute(
                    sa.insert(Department).values(name="新设支队", created_at=NOW).returning(Department.id)
                ).scalar_one()
                other.execute(
                    sa.insert(User).values(
                        email="new.head@demo.gov.cn",
                        name="新部门负责人",
                        password_hash="x",
                        role="head",
                        department_id=department_id,
                        session_token="t",
                        created_at=NOW,
                    )
                )
        return dumped

    monkeypatch.setattr(backup, "_dump_table", meanwhile_a_new_department_and_its_head)
    with app.app_context():
        summary = backup.write_backup(tmp_path / "office.tar.gz", NOW)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users_before + 1
    assert summary.tables["users"] == users_before


# --- refusals -----------------------------------------------------------------------------------


@pytest.fixture
def archive(make_app, tmp_path) -> Path:
    """The office with its evidence, backed up on SQLite."""
    source = make_app("sqlite", "source")
    with source.app_context():
        fill_with_office_life()
        backup.write_backup(tmp_path / "office.tar.gz", NOW)
    return tmp_path / "office.tar.gz"


def test_it_refuses_to_restore_into_a_database_that_holds_rows(make_app, archive, tmp_path):
    target = make_app("sqlite", "target")
    with target.app_context():
        db.session.add(Department(name="已有部门", created_at=NOW))
        db.session.commit()

    result = target.test_cli_runner().invoke(args=["restore", str(archive)])

    assert result.exit_code == 1
    assert "数据库不是空的（表 departments 已有数据）" in result.output
    with target.app_context():
        assert db.session.scalars(sa.select(Department.name)).all() == ["已有部门"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0
    assert files_of(tmp_path / "target-evidence") == {}


def test_it_asks_for_db_upgrade_before_restoring_into_an_unmigrated_database(make_app, archive):
    target = make_app("sqlite", "target", migrated=False)

    result = target.test_cli_runner().invoke(args=["restore", str(archive)])

    assert result.exit_code == 1
    assert "未建表" in result.output and "flask --app tracker db upgrade" in result.output


def test_it_refuses_an_archive_of_another_revision(make_app, archive, tmp_path):
    def older(name: str, data: bytes) -> bytes:
        if name != backup.MANIFEST:
            return data
        return json.dumps(json.loads(data) | {"alembic_revision": "0007", "app_version": "0.0.9"}).encode()

    older_archive = rewrite(archive, tmp_path / "older.tar.gz", older)
    target = make_app("sqlite", "target")

    result = target.test_cli_runner().invoke(args=["restore", str(older_archive)])

    assert result.exit_code == 1
    assert "备份属于数据库版本 0007（程序 0.0.9）" in result.output and "相同版本的程序" in result.output


def test_it_detects_a_corrupted_evidence_file_in_the_archive_and_restores_nothing(make_app, archive, tmp_path):
    damaged_key = manifest_of(archive)["evidence"]["files"][-1]["storage_key"]

    def damaged(name: str, data: bytes) -> bytes:
        return data[:-1] + b"?" if name == backup.EVIDENCE_FOLDER + damaged_key else data

    damaged_archive = rewrite(archive, tmp_path / "damaged.tar.gz", damaged)
    target = make_app("sqlite", "target")

    result = target.test_cli_runner().invoke(args=["restore", str(damaged_archive)])

    assert result.exit_code == 1
    assert f"佐证材料 {damaged_key} 的校验值不符" in result.output and "未恢复任何数据" in result.output
    assert all(not rows for rows in rows_of(target).values())
    assert files_of(tmp_path / "target-evidence") == {}


def test_it_detects_a_truncated_table_in_the_archive(make_app, archive, tmp_path):
    def truncated(name: str, data: bytes) -> bytes:
        return b"".join(data.splitlines(keepends=True)[:-1]) if name == "data/tasks.jsonl" else data

    target = make_app("sqlite", "target")

    result = target.test_cli_runner().invoke(args=["restore", str(rewrite(archive, tmp_path / "t.tar.gz", truncated))])

    assert result.exit_code == 1 and "表 tasks 应有" in result.output
    assert all(not rows for rows in rows_of(target).values())


# --- what the archive holds ---------------------------------------------------------------------


def test_it_keeps_the_secret_key_out_unless_asked(make_app, tmp_path):
    app = make_app("sqlite", "office")
    runner = app.test_cli_runner()

    plain = runner.invoke(args=["backup", "--out", str(tmp_path / "plain.tar.gz")])
    keyed = runner.invoke(args=["backup", "--out", str(tmp_path / "keyed.tar.gz"), "--include-secret-key"])

    assert plain.exit_code == 0, plain.output
    assert keyed.exit_code == 0, keyed.output
    assert "不含密钥" in plain.output and "含密钥" in keyed.output and "不含密钥" not in keyed.output
    assert manifest_of(tmp_path / "plain.tar.gz")["secret_key"] is None
    assert manifest_of(tmp_path / "keyed.tar.gz")["secret_key"] == TestConfig.SECRET_KEY
    assert "SMTP_PASSWORD" not in manifest_of(tmp_path / "plain.tar.gz")["settings"]
    assert (tmp_path / "plain.tar.gz").stat().st_mode & 0o777 == 0o600


def test_it_writes_a_manifest_a_restore_can_check(archive):
    manifest = manifest_of(archive)
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        tasks = [json.loads(line) for line in tar.extractfile("data/tasks.jsonl").read().splitlines()]
    assert names[0] == backup.MANIFEST
    assert manifest["format_version"] == backup.FORMAT_VERSION and manifest["alembic_revision"]
    assert [t["file"] for t in manifest["tables"]] == [n for n in names if n.startswith("data/")]
    assert {t["name"]: t["rows"] for t in manifest["tables"]}["tasks"] == len(tasks)
    assert all(f"evidence/{f['storage_key']}" in names for f in manifest["evidence"]["files"])
    assert manifest["settings"]["TIMEZONE"] == "Asia/Shanghai"
    milestone = next(t for t in tasks if t["parent_id"] is not None)
    assert [t["id"] for t in tasks].index(milestone["parent_id"]) < tasks.index(milestone)
    assert tasks[0]["created_at"].endswith("+00:00") and tasks[0]["state"] in {s.value for s in TaskState}


def test_it_backs_up_despite_a_missing_evidence_file_and_says_so(make_app, tmp_path):
    app = make_app("sqlite", "office")
    with app.app_context():
        fill_with_office_life()
    lost = sorted(files_of(tmp_path / "office-evidence"))[0]
    (tmp_path / "office-evidence" / lost).unlink()

    result = app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "office.tar.gz")])

    assert result.exit_code == 0, result.output
    assert f"佐证材料缺失，未能备份：{lost}" in result.output
    assert manifest_of(tmp_path / "office.tar.gz")["evidence"]["missing"] == [lost]
    target = make_app("sqlite", "target")
    restored = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "office.tar.gz")])
    assert restored.exit_code == 0, restored.output
    assert f"备份时已缺失的佐证材料（仍缺失）：{lost}" in restored.output


def test_it_restores_beside_a_surviving_evidence_folder_but_never_over_a_different_file(make_app, archive, tmp_path):
    survived = files_of(tmp_path / "source-evidence")
    target_folder = tmp_path / "target-evidence"
    for key, data in survived.items():
        (target_folder / key).parent.mkdir(parents=True, exist_ok=True)
        (target_folder / key).write_bytes(data)
    target = make_app("sqlite", "target")

    result = target.test_cli_runner().invoke(args=["restore", str(archive)])

    assert result.exit_code == 0, result.output
    assert files_of(target_folder) == survived
    other = make_app("sqlite", "other")
    clash = tmp_path / "other-evidence" / sorted(survived)[0]
    clash.parent.mkdir(parents=True)
    clash.write_bytes(b"something else")
    refused = other.test_cli_runner().invoke(args=["restore", str(archive)])
    assert refused.exit_code == 1 and "已有同名而内容不同的文件" in refused.output
    assert files_of(tmp_path / "other-evidence") == {sorted(survived)[0]: b"something else"}
