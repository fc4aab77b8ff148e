from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length, Regexp


class LoginForm(FlaskForm):
    email = EmailField(
        "邮箱",
        validators=[
            DataRequired("请输入邮箱。"),
            Regexp(r"^[^@\s]+@[^@\s]+$", message="邮箱格式不正确。"),
            Length(max=254),
        ],
    )
    password = PasswordField("密码", validators=[DataRequired("请输入密码。"), Length(max=200)])
    remember = BooleanField("保持登录")
