"""Command-line management of people: a thin shell over the people service."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import Department, Role
from tracker.names import ROLE_NAMES
from tracker.services.people import PeopleError, create_user

ROLE_HELP = "，".join(f"{role.value}（{ROLE_NAMES[role]}）" for role in Role)


@click.command("create-user")
@click.option("--email", required=True, help="Sign-in email, unique whatever its case.")
@click.option("--role", required=True, help=f"One of: {', '.join(role.value for role in Role)}.")
@click.option("--department", default=None, help="Department name; required for the head and staff roles.")
@click.option("--name", required=True, help="The person's name as shown in the interface.")
@click.option(
    "--password", default=None, help="Initial password (at least 8 characters); prompted for, hidden, when left out."
)
@with_appcontext
def create_user_command(email: str, role: str, department: str | None, name: str, password: str | None) -> None:
    """Create a user and print their id.

    Example: flask --app tracker create-user --email li@example.gov.cn --role head --department 交警支队 --name 李明
    """
    try:
        chosen_role = Role(role.strip().lower())
    except ValueError:
        raise click.ClickException(f"未知角色：{role}。可选角色：{ROLE_HELP}。") from None
    chosen_department = None
    if department:
        chosen_department = db.session.scalar(sa.select(Department).where(Department.name == department.strip()))
        if chosen_department is None:
            raise click.ClickException(f"部门不存在：{department}。请先在“系统管理”中添加该部门。")
    if password is None:
        password = click.prompt("初始密码", hide_input=True)
        if click.prompt("再次输入密码", hide_input=True) != password:
            raise click.ClickException("两次输入的密码不一致。")
    try:
        user = create_user(
            email=email,
            name=name,
            role=chosen_role,
            department=chosen_department,
            password=password,
            actor=None,
            now=utcnow(),
        )
    except PeopleError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"已创建用户 {user.email}（{ROLE_NAMES[user.role]}），编号 {user.id}。")


def register(app: Flask) -> None:
    app.cli.add_command(create_user_command)
