"""What no request may carry, refused before any view runs: numbers past what an id column holds
(404, like any missing record) and NUL bytes (400; PostgreSQL cannot store them). A value the
database still refuses (out of range, badly encoded) is answered 400, not 500. And the guard of a
blueprint whose every route needs a permission (:func:`guard_blueprint`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from tracker.extensions import login_manager
from tracker.policy import Action, require
from tracker.views.errors import MESSAGES, render_error

MAX_ID = 2**31 - 1  # the id columns are 32-bit integers


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in a route: a number the id columns can hold, or no match (404)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _has_nul() -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in value for source in (request.args, request.form) for value in source.values())


def register(app: Flask) -> None:
    """Call before the blueprints are registered: their routes take the bounded converter."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def refuse_nul_bytes() -> None:
        if _has_nul():
            abort(400)

    @app.errorhandler(sa.exc.DataError)
    def data_refused(error: sa.exc.DataError) -> Any:
        app.logger.warning("the database refused a value: %s", error.orig)
        return render_error(400, MESSAGES[400])

    @app.errorhandler(OverflowError)
    def number_too_large(error: OverflowError) -> Any:
        # SQLite's driver refuses integers past 64 bits before the database sees them.
        app.logger.warning("a number too large for the database: %s", error)
        return render_error(400, MESSAGES[400])


def guard_blueprint(blueprint: Blueprint, needed: Action | Callable[[], Action | None]) -> None:
    """Before every route of ``blueprint``: a visitor is sent to sign in (as ``login_required``
    does); a signed-in user without the action ``needed`` (or the one it names for this request;
    None: no action) gets 403."""

    @blueprint.before_request
    def guard() -> Response | None:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        action = needed if isinstance(needed, Action) else needed()
        if action is not None:
            require(current_user, action)
        return None
