"""Forms of the task page. Choices (departments, people) are filled by the view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.models import Priority

PRIORITY_NAMES = {Priority.NORMAL: "一般", Priority.HIGH: "重要", Priority.URGENT: "紧急"}


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
            raise ValueError(f"“{valuelist[0]}”不是有效的日期，请按“年-月-日”填写，例如 2026-12-31。") from exc


def optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class VersionedForm(FlaskForm):
    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


class EditTaskForm(VersionedForm):
    title = StringField("任务名称", validators=[DataRequired("请填写任务名称。"), Length(max=500)])
    description = TextAreaField("任务内容", validators=[Length(max=20000)])


class AssignForm(VersionedForm):
    lead_department = SelectField("牵头单位", coerce=optional_int, validators=[InputRequired("请选择牵头单位。")])
    co_departments = SelectMultipleField("配合单位", coerce=int)
    assignee = SelectField("责任人", coerce=optional_int, validators=[Optional()])
    start_date = ChineseDateField("开始日期", validators=[Optional()])
    deadline = ChineseDateField("完成时限", validators=[InputRequired("请填写完成时限。")])
    priority = SelectField(
        "优先级", choices={p.value: name for p, name in PRIORITY_NAMES.items()}, default=Priority.NORMAL.value
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField("理由", validators=[DataRequired("请填写理由。"), Length(max=2000)])


class StaffForm(FlaskForm):
    assignee = SelectField("责任人", coerce=optional_int, validators=[Optional()])


class ProgressForm(FlaskForm):
    percent = IntegerField(
        "完成进度（%）",
        validators=[InputRequired("请填写完成进度。"), NumberRange(0, 100, "完成进度须在 0 到 100 之间。")],
    )
    text = TextAreaField("进展情况", validators=[DataRequired("请填写进展情况。"), Length(max=20000)])
    files = MultipleFileField("佐证材料")


class ExtensionForm(FlaskForm):
    new_deadline = ChineseDateField("申请延期至", validators=[InputRequired("请填写申请的完成时限。")])
    reason = TextAreaField("延期理由", validators=[DataRequired("请填写延期理由。"), Length(max=2000)])


class DecideExtensionForm(FlaskForm):
    decision = RadioField(
        "审批意见",
        choices={"approve": "同意延期", "refuse": "不同意"},
        validators=[InputRequired("请选择审批意见。")],
    )
    note = TextAreaField("说明", validators=[Length(max=2000)])


class ClosureForm(FlaskForm):
    summary = TextAreaField("办结情况说明", validators=[DataRequired("请填写办结情况说明。"), Length(max=20000)])
    files = MultipleFileField("佐证材料")


class UrgeForm(FlaskForm):
    message = TextAreaField("催办内容", validators=[Length(max=1000)])


class MilestoneForm(FlaskForm):
    title = StringField("阶段任务", validators=[DataRequired("请填写阶段任务名称。"), Length(max=500)])
    deadline = ChineseDateField("完成时限", validators=[InputRequired("请填写完成时限。")])
    assignee = SelectField("责任人", coerce=optional_int, validators=[Optional()])


class ConfirmForm(FlaskForm):
    """A button with nothing to fill in (签收, 销号, 恢复办理): the CSRF token only."""
