"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from config import TestConfig
from tracker import create_app
from tracker.extensions import db


@pytest.fixture
def fresh_app(database_url: str, tmp_path) -> Iterator[Flask]:
    """An app on an empty database of the same kind as the suite's: a new SQLite file, or a
    new PostgreSQL schema dropped afterwards."""
    if database_url.startswith("sqlite"):
        yield create_app(TestConfig, {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"})
        return
    schema = f"migration_check_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(database_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in database_url else "?"
    url = f"{database_url}{separator}options=-csearch_path%3D{schema}"
    app = create_app(TestConfig, {"DATABASE_URL": url})
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _differences() -> list:
    with db.engine.connect() as connection, warnings.catch_warnings():
        # The search index's GIN index exists on PostgreSQL only; SQLite cannot compare it.
        warnings.filterwarnings("ignore", message=".*expression-based index 'ix_task_search_grams'")
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


def test_it_migrates_an_empty_database_to_exactly_the_models(fresh_app):
    with fresh_app.app_context():
        upgrade()
        assert _differences() == []


def test_it_downgrades_to_nothing_and_upgrades_again(fresh_app):
    with fresh_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert _differences() == []
        assert "tasks" in sa.inspect(db.engine).get_table_names()


def test_it_carries_existing_tasks_into_the_workflow_columns(fresh_app):
    with fresh_app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO departments (id, name, is_active, created_at) VALUES (1, '交警支队', true, :now)"),
                {"now": "2026-06-01 00:00:00+00:00"},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO tasks (id, title, description, lead_department_id, deadline, state, percent_done,"
                    " created_at, updated_at, version) VALUES (1, '旧任务', '', 1, '2026-09-30', 'in_progress', 40,"
                    " :now, :now, 1)"
                ),
                {"now": "2026-06-01 00:00:00+00:00"},
            )
        upgrade()
        with db.engine.connect() as connection:
            row = connection.execute(
                sa.text("SELECT assignment, priority, original_deadline, extension_count FROM tasks")
            ).one()
    assert row.assignment == "acknowledged" and row.priority == "normal"
    assert str(row.original_deadline) == "2026-09-30" and row.extension_count == 0


def test_it_credits_existing_progress_updates_to_the_lead_department(fresh_app):
    """0007: every update before co-department reports was the lead's; a milestone without a lead
    of its own takes its parent's, and a task without one leaves the update without."""
    with fresh_app.app_context():
        upgrade(revision="0001")
        now = {"now": "2026-06-01 00:00:00+00:00"}
        with db.engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO departments (id, name, is_active, created_at) VALUES (1, '交警支队', true, :now)"),
                now,
            )
            for task_id, lead, parent in ((1, 1, None), (2, None, 1), (3, None, None)):
                connection.execute(
                    sa.text(
                        "INSERT INTO tasks (id, title, description, lead_department_id, parent_id, state,"
                        " percent_done, created_at, updated_at, version)"
                        " VALUES (:id, '旧任务', '', :lead, :parent, 'in_progress', 40, :now, :now, 1)"
                    ),
                    {"id": task_id, "lead": lead, "parent": parent} | now,
                )
                connection.execute(
                    sa.text(
                        "INSERT INTO progress_updates (task_id, percent_done, text, created_at)"
                        " VALUES (:id, 40, '已完成调研', :now)"
                    ),
                    {"id": task_id} | now,
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT task_id, kind, department_id FROM progress_updates ORDER BY task_id")
            ).all()
    assert [tuple(row) for row in rows] == [(1, "progress", 1), (2, "progress", 1), (3, "progress", None)]


def test_it_fills_the_search_index_of_existing_tasks(fresh_app):
    """0009: every task gets its row, the updates newest first, folded to lower case; on
    PostgreSQL the GIN index answers a look-up of the grams."""
    with fresh_app.app_context():
        upgrade(revision="0008")
        now = "2026-06-01 00:00:00+00:00"
        with db.engine.begin() as connection:
            for task_id, title in ((1, "推广OA系统"), (2, "整理执法档案")):
                connection.execute(
                    sa.text(
                        "INSERT INTO tasks (id, title, description, state, percent_done, created_at, updated_at,"
                        " version, assignment, priority, return_reason, extension_count, sent_back_count,"
                        " closure_summary) VALUES (:id, :title, '按季度公开', 'in_progress', 40, :now, :now, 1,"
                        " 'acknowledged', 'normal', '', 0, 0, '')"
                    ),
                    {"id": task_id, "title": title, "now": now},
                )
            for minute, text in ((1, "完成卷宗摸底"), (2, "数据已比对")):
                connection.execute(
                    sa.text(
                        "INSERT INTO progress_updates (task_id, kind, percent_done, text, created_at)"
                        " VALUES (2, 'progress', 40, :text, :at)"
                    ),
                    {"text": text, "at": f"2026-06-01 00:0{minute}:00+00:00"},
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = dict(connection.execute(sa.text("SELECT task_id, text FROM task_search")).all())
            grams = connection.execute(sa.text("SELECT grams FROM task_search WHERE task_id = 1")).scalar()
            if db.engine.dialect.name == "postgresql":
                found = (
                    connection.execute(
                        sa.text("SELECT task_id FROM task_search WHERE string_to_array(grams, ' ') @> ARRAY['摸底']")
                    )
                    .scalars()
                    .all()
                )
                assert found == [2]
    assert rows == {1: "推广oa系统\n按季度公开", 2: "整理执法档案\n按季度公开\n数据已比对\n完成卷宗摸底"}
    assert {"oa", "a系", "推"} <= set(grams.split(" "))


def test_it_moves_the_reminders_a_day_list_carried_into_their_own_table_and_back(fresh_app):
    """0014: a bundled outbox row becomes a listed reminder of its list (the list mail stays);
    downgrading puts it back as a bundled row pointing at the list."""
    insert_mail = sa.text(
        "INSERT INTO notifications (dedup_key, kind, task_id, recipient_id, recipient_email, subject,"
        " body_text, body_html, status, attempts, created_at, bundle_id) VALUES (:key, :kind, :task, 1,"
        " 'bob@example.gov.cn', :subject, '', '', :status, 0, :now, :list) RETURNING id"
    )
    now = "2026-06-01 01:00:00+00:00"
    with fresh_app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, email, name, password_hash, role, is_active, locale, reminder_mode,"
                    " session_token, created_at) VALUES (1, 'bob@example.gov.cn', '交警李', 'x', 'head', true,"
                    " 'zh', 'every', 'token', :now)"
                ),
                {"now": now},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO tasks (id, title, description, state, percent_done, created_at, updated_at,"
                    " version, assignment, priority, return_reason, extension_count, sent_back_count,"
                    " closure_summary) VALUES (7, '整理执法档案', '', 'in_progress', 40, :now, :now, 1,"
                    " 'acknowledged', 'normal', '', 0, 0, '')"
                ),
                {"now": now},
            )
            list_id = connection.execute(
                insert_mail,
                {"key": "list:1", "kind": "reminders", "task": None, "subject": "【督办提醒】2项督办任务需要您关注"}
                | {"status": "pending", "now": now, "list": None},
            ).scalar_one()
            for key, kind in (("overdue:7:a", "overdue"), ("due_soon:7:b", "due_soon")):
                connection.execute(
                    insert_mail,
                    {"key": key, "kind": kind, "task": 7, "subject": "整理执法档案"}
                    | {"status": "bundled", "now": now, "list": list_id},
                )
        upgrade()
        with db.engine.connect() as connection:
            kept = connection.execute(sa.text("SELECT id FROM notifications")).scalars().all()
            listed = connection.execute(
                sa.text("SELECT dedup_key, kind, task_id, recipient_id, list_id FROM listed_reminders ORDER BY kind")
            ).all()
        assert kept == [list_id]
        assert [tuple(row) for row in listed] == [
            ("due_soon:7:b", "due_soon", 7, 1, list_id),
            ("overdue:7:a", "overdue", 7, 1, list_id),
        ]
        downgrade(revision="0013")
        with db.engine.connect() as connection:
            back = connection.execute(
                sa.text("SELECT dedup_key, status, bundle_id, recipient_email FROM notifications WHERE id <> :list"),
                {"list": list_id},
            ).all()
        assert sorted(tuple(row) for row in back) == [
            ("due_soon:7:b", "bundled", list_id, "bob@example.gov.cn"),
            ("overdue:7:a", "bundled", list_id, "bob@example.gov.cn"),
        ]
