"""Engine set-up that depends on the database kind."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine


def enable_sqlite_pragmas(engine: Engine) -> None:
    """On SQLite: enforce foreign keys, and use WAL so readers do not block the writer."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def disable_postgresql_jit(engine: Engine) -> None:
    """On PostgreSQL: no JIT compilation. It compiles the counts over a 100,000-task table for
    longer (about 0.2 s) than they run, on every page's badge; short queries gain nothing from it."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


def check_database(engine: Engine, timeout: float) -> str | None:
    """None when the database answers ``SELECT 1`` within ``timeout`` seconds, else why not.

    The check runs in a thread of its own and is abandoned at the timeout: a database that
    accepts connections but never answers would otherwise hold the caller for minutes.
    """
    outcome: list[str | None] = []

    def ask() -> None:
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            outcome.append(None)
        except sa.exc.SQLAlchemyError as error:
            outcome.append(type(error).__name__)

    worker = threading.Thread(target=ask, name="database-check", daemon=True)
    worker.start()
    worker.join(timeout)
    return outcome[0] if outcome else "timeout"
