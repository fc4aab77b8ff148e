"""The task pages: my work, every task, one task with its lifecycle actions, evidence files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from tracker.clock import local_today, utcnow
from tracker.errors import Refusal
from tracker.extensions import db
from tracker.i18n import N_
from tracker.models import (
    Department,
    EvidenceAttachment,
    ExtensionRequest,
    Priority,
    Task,
    User,
)
from tracker.policy import Action, can, require
from tracker.services import bulk_urge, carryover, deadlines, queues, staffing, task_query, workflow
from tracker.services.evidence import Upload, content_type_for, path_of
from tracker.services.mail import reminder_rules
from tracker.services.timeline import co_department_reports, task_timeline, urge_record
from tracker.services.workdays import WorkCalendar
from tracker.services.workflow import Step
from tracker.views import task_forms as forms
from tracker.views.department_choices import department_choices as choices_of
from tracker.views.department_choices import headless_warning
from tracker.views.steps import run_step
from tracker.views.task_filter_form import TaskFilterForm

bp = Blueprint("tasks", __name__)


def load_task(task_id: int, action: Action = Action.VIEW_TASK) -> Task:
    """The task, if the current user may do ``action`` to it. Aborts 404 when there is no such
    task and 403 when the user may not."""
    task = db.session.get(Task, task_id)
    if task is None:
        abort(404)
    require(current_user, Action.VIEW_TASK, task)
    require(current_user, action, task)
    return task


@bp.route("/my")
@login_required
def my_work() -> str:
    """我的待办: everything waiting on the signed-in user (leaders, who wait on nobody, get 403)."""
    require(current_user, Action.HAVE_QUEUE)
    queue = queues.queue_for(current_user, local_today())
    standing_of = deadlines.standings(queue.tasks, local_today())
    return render_template(
        "tasks/my_work.html",
        tasks=deadlines.by_urgency(queue.tasks, standing_of),
        standing_of=standing_of,
        office_groups=queue.office_groups,
    )


@bp.route("/tasks")
@login_required
def index() -> str:
    """Every task the user may see, filtered, searched, sorted and paged; the filter lives in the
    query string, so a view can be bookmarked, shared and exported."""
    form = TaskFilterForm(request.args)
    wanted = form.task_filter()
    form.fill_choices(wanted, None if can(current_user, Action.VIEW_ALL) else _own_departments())
    today = local_today()
    page = task_query.page_of(current_user, wanted, form.page_number(), today, WorkCalendar.load())
    return render_template(
        "tasks/index.html",
        form=form,
        urge_form=forms.BulkUrgeForm(formdata=None) if can(current_user, Action.URGE) else None,
        bulk_limit=bulk_urge.BULK_URGE_LIMIT,
        page=page,
        filters=wanted.query_args(),
        tasks=page.tasks,
        standing_of=page.standing_of,
    )


@bp.post("/tasks/urge")
@login_required
def urge_many() -> Response:
    """催办 from the list: the tasks picked, or every task the filter (sent along) shows; one
    message, each task urged and recorded on its own, at most once a day. Back to the same list
    with what was sent and what was skipped."""
    require(current_user, Action.URGE)
    form = forms.BulkUrgeForm()
    wanted = TaskFilterForm(request.form).task_filter()
    back = redirect(url_for("tasks.index", **wanted.query_args()))
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
        return back
    everything = request.form.get("scope") == "all"
    picked = [int(value) for value in request.form.getlist("task_ids") if value.isdigit()]
    today = local_today()
    tasks = bulk_urge.tasks_to_urge(current_user, picked, wanted if everything else None, today, WorkCalendar.load())
    if not tasks:
        flash(_("请先勾选要催办的任务。"), "error")
        return back
    summary = bulk_urge.urge_tasks(tasks, current_user, form.message.data or "", today, utcnow())
    db.session.commit()
    _flash_urge_summary(summary)
    return back


def _flash_urge_summary(summary: bulk_urge.UrgeSummary) -> None:
    def names(tasks: list[Task]) -> str:
        shown = "、".join(f"《{task.title}》" for task in tasks[:5])
        return shown + (_("等 %(n)s 项", n=len(tasks)) if len(tasks) > 5 else "")

    if summary.urged:
        flash(
            _("已催办 %(n)s 项任务，%(mails)s 封提醒邮件已排队发送。", n=len(summary.urged), mails=summary.mails),
            "success",
        )
    if summary.already_today:
        flash(
            _(
                "%(n)s 项今天已催办过，未重复发送：%(names)s。",
                n=len(summary.already_today),
                names=names(summary.already_today),
            ),
            "warning",
        )
    by_reason: dict[str, list[Task]] = {}
    for task, reason in summary.skipped:
        by_reason.setdefault(reason.rstrip("。"), []).append(task)
    for reason, tasks in by_reason.items():
        flash(_("%(n)s 项未催办（%(reason)s）：%(names)s。", n=len(tasks), reason=reason, names=names(tasks)), "error")


def _own_departments() -> set[int]:
    return {current_user.department_id} if current_user.department_id else set()


@bp.route("/tasks/<int:task_id>")
@login_required
def detail(task_id: int) -> str:
    return _render_detail(load_task(task_id))


def _render_detail(
    task: Task, status: int = 200, conflict: workflow.ConflictError | None = None, **forms_given: FlaskForm
) -> Any:
    """The task page, with any forms given kept as the user filled them (after a refusal), and
    what the task holds now after someone else's save (``conflict``)."""
    today = local_today()
    calendar = WorkCalendar.load()
    milestones = list(task.milestones)
    standing_of = deadlines.standings([task, *milestones], today, calendar)
    page_forms = _blank_forms(task) | forms_given
    timeline = task_timeline(task)
    co_reports = co_department_reports(timeline)
    reporting_for = workflow.reporting_co_department(task, current_user)
    if reporting_for is not None and "progress" not in forms_given:
        # A co-department reports its own part: start from its last report, not the task's percent.
        own = [u for _name, updates in co_reports for u in updates if u.department_id == reporting_for.id]
        page_forms["progress"].percent.data = own[0].percent_done if own else 0
    return (
        render_template(
            "tasks/detail.html",
            task=task,
            milestones=milestones,
            standing_of=standing_of,
            timeline=timeline,
            co_reports=co_reports,
            reporting_for=reporting_for,
            urge_record=urge_record(task),
            attachments=db.session.scalars(
                sa.select(EvidenceAttachment).where(EvidenceAttachment.task_id == task.id)
            ).all(),
            pending_extension=workflow.pending_extension(task),
            steps=workflow.available_steps(task, current_user),
            conflict=conflict,
            headless=staffing.lacks_head(task.lead_department_id),
            forms=page_forms,
            sent_form=next(iter(forms_given), None),  # its panel opens, with what was typed
            priority_names={priority: _(name) for priority, name in forms.PRIORITY_NAMES.items()},
            carried_from=carryover.history(task),
            carried_to=carryover.carried_to(task),
        ),
        status,
    )


def _blank_forms(task: Task) -> dict[str, FlaskForm]:
    page_forms: dict[str, FlaskForm] = {
        "edit": forms.EditTaskForm(formdata=None, obj=task, version=task.version),
        "assign": forms.AssignForm(
            formdata=None,
            version=task.version,
            lead_department=task.lead_department_id,
            co_departments=[d.id for d in task.co_departments],
            assignee=task.assignee_id,
            start_date=task.start_date,
            deadline=task.deadline,
            priority=task.priority.value,
        ),
        "staff": forms.StaffForm(formdata=None, assignee=task.assignee_id),
        "progress": forms.ProgressForm(formdata=None, percent=task.percent_done),
        "extension": forms.ExtensionForm(formdata=None),
        "decide": forms.DecideExtensionForm(formdata=None),
        "closure": forms.ClosureForm(formdata=None),
        "reason": forms.ReasonForm(formdata=None),
        "urge": forms.UrgeForm(formdata=None),
        "verify": forms.VerifyForm(formdata=None),
        "milestone": forms.MilestoneForm(formdata=None),
        "offline_urge": forms.OfflineUrgeForm(formdata=None),
        "reminders": forms.TaskReminderForm(
            formdata=None,
            lead_workdays=reminder_rules.lead_workdays_text((task.reminder_overrides or {}).get("lead_workdays", [])),
        ),
        "confirm": forms.ConfirmForm(formdata=None),
        "acknowledge_on_behalf": forms.AcknowledgeOnBehalfForm(formdata=None),
        "extension_on_behalf": forms.ExtensionOnBehalfForm(formdata=None),
        "closure_on_behalf": forms.ClosureOnBehalfForm(formdata=None),
    }
    _fill_choices(task, page_forms)
    return page_forms


def _fill_choices(task: Task, page_forms: dict[str, FlaskForm]) -> None:
    departments = db.session.scalars(sa.select(Department).where(Department.is_active).order_by(Department.name)).all()
    department_choices = dict(choices_of(departments))
    owners = {task.lead_department_id, *(d.id for d in task.co_departments)}
    people = db.session.scalars(
        sa.select(User).where(User.is_active, User.department_id.in_([o for o in owners if o])).order_by(User.name)
    ).all()
    nobody = _("（不指定）")
    people_choices = {"": nobody} | {u.id: _person_label(u) for u in people}
    staff_choices = {"": nobody} | {u.id: u.name for u in people if workflow.may_hand_to(current_user, u)}
    for name, form in page_forms.items():
        if name == "assign":
            form.lead_department.choices = {"": _("请选择")} | department_choices
            form.co_departments.choices = department_choices
            form.assignee.choices = [("", nobody, {})] + _people_of(departments)
        elif name == "staff":
            form.assignee.choices = staff_choices
        elif name == "milestone":
            form.assignee.choices = people_choices


def _person_label(user: User) -> str:
    return _("%(name)s（%(department)s）", name=user.name, department=user.department.name)


def _people_of(departments: list[Department]) -> list[tuple[int, str, dict[str, Any]]]:
    """The active people of ``departments`` as choices that name their department, so that the
    责任人 list follows the departments chosen on the 交办 form (static/app.js)."""
    people = db.session.scalars(
        sa.select(User)
        .join(User.department)
        .where(User.is_active, User.department_id.in_([d.id for d in departments]))
        .order_by(Department.name, User.name)
    ).all()
    return [(u.id, _person_label(u), {"data-department": u.department_id}) for u in people]


def _uploads(field: Any) -> list[Upload]:
    return [Upload(f.filename, f.mimetype, f.read()) for f in (field.data or []) if getattr(f, "filename", "")]


def _act(
    task_id: int,
    step: Step,
    form_name: str,
    form_class: type[FlaskForm],
    perform: Callable[[Task, Any], str],
) -> Any:
    """Load the task (403 unless the user may take ``step``), refuse with 409 and the reason when
    the task's state does not allow it, then take the step (:func:`run_step`): on a refusal, or
    when someone else saved the task first (a lost race, 409, with what changed), the page comes
    again with the form as filled and the reason. A form sent twice (a double click, a resend) is
    stored once: the second time only says so."""
    action = workflow.STEPS[step].action
    task = load_task(task_id, action)
    form = form_class()
    if workflow.already_submitted(getattr(form, "submission", None) and form.submission.data):
        flash(_("此内容已提交，未重复保存。"), "info")
        return redirect(url_for("tasks.detail", task_id=task.id), 303)
    if step not in workflow.available_steps(task, current_user):
        flash(_(workflow.STEPS[step].refusal), "error")
        return _render_detail(task, 409, **{form_name: form})
    if form_name in ("assign", "staff", "milestone"):
        _fill_choices(task, {form_name: form})

    def again(refusal: Refusal) -> Any:
        current = load_task(task_id, action)
        if isinstance(refusal, workflow.ConflictError):
            return _render_conflict(current, form_name, form, refusal)
        return _render_detail(current, refusal.status, **{form_name: form})

    return run_step(
        form,
        lambda: perform(task, form),
        done=lambda: url_for("tasks.detail", task_id=task.id),
        again=again,
        # Another request changed the task (or stored the same request) between our read and
        # our write: the optimistic lock, or a unique constraint, refused this one.
        lost_race=lambda: workflow.changed_meanwhile(load_task(task_id, action)),
    )


def _render_conflict(task: Task, form_name: str, form: FlaskForm, conflict: workflow.ConflictError) -> Any:
    """The stale form stays as the user filled it; the page shows what the task holds now."""
    if hasattr(form, "version"):
        form.version.data = str(task.version)  # saving again now is a deliberate overwrite
    return _render_detail(task, 409, **{form_name: form}, conflict=conflict)


@bp.post("/tasks/<int:task_id>/edit")
@login_required
def edit(task_id: int) -> Any:
    def perform(task: Task, form: forms.EditTaskForm) -> str:
        workflow.edit_task(
            task,
            current_user,
            title=form.title.data,
            description=form.description.data,
            expected_version=form.expected_version,
            now=utcnow(),
        )
        return _("任务内容已保存。")

    return _act(task_id, Step.EDIT, "edit", forms.EditTaskForm, perform)


@bp.post("/tasks/<int:task_id>/assign")
@login_required
def assign(task_id: int) -> Any:
    def perform(task: Task, form: forms.AssignForm) -> str:
        lead = db.session.get(Department, form.lead_department.data or 0)
        if lead is None:
            raise Refusal(_("请选择牵头单位。"), status=400)
        co = db.session.scalars(sa.select(Department).where(Department.id.in_(form.co_departments.data))).all()
        assignee = db.session.get(User, form.assignee.data) if form.assignee.data else None
        workflow.assign(
            task,
            current_user,
            lead_department=lead,
            co_departments=list(co),
            assignee=assignee,
            start_date=form.start_date.data,
            deadline=form.deadline.data,
            priority=Priority(form.priority.data),
            expected_version=form.expected_version,
            now=utcnow(),
        )
        if warning := headless_warning([lead]):
            flash(warning, "warning")
        return _("已交办%(department)s。", department=lead.name)

    return _act(task_id, Step.ASSIGN, "assign", forms.AssignForm, perform)


@bp.post("/tasks/<int:task_id>/staff")
@login_required
def assign_staff(task_id: int) -> Any:
    def perform(task: Task, form: forms.StaffForm) -> str:
        staff = db.session.get(User, form.assignee.data) if form.assignee.data else None
        workflow.assign_staff(task, current_user, staff, utcnow())
        return _("已指派给%(name)s。", name=staff.name) if staff else _("已取消指派。")

    return _act(task_id, Step.ASSIGN_STAFF, "staff", forms.StaffForm, perform)


@bp.post("/tasks/<int:task_id>/progress")
@login_required
def progress(task_id: int) -> Any:
    def perform(task: Task, form: forms.ProgressForm) -> str:
        workflow.record_progress(
            task,
            current_user,
            percent=form.percent.data,
            text=form.text.data,
            files=_uploads(form.files),
            now=utcnow(),
            submission_token=form.submission.data,
        )
        return _("进展已填报。")

    return _act(task_id, Step.POST_PROGRESS, "progress", forms.ProgressForm, perform)


@bp.post("/tasks/<int:task_id>/extension")
@login_required
def request_extension(task_id: int) -> Any:
    def perform(task: Task, form: forms.ExtensionForm) -> str:
        workflow.request_extension(
            task, current_user, new_deadline=form.new_deadline.data, reason=form.reason.data, now=utcnow()
        )
        return _("延期申请已提交，等待法制部门审批。")

    return _act(task_id, Step.REQUEST_EXTENSION, "extension", forms.ExtensionForm, perform)


@bp.post("/extensions/<int:request_id>/decide")
@login_required
def decide_extension(request_id: int) -> Any:
    extension = db.session.get(ExtensionRequest, request_id)
    if extension is None:
        abort(404)

    def perform(_task: Task, form: forms.DecideExtensionForm) -> str:
        approve = form.decision.data == "approve"
        workflow.decide_extension(extension, current_user, approve=approve, note=form.note.data, now=utcnow())
        return _("已同意延期。") if approve else _("已不同意延期。")

    return _act(extension.task_id, Step.DECIDE_EXTENSION, "decide", forms.DecideExtensionForm, perform)


@bp.post("/tasks/<int:task_id>/closure")
@login_required
def submit_closure(task_id: int) -> Any:
    def perform(task: Task, form: forms.ClosureForm) -> str:
        workflow.submit_closure(
            task,
            current_user,
            summary=form.summary.data,
            files=_uploads(form.files),
            now=utcnow(),
            submission_token=form.submission.data,
        )
        return _("办结申请已提交，等待法制部门审核。")

    return _act(task_id, Step.SUBMIT_CLOSURE, "closure", forms.ClosureForm, perform)


@bp.post("/tasks/<int:task_id>/verify")
@login_required
def verify(task_id: int) -> Any:
    def perform(task: Task, form: forms.VerifyForm) -> str:
        workflow.verify_closure(task, current_user, utcnow(), form.note.data or "")
        return _("已审核通过，任务销号。")

    return _act(task_id, Step.VERIFY, "verify", forms.VerifyForm, perform)


@bp.post("/tasks/<int:task_id>/urge")
@login_required
def urge(task_id: int) -> Any:
    def perform(task: Task, form: forms.UrgeForm) -> str:
        queued = workflow.urge(task, current_user, form.message.data, local_today(), utcnow())
        if not queued:
            raise Refusal(_("今天已催办过此任务，未重复发送。"))
        return ngettext("已催办，%(num)s 封提醒邮件已排队发送。", "已催办，%(num)s 封提醒邮件已排队发送。", queued)

    return _act(task_id, Step.URGE, "urge", forms.UrgeForm, perform)


@bp.post("/tasks/<int:task_id>/chases")  # the address it has always had
@login_required
def log_urge(task_id: int) -> Any:
    def perform(task: Task, form: forms.OfflineUrgeForm) -> str:
        now = utcnow()
        workflow.log_offline_urge(
            task,
            current_user,
            method=form.method.data,
            note=form.note.data,
            happened_at=workflow.offline_urge_moment(form.happened_on.data, now),
            now=now,
        )
        return _("催办记录已添加。")

    return _act(task_id, Step.LOG_URGE, "offline_urge", forms.OfflineUrgeForm, perform)


@bp.post("/tasks/<int:task_id>/reminders")
@login_required
def task_reminders(task_id: int) -> Any:
    def perform(task: Task, form: forms.TaskReminderForm) -> str:
        try:
            days = reminder_rules.parse_lead_workdays(form.lead_workdays.data or "")
            workflow.set_task_overrides(task, {"lead_workdays": days} if days else None, current_user, utcnow())
        except reminder_rules.RulesError as error:
            raise workflow.WorkflowError(str(error)) from error
        return _("本任务的提醒规则已保存。")

    return _act(task_id, Step.SET_REMINDERS, "reminders", forms.TaskReminderForm, perform)


@bp.post("/tasks/<int:task_id>/milestones")
@login_required
def add_milestone(task_id: int) -> Any:
    def perform(task: Task, form: forms.MilestoneForm) -> str:
        assignee = db.session.get(User, form.assignee.data) if form.assignee.data else None
        workflow.add_milestone(
            task, current_user, title=form.title.data, deadline=form.deadline.data, assignee=assignee, now=utcnow()
        )
        return _("阶段任务已添加。")

    return _act(task_id, Step.ADD_MILESTONE, "milestone", forms.MilestoneForm, perform)


# Steps with nothing to fill in but a click, or a reason: (path, endpoint, step, service, message).
CLICK_STEPS: tuple[tuple[str, str, Step, Callable[[Task, User, datetime], None], str], ...] = (
    ("acknowledge", "acknowledge", Step.ACKNOWLEDGE, workflow.acknowledge, N_("已签收。")),
    ("resume", "resume", Step.RESUME, workflow.resume, N_("任务已恢复办理。")),
)
REASON_STEPS: tuple[tuple[str, str, Step, Callable[[Task, User, str, datetime], None], str], ...] = (
    ("return", "return_assignment", Step.RETURN, workflow.return_assignment, N_("已退回法制部门。")),
    ("send-back", "send_back", Step.SEND_BACK, workflow.send_back, N_("已退办，任务回到进行中。")),
    ("hold", "hold", Step.HOLD, workflow.put_on_hold, N_("任务已暂缓。")),
    ("cancel", "cancel", Step.CANCEL, workflow.cancel, N_("任务已撤销。")),
)


def _click_step(step: Step, service: Callable[[Task, User, datetime], None], message: str) -> Callable[..., Any]:
    def view(task_id: int) -> Any:
        def perform(task: Task, _form: FlaskForm) -> str:
            service(task, current_user, utcnow())
            return _(message)

        return _act(task_id, step, "confirm", forms.ConfirmForm, perform)

    return login_required(view)


def _reason_step(step: Step, service: Callable[[Task, User, str, datetime], None], message: str) -> Callable[..., Any]:
    def view(task_id: int) -> Any:
        def perform(task: Task, form: forms.ReasonForm) -> str:
            service(task, current_user, form.reason.data, utcnow())
            return _(message)

        return _act(task_id, step, "reason", forms.ReasonForm, perform)

    return login_required(view)


for _path, _endpoint, _step, _service, _message in CLICK_STEPS:
    bp.add_url_rule(
        f"/tasks/<int:task_id>/{_path}", _endpoint, _click_step(_step, _service, _message), methods=["POST"]
    )
for _path, _endpoint, _step, _service, _message in REASON_STEPS:
    bp.add_url_rule(
        f"/tasks/<int:task_id>/{_path}", _endpoint, _reason_step(_step, _service, _message), methods=["POST"]
    )


# --- the legal office acting for a department that cannot (代签收, 代为申请延期, 代为申请办结) -------------


@bp.post("/tasks/<int:task_id>/on-behalf/acknowledge")
@login_required
def acknowledge_on_behalf(task_id: int) -> Any:
    def perform(task: Task, form: forms.AcknowledgeOnBehalfForm) -> str:
        workflow.acknowledge(task, current_user, utcnow(), on_behalf_note=form.on_behalf_note.data)
        return _("已代为签收。")

    return _act(task_id, Step.ACKNOWLEDGE_ON_BEHALF, "acknowledge_on_behalf", forms.AcknowledgeOnBehalfForm, perform)


@bp.post("/tasks/<int:task_id>/on-behalf/extension")
@login_required
def extension_on_behalf(task_id: int) -> Any:
    def perform(task: Task, form: forms.ExtensionOnBehalfForm) -> str:
        workflow.request_extension(
            task,
            current_user,
            new_deadline=form.new_deadline.data,
            reason=form.reason.data,
            now=utcnow(),
            on_behalf_note=form.on_behalf_note.data,
        )
        return _("已代为申请延期，请审批。")

    return _act(task_id, Step.EXTENSION_ON_BEHALF, "extension_on_behalf", forms.ExtensionOnBehalfForm, perform)


@bp.post("/tasks/<int:task_id>/on-behalf/closure")
@login_required
def closure_on_behalf(task_id: int) -> Any:
    def perform(task: Task, form: forms.ClosureOnBehalfForm) -> str:
        workflow.submit_closure(
            task,
            current_user,
            summary=form.summary.data,
            files=_uploads(form.files),
            now=utcnow(),
            on_behalf_note=form.on_behalf_note.data,
            submission_token=form.submission.data,
        )
        return _("已代为申请办结，请审核后销号。")

    return _act(task_id, Step.CLOSURE_ON_BEHALF, "closure_on_behalf", forms.ClosureOnBehalfForm, perform)


@bp.route("/evidence/<int:attachment_id>")
@login_required
def evidence(attachment_id: int) -> Response:
    """An evidence file, to users who may see its task (403 otherwise, 404 when missing), always
    as a download typed by its suffix: a stored web page or SVG is never rendered by the browser."""
    attachment = db.session.get(EvidenceAttachment, attachment_id)
    if attachment is None:
        abort(404)
    load_task(attachment.task_id)
    path = path_of(attachment)
    if not path.is_file():
        abort(404)
    return send_file(
        path, mimetype=content_type_for(attachment.filename), as_attachment=True, download_name=attachment.filename
    )
