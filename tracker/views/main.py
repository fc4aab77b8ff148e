from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from tracker.clock import local_today
from tracker.extensions import db
from tracker.models import SourceReport, Task
from tracker.services import deadlines

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> str:
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    tasks = db.session.scalars(
        sa.select(Task)
        .where(Task.parent_id.is_(None))
        .options(selectinload(Task.lead_department), selectinload(Task.co_departments))
        .order_by(Task.deadline.is_(None), Task.deadline, Task.id)
    ).all()
    reports = db.session.scalars(sa.select(SourceReport).order_by(SourceReport.created_at.desc())).all()
    return render_template("main/index.html", tasks=tasks, reports=reports, today=local_today(), deadlines=deadlines)


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify(status="error", database=type(exc).__name__), 503
    return jsonify(status="ok", database="ok"), 200
