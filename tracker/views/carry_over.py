"""结转: the unfinished tasks of an earlier year's report carried over to the new report's measures,
for the legal office (the guard below runs before every route)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker.clock import utcnow
from tracker.models import ReportStatus, SourceReport
from tracker.policy import Action
from tracker.services import carryover
from tracker.views import report_forms as forms
from tracker.views.guards import guard_blueprint
from tracker.views.reports import load_report, report_changed
from tracker.views.steps import run_step

bp = Blueprint("carry_over", __name__)
guard_blueprint(bp, Action.MANAGE_REPORTS)  # the legal office and the administrator

# The form's selects: "carry-<old task id>" = the new task's id, or "" for 不结转.
FIELD_PREFIX = "carry-"


@bp.route("/<int:report_id>/carry-over", methods=["GET", "POST"])
def carry_over(report_id: int) -> Any:
    """结转: the unfinished tasks of earlier reports, each with a select of this report's measures
    (the most similar preselected). One refusal saves nothing."""
    report = load_report(report_id)
    if report.status != ReportStatus.CONFIRMED:
        flash(_("请先审核并确认报告条目，生成督办任务后再结转上一年度的任务。"), "error")
        return redirect(url_for("reports.review", report_id=report_id))
    if request.method == "GET":
        return _render_carry_over(report)
    chosen = _chosen_measures()
    pairs = [(old_id, new_id) for old_id, new_id in chosen.items() if new_id is not None]
    form = forms.ButtonForm()
    if not pairs and form.validate_on_submit():
        flash(_("没有选择要结转的任务。"), "info")
        return redirect(url_for("carry_over.carry_over", report_id=report_id))

    def perform() -> str:
        carried = carryover.carry_over_many(report, pairs, current_user, utcnow())
        return ngettext("已结转%(num)s项任务。", "已结转%(num)s项任务。", len(carried))

    return run_step(
        form,
        perform,
        done=lambda: url_for("reports.review", report_id=report_id),
        again=lambda refusal: _render_carry_over(load_report(report_id), refusal.status, chosen),
        lost_race=report_changed,
    )


def _chosen_measures() -> dict[int, int | None]:
    """The form's choices: old task id -> new task id, or None for 不结转."""
    chosen: dict[int, int | None] = {}
    for name, value in request.form.items():
        old_id = name.removeprefix(FIELD_PREFIX)
        if name.startswith(FIELD_PREFIX) and old_id.isdigit():
            chosen[int(old_id)] = int(value) if value.isdigit() else None
    return chosen


def _render_carry_over(report: SourceReport, status: int = 200, chosen: dict[int, int | None] | None = None) -> Any:
    """The candidates with their selects; ``chosen`` holds the choices as submitted (after a
    refusal), otherwise the suggestions are preselected."""
    found = carryover.candidates(report)
    if chosen is None:
        chosen = {c.task.id: c.suggestion.id if c.suggestion else None for c in found}
    return render_template(
        "reports/carry_over.html",
        report=report,
        candidates=found,
        chosen=chosen,
        field_prefix=FIELD_PREFIX,
        button=forms.ButtonForm(formdata=None),
    ), status
