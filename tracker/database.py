"""Engine set-up and SQL that depend on the database kind."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from tracker.extensions import db


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
        dbapi_connection.create_function("tracker_local_date", 2, _sqlite_local_date, deterministic=True)


def _sqlite_local_date(stored: str | None, zone: str) -> str | None:
    """:class:`local_day` on SQLite, which keeps UTC instants as naive text and knows no zones."""
    if stored is None:
        return None
    return datetime.fromisoformat(stored).replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone)).date().isoformat()


class local_day(FunctionElement[str]):  # noqa: N801 - named like the SQL functions it stands for
    """``local_day(instant, zone)``: the calendar date, 'YYYY-MM-DD', of a UTC instant column in
    the time zone named."""

    type = sa.String()
    inherit_cache = True


@compiles(local_day, "postgresql")
def _local_day_postgresql(element: local_day, compiler: Any, **kw: Any) -> str:
    instant, zone = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"to_char(timezone({zone}, {instant}), 'YYYY-MM-DD')"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: Any, **kw: Any) -> str:
    return f"tracker_local_date({compiler.process(element.clauses, **kw)})"


class iso_date(FunctionElement[str]):  # noqa: N801
    """``iso_date(day)``: a date column as 'YYYY-MM-DD', whatever the server's DateStyle."""

    type = sa.String()
    inherit_cache = True


@compiles(iso_date, "postgresql")
def _iso_date_postgresql(element: iso_date, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"


@compiles(iso_date, "sqlite")
def _iso_date_sqlite(element: iso_date, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # stored as that text


class days_between(FunctionElement[int]):  # noqa: N801
    """``days_between(earlier, later)``: whole days from one 'YYYY-MM-DD' date to another."""

    type = sa.Integer()
    inherit_cache = True


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    earlier, later = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(CAST({later} AS date) - CAST({earlier} AS date))"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    earlier, later = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def allow_sort_memory(megabytes: int) -> None:
    """On PostgreSQL, let the rest of this transaction sort and hash in up to ``megabytes`` of
    memory per step: the default 4 MB spills a sort of 50,000 rows to disk. Elsewhere nothing."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"SET LOCAL work_mem = '{int(megabytes)}MB'"))


def json_table(rows: list[dict[str, Any]], columns: dict[str, Any], name: str) -> Any:
    """``rows`` as a table in SQL, sent as one JSON parameter: one short statement for any number
    of rows (thousands of placeholders cost more to parse than to run). ``columns`` maps each
    column to its type; dates and instants compare with the table columns of their type."""
    dialect = db.session.get_bind().dialect
    if dialect.name == "postgresql":
        records = [{column: _jsonable(row[column]) for column in columns} for row in rows]
        typed = (sa.column(column, type_) for column, type_ in columns.items())
        return (
            sa.func.json_to_recordset(sa.literal(records, postgresql.JSON))
            .table_valued(*typed)
            .render_derived(name=name, with_types=True)
        )
    # SQLite: each value as the column type stores it (a date or an instant is text there).
    stored = {
        column: _instance(type_).dialect_impl(dialect).bind_processor(dialect) for column, type_ in columns.items()
    }
    records = [
        {column: (store(row[column]) if store else row[column]) for column, store in stored.items()} for row in rows
    ]
    each = sa.func.json_each(json.dumps(records, ensure_ascii=False)).table_valued("value").alias(f"{name}_json")
    return sa.select(
        *(
            _sqlite_value(sa.func.json_extract(each.c.value, f"$.{column}"), type_).label(column)
            for column, type_ in columns.items()
        )
    ).subquery(name)


def _instance(type_: Any) -> sa.types.TypeEngine[Any]:
    return type_() if isinstance(type_, type) else type_


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _sqlite_value(extracted: Any, type_: Any) -> Any:
    """A JSON value as its column type: cast where SQLite has the type, else typed for SQLAlchemy
    only (a date or an instant is compared as the text it is stored as)."""
    instance = _instance(type_)
    if isinstance(getattr(instance, "impl_instance", instance), sa.Date | sa.DateTime):
        return sa.type_coerce(extracted, type_)
    return sa.cast(extracted, type_)


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
