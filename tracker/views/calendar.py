"""The holiday pages: the table of holidays and make-up working days that the working-day
countdowns read, beyond and over chinese_calendar's years.

The legal office or the administrator pastes the State Council's yearly notice, reviews what was
read from it and saves it, or adds or deletes a single day. Every route here is for
:attr:`Action.MANAGE_CALENDAR` only; the guard below runs before each of them, so a new route
cannot forget it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.i18n import N_
from tracker.models import CalendarDay
from tracker.policy import Action
from tracker.services import calendar_days
from tracker.services.holiday_notice import NoticeError, ParsedNotice, parse_notice
from tracker.services.workdays import LIBRARY_LAST_YEAR, WorkCalendar
from tracker.views import calendar_forms as forms
from tracker.views.filters import format_date
from tracker.views.guards import guard_blueprint
from tracker.views.steps import INVALID_INPUT

bp = Blueprint("calendar", __name__)

# Chinese names and messages (message ids): translate them where they are shown.
WEEKDAY_NAMES = (N_("周一"), N_("周二"), N_("周三"), N_("周四"), N_("周五"), N_("周六"), N_("周日"))


guard_blueprint(bp, Action.MANAGE_CALENDAR)  # the legal office and the administrator


def load_day(day: str) -> CalendarDay:
    """The row of ``day`` (YYYY-MM-DD); aborts 404 when the day is not a date or has no row."""
    try:
        row = db.session.get(CalendarDay, date.fromisoformat(day))
    except ValueError:
        abort(404)
    if row is None:
        abort(404)
    return row


def weekday_name(day: date) -> str:
    return _(WEEKDAY_NAMES[day.weekday()])


def date_with_weekday(day: date) -> str:
    """2027年2月6日（周六）, in the user's language."""
    return _("%(date)s（%(weekday)s）", date=format_date(day), weekday=weekday_name(day))


# --- the table ------------------------------------------------------------------------------------------


@bp.route("/")
def index() -> Any:
    return _render_index()


def _render_index(
    status: int = 200, notice_form: forms.NoticeForm | None = None, day_form: forms.DayForm | None = None
) -> Any:
    """The rows by year, whether the coming months lack holiday data, and the forms."""
    rows = db.session.scalars(sa.select(CalendarDay).order_by(CalendarDay.day)).all()
    calendar = WorkCalendar({row.day: row.is_workday for row in rows})
    return render_template(
        "calendar/index.html",
        years=calendar_days.days_by_year(rows),
        missing_data=calendar.months_without_data(local_today()),
        known_through=calendar.known_through(),
        library_last_year=LIBRARY_LAST_YEAR,
        notice_form=notice_form or forms.NoticeForm(formdata=None),
        day_form=day_form or forms.DayForm(formdata=None),
        button=forms.ButtonForm(formdata=None),
    ), status


@bp.post("/days")
def add_day() -> Any:
    form = forms.DayForm()
    if not form.validate_on_submit():
        flash(_(INVALID_INPUT), "error")
        return _render_index(400, day_form=form)
    row = calendar_days.add_day(form.day.data, form.is_workday, form.name.data or "", current_user, utcnow())
    db.session.commit()
    if row.is_workday:
        flash(_("已将%(date)s设为上班日。", date=date_with_weekday(row.day)), "success")
    else:
        flash(_("已将%(date)s设为放假日。", date=date_with_weekday(row.day)), "success")
    return redirect(url_for("calendar.index", _anchor=f"year-{row.day.year}"))


@bp.post("/days/<day>/delete")
def delete_day(day: str) -> Any:
    row = load_day(day)
    if not forms.ButtonForm().validate_on_submit():
        flash(_(INVALID_INPUT), "error")
        return _render_index(400)
    label, year = date_with_weekday(row.day), row.day.year
    calendar_days.delete_day(row, current_user, utcnow())
    db.session.commit()
    flash(_("已删除%(date)s的记录，该日恢复按内置数据或周末推算。", date=label), "success")
    return redirect(url_for("calendar.index", _anchor=f"year-{year}"))


# --- the notice -----------------------------------------------------------------------------------------


@bp.post("/notice")
def notice_preview() -> Any:
    """Read the pasted notice and show what it says, to be confirmed; nothing is saved yet."""
    form = forms.NoticeForm()
    if not form.validate_on_submit():
        flash(_(INVALID_INPUT), "error")
        return _render_index(400, notice_form=form)
    return _render_notice_preview(form)


@bp.post("/notice/save")
def save_notice() -> Any:
    """Read the previewed notice again and save its days, replacing the rows of its year."""
    form = forms.ConfirmNoticeForm()
    if not form.validate_on_submit():
        flash(_(INVALID_INPUT), "error")
        return _render_index(400)
    try:
        notice = parse_notice(form.text.data)
    except NoticeError:
        # Only a page changed since the preview gets here: show the preview with its reason.
        return _render_notice_preview(forms.NoticeForm(formdata=None, text=form.text.data))
    calendar_days.save_days(notice, current_user, utcnow())
    db.session.commit()
    flash(
        _(
            "已保存%(year)s年节假日安排：放假 %(holidays)s 天，调休上班 %(workdays)s 天。",
            year=notice.year,
            holidays=len(notice.holidays),
            workdays=len(notice.workdays),
        ),
        "success",
    )
    return redirect(url_for("calendar.index", _anchor=f"year-{notice.year}"))


def _render_notice_preview(form: forms.NoticeForm) -> Any:
    """What the notice says with a button to save it, or why it could not be read (400); either
    way the pasted text stays in the form, to be corrected and read again."""
    try:
        notice: ParsedNotice | None = parse_notice(form.text.data)
    except NoticeError as failure:
        notice, error = None, _(failure.message_id, **failure.params)
    else:
        error = None
    replaced = 0
    if notice is not None:
        replaced = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CalendarDay)
            .where(CalendarDay.day.between(date(notice.year, 1, 1), date(notice.year, 12, 31)))
        )
    return render_template(
        "calendar/notice_preview.html",
        notice=notice,
        error=error,
        replaced=replaced,
        library_last_year=LIBRARY_LAST_YEAR,
        form=form,
        confirm=forms.ConfirmNoticeForm(formdata=None, text=form.text.data),
    ), 200 if notice is not None else 400
