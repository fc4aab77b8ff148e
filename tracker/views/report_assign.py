"""交办 in bulk: a confirmed report's tasks assigned from one table, for the legal office (the guard
below runs before every route). The rules are :mod:`tracker.services.bulk_assign`'s."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import Department, Priority, ReportStatus, SourceReport, Task
from tracker.policy import Action, require
from tracker.services import bulk_assign, carryover
from tracker.services.reports import report_tasks
from tracker.views import report_forms as forms
from tracker.views.department_choices import department_choices, headless_warning
from tracker.views.guards import guard_blueprint
from tracker.views.reports import load_report

bp = Blueprint("report_assign", __name__)
guard_blueprint(bp, Action.MANAGE_REPORTS)  # the legal office and the administrator


def _row_data(task: Task) -> dict[str, Any]:
    return {
        "task_id": str(task.id),
        "version": str(task.version),
        "lead_department": task.lead_department_id,
        "co_departments": [d.id for d in task.co_departments],
        "deadline": task.deadline,
        "priority": task.priority.value,
    }


@bp.route("/<int:report_id>/assign", methods=["GET", "POST"])
def assign(report_id: int) -> Any:
    """交办 in bulk: every row with a lead department and a deadline that differs from the task
    is assigned; blank and unchanged rows are skipped. One refusal saves nothing."""
    report = load_report(report_id)
    if report.status != ReportStatus.CONFIRMED:
        flash(_("请先审核并确认报告条目，生成督办任务后再交办。"), "error")
        return redirect(url_for("reports.review", report_id=report_id))
    tasks = report_tasks(report)
    for task in tasks:
        require(current_user, Action.EDIT_TASK, task)
    departments = db.session.scalars(sa.select(Department).where(Department.is_active).order_by(Department.name)).all()
    if request.method == "GET":
        form = forms.BulkAssignForm(formdata=None, rows=[_row_data(t) for t in tasks])
        _fill_department_choices(form, departments)
        return _render_assign(report, form, tasks, {})
    form = forms.BulkAssignForm()
    _fill_department_choices(form, departments)
    if not form.validate():
        flash(_("提交的内容有误，请按提示修改。所有任务均未交办。"), "error")
        return _render_assign(report, form, tasks, {}, 400)
    done = bulk_assign.assign_rows(
        [_assign_row(entry.form) for entry in form.rows],
        {t.id: t for t in tasks},
        {d.id: d for d in departments},
        current_user,
        utcnow(),
    )
    if done.refusals:
        db.session.rollback()
        flash(_("部分任务未能交办，所有任务均未保存。请按提示修改后重新提交。"), "error")
        return _render_assign(report, form, report_tasks(report), done.refusals, 409)
    db.session.commit()
    if done.assigned:
        flash(ngettext("已交办 %(num)s 项任务。", "已交办 %(num)s 项任务。", done.assigned), "success")
        if warning := headless_warning(done.leads):
            flash(warning, "warning")
    else:
        flash(_("没有需要交办的任务：请为任务选择牵头单位并填写完成时限。"), "info")
    return redirect(url_for("report_assign.assign", report_id=report_id))


def _assign_row(row: forms.AssignRowForm) -> bulk_assign.AssignRow:
    return bulk_assign.AssignRow(
        task_id=int(row.task_id.data) if (row.task_id.data or "").isdigit() else None,
        lead_department_id=row.lead_department.data,
        co_department_ids=row.co_departments.data or [],
        deadline=row.deadline.data,
        priority=Priority(row.priority.data),
        expected_version=row.expected_version,
    )


def _fill_department_choices(form: forms.BulkAssignForm, departments: list[Department]) -> None:
    choices = department_choices(departments)
    for row in form.rows:
        row.form.lead_department.choices = [("", _("请选择"))] + choices
        row.form.co_departments.choices = choices


def _render_assign(
    report: SourceReport, form: forms.BulkAssignForm, tasks: list[Task], row_errors: dict[int, str], status: int = 200
) -> Any:
    by_id = {str(task.id): task for task in tasks}
    return render_template(
        "reports/assign.html",
        report=report,
        form=form,
        task_of=by_id,
        row_errors=row_errors,
        carry_count=carryover.count_candidates(report),
    ), status
