"""The legal office's report pages: the list, the upload, the review of the items and their
confirmation into tasks. Then, each in its own module: assigning the tasks in bulk
(:mod:`report_assign`), linking shortcomings to the measures that address them
(:mod:`report_links`) and carrying an earlier year's unfinished tasks over (:mod:`carry_over`).

Every route here is for :attr:`Action.MANAGE_REPORTS` only; the guard below runs before each of
them, so a new route cannot forget it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker.clock import utcnow
from tracker.errors import Refusal
from tracker.extensions import db
from tracker.i18n import N_
from tracker.importer import parse_report_within
from tracker.models import (
    ItemKind,
    ReportItem,
    ReportStatus,
    SourceReport,
)
from tracker.policy import Action
from tracker.services import carryover, review
from tracker.services import reports as report_service
from tracker.views import report_forms as forms
from tracker.views.guards import guard_blueprint
from tracker.views.steps import INVALID_INPUT, run_step

bp = Blueprint("reports", __name__)

REPORTS_PER_PAGE = 30
# Chinese names and messages (message ids): translate them where they are shown.
STATUS_NAMES = {ReportStatus.IN_REVIEW: N_("待审核确认"), ReportStatus.CONFIRMED: N_("已确认")}
# The kinds in the order a report prints them.
KIND_ORDER = forms.ITEM_KINDS
CONCURRENT_CHANGE = N_("其他人刚刚修改了这份报告，您的修改未保存。请查看最新内容后重试。")


def report_changed() -> Refusal:
    """The refusal of a step on a report that someone else changed meanwhile."""
    return Refusal(_(CONCURRENT_CHANGE))


def _status_names() -> dict[ReportStatus, str]:
    """The names of the report statuses in the user's language."""
    return {status: _(name) for status, name in STATUS_NAMES.items()}


guard_blueprint(bp, Action.MANAGE_REPORTS)  # the legal office and the administrator


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
    counts = report_service.counts_of(page.items)
    return render_template(
        "reports/index.html",
        page=page,
        form=form,
        item_counts=counts.items,
        task_counts=counts.tasks,
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
        report = report_service.store_report(
            parsed,
            filename=filename,
            data=data,
            imported_by=current_user,
            now=utcnow(),
        )
    except report_service.DuplicateReportError as error:
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
    except Refusal as refusal:  # the importer's: a file it cannot read
        db.session.rollback()
        flash(refusal.message, "error")
        return _render_index(form, refusal.status)
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
    """Take a review step; on a refusal, show the review page again with the form as filled."""
    report = load_report(report_id)
    return run_step(
        form,
        lambda: perform(report),
        done=lambda: url_for("reports.review", report_id=report_id, _anchor=anchor or None),
        again=lambda refusal: _render_review(load_report(report_id), refusal.status, {form_key: form}),
        lost_race=report_changed,
    )


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

    def perform() -> str:
        tasks = review.confirm(load_report(report_id), current_user, now=utcnow())
        return ngettext(
            "报告已确认，生成 %(num)s 项督办任务。请逐项选择牵头单位和完成时限后交办。",
            "报告已确认，生成 %(num)s 项督办任务。请逐项选择牵头单位和完成时限后交办。",
            len(tasks),
        )

    return run_step(
        forms.ButtonForm(),
        perform,
        done=lambda: url_for("report_assign.assign", report_id=report_id),
        again=lambda refusal: _render_review(load_report(report_id), refusal.status),
        lost_race=report_changed,
    )
