"""Plain factory functions with defaults and ``**overrides``. They add and flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from itertools import count
from typing import Any

from werkzeug.security import generate_password_hash

from tracker.extensions import db
from tracker.models import Department, Notification, NotificationStatus, Role, SourceReport, Task, TaskState, User

PASSWORD = "correct horse 马"
FROZEN_NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, a Monday
_sequence = count(1)


def make_department(**overrides: Any) -> Department:
    department = Department(**{"name": f"部门{next(_sequence)}", "created_at": FROZEN_NOW, **overrides})
    db.session.add(department)
    db.session.flush()
    return department


@cache
def _password_hash(password: str) -> str:
    # A cheap hash: tests sign in hundreds of times, and the strength of a test password is moot.
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


def make_user(role: Role = Role.STAFF, password: str = PASSWORD, **overrides: Any) -> User:
    n = next(_sequence)
    user = User(
        **{"email": f"user{n}@example.gov.cn", "name": f"用户{n}", "role": role, "created_at": FROZEN_NOW, **overrides}
    )
    user.password_hash = _password_hash(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_seed_report(imported_by: User | None = None, now: datetime = FROZEN_NOW) -> SourceReport:
    """The seed report imported (items only, no tasks yet) and committed."""
    from tracker.demo import seed_report_bytes
    from tracker.importer import parse_report
    from tracker.services.reports import store_report

    parsed = parse_report(seed_report_bytes(), "seed.txt")
    report = store_report(parsed, filename="seed.txt", data=None, imported_by=imported_by, now=now)
    db.session.commit()
    return report


def make_task(**overrides: Any) -> Task:
    task = Task(
        **{
            "title": f"任务{next(_sequence)}",
            "deadline": date(2026, 6, 30),
            "state": TaskState.IN_PROGRESS,
            "created_at": FROZEN_NOW,
            **overrides,
        }
    )
    db.session.add(task)
    db.session.flush()
    return task


@dataclass
class Personas:
    """alice runs the legal office; bob heads 交警支队 and carol works there; dave heads 治安支队;
    erin is a leader; frank is the administrator."""

    legal_dept: Department
    bob_dept: Department
    dave_dept: Department
    alice: User
    bob: User
    carol: User
    dave: User
    erin: User
    frank: User


def make_personas() -> Personas:
    legal = make_department(name="法制支队")
    traffic = make_department(name="交警支队")
    public_order = make_department(name="治安支队")
    return Personas(
        legal_dept=legal,
        bob_dept=traffic,
        dave_dept=public_order,
        alice=make_user(Role.LEGAL, email="alice@example.gov.cn", name="法制王", department=legal),
        bob=make_user(Role.HEAD, email="bob@example.gov.cn", name="交警张", department=traffic),
        carol=make_user(Role.STAFF, email="carol@example.gov.cn", name="交警李", department=traffic),
        dave=make_user(Role.HEAD, email="dave@example.gov.cn", name="治安赵", department=public_order),
        erin=make_user(Role.LEADER, email="erin@example.gov.cn", name="局领导"),
        frank=make_user(Role.ADMIN, email="frank@example.gov.cn", name="管理员"),
    )


def make_notification(recipient: User, now: datetime = FROZEN_NOW, **overrides: Any) -> Notification:
    """A pending mail in the outbox, due at ``now``, with a plain-text body (as the sender sees rows)."""
    notification = Notification(
        **{
            "kind": "due_soon",
            "dedup_key": f"test:{next(_sequence)}:{recipient.id}",
            "recipient_id": recipient.id,
            "recipient_email": recipient.email,
            "subject": "【督办提醒】测试",
            "body_text": "请及时办理。",
            "body_html": "",
            "status": NotificationStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            **overrides,
        }
    )
    db.session.add(notification)
    db.session.flush()
    return notification


def assign_task(
    task: Task,
    actor: User,
    lead: Department,
    *,
    co_departments: tuple[Department, ...] = (),
    deadline: date = date(2026, 7, 1),
    now: datetime = FROZEN_NOW,
    **overrides: Any,
) -> Task:
    """交办 ``task`` to ``lead`` through the workflow, as the legal office's form does."""
    from tracker.models import Priority
    from tracker.services import workflow

    values = {"assignee": None, "start_date": None, "priority": Priority.NORMAL, **overrides}
    workflow.assign(
        task,
        actor,
        lead_department=lead,
        co_departments=list(co_departments),
        deadline=deadline,
        expected_version=None,
        now=now,
        **values,
    )
    return task
