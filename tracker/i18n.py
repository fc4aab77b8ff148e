"""The interface language: Chinese first, English for users who choose it.

Message ids are the Chinese texts themselves, so Chinese needs no catalogue; English lives in
``tracker/translations/en/LC_MESSAGES/messages.po``, compiled to ``.mo`` by the install step
(``pybabel compile -d tracker/translations``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request
from flask_login import current_user

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LOCALE = "zh"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


EVENT = "event"  # the message context of what happened, said in the past ("Acknowledged")


def NE_(context: str, text: str) -> str:
    """Mark ``text`` for translation in ``context`` (always EVENT, written out so that ``pybabel
    extract`` reads it): the name of an event, said in the past where shown ("签收" is
    "Acknowledge" on a button and "Acknowledged" in a timeline)."""
    return text


def N_(text: str) -> str:
    """Mark ``text`` for translation without translating it (``pybabel extract`` looks for ``N_``
    by default): for names kept in tables, translated with ``gettext`` where they are shown."""
    return text


def select_locale() -> str:
    """The user's choice when signed in; else a ``lang`` cookie; else the browser's; else Chinese.

    Outside a request (command line, scheduler, services called from tests) it is Chinese.
    """
    if not has_request_context():
        return DEFAULT_LOCALE
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    cookie = request.cookies.get("lang")
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LOCALE) or DEFAULT_LOCALE


def init_app(app: Flask) -> None:
    from tracker.extensions import babel

    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=select_locale)
