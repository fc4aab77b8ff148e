"""Fixtures: the app on a migrated database (SQLite, or PostgreSQL when
TRACKER_TEST_DATABASE_URL is set), a client, a CLI runner, and personas for every role.

Where CI=true (or TRACKER_REQUIRE_SERVICES=1), a database or browser that cannot be reached
fails the run instead of skipping.

A test marked ``postgresql_only("why")`` skips on SQLite, saying why, and always runs on
PostgreSQL: there, under CI=true, a skip of it fails the run.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from werkzeug.serving import make_server

from config import TestConfig
from tests import factories
from tracker import clock, create_app
from tracker.extensions import db

REQUIRE_SERVICES = os.environ.get("CI") == "true" or os.environ.get("TRACKER_REQUIRE_SERVICES") == "1"
PASSWORD = factories.PASSWORD


def runs_on_postgresql() -> bool:
    """Whether this run's database is PostgreSQL (TRACKER_TEST_DATABASE_URL names one)."""
    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    return bool(url) and sa.engine.make_url(url).get_backend_name() == "postgresql"


def unavailable(reason: str) -> None:
    """Skip on a newcomer's machine; fail in CI, where every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


def reset_database(url: str) -> None:
    """Drop every table, so the session starts from an empty database."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile each translation catalogue (.po) to the .mo the app reads, when the .mo is missing or
    older: the install step does it (``pybabel compile``), but the suite must not depend on that."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from tracker.i18n import TRANSLATIONS

    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parent.parent.name)
        partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.tmp")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalogue)
        partial.replace(mo_path)  # atomic: a concurrent run never reads half a file


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    try:
        reset_database(url)
    except sa.exc.OperationalError as exc:
        unavailable(f"database {url} does not answer: {exc.orig}")
    return url


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(TestConfig, {"DATABASE_URL": database_url})
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_tables_after_test(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        db.session.rollback()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()


@pytest.fixture(autouse=True)
def _postgresql_only(request: pytest.FixtureRequest) -> None:
    """``@pytest.mark.postgresql_only("why")``: a PostgreSQL concern (concurrent writers, advisory
    locks) that SQLite cannot show. On SQLite the test skips, with its reason; on PostgreSQL it
    runs, on that database (one that does not answer fails under CI, like any service)."""
    marker = request.node.get_closest_marker("postgresql_only")
    if marker is None:
        return
    if not marker.args:
        pytest.fail("postgresql_only needs a reason: why SQLite cannot show it")
    if not runs_on_postgresql():
        pytest.skip(f"PostgreSQL only, {marker.args[0]}: this run is on SQLite (TRACKER_TEST_DATABASE_URL)")
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        assert db.engine.dialect.name == "postgresql", db.engine.url


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Under CI=true, a PostgreSQL-only test that skips on the PostgreSQL run fails instead, whatever
    skipped it: that run is where it must run."""
    report = yield
    if (
        report.skipped
        and REQUIRE_SERVICES
        and item.get_closest_marker("postgresql_only") is not None
        and runs_on_postgresql()
        and not hasattr(report, "wasxfail")
    ):
        why = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr  # (path, line, reason)
        report.outcome = "failed"
        report.longrepr = f"a PostgreSQL-only test skipped on the PostgreSQL run ({why})"
    return report


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An application context, for tests that call services directly."""
    with app.app_context():
        yield
        db.session.rollback()


OFFICE_HOUR = time(9, 0)  # where a test names only a date, the clock stands at 09:00 office time that day


def freeze_clock(patch: pytest.MonkeyPatch, moment: datetime | date) -> datetime:
    """Stop the clock at ``moment`` for every reader of ``tracker.clock`` (``utcnow``, and so
    ``local_today``), whichever module imported them, until ``patch`` is undone. A date stands for
    09:00 in the office's time zone that day; a datetime must be aware. Returns the UTC instant.
    Tests use the ``frozen_clock`` fixture; a fixture broader than one test passes its own patch."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, OFFICE_HOUR, ZoneInfo(TestConfig.TIMEZONE))
    if moment.tzinfo is None:
        raise ValueError(f"a naive datetime has no instant: {moment!r}")
    instant = moment.astimezone(UTC)
    patch.setattr(clock, "frozen", instant)
    return instant


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime | date], datetime]:
    """``freeze(moment)``: the app's clock stands at ``moment`` (see ``freeze_clock``) until the
    test ends; call it again to move the clock."""
    return lambda moment: freeze_clock(monkeypatch, moment)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def personas(app: Flask) -> factories.Personas:
    with app.app_context():
        people = factories.make_personas()
        db.session.commit()
        # Load every column now: the objects outlive this context (read their ids and emails).
        for obj in vars(people).values():
            db.session.refresh(obj)
        return people


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements the app runs inside the block."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, email: str, password: str = PASSWORD, follow: bool = False):  # noqa: ANN201
    token = csrf_token(client, "/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=follow
    )


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def screenshots_folder(tmp_path: Path) -> Path:
    """Where a browser test saves its screenshots: the test's temporary folder, or
    TRACKER_SCREENSHOTS when set (to look at them after the run)."""
    folder = Path(os.environ.get("TRACKER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (it never downloads a browser of its own)."""
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(executable):
        unavailable(f"Chromium not found at {executable} (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
