"""The signed-in user's own settings: password and interface language."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import ReminderMode
from tracker.services import people
from tracker.services.people import LOCALES, PeopleError
from tracker.views.people_forms import ChangePasswordForm, LocaleForm, ReminderModeForm

bp = Blueprint("account", __name__)

# What a user who must first change their password may still reach.
BEFORE_A_NEW_PASSWORD = frozenset(
    {
        "account.settings",
        "account.change_password",
        "auth.logout",
        "auth.set_password",
        "auth.forgot_password",
        "static",
    }
)


@bp.before_app_request
def require_own_password() -> Response | None:
    """A password chosen by someone else (an administrator, the command line) is changed before
    anything else: every other page leads to the settings page, which says why."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in BEFORE_A_NEW_PASSWORD
    ):
        return redirect(url_for("account.settings"), 303)
    return None


@bp.route("/")
@login_required
def settings() -> str:
    return _render(ChangePasswordForm(), LocaleForm(formdata=None, locale=current_user.locale))


@bp.route("/password", methods=["POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            people.change_own_password(
                current_user,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
                now=utcnow(),
            )
        except PeopleError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            # The new password ended every session; keep this one (the user just proved who they are).
            login_user(current_user._get_current_object())
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return redirect(url_for("account.settings"))
    return _render(form, LocaleForm(formdata=None, locale=current_user.locale))


@bp.route("/language", methods=["POST"])
@login_required
def change_language() -> str | Response:
    form = LocaleForm()
    if form.validate_on_submit():
        # Said in the new language, like the page it comes on.
        with force_locale(form.locale.data):
            done = _("界面语言已设为%(language)s。", language=LOCALES.get(form.locale.data, ""))
        try:
            people.set_locale(current_user, form.locale.data, now=utcnow())
        except PeopleError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("account.settings"))
    return _render(ChangePasswordForm(formdata=None), form)


@bp.post("/reminders")
@login_required
def change_reminder_mode() -> str | Response:
    form = ReminderModeForm()
    if form.validate_on_submit():
        people.set_reminder_mode(current_user, ReminderMode(form.mode.data), now=utcnow())
        db.session.commit()
        flash(_("邮件提醒方式已保存。"), "success")
        return redirect(url_for("account.settings"))
    return _render(ChangePasswordForm(formdata=None), LocaleForm(formdata=None), form)


def _render(
    password_form: ChangePasswordForm, locale_form: LocaleForm, reminder_form: ReminderModeForm | None = None
) -> str:
    reminder_form = reminder_form or ReminderModeForm(formdata=None, mode=current_user.reminder_mode.value)
    return render_template(
        "account/settings.html", password_form=password_form, locale_form=locale_form, reminder_form=reminder_form
    )
