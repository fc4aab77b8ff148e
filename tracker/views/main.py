from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker import demo
from tracker.database import check_database
from tracker.extensions import db
from tracker.i18n import LANGUAGES
from tracker.policy import Action, can

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> str | Response:
    """Visitors get the welcome page; the legal office and leaders the dashboard; others their work."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html", demo_report=demo.demo_report(), seed_year=demo.seed_year())
    return redirect(url_for("dashboard.index" if can(current_user, Action.VIEW_ALL) else "tasks.my_work"))


@bp.route("/lang/<code>")
def language(code: str) -> Response:
    """A visitor's choice of language, kept in a cookie for a year (signed-in users choose on
    their account page)."""
    if code not in LANGUAGES:
        abort(404)
    response = redirect(_same_site(request.referrer) or url_for("main.index"))
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def _same_site(url: str | None) -> str | None:
    """The path of ``url`` when it points into this site, else None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


HEALTH_CHECK_SECONDS = 4.0  # a load balancer gets its answer within 5 seconds, even from a hung database


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 otherwise, within 5 seconds (for load balancers and monitoring)."""
    problem = check_database(db.engine, HEALTH_CHECK_SECONDS)
    if problem is not None:
        return jsonify(status="error", database=problem), 503
    return jsonify(status="ok", database="ok"), 200
