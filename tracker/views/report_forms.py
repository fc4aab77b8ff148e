"""Forms of the report pages: upload, review, bulk assignment, links.

The forms check the shape of the input (a number is a number, a date is a date), in the user's
language; the rules are the review, links and workflow services'. Choices are filled by the view.
"""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString, pgettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.models import ItemKind, Priority
from tracker.views.task_forms import PRIORITY_NAMES, ChineseDateField, optional_int

# The kinds in the order a report prints them.
ITEM_KINDS = (ItemKind.ACHIEVEMENT, ItemKind.LEADER_DUTIES, ItemKind.SHORTCOMING, ItemKind.MEASURE)
# The kinds the report list counts, a column each.
COUNTED_KINDS = (ItemKind.ACHIEVEMENT, ItemKind.SHORTCOMING, ItemKind.MEASURE)


def item_kind_name(kind: ItemKind) -> str:
    """The name of a part of the report (工作情况及成效, 存在不足, 下一步工作措施) in the user's
    language. A context of its own: "存在不足" names one item elsewhere ("Shortcoming"), a part of
    the report here ("Shortcomings")."""
    names = {
        ItemKind.ACHIEVEMENT: pgettext("part of a report", "工作情况及成效"),
        ItemKind.LEADER_DUTIES: pgettext("part of a report", "主要负责人履行第一责任人职责情况"),
        ItemKind.SHORTCOMING: pgettext("part of a report", "存在不足"),
        ItemKind.MEASURE: pgettext("part of a report", "下一步工作措施"),
    }
    return names[kind]


def _whole_number(message: str) -> Any:
    """A validator for a StringField holding an optional whole number (WTForms' own speaks English)."""

    def check(_form: Form, field: Field) -> None:
        text = (field.data or "").strip()
        if text and not text.isdigit():
            raise ValidationError(message)

    return check


def number_of(field: Field) -> int | None:
    text = (field.data or "").strip()
    return int(text) if text.isdigit() else None


class UploadForm(FlaskForm):
    # No check of the suffix here: the importer says what it accepts, and why, better.
    file = FileField(_l("报告文件（.txt 或 .docx）"), validators=[FileRequired(_l("请选择要导入的报告文件。"))])


class DetailsForm(FlaskForm):
    title = StringField(
        _l("报告标题"),
        validators=[DataRequired(_l("请填写报告标题。")), Length(max=300, message=_l("报告标题过长。"))],
    )
    issuer = StringField(_l("发布单位"), validators=[Length(max=200, message=_l("发布单位过长。"))])
    year = StringField(_l("年度"), validators=[_whole_number(_l("年度须为四位数字，例如 2020。"))])
    report_date = ChineseDateField(_l("成文日期"), validators=[Optional()])


class ItemForm(FlaskForm):
    title = TextAreaField(
        _l("标题"), validators=[DataRequired(_l("请填写标题。")), Length(max=500, message=_l("标题过长。"))]
    )
    body = TextAreaField(_l("正文"), validators=[Length(max=20000, message=_l("正文过长。"))])


class SplitForm(FlaskForm):
    at = StringField(
        _l("拆分位置"),
        validators=[_whole_number(_l("拆分位置须为数字。"))],
    )


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"], message=_l("请选择上移或下移。"))])


class AddItemForm(FlaskForm):
    kind = SelectField(
        _l("类别"),
        # SelectChoice, not a {value: label} dict: WTForms takes a dict of lazy labels for option groups.
        choices=[SelectChoice(kind.value, LazyString(item_kind_name, kind)) for kind in ITEM_KINDS],
        default=ItemKind.MEASURE.value,
        validators=[AnyOf([k.value for k in ItemKind], message=_l("请选择类别。"))],
        validate_choice=False,
    )
    title = TextAreaField(
        _l("标题"), validators=[DataRequired(_l("请填写标题。")), Length(max=500, message=_l("标题过长。"))]
    )
    body = TextAreaField(_l("正文"), validators=[Length(max=20000, message=_l("正文过长。"))])
    position = StringField(_l("位置（第几条；留空则放在最后）"), validators=[_whole_number(_l("位置须为数字。"))])


class ButtonForm(FlaskForm):
    """A button with nothing to fill in (确认, 合并, 删除): the CSRF token only."""


class AssignRowForm(Form):
    """One row of the bulk-assign table: a task and its owners, deadline and priority."""

    task_id = HiddenField()
    version = HiddenField()
    lead_department = SelectField(_l("牵头单位"), coerce=optional_int, validate_choice=False)
    # Boxes to tick, folded in the row until opened (templates/reports/assign.html).
    co_departments = SelectMultipleField(
        _l("配合单位"),
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    deadline = ChineseDateField(_l("完成时限"), validators=[Optional()])
    priority = SelectField(
        _l("优先级"),
        choices=[SelectChoice(p.value, _l(name)) for p, name in PRIORITY_NAMES.items()],
        default=Priority.NORMAL.value,
        validators=[AnyOf([p.value for p in Priority], message=_l("请选择优先级。"))],
        validate_choice=False,
    )

    @property
    def expected_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


class BulkAssignForm(FlaskForm):
    rows = FieldList(FormField(AssignRowForm))


class LinkDecisionForm(FlaskForm):
    decision = HiddenField(validators=[AnyOf(["accept", "reject"], message=_l("请选择采纳或不采纳。"))])


class ManualLinkForm(FlaskForm):
    """Link a measure by hand to the shortcoming in the URL; the view checks both belong to the report."""

    measure = SelectField(
        _l("工作措施"), coerce=optional_int, validators=[DataRequired(_l("请选择工作措施。"))], validate_choice=False
    )
