"""Configuration: settings as data, each overridable by a ``TRACKER_<NAME>`` environment variable.

Nothing here reads the environment at import time; ``create_app`` calls :func:`settings_from_env`.
README.md documents every setting in ``SETTINGS`` (a test keeps the two in step).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent
ENV_PREFIX = "TRACKER_"


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def _as_bool(value: str) -> bool:
    """A yes or no; anything else (a typo such as "flase") is an error, not a quiet no."""
    word = value.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ValueError(f"write one of {', '.join(sorted(TRUE_WORDS))} or {', '.join(sorted(FALSE_WORDS - {''}))}")
    return word in TRUE_WORDS


SMTP_SECURITY_CHOICES = ("none", "starttls", "ssl")


DRAFT_ROLLUP_WEEKDAY_CHOICES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "off")


def _weekday(value: str) -> str:
    choice = value.strip().lower()
    if choice not in DRAFT_ROLLUP_WEEKDAY_CHOICES:
        raise ValueError(f"choose one of {', '.join(DRAFT_ROLLUP_WEEKDAY_CHOICES)}")
    return choice


def _hour(value: str) -> int:
    hour = int(value)
    if not 0 <= hour <= 23:
        raise ValueError("an hour from 0 to 23")
    return hour


def _at_least_one(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("a whole number from 1 up")
    return number


def _month_day(value: str) -> str:
    """A month and day such as "03-01", checked against a leap year (so "02-29" passes)."""
    month, _, day = value.strip().partition("-")
    date(2000, int(month), int(day))
    return f"{int(month):02d}-{int(day):02d}"


def _log_format(value: str) -> str:
    choice = value.strip().lower()
    if choice not in ("plain", "json"):
        raise ValueError("choose plain or json")
    return choice


def _positive_seconds(value: str) -> float:
    seconds = float(value)
    if not seconds > 0:
        raise ValueError("a number of seconds above 0")
    return seconds


def _smtp_security(value: str) -> str:
    choice = value.strip().lower()
    if choice not in SMTP_SECURITY_CHOICES:
        raise ValueError(f"choose one of {', '.join(SMTP_SECURITY_CHOICES)}")
    return choice


@dataclass(frozen=True)
class EnvSetting:
    name: str
    default: Any
    help: str
    cast: Callable[[str], Any] = str

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name


# Every setting, once: its name, default, documentation and how its variable is read. ``Config``
# takes the defaults, README.md documents each (a test keeps the two in step).
SETTINGS: tuple[EnvSetting, ...] = (
    EnvSetting("ENV", "development", "`development` or `production`; production never loads demo data."),
    EnvSetting(
        "DATABASE_URL",
        None,
        "SQLAlchemy URL; default is an SQLite file `instance/tracker.db`. "
        "PostgreSQL: `postgresql+psycopg://user:pass@host:5432/dbname`.",
    ),
    EnvSetting("SECRET_KEY", None, "Signs sessions and CSRF tokens. Required in production."),
    EnvSetting("TIMEZONE", "Asia/Shanghai", "Time zone of deadlines, reminders and displayed times."),
    EnvSetting("HOST", "127.0.0.1", "Address `python run.py` listens on."),
    EnvSetting("PORT", 5000, "Port `python run.py` listens on.", int),
    EnvSetting("MAX_UPLOAD_MB", 20, "Largest accepted upload (report or evidence file), in MiB.", int),
    EnvSetting("EVIDENCE_DIR", None, "Folder for evidence files, outside the web root; default `instance/evidence`."),
    EnvSetting(
        "PROXY_COUNT",
        0,
        "How many reverse proxies stand in front of the app; their X-Forwarded-For and -Proto headers "
        "are trusted (needed for sign-in throttling by address behind a proxy).",
        int,
    ),
    EnvSetting(
        "SCHEDULER",
        True,
        "Run the reminder scheduler inside `python run.py`. With several web workers, set it to false "
        "and run `flask --app tracker scheduler` as its own process.",
        _as_bool,
    ),
    EnvSetting("DEMO_DATA", True, "Load the demo data into an empty database on `python run.py`.", _as_bool),
    EnvSetting("SMTP_HOST", "", "Mail server; empty means no SMTP: mail is recorded on the mail page, not sent."),
    EnvSetting("SMTP_PORT", 25, "Mail server port (587 for `starttls`, 465 for `ssl`).", int),
    EnvSetting(
        "SMTP_SECURITY",
        "none",
        "`none`, `starttls` (upgrade a plain connection) or `ssl` (TLS from the start).",
        _smtp_security,
    ),
    EnvSetting("SMTP_USER", "", "Sign in to the mail server as this user; empty means no sign-in."),
    EnvSetting("SMTP_PASSWORD", "", "Password of `TRACKER_SMTP_USER`."),
    EnvSetting(
        "SMTP_FROM", "整改督办台账 <noreply@localhost>", "Sender of every mail; its domain ends the Message-IDs."
    ),
    EnvSetting("SMTP_TIMEOUT", 10.0, "Seconds to wait for the mail server before the attempt counts as failed.", float),
    EnvSetting(
        "BASE_URL",
        "http://127.0.0.1:5000",
        "Address of the application as users reach it, for links in mail and in the calendar feed (and its event ids).",
    ),
    EnvSetting(
        "LOG_FORMAT",
        "plain",
        "`plain` lines or `json` (one JSON object a line, for a log collector). Feed tokens are never logged whole.",
        _log_format,
    ),
    EnvSetting(
        "IMPORT_TIMEOUT_SECONDS",
        20.0,
        "Seconds a report upload or `import-report` may spend parsing the file (in a child process, "
        "killed then); the file is refused as too complex and nothing is stored.",
        _positive_seconds,
    ),
    EnvSetting(
        "MAIL_PER_MINUTE",
        300,
        "Most mails the scheduler's sender sends a minute (it runs every minute), within the mail server's quota.",
        int,
    ),
    EnvSetting(
        "SIGN_IN_LINK_HOURS",
        72,
        "Hours a 设置密码 link (new account, or the administrator's resend) stays valid; reset links last 2 hours.",
        _at_least_one,
    ),
    EnvSetting(
        "MAIL_MAX_ATTEMPTS", 5, "Attempts to send a mail before it is marked failed (for a person to retry).", int
    ),
    EnvSetting(
        "EXPORT_MAX_ROWS",
        50000,
        "Most tasks one export (.xlsx, .csv, print page) may hold; above it the user is asked to narrow the filter.",
        int,
    ),
    EnvSetting(
        "DRAFT_ROLLUP_WEEKDAY",
        "mon",
        "Day of the week (`mon`…`sun`) the drafts of next year's report take in new progress; `off` for none.",
        _weekday,
    ),
    EnvSetting(
        "DRAFT_ROLLUP_MONTHLY",
        True,
        "Also roll new progress into the drafts on the first working day of each month (Chinese calendar).",
        _as_bool,
    ),
    EnvSetting("DRAFT_ROLLUP_HOUR", 8, "Hour (local time, 0–23) at which the drafts' roll-up runs on its days.", _hour),
    EnvSetting(
        "DRAFT_FILING_DATE",
        "03-01",
        "`MM-DD` on which the yearly report is due; the draft page warns as it approaches.",
        _month_day,
    ),
    EnvSetting(
        "BACKUP_DIR",
        "",
        "Folder the scheduler writes a nightly backup archive into; empty means no nightly backup.",
    ),
    EnvSetting("BACKUP_HOUR", 2, "Hour (local time, 0–23) at which the nightly backup runs.", _hour),
    EnvSetting("BACKUP_KEEP", 14, "Nightly archives to keep in `BACKUP_DIR`; older ones are deleted.", _at_least_one),
)


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the Flask config keys set by ``TRACKER_*`` variables in ``environ``."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.env_var in environ:
            raw = environ[setting.env_var]
            try:
                found[setting.name] = setting.cast(raw)
            except ValueError as exc:
                raise ValueError(f"{setting.env_var}={raw!r} is not valid: {exc}") from exc
    return found


class Config:
    """Embedded default: SQLite in ``instance/``, demo data, no outside services. Every setting of
    :data:`SETTINGS` with its default (set from there, below), and Flask's own keys."""

    TESTING = False
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)  # 保持登录 ends within two weeks, not Flask-Login's year
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch must still submit


for _setting in SETTINGS:
    setattr(Config, _setting.name, _setting.default)


def config_for_env(environ: Mapping[str, str] | None = None) -> type[Config]:
    """The config class ``TRACKER_ENV`` asks for: production or the embedded default."""
    environ = os.environ if environ is None else environ
    return ProductionConfig if environ.get(ENV_PREFIX + "ENV") == "production" else Config


class ProductionConfig(Config):
    ENV = "production"
    DEMO_DATA = False
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


class TestConfig(Config):
    TESTING = True
    DEMO_DATA = False
    SCHEDULER = False
    SECRET_KEY = "test-secret-key"


def default(name: str) -> Any:
    """The default of the setting ``name`` (for code that reads a config mapping that may lack it)."""
    return next(setting.default for setting in SETTINGS if setting.name == name)
