"""Forms of the task page. Choices (departments, people) are filled by the view."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.i18n import N_
from tracker.models import Priority
from tracker.services.evidence import ALLOWED_SUFFIXES

# Chinese names (message ids): translate them where they are shown.
PRIORITY_NAMES = {Priority.NORMAL: N_("一般"), Priority.HIGH: N_("重要"), Priority.URGENT: N_("紧急")}


class ChineseDateField(DateField):
    """A date in YYYY-MM-DD with a Chinese message when it is not one. Pair it with InputRequired,
    not DataRequired, which would replace the message with "please fill in"."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError as exc:
            self.data = None
            raise ValueError(
                gettext("“%(value)s”不是有效的日期，请按“年-月-日”填写，例如 2026-12-31。", value=valuelist[0])
            ) from exc


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


def optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class VersionedForm(FlaskForm):
    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


class EditTaskForm(VersionedForm):
    title = StringField(_l("任务名称"), validators=[DataRequired(_l("请填写任务名称。")), Length(max=500)])
    description = TextAreaField(_l("任务内容"), validators=[Length(max=20000)])


class AssignForm(VersionedForm):
    lead_department = SelectField(
        _l("牵头单位"), coerce=optional_int, validators=[InputRequired(_l("请选择牵头单位。"))]
    )
    # Boxes to tick, not a list to ctrl-click: the departments of one body fit on a screen.
    co_departments = SelectMultipleField(
        _l("配合单位"), coerce=int, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    assignee = SelectField(_l("责任人"), coerce=optional_int, validators=[Optional()])
    start_date = ChineseDateField(_l("开始日期"), validators=[Optional()])
    deadline = ChineseDateField(_l("完成时限"), validators=[InputRequired(_l("请填写完成时限。"))])
    priority = SelectField(
        _l("优先级"),
        # SelectChoice, not a {value: label} dict: WTForms takes a dict of lazy labels for option groups.
        choices=[SelectChoice(p.value, _l(name)) for p, name in PRIORITY_NAMES.items()],
        default=Priority.NORMAL.value,
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("理由"), validators=[DataRequired(_l("请填写理由。")), Length(max=2000)])


class StaffForm(FlaskForm):
    assignee = SelectField(_l("责任人"), coerce=optional_int, validators=[Optional()])


def evidence_field() -> MultipleFileField:
    """Evidence files: the types the server takes, so a phone offers its camera and its files."""
    return MultipleFileField(_l("佐证材料"), render_kw={"accept": ",".join(sorted(ALLOWED_SUFFIXES))})


class ProgressForm(FlaskForm):
    percent = IntegerField(
        _l("完成进度（%）"),
        validators=[InputRequired(_l("请填写完成进度。")), NumberRange(0, 100, _l("完成进度须在 0 到 100 之间。"))],
    )
    text = TextAreaField(_l("进展情况"), validators=[DataRequired(_l("请填写进展情况。")), Length(max=20000)])
    files = evidence_field()
    submission = HiddenField(default=new_submission_token)  # one report per form shown


class ExtensionForm(FlaskForm):
    new_deadline = ChineseDateField(_l("申请延期至"), validators=[InputRequired(_l("请填写申请的完成时限。"))])
    reason = TextAreaField(_l("延期理由"), validators=[DataRequired(_l("请填写延期理由。")), Length(max=2000)])


class DecideExtensionForm(FlaskForm):
    decision = RadioField(
        _l("审批意见"),
        choices=[SelectChoice("approve", _l("同意延期")), SelectChoice("refuse", _l("不同意"))],
        validators=[InputRequired(_l("请选择审批意见。"))],
    )
    note = TextAreaField(_l("说明"), validators=[Length(max=2000)])


class ClosureForm(FlaskForm):
    summary = TextAreaField(
        _l("办结情况说明"), validators=[DataRequired(_l("请填写办结情况说明。")), Length(max=20000)]
    )
    files = evidence_field()
    submission = HiddenField(default=new_submission_token)  # one closure request per form shown


class OnBehalfForm(FlaskForm):
    """A step the legal office takes for a department that cannot (no head, or none reachable)."""

    on_behalf_note = TextAreaField(
        _l("代为办理说明"), validators=[DataRequired(_l("请填写代为办理说明。")), Length(max=2000)]
    )


class AcknowledgeOnBehalfForm(OnBehalfForm):
    pass


class ExtensionOnBehalfForm(ExtensionForm, OnBehalfForm):
    pass


class ClosureOnBehalfForm(ClosureForm, OnBehalfForm):
    pass


class UrgeForm(FlaskForm):
    message = TextAreaField(_l("催办内容"), validators=[Length(max=1000)])


class VerifyForm(FlaskForm):
    note = TextAreaField(_l("审核意见（选填）"), validators=[Length(max=2000)])


class BulkUrgeForm(FlaskForm):
    """催办 from the list: the picked tasks (``task_ids``) or every task the filter shows
    (``scope`` "all"), with one message."""

    message = TextAreaField(_l("催办内容"), validators=[Length(max=1000)])


class MilestoneForm(FlaskForm):
    title = StringField(_l("阶段任务"), validators=[DataRequired(_l("请填写阶段任务名称。")), Length(max=500)])
    deadline = ChineseDateField(_l("完成时限"), validators=[InputRequired(_l("请填写完成时限。"))])
    assignee = SelectField(_l("责任人"), coerce=optional_int, validators=[Optional()])


class ConfirmForm(FlaskForm):
    """A button with nothing to fill in (签收, 销号, 恢复办理): the CSRF token only."""


URGE_METHOD_NAMES = {"phone": N_("电话催办"), "visit": N_("上门督办"), "meeting": N_("约谈"), "other": N_("其他方式")}


class OfflineUrgeForm(FlaskForm):
    method = SelectField(
        _l("催办方式"),
        choices=[SelectChoice(value, _l(name)) for value, name in URGE_METHOD_NAMES.items()],
        validators=[InputRequired(_l("请选择催办方式。"))],
    )
    happened_on = ChineseDateField(_l("催办日期"), validators=[InputRequired(_l("请填写催办日期。"))])
    note = TextAreaField(_l("情况记录"), validators=[Length(max=2000)])


class TaskReminderForm(FlaskForm):
    lead_workdays = StringField(
        _l("本任务到期前提醒（工作日，逗号分隔；留空则按统一规则）"), validators=[Length(max=100)]
    )
