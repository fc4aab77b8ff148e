"""One way for a page to take a step of the rules: validate the form, perform, commit, say so.

A refusal (:class:`tracker.errors.Refusal`) or a lost race (someone else saved first: a unique
constraint or the optimistic lock) loses nothing the user typed: the transaction is rolled back,
the reason is flashed and the page comes back as filled, with the refusal's HTTP status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.errors import Refusal
from tracker.extensions import db
from tracker.i18n import N_

INVALID_INPUT = N_("提交的内容有误，请按提示修改。")


def run_step(
    form: FlaskForm | None,
    perform: Callable[[], str],
    *,
    done: Callable[[], str],
    again: Callable[[Refusal], Any],
    lost_race: Callable[[], Refusal],
) -> Any:
    """Validate ``form`` (None: already validated), ``perform`` the step and commit; flash the
    message it returns and redirect to ``done()``. Otherwise roll back, flash the reason and
    answer ``again(refusal)``: the page as filled, with ``refusal.status`` (400 for a form that
    does not validate). ``lost_race()`` is the refusal for a race lost to another request."""
    if form is not None and not form.validate_on_submit():
        return _refused(Refusal(_(INVALID_INPUT), status=400), again)
    try:
        message = perform()
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        return _refused(refusal, again)
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        return _refused(lost_race(), again)
    flash(message, "success")
    return redirect(done())


def _refused(refusal: Refusal, again: Callable[[Refusal], Any]) -> Any:
    flash(refusal.message, "error")
    return again(refusal)
