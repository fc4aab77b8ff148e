"""整改督办台账: the Flask application."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import PROJECT_ROOT, Config, config_for_env, settings_from_env

CONNECT_TIMEOUT_SECONDS = 3  # PostgreSQL: how long to wait for a connection before the request fails


def create_app(config_class: type[Config] | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: class defaults, then ``TRACKER_*`` environment variables, then ``overrides``.

    Without ``config_class``, ``TRACKER_ENV`` chooses: ProductionConfig or the embedded default.
    """
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(config_class or config_for_env())
    app.config.update(settings_from_env())
    app.config.update(overrides or {})
    configure_database_url(app)
    configure_secret_key(app)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    if app.config["PROXY_COUNT"]:
        proxies = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]

    register_logging(app)
    register_extensions(app)
    register_request_guards(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security(app)
    register_commands(app)
    return app


def configure_database_url(app: Flask) -> None:
    url = app.config.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(app.instance_path) / 'tracker.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        # Several threads (web, scheduler) share the file: wait for a lock instead of failing.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    else:
        # A database that does not answer fails a request within seconds instead of hanging it.
        app.config.setdefault(
            "SQLALCHEMY_ENGINE_OPTIONS",
            {"pool_pre_ping": True, "pool_timeout": 5, "connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS}},
        )


def configure_secret_key(app: Flask) -> None:
    """Production must set TRACKER_SECRET_KEY; elsewhere a key is kept in ``instance/`` so that
    sessions survive a restart of the demo."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config["ENV"] == "production":
        raise RuntimeError("TRACKER_SECRET_KEY must be set when TRACKER_ENV=production")
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def register_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext

    from tracker import models  # noqa: F401  (registers the tables on the metadata)
    from tracker.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("请先登录。")
    login_manager.session_protection = "strong"

    from tracker import i18n
    from tracker.database import disable_postgresql_jit, enable_sqlite_pragmas

    i18n.init_app(app)

    with app.app_context():
        enable_sqlite_pragmas(db.engine)
        disable_postgresql_jit(db.engine)


def register_logging(app: Flask) -> None:
    from tracker.logs import configure

    configure(app)


def register_request_guards(app: Flask) -> None:
    from tracker.views.guards import register

    register(app)


def register_blueprints(app: Flask) -> None:
    from tracker.views import (
        account,
        admin,
        auth,
        calendar,
        carry_over,
        dashboard,
        drafts,
        exports,
        ical_feed,
        mail,
        main,
        people_sheet,
        reminder_settings,
        report_assign,
        report_links,
        reports,
        tasks,
    )

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp, url_prefix="/account")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(people_sheet.bp, url_prefix="/admin/people")
    app.register_blueprint(tasks.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(reports.bp, url_prefix="/reports")
    app.register_blueprint(report_assign.bp, url_prefix="/reports")
    app.register_blueprint(report_links.bp, url_prefix="/reports")
    app.register_blueprint(carry_over.bp, url_prefix="/reports")
    app.register_blueprint(drafts.bp, url_prefix="/reports")
    app.register_blueprint(calendar.bp, url_prefix="/calendar")
    app.register_blueprint(mail.bp, url_prefix="/mail")
    app.register_blueprint(reminder_settings.bp, url_prefix="/reminders")
    app.register_blueprint(ical_feed.bp)
    app.register_blueprint(exports.bp)


def register_errorhandlers(app: Flask) -> None:
    from tracker.views.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from tracker.views.filters import register

    register(app)


def register_security(app: Flask) -> None:
    from tracker.security import register

    register(app)


def register_commands(app: Flask) -> None:
    from tracker.cli import register

    register(app)
