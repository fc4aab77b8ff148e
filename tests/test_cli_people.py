"""flask create-user: a thin shell over the people service."""

import pytest
import sqlalchemy as sa

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import AuditEvent, Role, User
from tracker.services.accounts import authenticate

HEAD = ["create-user", "--email", "Li@Example.gov.cn", "--role", "head", "--department", "交警支队", "--name", "李明"]


def _user(app, email):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            _ = user.department
        return user


def _users(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_it_creates_a_head_of_department_who_can_sign_in(app, runner, personas):
    result = runner.invoke(args=[*HEAD, "--password", "initial-pass"])
    assert result.exit_code == 0, result.output
    user = _user(app, "li@example.gov.cn")
    assert result.output.strip() == f"已创建用户 li@example.gov.cn（部门负责人），编号 {user.id}。"
    assert (user.name, user.role, user.department.name) == ("李明", Role.HEAD, "交警支队")
    with app.app_context():
        assert authenticate("li@example.gov.cn", "initial-pass", now=utcnow(), remote_addr=None).id == user.id
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user_created"))
        assert event.actor_id is None and event.after["email"] == "li@example.gov.cn"


def test_it_prompts_for_the_password_twice_without_echoing_it(app, runner, personas):
    result = runner.invoke(args=HEAD, input="initial-pass\ninitial-pass\n")
    assert result.exit_code == 0, result.output
    assert "初始密码" in result.output and "再次输入密码" in result.output
    assert "initial-pass" not in result.output
    assert _user(app, "li@example.gov.cn").check_password("initial-pass")


def test_it_creates_a_leader_without_a_department(app, runner, personas):
    args = ["create-user", "--email", "boss@example.gov.cn", "--role", "leader", "--name", "局长"]
    result = runner.invoke(args=[*args, "--password", "initial-pass"])
    assert result.exit_code == 0, result.output
    assert _user(app, "boss@example.gov.cn").department is None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--role", "boss"], None, "未知角色：boss。可选角色：admin（系统管理员），legal（法制部门）"),
        (["--department", "不存在的部门"], None, "部门不存在：不存在的部门。"),
        (
            ["--email", "alice@example.gov.cn", "--password", "initial-pass"],
            None,
            "邮箱 alice@example.gov.cn 已被其他用户使用。",
        ),
        (["--password", "short"], None, "密码至少需要 8 个字符。"),
        ([], "initial-pass\ndifferent-pass\n", "两次输入的密码不一致。"),
    ],
)
def test_it_refuses_with_a_clear_message_and_a_non_zero_exit(app, runner, personas, args, stdin, message):
    # Later options win in click, so appending overrides the defaults in HEAD.
    result = runner.invoke(args=[*HEAD, *args], input=stdin)
    assert result.exit_code == 1
    assert message in result.output
    assert _users(app) == 6


def test_an_account_made_on_the_command_line_changes_its_password_at_first_sign_in(app, runner, personas):
    result = runner.invoke(args=[*HEAD, "--password", "typed-by-admin"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        made = db.session.scalar(sa.select(User).where(User.email == "li@example.gov.cn"))
        assert made.must_change_password
        assert not db.session.get(User, personas.bob.id).must_change_password


def test_it_requires_a_department_for_staff(app, runner, personas):
    args = ["create-user", "--email", "x@example.gov.cn", "--role", "staff", "--name", "新人", "--password", "12345678"]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "部门负责人和工作人员必须选择所在部门。" in result.output


def test_it_documents_every_option(runner):
    result = runner.invoke(args=["create-user", "--help"])
    assert result.exit_code == 0, result.output
    assert "Example: flask --app tracker create-user" in result.output
    for option in ["--email", "--role", "--department", "--name", "--password"]:
        assert option in result.output
    assert "admin, legal, leader, head, staff" in result.output
