from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.extensions import db
from tracker.policy import Action, can

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> str | Response:
    """Visitors get the welcome page; the legal office and leaders every task; others their work."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    return redirect(url_for("tasks.index" if can(current_user, Action.VIEW_ALL) else "tasks.my_work"))


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify(status="error", database=type(exc).__name__), 503
    return jsonify(status="ok", database="ok"), 200
