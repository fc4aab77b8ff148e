"""The people service: users, departments, one's own password and language."""

import json

import pytest
import sqlalchemy as sa

from tests import factories
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import AuditEvent, Role, TaskState
from tracker.services import people
from tracker.services.accounts import authenticate
from tracker.services.people import PeopleError

NOW = factories.FROZEN_NOW
NEW_PASSWORD = "新的密码 long enough"


@pytest.fixture
def staff(ctx):
    return factories.make_personas()


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def _new_user(staff, **overrides):
    fields = {
        "email": "Li.Ming@Example.gov.cn ",
        "name": " 李明 ",
        "role": Role.STAFF,
        "department": staff.bob_dept,
        "password": "initial-pass",
        "actor": staff.frank,
        "now": NOW,
    }
    return people.create_user(**{**fields, **overrides})


# --- creating users ---


def test_it_creates_a_user_who_can_sign_in_with_the_initial_password(staff):
    user = _new_user(staff)
    assert (user.email, user.name, user.role, user.department, user.is_active) == (
        "li.ming@example.gov.cn",
        "李明",
        Role.STAFF,
        staff.bob_dept,
        True,
    )
    assert authenticate("LI.MING@example.gov.cn", "initial-pass", now=NOW, remote_addr=None) == user


def test_it_audits_the_new_user_without_the_password_or_its_hash(staff):
    user = _new_user(staff)
    (event,) = _events("user_created")
    assert (event.actor_id, event.object_type, event.object_id) == (staff.frank.id, "user", user.id)
    assert event.after == {
        "email": "li.ming@example.gov.cn",
        "name": "李明",
        "role": "staff",
        "department_id": staff.bob_dept.id,
        "department": "交警支队",
        "phone": None,
        "is_active": True,
        "locale": "zh",
        "reminder_mode": "every",
    }
    assert "initial-pass" not in json.dumps(event.after) and user.password_hash not in json.dumps(event.after)


@pytest.mark.parametrize("email", ["alice@example.gov.cn", "ALICE@Example.GOV.cn", " alice@example.gov.cn "])
def test_it_refuses_an_email_already_in_use_whatever_its_case(staff, email):
    with pytest.raises(PeopleError, match="邮箱 alice@example.gov.cn 已被其他用户使用。"):
        _new_user(staff, email=email)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not an email"}, "邮箱格式不正确。"),
        ({"email": "  "}, "请输入邮箱。"),
        ({"name": "  "}, "请输入姓名。"),
        ({"name": "名" * 101}, "姓名不能超过 100 个字。"),
        ({"password": "1234567"}, "密码至少需要 8 个字符。"),
        ({"role": Role.HEAD, "department": None}, "部门负责人和工作人员必须选择所在部门。"),
        ({"role": Role.STAFF, "department": None}, "部门负责人和工作人员必须选择所在部门。"),
    ],
)
def test_it_refuses_a_user_that_breaks_a_rule_and_says_which(staff, overrides, message):
    with pytest.raises(PeopleError) as refused:
        _new_user(staff, **overrides)
    assert refused.value.message == message
    assert _events("user_created") == []


@pytest.mark.parametrize("role", [Role.LEGAL, Role.LEADER, Role.ADMIN])
def test_it_lets_office_roles_go_without_a_department(staff, role):
    assert _new_user(staff, role=role, department=None).department is None


def test_it_refuses_to_put_anyone_into_a_deactivated_department(staff):
    closed = factories.make_department(name="已撤并科室", is_active=False)
    with pytest.raises(PeopleError, match="部门“已撤并科室”已停用，不能再加入人员。"):
        _new_user(staff, department=closed)


# --- editing users ---


def test_it_records_only_the_fields_that_changed_before_and_after(staff):
    changed = people.update_user(
        staff.carol,
        email=staff.carol.email,
        name="交警李",
        role=Role.HEAD,
        department=staff.dave_dept,
        actor=staff.frank,
        now=NOW,
    )
    assert changed and (staff.carol.role, staff.carol.department) == (Role.HEAD, staff.dave_dept)
    (event,) = _events("user_updated")
    assert event.before == {"role": "staff", "department_id": staff.bob_dept.id, "department": "交警支队"}
    assert event.after == {"role": "head", "department_id": staff.dave_dept.id, "department": "治安支队"}


def test_it_records_nothing_when_nothing_changed(staff):
    carol = staff.carol
    assert not people.update_user(
        carol, email=carol.email, name=carol.name, role=carol.role, department=carol.department, actor=None, now=NOW
    )
    assert _events("user_updated") == []


def test_it_refuses_to_give_a_user_someone_elses_email_but_accepts_a_new_case_of_their_own(staff):
    carol = staff.carol
    with pytest.raises(PeopleError, match="已被其他用户使用"):
        people.update_user(
            carol, email="Bob@example.gov.cn", name=carol.name, role=carol.role, department=carol.department,
            actor=staff.frank, now=NOW,
        )  # fmt: skip
    assert people.update_user(
        carol, email="CAROL@example.gov.cn", name="李警官", role=carol.role, department=carol.department,
        actor=staff.frank, now=NOW,
    )  # fmt: skip
    assert (carol.email, carol.name) == ("carol@example.gov.cn", "李警官")


def test_it_resets_a_password_and_audits_it_without_the_hash(staff):
    people.reset_password(staff.carol, NEW_PASSWORD, actor=staff.frank, now=NOW)
    assert staff.carol.check_password(NEW_PASSWORD)
    (event,) = _events("password_reset")
    assert (event.actor_id, event.object_id, event.before, event.after) == (staff.frank.id, staff.carol.id, None, None)


# --- deactivating users ---


def test_it_deactivates_a_user_who_then_cannot_sign_in(staff):
    people.deactivate_user(staff.carol, actor=staff.frank, now=NOW)
    assert authenticate("carol@example.gov.cn", PASSWORD, now=NOW, remote_addr=None) is None
    (event,) = _events("user_deactivated")
    assert (event.before, event.after) == ({"is_active": True}, {"is_active": False})


def test_it_reactivates_a_user(staff):
    people.deactivate_user(staff.carol, actor=staff.frank, now=NOW)
    people.reactivate_user(staff.carol, actor=staff.frank, now=NOW)
    assert authenticate("carol@example.gov.cn", PASSWORD, now=NOW, remote_addr=None) == staff.carol


def test_it_refuses_to_let_the_administrator_deactivate_themselves(staff):
    with pytest.raises(PeopleError, match="不能停用自己的账号。"):
        people.deactivate_user(staff.frank, actor=staff.frank, now=NOW)


def test_it_keeps_the_last_active_administrator(staff):
    with pytest.raises(PeopleError, match="最后一个启用的系统管理员"):
        people.deactivate_user(staff.frank, actor=None, now=NOW)
    frank = staff.frank
    with pytest.raises(PeopleError, match="最后一个启用的系统管理员"):
        people.update_user(
            frank, email=frank.email, name=frank.name, role=Role.LEGAL, department=None, actor=None, now=NOW
        )


def test_it_lets_an_administrator_go_when_another_remains(staff):
    factories.make_user(Role.ADMIN)
    people.deactivate_user(staff.frank, actor=None, now=NOW)
    assert not staff.frank.is_active


def test_it_refuses_to_reactivate_a_user_of_a_deactivated_department(staff):
    people.deactivate_user(staff.carol, actor=staff.frank, now=NOW)
    staff.bob_dept.is_active = False
    with pytest.raises(PeopleError, match="用户所在部门“交警支队”已停用"):
        people.reactivate_user(staff.carol, actor=staff.frank, now=NOW)


# --- departments ---


def test_it_creates_and_renames_a_department_and_audits_both(staff):
    department = people.create_department(name=" 网安支队 ", actor=staff.frank, now=NOW)
    assert people.rename_department(department, name="网络安全保卫支队", actor=staff.frank, now=NOW)
    assert department.name == "网络安全保卫支队"
    assert _events("department_created")[0].after == {"name": "网安支队", "is_active": True}
    (renamed,) = _events("department_updated")
    assert (renamed.before, renamed.after) == ({"name": "网安支队"}, {"name": "网络安全保卫支队"})


@pytest.mark.parametrize("name", ["交警支队", " 交警支队 "])
def test_it_refuses_a_department_name_already_taken(staff, name):
    with pytest.raises(PeopleError, match="已有名为“交警支队”的部门。"):
        people.create_department(name=name, actor=staff.frank, now=NOW)
    with pytest.raises(PeopleError, match="已有名为“交警支队”的部门。"):
        people.rename_department(staff.dave_dept, name=name, actor=staff.frank, now=NOW)


def test_it_refuses_to_deactivate_a_department_with_active_members_and_says_why(staff):
    with pytest.raises(PeopleError) as refused:
        people.deactivate_department(staff.bob_dept, actor=staff.frank, now=NOW)
    assert refused.value.message == "部门“交警支队”不能停用：还有 2 名启用的人员（请先将其停用或调往其他部门）。"


@pytest.mark.parametrize("as_co_department", [False, True])
def test_it_refuses_to_deactivate_a_department_with_open_tasks(staff, as_co_department):
    empty = factories.make_department(name="空科室")
    if as_co_department:
        factories.make_task(lead_department=staff.bob_dept, co_departments=[empty])
    else:
        factories.make_task(lead_department=empty)
    with pytest.raises(PeopleError) as refused:
        people.deactivate_department(empty, actor=staff.frank, now=NOW)
    assert refused.value.message == "部门“空科室”不能停用：还有 1 项未办结的任务（请先办结、撤销或改由其他部门负责）。"


def test_it_deactivates_a_department_with_no_members_and_only_closed_tasks(staff):
    empty = factories.make_department(name="空科室")
    factories.make_task(lead_department=empty, state=TaskState.DONE)
    factories.make_user(department=empty, is_active=False)
    people.deactivate_department(empty, actor=staff.frank, now=NOW)
    assert not empty.is_active
    (event,) = _events("department_deactivated")
    assert (event.object_id, event.after) == (empty.id, {"is_active": False})
    people.reactivate_department(empty, actor=staff.frank, now=NOW)
    assert empty.is_active


# --- one's own settings ---


def test_it_changes_ones_own_password_when_the_current_one_is_right(staff):
    people.change_own_password(staff.carol, current_password=PASSWORD, new_password=NEW_PASSWORD, now=NOW)
    assert staff.carol.check_password(NEW_PASSWORD) and not staff.carol.check_password(PASSWORD)
    (event,) = _events("password_changed")
    assert (event.actor_id, event.object_id, event.before, event.after) == (staff.carol.id, staff.carol.id, None, None)


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("wrong password", NEW_PASSWORD, "当前密码不正确。"),
        (PASSWORD, "short", "密码至少需要 8 个字符。"),
        (PASSWORD, PASSWORD, "新密码不能与当前密码相同。"),
    ],
)
def test_it_refuses_a_password_change_that_breaks_a_rule(staff, current, new, message):
    with pytest.raises(PeopleError) as refused:
        people.change_own_password(staff.carol, current_password=current, new_password=new, now=NOW)
    assert refused.value.message == message
    assert staff.carol.check_password(PASSWORD)
    assert _events("password_changed") == []


def test_it_stores_the_interface_language(staff):
    assert people.set_locale(staff.carol, "en", now=NOW)
    assert staff.carol.locale == "en"
    (event,) = _events("user_updated")
    assert (event.before, event.after) == ({"locale": "zh"}, {"locale": "en"})
    assert not people.set_locale(staff.carol, "en", now=NOW)


def test_it_refuses_an_unknown_language(staff):
    with pytest.raises(PeopleError, match="不支持该界面语言。"):
        people.set_locale(staff.carol, "fr", now=NOW)


@pytest.mark.parametrize(
    ("change", "warned"),
    [
        ({"active": False}, True),
        ({"role": Role.STAFF}, True),
        ({"department": "dave_dept"}, True),
        ({}, False),  # an edit that keeps bob at the head of 交警支队
    ],
)
def test_it_says_when_a_change_takes_the_last_head_from_a_department_with_open_tasks(staff, change, warned):
    for state in (TaskState.IN_PROGRESS, TaskState.NOT_STARTED, TaskState.DONE):
        factories.make_task(lead_department_id=staff.bob_dept.id, state=state)
    department = getattr(staff, change.get("department", "bob_dept"))
    headless = people.last_head_leaving(
        staff.bob, role=change.get("role", Role.HEAD), department=department, active=change.get("active", True)
    )
    if not warned:
        assert headless is None
        return
    assert (headless.department, headless.open_tasks) == (staff.bob_dept, 2)
    assert headless.message == (
        "交警支队已没有在岗的部门负责人，其牵头的 2 项未办结任务需由法制部门代为办理或另行指定负责人。"
    )


@pytest.mark.parametrize("case", ["staff member", "another head", "no open task", "already inactive"])
def test_it_does_not_warn_when_the_department_keeps_a_head_or_has_nothing_open(staff, case):
    if case != "no open task":
        factories.make_task(lead_department_id=staff.bob_dept.id)
    if case == "another head":
        factories.make_user(Role.HEAD, department_id=staff.bob_dept.id)
    if case == "already inactive":
        staff.bob.is_active = False
    user = staff.carol if case == "staff member" else staff.bob
    assert people.last_head_leaving(user, role=user.role, department=user.department, active=False) is None
