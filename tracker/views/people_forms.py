"""Forms of the administrator's pages (users, departments) and of the account page.

The forms check the shape of the input; the rules (unique email, department required for heads
and staff, the last administrator) are the people service's.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, Field, PasswordField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from tracker.models import Role
from tracker.services.people import LOCALES, MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from tracker.views.filters import ROLE_NAMES

NO_DEPARTMENT = 0
PASSWORD_LENGTH = Length(
    min=MIN_PASSWORD_LENGTH,
    max=MAX_PASSWORD_LENGTH,
    message=f"密码长度应为 {MIN_PASSWORD_LENGTH} 至 {MAX_PASSWORD_LENGTH} 个字符。",
)


def _department_id(value: object) -> int:
    """The chosen id; a tampered value becomes -1, which no choice has (so the message is ours)."""
    try:
        return int(str(value))
    except ValueError:
        return -1


def _one_of_the_choices(form: FlaskForm, field: Field) -> None:
    """WTForms' own choice check speaks English; this one speaks Chinese."""
    if field.data not in {choice.value for choice in field.iter_choices()}:
        raise ValidationError(f"请从列表中选择{field.label.text}。")


class UserForm(FlaskForm):
    """Who a user is. The view fills ``department_id.choices`` with the departments on offer."""

    email = EmailField(
        "邮箱",
        validators=[
            DataRequired("请输入邮箱。"),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="邮箱格式不正确。"),
            Length(max=254, message="邮箱过长。"),
        ],
    )
    name = StringField(
        "姓名",
        validators=[DataRequired("请输入姓名。"), Length(max=MAX_NAME_LENGTH, message="姓名过长。")],
    )
    role = SelectField(
        "角色",
        choices=[SelectChoice(role.value, ROLE_NAMES[role]) for role in Role],
        default=Role.STAFF.value,  # the commonest, and the least powerful if left unchosen
        validators=[DataRequired("请选择角色。"), _one_of_the_choices],
        validate_choice=False,
    )
    department_id = SelectField(
        "所在部门",
        coerce=_department_id,
        description="部门负责人和工作人员必须选择部门。",
        validators=[_one_of_the_choices],
        validate_choice=False,
    )


class NewUserForm(UserForm):
    password = PasswordField("初始密码", validators=[DataRequired("请输入初始密码。"), PASSWORD_LENGTH])
    confirm = PasswordField(
        "确认密码", validators=[DataRequired("请再次输入密码。"), EqualTo("password", "两次输入的密码不一致。")]
    )


class EditUserForm(UserForm):
    new_password = PasswordField(
        "重设密码", validators=[Optional(), PASSWORD_LENGTH], description="留空则不修改该用户的密码。"
    )
    confirm = PasswordField("确认新密码", validators=[EqualTo("new_password", "两次输入的密码不一致。")])


class DepartmentForm(FlaskForm):
    name = StringField(
        "部门名称",
        validators=[DataRequired("请输入部门名称。"), Length(max=MAX_NAME_LENGTH, message="部门名称过长。")],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("当前密码", validators=[DataRequired("请输入当前密码。")])
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码。"), PASSWORD_LENGTH])
    confirm = PasswordField(
        "确认新密码",
        validators=[DataRequired("请再次输入新密码。"), EqualTo("new_password", "两次输入的密码不一致。")],
    )


class LocaleForm(FlaskForm):
    locale = RadioField(
        "界面语言",
        choices=[SelectChoice(code, name) for code, name in LOCALES.items()],
        validators=[DataRequired("请选择界面语言。"), _one_of_the_choices],
        validate_choice=False,
    )
