from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from tracker.clock import utcnow
from tracker.extensions import db, login_manager
from tracker.models import User
from tracker.services import sign_in_links
from tracker.services.accounts import SignInThrottled, check_attempt, reserve_attempt, sign_out
from tracker.services.people import PeopleError
from tracker.services.sign_in_links import SignInLinkError
from tracker.views.forms import ForgotPasswordForm, LoginForm, SetPasswordForm

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user named by the session, if still active and the session token still matches."""
    id_part, _, token = user_id.partition(":")
    if not id_part.isdigit():
        return None
    user = db.session.get(User, int(id_part))
    if user is None or not user.is_active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an absolute or scheme-relative ``next`` could send the user away."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
        and target.isprintable()  # no CR/LF (header injection) or other control characters
    ):
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            attempt = reserve_attempt(form.email.data, now=utcnow(), remote_addr=request.remote_addr)
        except SignInThrottled as refusal:
            db.session.commit()  # keep the count and the audit event of the refusal
            flash(refusal.message, "error")
            return render_template("auth/login.html", form=form), 429
        db.session.commit()  # the attempt counts before the (slow) password check, for parallel guesses too
        user = check_attempt(attempt, form.password.data, now=utcnow())
        db.session.commit()
        if user is not None:
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session at sign-in: no fixation
            login_user(user, remember=form.remember.data)
            return redirect(next_url)
        flash(_("邮箱或密码不正确。"), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign out here and everywhere: the session ends on the server, not just in this browser."""
    sign_out(current_user._get_current_object(), now=utcnow(), remote_addr=request.remote_addr)
    db.session.commit()
    logout_user()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> str:
    """忘记密码: the same answer whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        sign_in_links.request_reset(form.email.data, now=utcnow(), remote_addr=request.remote_addr)
        db.session.commit()
        return render_template("auth/forgot_password.html", form=None, hours=sign_in_links.RESET_LINK_HOURS)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> str | Response:
    """Choose a password through a one-time link, then be signed in. A link unknown (400), used
    or expired (410) gets a page that says so and leads to 忘记密码."""
    try:
        link = sign_in_links.peek(token, now=utcnow())
    except SignInLinkError as error:
        return render_template("auth/link_invalid.html", message=error.message), error.status
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = sign_in_links.redeem(token, form.new_password.data, now=utcnow())
        except SignInLinkError as error:
            db.session.rollback()
            return render_template("auth/link_invalid.html", message=error.message), error.status
        except PeopleError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            session.clear()  # a fresh session at sign-in: no fixation
            login_user(user)
            flash(_("密码已设置，您已登录。"), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/set_password.html", form=form, user=link.user)
