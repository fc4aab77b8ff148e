"""Exports: the task list as .xlsx, .csv and a printable page (the rows the list shows for the
same query string, every page of them), and the 通报 as .docx."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from tracker.clock import local_today, local_zone
from tracker.errors import Refusal
from tracker.extensions import db
from tracker.i18n import DEFAULT_LOCALE
from tracker.models import Department, SourceReport, User
from tracker.policy import Action, require, visible_departments, visible_people
from tracker.services import bulletin, dashboard, deadlines, ledger, task_query
from tracker.services.task_query import MANUAL_KIND, TaskFilter
from tracker.services.workdays import WorkCalendar
from tracker.views.downloads import DOCX_TYPE, XLSX_TYPE, attachment
from tracker.views.filters import KIND_NAMES, LIGHT_NAMES, STATE_NAMES, format_date
from tracker.views.task_filter_form import SORT_NAMES, TaskFilterForm

bp = Blueprint("exports", __name__)

LEDGER_TITLE = "整改督办台账"
BULLETIN_NAME = "整改任务督办通报"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class TooManyRows(Refusal):
    """More tasks than one export may hold."""

    status = 400

    def __init__(self, found: int, limit: int) -> None:
        super().__init__(
            _(
                "符合条件的任务共 %(found)s 项，超过一次导出的上限 %(limit)s 项。请返回任务列表，"
                "按牵头单位、状态、来源报告或完成时限缩小筛选范围后，再分批导出。",
                found=found,
                limit=limit,
            )
        )
        self.found, self.limit = found, limit


def _ledger_rows() -> tuple[list[ledger.LedgerRow], TaskFilter, date]:
    """The rows of the list for this query string, visible to the current user. Raises
    TooManyRows above TRACKER_EXPORT_MAX_ROWS, before loading any task."""
    wanted = TaskFilterForm(request.args).task_filter()
    today = local_today()
    calendar = WorkCalendar.load()
    thresholds = deadlines.Thresholds.on(today, calendar)
    limit = current_app.config["EXPORT_MAX_ROWS"]
    found = task_query.count(current_user, wanted, thresholds)
    if found > limit:
        raise TooManyRows(found, limit)
    rows = ledger.build_rows(
        task_query.condition(current_user, wanted, thresholds),
        task_query.ordering(wanted.sort, thresholds),
        today,
        calendar,
        local_zone(),
    )
    return rows, wanted, today


@bp.errorhandler(TooManyRows)
def too_many_rows(error: TooManyRows) -> tuple[str, int]:
    """Refused, not truncated: a partial 台账 would pass for a complete one. The filter stays in
    the address, so narrowing it loses nothing."""
    return render_template("errors/error.html", status=error.status, message=error.message), error.status


@bp.route("/tasks/export.xlsx")
@login_required
def tasks_xlsx() -> Response:
    rows, wanted, today = _ledger_rows()
    with force_locale(DEFAULT_LOCALE):  # the 台账 is an official record, in Chinese whatever the user reads
        conditions = describe(wanted)
    content = ledger.write_xlsx(rows, LEDGER_TITLE, today, ledger.describe_filter(conditions))
    return attachment(content, XLSX_TYPE, f"{LEDGER_TITLE}-{today:%Y%m%d}.xlsx")


@bp.route("/tasks/export.csv")
@login_required
def tasks_csv() -> Response:
    rows, _wanted, today = _ledger_rows()
    return attachment(ledger.write_csv(rows), "text/csv; charset=utf-8", f"{LEDGER_TITLE}-{today:%Y%m%d}.csv")


@bp.route("/tasks/print")
@login_required
def tasks_print() -> str:
    rows, wanted, today = _ledger_rows()
    return render_template(
        "tasks/print.html",
        rows=rows,
        conditions=describe(wanted),
        today=today,
        list_args=wanted.query_args(),
    )


def describe(wanted: TaskFilter) -> list[str]:
    """The filter in words, in the user's language ("牵头单位：交警支队"); empty for no filter."""
    parts = []
    if wanted.department_id is not None:
        name = db.session.scalar(
            sa.select(Department.name).where(Department.id == wanted.department_id, visible_departments(current_user))
        )
        parts.append(_("牵头单位：%(name)s", name=name or wanted.department_id))
    if wanted.state is not None:
        parts.append(_("状态：%(name)s", name=_(STATE_NAMES[wanted.state])))
    if wanted.light is not None:
        parts.append(_("状态灯：%(name)s", name=_(LIGHT_NAMES[wanted.light])))
    if wanted.report_id is not None:
        title = db.session.scalar(sa.select(SourceReport.title).where(SourceReport.id == wanted.report_id))
        parts.append(_("来源报告：%(name)s", name=title or wanted.report_id))
    if wanted.kind is not None:
        kind = _("自建任务") if wanted.kind == MANUAL_KIND else _(KIND_NAMES[wanted.kind])
        parts.append(_("类别：%(name)s", name=kind))
    if wanted.assignee_id is not None:
        name = db.session.scalar(
            sa.select(User.name).where(User.id == wanted.assignee_id, visible_people(current_user))
        )
        parts.append(_("责任人：%(name)s", name=name or wanted.assignee_id))
    if wanted.deadline_from is not None or wanted.deadline_to is not None:
        parts.append(
            _(
                "完成时限：%(start)s至%(end)s",
                start=format_date(wanted.deadline_from) or _("不限"),
                end=format_date(wanted.deadline_to) or _("不限"),
            )
        )
    if wanted.search:
        parts.append(_("关键词：%(text)s", text=wanted.search))
    if wanted.sort != "urgency":
        parts.append(_("排序：%(name)s", name=_(SORT_NAMES[wanted.sort])))
    return parts


@bp.route("/dashboard/bulletin.docx")
@login_required
def bulletin_docx() -> Any:
    """The 通报 as of ?date=YYYY-MM-DD (default today), for the legal office and leaders (403
    for others); a date that is malformed or in the future is a 400 with the reason."""
    require(current_user, Action.VIEW_ALL)
    today = local_today()
    raw = request.args.get("date", "").strip()
    try:
        as_of = date.fromisoformat(raw) if raw else today
        if raw and not ISO_DATE.fullmatch(raw):
            raise ValueError(raw)
    except ValueError:
        message = _("通报日期“%(date)s”无效，请按“年-月-日”填写，例如 2026-11-28。", date=raw)
        return render_template("errors/error.html", status=400, message=message), 400
    if as_of > today:
        message = _("通报日期不能晚于今天（%(today)s）。", today=format_date(today))
        return render_template("errors/error.html", status=400, message=message), 400
    calendar = WorkCalendar.load()
    overview = dashboard.overview(current_user, as_of, calendar)
    overdue = dashboard.overdue_tasks(current_user, as_of, limit=bulletin.OVERDUE_LISTED)
    issuer = current_user.department.name if current_user.department else ""
    content = bulletin.write_bulletin(overview, overdue, as_of, issuer, calendar=calendar)
    return attachment(content, DOCX_TYPE, f"{BULLETIN_NAME}-{as_of:%Y%m%d}.docx")
