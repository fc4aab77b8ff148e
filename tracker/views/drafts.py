"""The draft of next year's report: generate it, edit it section by section, merge new progress,
compare and restore versions, export it (.docx, Markdown, print). For the legal office only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.models import Draft, DraftStructure, DraftVersion, ReportStatus, SourceReport
from tracker.policy import Action
from tracker.services import drafts
from tracker.services.drafts import DraftConflict, DraftContent, DraftNotFound
from tracker.views import draft_forms as forms
from tracker.views.downloads import DOCX_TYPE, PreparedFile, attachment
from tracker.views.guards import guard_blueprint
from tracker.views.steps import INVALID_INPUT

bp = Blueprint("drafts", __name__)

FILING_WARNING_DAYS = 30  # the page warns when the filing date is this close
# A draft whose annex has this many tasks or more is exported to Word in the background, not in
# the request: a province's 17,000 tasks take seconds, which a busy server can stretch past the
# worker timeout (60 s, deploy/gunicorn.conf.py).
BACKGROUND_EXPORT_TASKS = 3_000
EXPORT_FOLDER = "exports"  # under the instance folder; the prepared .docx of each draft's latest version


def _draft_action() -> Action:
    """Leaders read the draft and export it; only the legal office generates and edits it."""
    return Action.READ_DRAFTS if request.method in ("GET", "HEAD") else Action.MANAGE_REPORTS


guard_blueprint(bp, _draft_action)


def _report(report_id: int) -> SourceReport:
    report = db.session.get(SourceReport, report_id)
    if report is None:
        abort(404)
    return report


def _structure() -> DraftStructure:
    value = request.values.get("structure", DraftStructure.SOURCE.value)
    return DraftStructure(value) if value in set(DraftStructure) else DraftStructure.SOURCE


def _draft(report: SourceReport, structure: DraftStructure) -> Draft:
    draft = drafts.draft_for(report, structure)
    if draft is None:
        abort(404)
    return draft


def _back(report: SourceReport, structure: DraftStructure, anchor: str = "") -> Response:
    url = url_for("drafts.page", report_id=report.id, structure=structure.value)
    return redirect(f"{url}#{anchor}" if anchor else url)


@bp.route("/<int:report_id>/draft")
def page(report_id: int) -> Any:
    report = _report(report_id)
    return _render(report, _structure())


def _render(report: SourceReport, structure: DraftStructure, status: int = 200, **kept: Any) -> Any:
    """The draft page; ``kept`` holds a refused section form (its text stays as typed)."""
    draft = drafts.draft_for(report, structure)
    version = drafts.latest(draft) if draft is not None else None
    content = drafts.content_of(version) if version is not None else None
    # None: exported within the request; else the state of its background build (PreparedFile.state).
    docx_export = None
    if draft is not None and version is not None and content is not None and _in_background(content):
        docx_export = _prepared_docx(draft, version).state
    today = local_today()
    setting = current_app.config["DRAFT_FILING_DATE"]
    days_left = drafts.days_to_filing(today, setting)
    return (
        render_template(
            "drafts/page.html",
            report=report,
            structure=structure,
            structures=list(DraftStructure),
            structure_names={s: _(name) for s, name in forms.STRUCTURE_NAMES.items()},
            draft=draft,
            version=version,
            content=content,
            docx_export=docx_export,
            versions=list(reversed(draft.versions)) if draft is not None else [],
            generate_form=forms.GenerateForm(formdata=None, structure=structure.value),
            button_form=forms.ButtonForm(formdata=None),
            filing_deadline=drafts.filing_deadline(today, setting),
            days_to_filing=days_left,
            filing_warning=days_left <= FILING_WARNING_DAYS,
            confirmed=report.status == ReportStatus.CONFIRMED,
            **kept,
        ),
        status,
    )


@bp.route("/<int:report_id>/draft/generate", methods=["POST"])
def generate(report_id: int) -> Any:
    report = _report(report_id)
    form = forms.GenerateForm()
    if not form.validate_on_submit():
        abort(400)
    structure = DraftStructure(form.structure.data)
    if report.status != ReportStatus.CONFIRMED:
        flash(_("报告尚未确认生成督办任务，不能生成草稿。"), "error")
        return _back(report, structure)
    draft = drafts.draft_for(report, structure)
    before = drafts.latest(draft).number if draft is not None else None
    version = drafts.generate(report, structure, current_user, utcnow())
    db.session.commit()
    if before is None:
        flash(_("草稿已生成。"), "success")
    elif version.number == before:
        flash(_("没有新的进展，草稿未变。"), "success")
    else:
        flash(_("已根据最新进展重新生成草稿（第 %(n)s 版）；手工修改过的部分保持不变。", n=version.number), "success")
    return _back(report, structure)


@bp.route("/<int:report_id>/draft/section", methods=["POST"])
def save_section(report_id: int) -> Any:
    report = _report(report_id)
    structure = _structure()
    draft = _draft(report, structure)
    form = forms.SectionForm()
    if not form.validate_on_submit() or form.based_on_number is None:
        flash(_(INVALID_INPUT), "error")
        return _render(report, structure, 400, refused=form, latest_content=None)
    try:
        drafts.save_section(
            draft, form.key.data, form.text.data or "", current_user, utcnow(), based_on=form.based_on_number
        )
    except DraftConflict as conflict:
        db.session.rollback()
        flash(_("其他人刚刚保存了新版本，您的修改尚未保存。请对照最新内容后再保存。"), "error")
        return _render(report, structure, 409, refused=form, latest_content=drafts.content_of(conflict.latest))
    except DraftNotFound:
        abort(404)
    db.session.commit()
    flash(_("已保存（新版本）。"), "success")
    return _back(report, structure, _anchor(form.key.data))


@bp.route("/<int:report_id>/draft/pending", methods=["POST"])
def pending(report_id: int) -> Any:
    """合入 (merge) or 暂不合入 (set aside) the new progress waiting beside a hand-edited section."""
    report = _report(report_id)
    structure = _structure()
    draft = _draft(report, structure)
    form = forms.PendingForm()
    if not form.validate_on_submit() or form.based_on_number is None:
        abort(400)
    action = drafts.merge_pending if request.form.get("action") == "merge" else drafts.dismiss_pending
    try:
        action(draft, form.key.data, current_user, utcnow(), based_on=form.based_on_number)
    except DraftConflict:
        db.session.rollback()
        flash(_("其他人刚刚保存了新版本，请在最新版本上重新操作。"), "error")
        return _back(report, structure, _anchor(form.key.data))
    except DraftNotFound:
        abort(404)
    db.session.commit()
    flash(_("已合入新进展。") if action is drafts.merge_pending else _("已保留手工修改，新进展不再提示。"), "success")
    return _back(report, structure, _anchor(form.key.data))


@bp.route("/<int:report_id>/draft/versions/<int:number>/restore", methods=["POST"])
def restore(report_id: int, number: int) -> Any:
    report = _report(report_id)
    structure = _structure()
    draft = _draft(report, structure)
    if not forms.ButtonForm().validate_on_submit():
        abort(400)
    try:
        version = drafts.restore(draft, number, current_user, utcnow())
    except DraftNotFound:
        abort(404)
    db.session.commit()
    flash(_("已恢复为第 %(old)s 版（保存为第 %(new)s 版）。", old=number, new=version.number), "success")
    return _back(report, structure)


@bp.route("/<int:report_id>/draft/diff")
def diff(report_id: int) -> str:
    report = _report(report_id)
    structure = _structure()
    draft = _draft(report, structure)
    by_number = {v.number: v for v in draft.versions}
    newest = draft.versions[-1].number
    new = by_number.get(request.args.get("to", newest, type=int))
    old = by_number.get(request.args.get("from", (new.number if new else newest) - 1, type=int))
    if old is None or new is None:
        abort(404)
    return render_template(
        "drafts/diff.html",
        report=report,
        structure=structure,
        old=old,
        new=new,
        changes=drafts.diff(old, new),
        numbers=sorted(by_number),
    )


def _exported(report: SourceReport, structure: DraftStructure) -> tuple[DraftVersion, Any]:
    version = drafts.latest(_draft(report, structure))
    return version, drafts.content_of(version)


@bp.route("/<int:report_id>/draft.docx")
def docx(report_id: int) -> Response:
    """The latest version as .docx. One of BACKGROUND_EXPORT_TASKS tasks or more is built in the
    background: a request before it is ready starts the build (unless one is running) and goes
    back to the draft page, which says it is being prepared and, once it is, offers the file here."""
    report, structure = _report(report_id), _structure()
    draft = _draft(report, structure)
    version = drafts.latest(draft)
    content = drafts.content_of(version)
    name = drafts.download_name(version, content.title, ".docx")
    if not _in_background(content):
        return attachment(drafts.to_docx(content, report.issuer, local_today()), DOCX_TYPE, name)
    prepared = _prepared_docx(draft, version)
    if prepared.ready:
        return prepared.send(DOCX_TYPE, name)
    # The build gets the content itself: it runs outside the request and needs no database.
    issuer, today = report.issuer, local_today()
    prepared.start(lambda: drafts.to_docx(content, issuer, today), supersedes=f"draft-{draft.id}-v*.docx")
    flash(_("Word 文件较大（%(n)s 项任务），正在后台生成，请稍后刷新本页下载。", n=len(content.annex.rows)), "success")
    return _back(report, structure)


def _in_background(content: DraftContent) -> bool:
    return len(content.annex.rows) >= BACKGROUND_EXPORT_TASKS


def _prepared_docx(draft: Draft, version: DraftVersion) -> PreparedFile:
    # The version's time too: a database restored from a backup may reuse a draft's id and number.
    folder = Path(current_app.instance_path) / EXPORT_FOLDER
    return PreparedFile(folder, f"draft-{draft.id}-v{version.number}-{version.created_at:%Y%m%dT%H%M%S%f}.docx")


@bp.route("/<int:report_id>/draft.md")
def markdown(report_id: int) -> Response:
    version, content = _exported(_report(report_id), _structure())
    text = drafts.to_markdown(content).encode("utf-8")
    return attachment(text, "text/markdown; charset=utf-8", drafts.download_name(version, content.title, ".md"))


@bp.route("/<int:report_id>/draft/print")
def printable(report_id: int) -> str:
    report = _report(report_id)
    version, content = _exported(report, _structure())
    return render_template("drafts/print.html", report=report, version=version, content=content)


def _anchor(key: str | None) -> str:
    return f"section-{key}".replace(":", "-") if key else ""


def draft_reason(reason: str) -> str:
    """What made a version (生成, 编辑…), in the user's language."""
    name = forms.REASON_NAMES.get(reason)
    return _(name) if name else reason
