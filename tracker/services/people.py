"""Users and departments: the administrator's changes, and each user's own password and language.

Every function validates everything before it changes anything, raises :class:`PeopleError` with a
message for the user when a rule is broken, records an audit event (never a password or its hash)
and flushes. The caller commits.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from tracker.errors import Refusal
from tracker.extensions import db
from tracker.i18n import N_
from tracker.models import OPEN_STATES, Department, ReminderMode, Role, Task, User, task_co_departments
from tracker.services import staffing
from tracker.services.audit import record_event

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200
MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254
MAX_PHONE_LENGTH = 30
LOCALES = {"zh": "中文", "en": "English"}
# Roles that work inside one department, so they must belong to one.
DEPARTMENT_ROLES = frozenset({Role.HEAD, Role.STAFF})
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class KeepPhone(enum.Enum):
    """``update_user``'s default for ``phone``: leave it as it is (None would clear it)."""

    KEEP = "keep"


KEEP_PHONE = KeepPhone.KEEP


class PeopleError(Refusal):
    """A rule about users or departments was broken; ``message`` says which, in the user's language
    (Chinese outside a request: the command line)."""


# --- users ---------------------------------------------------------------------------------------


def create_user(
    *,
    email: str,
    name: str,
    role: Role,
    department: Department | None,
    password: str | None,
    actor: User | None,
    now: datetime,
    phone: str | None = None,
) -> User:
    """A new active user. ``actor`` None means the system (the command line). A password was
    chosen by someone else: the user changes it at first sign-in. ``password`` None means none at
    all: nobody can sign in as the user until they set one through a one-time link."""
    email = _valid_email(email, user=None)
    name = _valid_name(name, N_("姓名"))
    phone = _valid_phone(phone)
    check_department(role, department)
    if password is not None:
        check_password_rules(password)
    user = User(
        email=email,
        name=name,
        role=role,
        department=department,
        phone=phone,
        is_active=True,
        created_at=now,
        must_change_password=password is not None,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event("user_created", now=now, actor=actor, object_type="user", object_id=user.id, after=_snapshot(user))
    return user


def update_user(
    user: User,
    *,
    email: str,
    name: str,
    role: Role,
    department: Department | None,
    actor: User | None,
    now: datetime,
    phone: str | None | KeepPhone = KEEP_PHONE,
) -> bool:
    """Change a user's email, name, role, department and (unless left out) phone. False when
    nothing changed (then nothing is audited)."""
    email = _valid_email(email, user=user)
    name = _valid_name(name, N_("姓名"))
    new_phone = user.phone if isinstance(phone, KeepPhone) else _valid_phone(phone)
    check_department(role, department, current=user.department)
    if user.role == Role.ADMIN and role != Role.ADMIN and user.is_active:
        _keep_an_admin(user)
    before = _snapshot(user)
    user.email, user.name, user.role, user.department, user.phone = email, name, role, department, new_phone
    return _audit_changes("user_updated", user, before, actor=actor, now=now)


def reset_password(user: User, password: str, *, actor: User | None, now: datetime) -> None:
    """The administrator sets a new password for ``user`` (who forgot theirs); the user changes
    it at the next sign-in."""
    check_password_rules(password)
    user.set_password(password)
    user.must_change_password = True
    record_event("password_reset", now=now, actor=actor, object_type="user", object_id=user.id)
    db.session.flush()


def deactivate_user(user: User, *, actor: User | None, now: datetime) -> None:
    """The user can no longer sign in; their name stays on tasks and in the audit trail."""
    if not user.is_active:
        raise PeopleError(_("用户“%(name)s”已是停用状态。", name=user.name))
    if actor is not None and actor.id == user.id:
        raise PeopleError(_("不能停用自己的账号。"))
    if user.role == Role.ADMIN:
        _keep_an_admin(user)
    _set_active(user, False, actor=actor, now=now)


def reactivate_user(user: User, *, actor: User | None, now: datetime) -> None:
    if user.is_active:
        raise PeopleError(_("用户“%(name)s”已是启用状态。", name=user.name))
    if user.department is not None and not user.department.is_active:
        raise PeopleError(
            _("用户所在部门“%(department)s”已停用，请先为其选择其他部门或启用该部门。", department=user.department.name)
        )
    # A feed address handed out before the deactivation must not come back to life with the account.
    user.calendar_token = None
    _set_active(user, True, actor=actor, now=now)


@dataclass(frozen=True)
class HeadlessDepartment:
    """A change leaves ``department`` with no active head while it leads ``open_tasks`` open tasks."""

    department: Department
    open_tasks: int

    @property
    def message(self) -> str:
        return _(
            "%(department)s已没有在岗的部门负责人，其牵头的 %(num)s 项未办结任务需由法制部门代为办理或另行指定负责人。",
            department=self.department.name,
            num=self.open_tasks,
        )


def last_head_leaving(
    user: User, *, role: Role, department: Department | None, active: bool
) -> HeadlessDepartment | None:
    """Ask before changing ``user`` to ``role`` in ``department`` (``active`` or not): when that
    takes the last active head away from the department they head, and it leads open tasks, what
    to warn about; else None. The change is still allowed: the legal office can act for the
    department until the administrator gives it a head."""
    if not (user.is_active and user.role == Role.HEAD and user.department is not None):
        return None
    if active and role == Role.HEAD and department is not None and department.id == user.department.id:
        return None
    if any(head.id != user.id for head in staffing.department_heads(user.department.id)):
        return None
    open_tasks = staffing.open_tasks_led(user.department.id)
    return HeadlessDepartment(user.department, open_tasks) if open_tasks else None


def change_own_password(user: User, *, current_password: str, new_password: str, now: datetime) -> None:
    """The signed-in user changes their password; the current one must be given and right."""
    if not user.check_password(current_password):
        raise PeopleError(_("当前密码不正确。"))
    check_password_rules(new_password)
    if new_password == current_password:
        raise PeopleError(_("新密码不能与当前密码相同。"))
    user.set_password(new_password)
    user.must_change_password = False
    record_event("password_changed", now=now, actor=user, object_type="user", object_id=user.id)
    db.session.flush()


def set_locale(user: User, locale: str, *, now: datetime) -> bool:
    """Store the user's interface language. False when it was already that one."""
    if locale not in LOCALES:
        raise PeopleError(_("不支持该界面语言。"))
    before = _snapshot(user)
    user.locale = locale
    return _audit_changes("user_updated", user, before, actor=user, now=now)


def set_reminder_mode(user: User, mode: ReminderMode, *, now: datetime) -> bool:
    """Every reminder by mail, or only the weekly digest (urgent mail always goes)."""
    before = _snapshot(user)
    user.reminder_mode = mode
    return _audit_changes("user_updated", user, before, actor=user, now=now)


def _valid_email(email: str, *, user: User | None) -> str:
    """The email as stored (trimmed, lower case), unique among users other than ``user``."""
    email = email.strip().lower()
    if not email:
        raise PeopleError(_("请输入邮箱。"))
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(email):
        raise PeopleError(_("邮箱格式不正确。"))
    same = sa.select(User.id).where(sa.func.lower(User.email) == email)
    if user is not None:
        same = same.where(User.id != user.id)
    if db.session.scalar(same.limit(1)) is not None:
        raise PeopleError(_("邮箱 %(email)s 已被其他用户使用。", email=email))
    return email


def _valid_name(name: str, label: str) -> str:
    """``label`` is the Chinese name of the field, marked with ``N_``."""
    name = name.strip()
    if not name:
        raise PeopleError(_("请输入%(label)s。", label=_(label)))
    if len(name) > MAX_NAME_LENGTH:
        raise PeopleError(_("%(label)s不能超过 %(max)s 个字。", label=_(label), max=MAX_NAME_LENGTH))
    return name


def _valid_phone(phone: str | None) -> str | None:
    """The phone as stored (trimmed; blank is None)."""
    phone = (phone or "").strip()
    if len(phone) > MAX_PHONE_LENGTH:
        raise PeopleError(_("手机号码不能超过 %(max)s 个字符。", max=MAX_PHONE_LENGTH))
    return phone or None


def check_department(role: Role, department: Department | None, current: Department | None = None) -> None:
    """Raise :class:`PeopleError` unless a user of ``role`` may be in ``department`` (now in ``current``)."""
    if role in DEPARTMENT_ROLES and department is None:
        raise PeopleError(_("部门负责人和工作人员必须选择所在部门。"))
    # An inactive department takes no new members; one already there may stay while being edited.
    if department is not None and not department.is_active and department is not current:
        raise PeopleError(_("部门“%(name)s”已停用，不能再加入人员。", name=department.name))


def check_password_rules(password: str) -> None:
    """Refuse a password that breaks the length rules (PeopleError, in the user's language)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PeopleError(_("密码至少需要 %(min)s 个字符。", min=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PeopleError(_("密码不能超过 %(max)s 个字符。", max=MAX_PASSWORD_LENGTH))


def _keep_an_admin(user: User) -> None:
    """Refuse to remove the last active administrator: nobody could manage people any more."""
    others = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.is_active.is_(True), User.id != user.id)
    )
    if not others:
        raise PeopleError(_("这是最后一个启用的系统管理员账号，不能停用或更改其角色。"))


def _set_active(obj: User | Department, active: bool, *, actor: User | None, now: datetime) -> None:
    before = _snapshot(obj)
    obj.is_active = active
    kind = "user" if isinstance(obj, User) else "department"
    _audit_changes(f"{kind}_{'reactivated' if active else 'deactivated'}", obj, before, actor=actor, now=now)


def _snapshot(obj: User | Department) -> dict[str, Any]:
    """What the audit trail keeps of a user or department: never the password hash."""
    if isinstance(obj, Department):
        return {"name": obj.name, "is_active": obj.is_active}
    return {
        "email": obj.email,
        "name": obj.name,
        "role": obj.role.value,
        "department_id": obj.department.id if obj.department is not None else None,
        "department": obj.department.name if obj.department is not None else None,
        "phone": obj.phone,
        "is_active": obj.is_active,
        "locale": obj.locale,
        "reminder_mode": obj.reminder_mode.value,
    }


def _audit_changes(
    action: str, obj: User | Department, before: dict[str, Any], *, actor: User | None, now: datetime
) -> bool:
    """Record the fields that changed, before and after; False (and no event) when none did."""
    after = _snapshot(obj)
    changed = [key for key in after if after[key] != before.get(key)]
    if not changed:
        return False
    record_event(
        action,
        now=now,
        actor=actor,
        object_type="user" if isinstance(obj, User) else "department",
        object_id=obj.id,
        before={key: before.get(key) for key in changed},
        after={key: after[key] for key in changed},
    )
    db.session.flush()
    return True


# --- departments ---------------------------------------------------------------------------------


def create_department(*, name: str, actor: User | None, now: datetime) -> Department:
    name = _valid_department_name(name, department=None)
    department = Department(name=name, is_active=True, created_at=now)
    db.session.add(department)
    db.session.flush()
    record_event(
        "department_created",
        now=now,
        actor=actor,
        object_type="department",
        object_id=department.id,
        after=_snapshot(department),
    )
    return department


def rename_department(department: Department, *, name: str, actor: User | None, now: datetime) -> bool:
    """False when the name is unchanged (then nothing is audited)."""
    name = _valid_department_name(name, department=department)
    before = _snapshot(department)
    department.name = name
    return _audit_changes("department_updated", department, before, actor=actor, now=now)


def deactivate_department(department: Department, *, actor: User | None, now: datetime) -> None:
    """Refused while the department has active members or open tasks (as lead or co-department):
    they would be left with nobody responsible."""
    if not department.is_active:
        raise PeopleError(_("部门“%(name)s”已是停用状态。", name=department.name))
    members = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.department_id == department.id, User.is_active.is_(True))
    )
    co_department = sa.exists().where(
        task_co_departments.c.task_id == Task.id, task_co_departments.c.department_id == department.id
    )
    open_tasks = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Task)
        .where(Task.state.in_(sorted(OPEN_STATES)), sa.or_(Task.lead_department_id == department.id, co_department))
    )
    reasons = []
    if members:
        reasons.append(
            ngettext(
                "还有 %(num)s 名启用的人员（请先将其停用或调往其他部门）",
                "还有 %(num)s 名启用的人员（请先将其停用或调往其他部门）",
                members,
            )
        )
    if open_tasks:
        reasons.append(
            ngettext(
                "还有 %(num)s 项未办结的任务（请先办结、撤销或改由其他部门负责）",
                "还有 %(num)s 项未办结的任务（请先办结、撤销或改由其他部门负责）",
                open_tasks,
            )
        )
    if reasons:
        raise PeopleError(
            _("部门“%(name)s”不能停用：%(reasons)s。", name=department.name, reasons=_("；").join(reasons))
        )
    _set_active(department, False, actor=actor, now=now)


def reactivate_department(department: Department, *, actor: User | None, now: datetime) -> None:
    if department.is_active:
        raise PeopleError(_("部门“%(name)s”已是启用状态。", name=department.name))
    _set_active(department, True, actor=actor, now=now)


def _valid_department_name(name: str, *, department: Department | None) -> str:
    name = _valid_name(name, N_("部门名称"))
    same = sa.select(Department.id).where(sa.func.lower(Department.name) == name.lower())
    if department is not None:
        same = same.where(Department.id != department.id)
    if db.session.scalar(same.limit(1)) is not None:
        raise PeopleError(_("已有名为“%(name)s”的部门。", name=name))
    return name
