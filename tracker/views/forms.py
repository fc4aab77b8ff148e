from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length, Regexp


class LoginForm(FlaskForm):
    email = EmailField(
        _l("邮箱"),
        validators=[
            DataRequired(_l("请输入邮箱。")),
            Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("邮箱格式不正确。")),
            Length(max=254),
        ],
    )
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码。")), Length(max=200)])
    remember = BooleanField(_l("保持登录"))
