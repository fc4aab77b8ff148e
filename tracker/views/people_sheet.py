"""The administrator imports departments and people from the office's sheet (导入通讯录), and
downloads the template or the current sheet.

Upload, preview, confirm: the uploaded file is kept under the instance folder, named by a random
token (and the uploader's id), and the confirmation re-reads and re-plans it, so that no plan
posted back by the browser is ever trusted. Every route is for :attr:`Action.MANAGE_PEOPLE` only.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path, PurePath

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.policy import Action
from tracker.services import people_sheet, staffing
from tracker.services.people import PeopleError
from tracker.views.downloads import XLSX_TYPE, attachment
from tracker.views.guards import guard_blueprint
from tracker.views.people_forms import ConfirmImportForm, PeopleSheetForm

bp = Blueprint("people_sheet", __name__)

UPLOAD_FOLDER = "people_sheets"  # under the instance folder
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
KEEP_UPLOADS_SECONDS = 24 * 3600  # an upload never confirmed is removed after a day
SUFFIXES = ("xlsx", "csv")


guard_blueprint(bp, Action.MANAGE_PEOPLE)  # the administrator's


@bp.get("/import")
def upload_page() -> str:
    return render_template("people_sheet/upload.html", form=PeopleSheetForm(formdata=None))


@bp.post("/import")
def upload() -> tuple[str, int] | Response:
    """Keep the file and show what importing it would do; a file that cannot be read is refused
    (400) with the reason, and nothing is kept."""
    form = PeopleSheetForm()
    if not form.validate_on_submit():
        return render_template("people_sheet/upload.html", form=form), 400
    data = form.file.data.read()
    filename = PurePath(form.file.data.filename or "").name
    try:
        people_sheet.read_sheet(data, filename)
    except PeopleError as error:
        flash(error.message, "error")
        return render_template("people_sheet/upload.html", form=form), 400
    token = secrets.token_urlsafe(24)
    _store(token, filename.rsplit(".", 1)[-1].lower(), data)
    return redirect(url_for("people_sheet.preview", token=token))


@bp.get("/import/<token>")
def preview(token: str) -> str:
    plan = people_sheet.plan_import(_read(token))
    db.session.rollback()  # planning wrote nothing; let go of what it loaded
    return render_template("people_sheet/preview.html", plan=plan, token=token, form=ConfirmImportForm())


@bp.post("/import/<token>")
def confirm(token: str) -> tuple[str, int] | Response:
    """Re-read the kept file, plan again and apply; a plan that now has problems (someone
    changed the people meanwhile) is shown again, 409, with nothing changed."""
    form = ConfirmImportForm()
    rows = _read(token)
    if not form.validate_on_submit():
        abort(400)
    plan = people_sheet.plan_import(rows)
    try:
        result = people_sheet.apply_plan(plan, actor=current_user, now=utcnow())
    except PeopleError as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template("people_sheet/preview.html", plan=plan, token=token, form=form), 409
    db.session.commit()
    _path(token).unlink(missing_ok=True)
    flash(
        _(
            "已导入通讯录：新建部门 %(departments)s 个，"
            "新建人员 %(created)s 名（已发送设置密码邮件），更新人员 %(updated)s 名。",
            departments=result.departments_created,
            created=result.users_created,
            updated=result.users_updated,
        ),
        "success",
    )
    return redirect(url_for("people_sheet.done"))


@bp.get("/import/done")
def done() -> str:
    return render_template("people_sheet/done.html", headless=staffing.active_departments_without_head())


@bp.get("/template.xlsx")
def template() -> Response:
    return attachment(people_sheet.template_xlsx(), XLSX_TYPE, "通讯录模板.xlsx")


@bp.get("/export.xlsx")
def export() -> Response:
    return attachment(people_sheet.export_xlsx(), XLSX_TYPE, f"通讯录（{local_today():%Y-%m-%d}）.xlsx")


def _folder() -> Path:
    return Path(current_app.instance_path) / UPLOAD_FOLDER


def _store(token: str, suffix: str, data: bytes) -> None:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    stale = time.time() - KEEP_UPLOADS_SECONDS
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < stale:
                old.unlink(missing_ok=True)
        except OSError:
            continue  # another upload or confirmation has just removed it (or cannot, now): leave it
    (folder / f"{current_user.id}-{token}.{suffix}").write_bytes(data)


def _path(token: str) -> Path:
    """The kept upload of ``token`` by the signed-in administrator; abort 404 when there is none
    (a mistyped or expired token, or another administrator's)."""
    if not TOKEN_PATTERN.match(token):
        abort(404)
    for suffix in SUFFIXES:
        path = _folder() / f"{current_user.id}-{token}.{suffix}"
        if path.exists():
            return path
    abort(404)


def _read(token: str) -> list[people_sheet.SheetRow]:
    path = _path(token)
    try:
        return people_sheet.read_sheet(path.read_bytes(), path.name)
    except PeopleError:
        abort(404)  # it was read at upload; a file that no longer reads is as good as gone
