"""Forms of the administrator's pages (users, departments) and of the account page.

The forms check the shape of the input; the rules (unique email, department required for heads
and staff, the last administrator) are the people service's.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, Field, PasswordField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from tracker.i18n import N_
from tracker.models import ReminderMode, Role
from tracker.policy import DEFAULT_ROLE
from tracker.services.people import LOCALES, MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from tracker.views.filters import ROLE_NAMES

NO_DEPARTMENT = 0
PASSWORD_LENGTH = Length(
    min=MIN_PASSWORD_LENGTH,
    max=MAX_PASSWORD_LENGTH,
    message=_l("密码长度应为 %(min)s 至 %(max)s 个字符。", min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH),
)


def _department_id(value: object) -> int:
    """The chosen id; a tampered value becomes -1, which no choice has (so the message is ours)."""
    try:
        return int(str(value))
    except ValueError:
        return -1


def _one_of_the_choices(form: FlaskForm, field: Field) -> None:
    """WTForms' own choice check has its own wording; this one speaks the user's language."""
    if field.data not in {choice.value for choice in field.iter_choices()}:
        raise ValidationError(gettext("请从列表中选择%(label)s。", label=field.label.text))


class UserForm(FlaskForm):
    """Who a user is. The view fills ``department_id.choices`` with the departments on offer."""

    email = EmailField(
        _l("邮箱"),
        validators=[
            DataRequired(_l("请输入邮箱。")),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("邮箱格式不正确。")),
            Length(max=254, message=_l("邮箱过长。")),
        ],
    )
    name = StringField(
        _l("姓名"),
        validators=[DataRequired(_l("请输入姓名。")), Length(max=MAX_NAME_LENGTH, message=_l("姓名过长。"))],
    )
    role = SelectField(
        _l("角色"),
        choices=[SelectChoice(role.value, _l(ROLE_NAMES[role])) for role in Role],
        default=DEFAULT_ROLE.value,
        validators=[DataRequired(_l("请选择角色。")), _one_of_the_choices],
        validate_choice=False,
    )
    department_id = SelectField(
        _l("所在部门"),
        coerce=_department_id,
        description=_l("部门负责人和工作人员必须选择部门。"),
        validators=[_one_of_the_choices],
        validate_choice=False,
    )


class NewUserForm(UserForm):
    password = PasswordField(
        _l("初始密码"),
        validators=[Optional(), PASSWORD_LENGTH],
        description=_l("建议留空：系统会向该用户的邮箱发送设置密码的链接，由本人设置密码。"),
    )
    confirm = PasswordField(_l("确认密码"), validators=[EqualTo("password", _l("两次输入的密码不一致。"))])


class EditUserForm(UserForm):
    new_password = PasswordField(
        _l("重设密码"), validators=[Optional(), PASSWORD_LENGTH], description=_l("留空则不修改该用户的密码。")
    )
    confirm = PasswordField(_l("确认新密码"), validators=[EqualTo("new_password", _l("两次输入的密码不一致。"))])


class DepartmentForm(FlaskForm):
    name = StringField(
        _l("部门名称"),
        validators=[DataRequired(_l("请输入部门名称。")), Length(max=MAX_NAME_LENGTH, message=_l("部门名称过长。"))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码。"))])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码。")), PASSWORD_LENGTH])
    confirm = PasswordField(
        _l("确认新密码"),
        validators=[DataRequired(_l("请再次输入新密码。")), EqualTo("new_password", _l("两次输入的密码不一致。"))],
    )


class LocaleForm(FlaskForm):
    locale = RadioField(
        _l("界面语言"),
        choices=[SelectChoice(code, name) for code, name in LOCALES.items()],
        validators=[DataRequired(_l("请选择界面语言。")), _one_of_the_choices],
        validate_choice=False,
    )


REMINDER_MODE_NAMES = {
    ReminderMode.EVERY: N_("每条提醒都发邮件"),
    ReminderMode.DIGEST: N_("只收每周汇总（逾期通知和督办仍会单独发送）"),
}


class ReminderModeForm(FlaskForm):
    mode = RadioField(
        _l("邮件提醒"),
        choices=[SelectChoice(mode.value, _l(name)) for mode, name in REMINDER_MODE_NAMES.items()],
        validators=[DataRequired(_l("请选择邮件提醒方式。"))],
    )


class CalendarFeedForm(FlaskForm):
    """Issue, re-issue or revoke the calendar feed: nothing to fill in but the CSRF token."""


class PeopleSheetForm(FlaskForm):
    # No check of the suffix here: the sheet service says what it accepts, and why, better.
    file = FileField(_l("通讯录文件（.xlsx 或 .csv）"), validators=[FileRequired(_l("请选择要导入的通讯录文件。"))])


class ConfirmImportForm(FlaskForm):
    """Apply the uploaded sheet: nothing to fill in but the CSRF token (the file is named by the address)."""
