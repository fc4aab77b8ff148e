"""The administrator's pages: users and departments.

Every route here is for :attr:`Action.MANAGE_PEOPLE` only; the guard below runs before each of
them, so a new route cannot forget it.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import Department, Role, User
from tracker.policy import Action
from tracker.services import people, sign_in_links, staffing
from tracker.services.people import HeadlessDepartment, PeopleError
from tracker.services.sign_in_links import SignInLinkError
from tracker.views.guards import MAX_ID, guard_blueprint
from tracker.views.people_forms import NO_DEPARTMENT, DepartmentForm, EditUserForm, NewUserForm, UserForm

bp = Blueprint("admin", __name__)

USERS_PER_PAGE = 50


guard_blueprint(bp, Action.MANAGE_PEOPLE)  # the administrator's


@bp.route("/")
def index() -> str:
    """Users (of one department with ``?department=<id>``) and departments."""
    shown = sa.select(User).options(selectinload(User.department))
    chosen = request.args.get("department", type=int)
    department = db.session.get(Department, chosen) if chosen and 0 < chosen <= MAX_ID else None
    if department is not None:
        shown = shown.where(User.department_id == department.id)
    users = db.paginate(
        shown.order_by(User.is_active.desc(), User.name, User.id), per_page=USERS_PER_PAGE, error_out=False
    )
    active_members = (
        sa.select(sa.func.count())
        .where(User.department_id == Department.id, User.is_active.is_(True))
        .correlate(Department)
        .scalar_subquery()
    )
    departments = db.session.execute(
        sa.select(Department, active_members).order_by(Department.is_active.desc(), Department.name)
    ).all()
    heads = staffing.heads_by_department(department.id for department, _members in departments)
    return render_template(
        "admin/index.html",
        users=users,
        departments=departments,
        heads=heads,
        department=department,
        # The active departments staffing found no head for (its one query above, not another).
        headless=[d for d, _members in departments if d.is_active and d.id not in heads],
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> str | Response:
    form = NewUserForm()
    form.department_id.choices = _department_choices()
    if form.validate_on_submit():
        who = {
            "email": form.email.data,
            "name": form.name.data,
            "role": Role(form.role.data),
            "department": _chosen_department(form),
            "actor": current_user,
            "now": utcnow(),
        }
        try:
            if form.password.data:
                user = people.create_user(password=form.password.data, **who)
            else:  # the holder chooses a password through a 设置密码 link
                user = sign_in_links.invite(**who)
        except PeopleError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("已添加用户“%(name)s”（%(email)s）。", name=user.name, email=user.email), "success")
            if not form.password.data:
                flash(_("设置密码的链接已发送到 %(email)s。", email=user.email), "info")
            return redirect(url_for("admin.index"))
    return render_template("admin/new_user.html", form=form)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id: int) -> str | Response:
    user = _get_user_or_404(user_id)
    form = EditUserForm(obj=user)
    form.department_id.choices = _department_choices(current=user.department)
    if request.method == "GET":
        form.department_id.data = user.department_id or NO_DEPARTMENT
    if form.validate_on_submit():
        now = utcnow()
        role, department = Role(form.role.data), _chosen_department(form)
        headless = people.last_head_leaving(user, role=role, department=department, active=user.is_active)
        try:
            changed = people.update_user(
                user,
                email=form.email.data,
                name=form.name.data,
                role=role,
                department=department,
                actor=current_user,
                now=now,
            )
            if form.new_password.data:
                people.reset_password(user, form.new_password.data, actor=current_user, now=now)
                changed = True
        except PeopleError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("已保存用户“%(name)s”。", name=user.name) if changed else _("没有需要保存的修改。"), "success")
            _warn(headless)
            return redirect(url_for("admin.index"))
    return render_template("admin/edit_user.html", form=form, user=user)


@bp.route("/users/<int:user_id>/setup-link", methods=["POST"])
def send_setup_link(user_id: int) -> Response:
    """重新发送设置密码链接: a new link by mail; the earlier ones stop working."""
    user = _get_user_or_404(user_id)
    try:
        sign_in_links.send_setup_link(user, actor=current_user, now=utcnow())
    except SignInLinkError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _(
                "已向 %(email)s 发送设置密码的链接，%(hours)s小时内有效；此前发送的链接已失效。",
                email=user.email,
                hours=sign_in_links.setup_hours(),
            ),
            "success",
        )
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def deactivate_user(user_id: int) -> Response:
    user = _get_user_or_404(user_id)
    headless = people.last_head_leaving(user, role=user.role, department=user.department, active=False)
    return _apply(people.deactivate_user, user, _("已停用用户“%(name)s”，该用户将无法登录。", name=user.name), headless)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
def reactivate_user(user_id: int) -> Response:
    user = _get_user_or_404(user_id)
    return _apply(people.reactivate_user, user, _("已启用用户“%(name)s”。", name=user.name))


@bp.route("/departments/new", methods=["GET", "POST"])
def new_department() -> str | Response:
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            department = people.create_department(name=form.name.data, actor=current_user, now=utcnow())
        except PeopleError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("已添加部门“%(name)s”。", name=department.name), "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/new_department.html", form=form)


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
def edit_department(department_id: int) -> str | Response:
    department = db.get_or_404(Department, department_id)
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        try:
            changed = people.rename_department(department, name=form.name.data, actor=current_user, now=utcnow())
        except PeopleError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            message = _("已保存部门“%(name)s”。", name=department.name) if changed else _("没有需要保存的修改。")
            flash(message, "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/edit_department.html", form=form, department=department)


@bp.route("/departments/<int:department_id>/deactivate", methods=["POST"])
def deactivate_department(department_id: int) -> Response:
    department = db.get_or_404(Department, department_id)
    return _apply(people.deactivate_department, department, _("已停用部门“%(name)s”。", name=department.name))


@bp.route("/departments/<int:department_id>/reactivate", methods=["POST"])
def reactivate_department(department_id: int) -> Response:
    department = db.get_or_404(Department, department_id)
    return _apply(people.reactivate_department, department, _("已启用部门“%(name)s”。", name=department.name))


def _get_user_or_404(user_id: int) -> User:
    """The user with this id, or abort 404 (the guard has already made sure this is the administrator)."""
    return db.get_or_404(User, user_id)


def _apply(
    change: Callable[..., None], obj: User | Department, success: str, headless: HeadlessDepartment | None = None
) -> Response:
    """Run a deactivate/reactivate service, commit, and go back to the list with its message (and
    the warning about a department left without a head, once the change went through)."""
    try:
        change(obj, actor=current_user, now=utcnow())
    except PeopleError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(success, "success")
        _warn(headless)
    return redirect(url_for("admin.index"))


def _warn(headless: HeadlessDepartment | None) -> None:
    if headless is not None:
        flash(headless.message, "warning")


def _department_choices(current: Department | None = None) -> list[SelectChoice]:
    """Active departments, and the user's own even if it has been deactivated since."""
    offered = Department.is_active.is_(True)
    if current is not None:
        offered = sa.or_(offered, Department.id == current.id)
    departments = db.session.scalars(sa.select(Department).where(offered).order_by(Department.name)).all()
    return [(NO_DEPARTMENT, _("（无）"))] + [
        (d.id, d.name if d.is_active else _("%(name)s（已停用）", name=d.name)) for d in departments
    ]


def _chosen_department(form: UserForm) -> Department | None:
    chosen = form.department_id.data
    return db.session.get(Department, chosen) if chosen and chosen != NO_DEPARTMENT else None
