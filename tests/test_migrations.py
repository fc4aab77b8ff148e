"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
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
    with db.engine.connect() as connection:
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
