"""Command-line management of people: a thin shell over the people service."""

from __future__ import annotations

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import Department, Role
from tracker.names import ROLE_NAMES
from tracker.services import people_sheet
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


@click.command("import-people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print what the import would change; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON object.")
@with_appcontext
def import_people_command(file: Path, dry_run: bool, as_json: bool) -> None:
    """Import departments and people from an office's sheet (.xlsx or .csv); exit 1 on any problem.

    Example: flask --app tracker import-people 通讯录.xlsx --dry-run --json
    """
    try:
        plan = people_sheet.plan_import(people_sheet.read_sheet(file.read_bytes(), file.name))
    except PeopleError as error:
        raise click.ClickException(error.message) from error
    click.echo(json.dumps(plan.to_json(), ensure_ascii=False, indent=1) if as_json else _plan_summary(plan))
    if plan.problems:
        raise SystemExit(1)
    if dry_run or not plan.changes_anything:
        return
    try:
        result = people_sheet.apply_plan(plan, actor=None, now=utcnow())
    except PeopleError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    if not as_json:
        click.echo(
            f"已导入：新建部门 {result.departments_created} 个，新建人员 {result.users_created} 名"
            f"（已发送设置密码邮件），更新人员 {result.users_updated} 名。"
        )


def _plan_summary(plan: people_sheet.Plan) -> str:
    lines = [
        f"新建部门 {len(plan.new_departments)} 个，新建人员 {len(plan.create)} 名，更新 {len(plan.update)} 名，"
        f"不变 {len(plan.unchanged)} 名，表中没有的启用人员 {len(plan.missing)} 名（不会停用）。"
    ]
    lines += [f"  新建部门：{name}" for name in plan.new_departments]
    lines += [f"  新建：第 {p.row} 行 {p.name} <{p.email}>" for p in plan.create]
    lines += [f"  更新：第 {p.row} 行 {p.name} <{p.email}>（{'、'.join(p.changes)}）" for p in plan.update]
    lines += [f"  表中没有：{user.name} <{user.email}>" for user in plan.missing]
    lines += [f"问题：第 {p.row} 行“{p.column}”列：{p.message}" for p in plan.problems]
    return "\n".join(lines)


def register(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(import_people_command)
