from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from tracker.services.people import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


def _sign_in_email() -> EmailField:
    """The address someone signs in with (the sign-in form, and 忘记密码)."""
    return EmailField(
        _l("邮箱"),
        validators=[
            DataRequired(_l("请输入邮箱。")),
            Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("邮箱格式不正确。")),
            Length(max=254),
        ],
    )


class LoginForm(FlaskForm):
    email = _sign_in_email()
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码。")), Length(max=200)])
    remember = BooleanField(_l("保持登录"))


class ForgotPasswordForm(FlaskForm):
    email = _sign_in_email()


class SetPasswordForm(FlaskForm):
    """The new password, twice: the people service checks its rules again when it is set."""

    new_password = PasswordField(
        _l("新密码"),
        validators=[
            DataRequired(_l("请输入新密码。")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "密码长度应为 %(min)s 至 %(max)s 个字符。", min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH
                ),
            ),
        ],
    )
    confirm = PasswordField(
        _l("确认新密码"),
        validators=[DataRequired(_l("请再次输入新密码。")), EqualTo("new_password", _l("两次输入的密码不一致。"))],
    )
