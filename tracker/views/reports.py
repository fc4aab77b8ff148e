"""The legal office's report pages: upload, review the items, confirm them into tasks, assign the
tasks in bulk, link shortcomings to the measures that address them, and carry the unfinished
tasks of an earlier year over to the new measures (结转).

Every route here is for :attr:`Action.MANAGE_REPORTS` only; the guard below runs before each of
them, so a new route cannot forget it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.i18n import N_
from tracker.importer import ReportImportError, parse_report_within
from tracker.models import (
    Department,
    ItemKind,
    LinkStatus,
    Priority,
    ReportItem,
    ReportStatus,
    ShortcomingMeasureLink,
    SourceReport,
    Task,
)
from tracker.policy import Action, require
from tracker.services import carryover, links, review, workflow
from tracker.services.reports import DuplicateReportError, store_report
from tracker.views import report_forms as forms
from tracker.views.department_choices import department_choices, headless_warning
from tracker.views.guards import guard_blueprint

bp = Blueprint("reports", __name__)

REPORTS_PER_PAGE = 30
# Chinese names and messages (message ids): translate them where they are shown.
STATUS_NAMES = {ReportStatus.IN_REVIEW: N_("待审核确认"), ReportStatus.CONFIRMED: N_("已确认")}
# The kinds in the order a report prints them.
KIND_ORDER = forms.ITEM_KINDS
INVALID_INPUT = N_("提交的内容有误，请按提示修改。")
# The carry-over form's selects: "carry-<old task id>" = the new task's id, or "" for 不结转.
CARRY_FIELD_PREFIX = "carry-"
CONCURRENT_CHANGE = N_("其他人刚刚修改了这份报告，您的修改未保存。请查看最新内容后重试。")


def _status_names() -> dict[ReportStatus, str]:
    """The names of the report statuses in the user's language."""
    return {status: _(name) for status, name in STATUS_NAMES.items()}


guard_blueprint(bp, Action.MANAGE_REPORTS)  # the legal office and the administrator


@bp.app_template_global("linked_tasks")
def linked_tasks(task: Task) -> list[tuple[ReportItem, Task | None]]:
    """For ``templates/tasks/_links.html``: the items linked to ``task``'s item, with their tasks."""
    return links.linked_tasks(task)


def load_report(report_id: int) -> SourceReport:
    """The report; aborts 404 when there is none (the guard has already checked the user)."""
    report = db.session.get(SourceReport, report_id)
    if report is None:
        abort(404)
    return report


def load_item(report: SourceReport, item_id: int) -> ReportItem:
    """An item of ``report``; aborts 404 for an item of another report or none at all."""
    item = db.session.get(ReportItem, item_id)
    if item is None or item.report_id != report.id:
        abort(404)
    return item


# --- the list and the upload ---------------------------------------------------------------------------


@bp.route("/")
def index() -> Any:
    return _render_index(forms.UploadForm(formdata=None))


def _render_index(form: forms.UploadForm, status: int = 200) -> Any:
    """The reports, newest first, with their item and task counts (three queries per page)."""
    page = db.paginate(
        sa.select(SourceReport).order_by(SourceReport.created_at.desc(), SourceReport.id.desc()),
        per_page=REPORTS_PER_PAGE,
        error_out=False,
    )
    ids = [report.id for report in page.items]
    item_counts: dict[tuple[int, ItemKind], int] = {
        (report_id, kind): count
        for report_id, kind, count in db.session.execute(
            sa.select(ReportItem.report_id, ReportItem.kind, sa.func.count())
            .where(ReportItem.report_id.in_(ids))
            .group_by(ReportItem.report_id, ReportItem.kind)
        )
    }
    task_counts: dict[int, int] = {
        report_id: count
        for report_id, count in db.session.execute(
            sa.select(Task.report_id, sa.func.count())
            .where(Task.report_id.in_(ids), Task.parent_id.is_(None))
            .group_by(Task.report_id)
        )
    }
    return render_template(
        "reports/index.html",
        page=page,
        form=form,
        item_counts=item_counts,
        task_counts=task_counts,
        status_names=_status_names(),
        kinds=forms.COUNTED_KINDS,
    ), status


@bp.post("/upload")
def upload() -> Any:
    """Parse the file and store the report for review; nothing is stored when the importer (a
    file over its limits or too slow to parse included) or the duplicate check refuses it."""
    form = forms.UploadForm()
    if not form.validate_on_submit():
        flash(_(INVALID_INPUT), "error")
        return _render_index(form, 400)
    data = form.file.data.read()
    filename = PurePath(form.file.data.filename or "").name[-255:]
    try:
        parsed = parse_report_within(data, filename, current_app.config["IMPORT_TIMEOUT_SECONDS"])
        report = store_report(
            parsed,
            filename=filename,
            original_file=data if filename.lower().endswith(".docx") else None,
            imported_by=current_user,
            now=utcnow(),
        )
    except ReportImportError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_index(form, 400)
    except DuplicateReportError as error:
        db.session.rollback()
        # The service's message is in Chinese (it is the command line's too): say it here in the user's language.
        existing = error.existing
        flash(
            _(
                "该报告已导入过（编号 %(id)s：%(title)s），不能重复导入。",
                id=existing.id,
                title=existing.title or existing.original_filename,
            ),
            "error",
        )
        return _render_index(form, 409)
    db.session.commit()
    counts = (
        ngettext("%(num)s 项工作成效", "%(num)s 项工作成效", len(parsed.achievements)),
        ngettext("%(num)s 项存在不足", "%(num)s 项存在不足", len(parsed.shortcomings)),
        ngettext("%(num)s 项工作措施", "%(num)s 项工作措施", len(parsed.measures)),
    )
    flash(
        _(
            "已导入《%(title)s》：%(counts)s。请核对条目，确认后生成督办任务。",
            title=report.title,
            counts=_("、").join(counts),
        ),
        "success",
    )
    if not parsed.title:
        flash(_("报告中没有标题行，已拟定标题《%(title)s》，可在本页“报告信息”中修改。", title=report.title), "warning")
    return redirect(url_for("reports.review", report_id=report.id))


# --- review ----------------------------------------------------------------------------------------------


@bp.route("/<int:report_id>/review", endpoint="review")
def review_page(report_id: int) -> Any:
    return _render_review(load_report(report_id))


def _render_review(report: SourceReport, status: int = 200, given: dict[str, FlaskForm] | None = None) -> Any:
    """The review page; ``given`` holds forms as the user filled them (after a refusal), keyed
    like the blank ones: "details", "add", "edit-<item id>", "split-<item id>"."""
    given = given or {}
    items = db.session.scalars(
        sa.select(ReportItem).where(ReportItem.report_id == report.id).order_by(ReportItem.position, ReportItem.id)
    ).all()
    groups = [(kind, forms.item_kind_name(kind), [i for i in items if i.kind == kind]) for kind in KIND_ORDER]
    page_forms: dict[str, FlaskForm] = {
        "details": forms.DetailsForm(
            formdata=None,
            prefix="report",
            title=report.title,
            issuer=report.issuer,
            year=str(report.year or ""),
            report_date=report.report_date,
        ),
        "add": forms.AddItemForm(formdata=None, prefix="add"),
        "button": forms.ButtonForm(formdata=None),
    }
    for item in items:
        page_forms[f"edit-{item.id}"] = forms.ItemForm(formdata=None, obj=item, prefix=f"item{item.id}")
        page_forms[f"split-{item.id}"] = forms.SplitForm(formdata=None, prefix=f"split{item.id}")
    page_forms |= given
    task_count = sum(1 for item in items if item.kind in review.TASK_KINDS)
    return render_template(
        "reports/review.html",
        report=report,
        groups=groups,
        forms=page_forms,
        task_count=task_count,
        task_kinds=review.TASK_KINDS,
        split_points={item.id: review.split_points(item.body or "") for item in items},
        carry_count=carryover.count_candidates(report),
        status_names=_status_names(),
    ), status


def _review_step(
    report_id: int,
    form_key: str,
    form: FlaskForm,
    perform: Callable[[SourceReport], str],
    anchor: str = "",
) -> Any:
    """Validate the form, perform the review step, commit, and go back to the review page with
    its message; on a refusal, show the page again with the form as filled and the reason."""
    report = load_report(report_id)
    if not form.validate_on_submit():
        flash(_(INVALID_INPUT), "error")
        return _render_review(report, 400, {form_key: form})
    try:
        message = perform(report)
    except review.ReviewError as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return _render_review(load_report(report_id), 409, {form_key: form})
    except sa.exc.IntegrityError:
        db.session.rollback()
        flash(_(CONCURRENT_CHANGE), "error")
        return _render_review(load_report(report_id), 409, {form_key: form})
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("reports.review", report_id=report_id, _anchor=anchor or None))


@bp.post("/<int:report_id>/details")
def edit_details(report_id: int) -> Any:
    form = forms.DetailsForm(prefix="report")

    def perform(report: SourceReport) -> str:
        review.update_details(
            report,
            current_user,
            title=form.title.data,
            issuer=form.issuer.data,
            year=forms.number_of(form.year),
            report_date=form.report_date.data,
            now=utcnow(),
        )
        return _("报告信息已保存。")

    return _review_step(report_id, "details", form, perform)


@bp.post("/<int:report_id>/items/<int:item_id>/edit")
def edit_item(report_id: int, item_id: int) -> Any:
    form = forms.ItemForm(prefix=f"item{item_id}")

    def perform(report: SourceReport) -> str:
        item = load_item(report, item_id)
        review.edit_item(item, current_user, title=form.title.data, body=form.body.data, now=utcnow())
        return _("已保存“%(title)s”。", title=item.title)

    return _review_step(report_id, f"edit-{item_id}", form, perform, f"item-{item_id}")


@bp.post("/<int:report_id>/items/<int:item_id>/split")
def split_item(report_id: int, item_id: int) -> Any:
    form = forms.SplitForm(prefix=f"split{item_id}")

    def perform(report: SourceReport) -> str:
        item = load_item(report, item_id)
        created = review.split_item(item, current_user, at=forms.number_of(form.at), now=utcnow())
        return _("已拆分为两条：“%(first)s”和“%(second)s”。", first=item.title, second=created.title)

    return _review_step(report_id, f"split-{item_id}", form, perform, f"item-{item_id}")


@bp.post("/<int:report_id>/items/<int:item_id>/merge")
def merge_item(report_id: int, item_id: int) -> Any:
    def perform(report: SourceReport) -> str:
        item = review.merge_with_next(load_item(report, item_id), current_user, now=utcnow())
        return _("已将下一条合并到“%(title)s”。", title=item.title)

    return _review_step(report_id, "button", forms.ButtonForm(), perform, f"item-{item_id}")


@bp.post("/<int:report_id>/items/<int:item_id>/move")
def move_item(report_id: int, item_id: int) -> Any:
    form = forms.MoveForm()

    def perform(report: SourceReport) -> str:
        item = load_item(report, item_id)
        review.move_item(item, current_user, direction=form.direction.data, now=utcnow())
        return _("已将“%(title)s”移到第 %(position)s 条。", title=item.title, position=item.position)

    return _review_step(report_id, "button", form, perform, f"item-{item_id}")


@bp.post("/<int:report_id>/items/<int:item_id>/delete")
def delete_item(report_id: int, item_id: int) -> Any:
    def perform(report: SourceReport) -> str:
        item = load_item(report, item_id)
        title = item.title
        review.delete_item(item, current_user, now=utcnow())
        return _("已删除“%(title)s”。", title=title)

    return _review_step(report_id, "button", forms.ButtonForm(), perform)


@bp.post("/<int:report_id>/items")
def add_item(report_id: int) -> Any:
    form = forms.AddItemForm(prefix="add")

    def perform(report: SourceReport) -> str:
        item = review.add_item(
            report,
            current_user,
            kind=ItemKind(form.kind.data),
            title=form.title.data,
            body=form.body.data,
            position=forms.number_of(form.position),
            now=utcnow(),
        )
        return _(
            "已添加“%(title)s”（%(kind)s第 %(position)s 条）。",
            title=item.title,
            kind=forms.item_kind_name(item.kind),
            position=item.position,
        )

    return _review_step(report_id, "add", form, perform, "add-item")


@bp.post("/<int:report_id>/confirm")
def confirm(report_id: int) -> Any:
    """Make the tasks, all in one commit, and go on to assign them."""
    report = load_report(report_id)
    if not forms.ButtonForm().validate_on_submit():
        flash(_(INVALID_INPUT), "error")
        return _render_review(report, 400)
    try:
        tasks = review.confirm(report, current_user, now=utcnow())
    except review.ReviewError as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return _render_review(load_report(report_id), 409)
    db.session.commit()
    flash(
        ngettext(
            "报告已确认，生成 %(num)s 项督办任务。请逐项选择牵头单位和完成时限后交办。",
            "报告已确认，生成 %(num)s 项督办任务。请逐项选择牵头单位和完成时限后交办。",
            len(tasks),
        ),
        "success",
    )
    return redirect(url_for("reports.assign", report_id=report_id))


# --- bulk assignment -------------------------------------------------------------------------------------


def _report_tasks(report: SourceReport) -> list[Task]:
    """The report's tasks (not milestones) in the report's order: shortcomings, then measures."""
    tasks = db.session.scalars(
        sa.select(Task)
        .where(Task.report_id == report.id, Task.parent_id.is_(None))
        .options(
            selectinload(Task.report_item),
            selectinload(Task.lead_department),
            selectinload(Task.co_departments),
            selectinload(Task.assignee),
        )
    ).all()
    kind_rank = {kind: n for n, kind in enumerate(KIND_ORDER)}

    def order(task: Task) -> tuple[int, int, int]:
        position = task.report_item.position if task.report_item else 0
        return (kind_rank.get(task.kind, len(KIND_ORDER)), position, task.id)

    return sorted(tasks, key=order)


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
    tasks = _report_tasks(report)
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
    row_errors, assigned, leads = _assign_rows(form, {t.id: t for t in tasks}, {d.id: d for d in departments})
    if row_errors:
        db.session.rollback()
        flash(_("部分任务未能交办，所有任务均未保存。请按提示修改后重新提交。"), "error")
        return _render_assign(report, form, _report_tasks(report), row_errors, 409)
    db.session.commit()
    if assigned:
        flash(ngettext("已交办 %(num)s 项任务。", "已交办 %(num)s 项任务。", assigned), "success")
        if warning := headless_warning(leads):
            flash(warning, "warning")
    else:
        flash(_("没有需要交办的任务：请为任务选择牵头单位并填写完成时限。"), "info")
    return redirect(url_for("reports.assign", report_id=report_id))


def _fill_department_choices(form: forms.BulkAssignForm, departments: list[Department]) -> None:
    choices = department_choices(departments)
    for row in form.rows:
        row.form.lead_department.choices = [("", _("请选择"))] + choices
        row.form.co_departments.choices = choices


def _assign_rows(
    form: forms.BulkAssignForm, tasks: dict[int, Task], departments: dict[int, Department]
) -> tuple[dict[int, str], int, list[Department]]:
    """Assign the filled rows through the workflow. Returns the refusals by row index (nothing
    should be committed when there are any), how many tasks were assigned, and to which lead
    departments."""
    errors: dict[int, str] = {}
    assigned = 0
    leads: list[Department] = []
    now = utcnow()
    for index, entry in enumerate(form.rows):
        row: forms.AssignRowForm = entry.form
        task = tasks.get(int(row.task_id.data)) if (row.task_id.data or "").isdigit() else None
        if task is None:
            errors[index] = _("该任务不属于此报告，请刷新页面。")
            continue
        lead = departments.get(row.lead_department.data or 0)
        deadline: date | None = row.deadline.data
        if lead is None and deadline is None:
            continue
        if lead is None or deadline is None:
            errors[index] = _("请同时选择牵头单位和填写完成时限，或将两项都留空。")
            continue
        co = [departments[i] for i in row.co_departments.data or [] if i in departments]
        priority = Priority(row.priority.data)
        if _unchanged(task, lead, co, deadline, priority):
            continue
        owners = {lead.id, *(d.id for d in co)}
        assignee = task.assignee if task.assignee and task.assignee.department_id in owners else None
        try:
            workflow.assign(
                task,
                current_user,
                lead_department=lead,
                co_departments=co,
                assignee=assignee,
                start_date=task.start_date,
                deadline=deadline,
                priority=priority,
                expected_version=row.expected_version,
                now=now,
            )
        except workflow.WorkflowError as refusal:
            errors[index] = str(refusal)
            continue
        assigned += 1
        leads.append(lead)
    return errors, assigned, leads


def _unchanged(task: Task, lead: Department, co: list[Department], deadline: date, priority: Priority) -> bool:
    return (
        task.lead_department_id == lead.id
        and {d.id for d in task.co_departments} == {d.id for d in co if d.id != lead.id}
        and task.deadline == deadline
        and task.priority == priority
    )


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


# --- links between shortcomings and measures -------------------------------------------------------------


@bp.route("/<int:report_id>/links")
def links_page(report_id: int) -> Any:
    return _render_links(load_report(report_id))


def _render_links(report: SourceReport, status: int = 200, given: dict[int, FlaskForm] | None = None) -> Any:
    """Each shortcoming with its accepted, suggested and rejected measures, and a form to link
    one by hand (``given``: such a form as filled, by shortcoming id, after a refusal)."""
    items = db.session.scalars(
        sa.select(ReportItem)
        .where(ReportItem.report_id == report.id, ReportItem.kind.in_([ItemKind.SHORTCOMING, ItemKind.MEASURE]))
        .order_by(ReportItem.position)
    ).all()
    shortcomings = [i for i in items if i.kind == ItemKind.SHORTCOMING]
    measures = [i for i in items if i.kind == ItemKind.MEASURE]
    by_shortcoming: dict[int, dict[LinkStatus, list[ShortcomingMeasureLink]]] = {
        s.id: {status: [] for status in LinkStatus} for s in shortcomings
    }
    for link in links.links_of_report(report):
        by_shortcoming[link.shortcoming_id][link.status].append(link)
    item_of = {item.id: item for item in items}
    manual_forms: dict[int, FlaskForm] = {}
    for shortcoming in shortcomings:
        linked = {link.measure_id for link in by_shortcoming[shortcoming.id][LinkStatus.ACCEPTED]}
        form = (given or {}).get(shortcoming.id) or forms.ManualLinkForm(formdata=None, prefix=f"link{shortcoming.id}")
        form.measure.choices = [(None, _("请选择"))] + [
            (m.id, f"{m.number_label}{m.title}") for m in measures if m.id not in linked
        ]
        manual_forms[shortcoming.id] = form
    return render_template(
        "reports/links.html",
        report=report,
        shortcomings=shortcomings,
        measures=measures,
        by_shortcoming=by_shortcoming,
        item_of=item_of,
        manual_forms=manual_forms,
        button=forms.ButtonForm(formdata=None),
        Status=LinkStatus,
    ), status


def _links_step(report_id: int, form: FlaskForm, perform: Callable[[SourceReport], str], anchor: str = "") -> Any:
    report = load_report(report_id)
    if not form.validate_on_submit():
        flash(_(INVALID_INPUT), "error")
        return _render_links(report, 400)
    try:
        message = perform(report)
    except links.LinkError as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return _render_links(load_report(report_id), 409)
    except sa.exc.IntegrityError:
        db.session.rollback()
        flash(_(CONCURRENT_CHANGE), "error")
        return _render_links(load_report(report_id), 409)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("reports.links_page", report_id=report_id, _anchor=anchor or None))


@bp.post("/<int:report_id>/links/suggest")
def suggest_links(report_id: int) -> Any:
    def perform(report: SourceReport) -> str:
        suggested = links.suggest(report, now=utcnow())
        return ngettext(
            "已按文字相似度生成 %(num)s 条关联建议（已不采纳的不再建议）。",
            "已按文字相似度生成 %(num)s 条关联建议（已不采纳的不再建议）。",
            len(suggested),
        )

    return _links_step(report_id, forms.ButtonForm(), perform)


@bp.post("/<int:report_id>/links/<int:link_id>/decide")
def decide_link(report_id: int, link_id: int) -> Any:
    link = db.session.get(ShortcomingMeasureLink, link_id)
    if link is None or link.shortcoming.report_id != report_id:
        abort(404)
    shortcoming_id = link.shortcoming_id
    form = forms.LinkDecisionForm()

    def perform(_report: SourceReport) -> str:
        accept = form.decision.data == "accept"
        links.decide(link, current_user, accept=accept, now=utcnow())
        names = {"measure": link.measure.title, "shortcoming": link.shortcoming.title}
        if accept:
            return _("已采纳：“%(measure)s”针对“%(shortcoming)s”。", **names)
        return _("已不采纳：“%(measure)s”针对“%(shortcoming)s”。", **names)

    return _links_step(report_id, form, perform, f"shortcoming-{shortcoming_id}")


@bp.post("/<int:report_id>/links/<int:shortcoming_id>/add")
def add_link(report_id: int, shortcoming_id: int) -> Any:
    form = forms.ManualLinkForm(prefix=f"link{shortcoming_id}")
    report = load_report(report_id)
    shortcoming = load_item(report, shortcoming_id)
    if not form.validate_on_submit():
        flash(_(INVALID_INPUT), "error")
        return _render_links(report, 400, {shortcoming_id: form})
    measure = load_item(report, form.measure.data)
    try:
        links.link_by_hand(shortcoming, measure, current_user, now=utcnow())
    except links.LinkError as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return _render_links(load_report(report_id), 409, {shortcoming_id: form})
    db.session.commit()
    flash(
        _("已关联：“%(measure)s”针对“%(shortcoming)s”。", measure=measure.title, shortcoming=shortcoming.title),
        "success",
    )
    return redirect(url_for("reports.links_page", report_id=report_id, _anchor=f"shortcoming-{shortcoming_id}"))


# --- carrying over the unfinished tasks of an earlier year ---------------------------------------------


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
    if not forms.ButtonForm().validate_on_submit():
        flash(_(INVALID_INPUT), "error")
        return _render_carry_over(report, 400, chosen)
    pairs = [(old_id, new_id) for old_id, new_id in chosen.items() if new_id is not None]
    try:
        carried = carryover.carry_over_many(report, pairs, current_user, utcnow())
    except carryover.CarryOverError as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return _render_carry_over(load_report(report_id), 409, chosen)
    except (sa.exc.IntegrityError, StaleDataError):
        db.session.rollback()
        flash(_(CONCURRENT_CHANGE), "error")
        return _render_carry_over(load_report(report_id), 409, chosen)
    db.session.commit()
    if not carried:
        flash(_("没有选择要结转的任务。"), "info")
        return redirect(url_for("reports.carry_over", report_id=report_id))
    flash(ngettext("已结转%(num)s项任务。", "已结转%(num)s项任务。", len(carried)), "success")
    return redirect(url_for("reports.review", report_id=report_id))


def _chosen_measures() -> dict[int, int | None]:
    """The form's choices: old task id -> new task id, or None for 不结转."""
    chosen: dict[int, int | None] = {}
    for name, value in request.form.items():
        old_id = name.removeprefix(CARRY_FIELD_PREFIX)
        if name.startswith(CARRY_FIELD_PREFIX) and old_id.isdigit():
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
        field_prefix=CARRY_FIELD_PREFIX,
        button=forms.ButtonForm(formdata=None),
    ), status
