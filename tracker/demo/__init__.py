"""Demo data: the seed report of a city public security bureau, its departments, users for
every role, and tasks whose deadlines sit around today so the demo always shows live work."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import generate_password_hash

from tracker.clock import local_date
from tracker.errors import Refusal
from tracker.extensions import db
from tracker.importer import parse_report
from tracker.models import (
    Assignment,
    Department,
    ExtensionRequest,
    ExtensionStatus,
    ItemKind,
    LinkStatus,
    ProgressUpdate,
    ReportItem,
    ReportStatus,
    Role,
    ShortcomingMeasureLink,
    SourceReport,
    Task,
    TaskState,
    User,
)
from tracker.services.reports import store_report
from tracker.services.review import task_from_item

SEED_FILENAME = "seed_report.txt"
DEMO_PASSWORD = "Demo@2026"

DEPARTMENTS = (
    "法制支队",
    "政治部",
    "督察支队",
    "交警支队",
    "治安支队",
    "刑警支队",
    "经侦支队",
    "出入境管理支队",
    "科技信息化支队",
    "网警支队",
    "指挥中心",
    "食药环侦支队",
)

# (email, name, role, department)
USERS = (
    ("admin@demo.gov.cn", "系统管理员", Role.ADMIN, None),
    ("fazhi@demo.gov.cn", "王法制", Role.LEGAL, "法制支队"),
    ("leader@demo.gov.cn", "李局长", Role.LEADER, None),
    ("zhengzhi.head@demo.gov.cn", "陈政委", Role.HEAD, "政治部"),
    ("duchai.head@demo.gov.cn", "周督察", Role.HEAD, "督察支队"),
    ("keji.head@demo.gov.cn", "赵科信", Role.HEAD, "科技信息化支队"),
    ("keji.staff@demo.gov.cn", "孙工程", Role.STAFF, "科技信息化支队"),
    ("churujing.head@demo.gov.cn", "吴出入境", Role.HEAD, "出入境管理支队"),
    ("jingzhen.head@demo.gov.cn", "郑经侦", Role.HEAD, "经侦支队"),
    ("fazhi.staff@demo.gov.cn", "刘法宣", Role.STAFF, "法制支队"),
    ("fazhi.head@demo.gov.cn", "冯法规", Role.HEAD, "法制支队"),
)


@dataclass(frozen=True)
class TaskPlan:
    """How the demo sets up one task: owners, deadline relative to today, state and progress."""

    lead: str
    co: tuple[str, ...] = ()
    deadline_in_days: int = 60
    state: TaskState = TaskState.IN_PROGRESS
    percent: int = 0
    progress: tuple[str, ...] = field(default=())
    assignee: str | None = None
    awaiting_acknowledgement: bool = False  # 交办 three days ago, not yet 签收
    extension: ExtensionStatus | None = None  # an approved one moved the deadline; a pending one waits


MEASURE_PLANS = (
    TaskPlan("政治部", ("法制支队",), 45, TaskState.IN_PROGRESS, 40, ("已组织全局民警集中学习两次，形成学习纪要。",)),
    TaskPlan(
        "政治部",
        ("法制支队",),
        -9,
        TaskState.IN_PROGRESS,
        60,
        ("完成第一期执法培训班，参训民警 120 人。",),
        extension=ExtensionStatus.PENDING,
    ),
    TaskPlan(
        "法制支队",
        ("科技信息化支队",),
        3,
        TaskState.IN_PROGRESS,
        70,
        ("“受立案”制度改革方案已印发。", "派驻法制员已覆盖全部分局。"),
        "fazhi.staff@demo.gov.cn",
    ),
    TaskPlan("法制支队", (), 90, TaskState.NOT_STARTED, 0),
    TaskPlan("法制支队", ("督察支队",), -20, TaskState.DONE, 100, ("完成年度执法案卷抽查 300 宗，问题已整改。",)),
    TaskPlan(
        "出入境管理支队",
        ("交警支队", "治安支队"),
        120,
        TaskState.IN_PROGRESS,
        30,
        ("政务服务事项网上可办率达到 92%。",),
        extension=ExtensionStatus.APPROVED,
    ),
    TaskPlan("督察支队", ("政治部",), 6, TaskState.CLOSURE_PENDING, 100, ("警务公开目录已更新并在门户网站发布。",)),
    TaskPlan("经侦支队", ("法制支队",), 20, TaskState.NOT_STARTED, 0, awaiting_acknowledgement=True),
    TaskPlan(
        "科技信息化支队",
        ("法制支队",),
        30,
        TaskState.IN_PROGRESS,
        50,
        ("智慧办案平台完成招标。",),
        "keji.staff@demo.gov.cn",
    ),
    TaskPlan("法制支队", ("督察支队",), 200, TaskState.IN_PROGRESS, 20, ("市局执法管理委员会已召开第一次会议。",)),
)
SHORTCOMING_PLANS = (
    TaskPlan("政治部", ("法制支队",), 75, TaskState.IN_PROGRESS, 30, ("开展规范执法专题教育。",)),
    TaskPlan("督察支队", (), 14, TaskState.IN_PROGRESS, 50, ("执法监督巡查已覆盖 6 个分局。",)),
    TaskPlan("法制支队", ("政治部",), -30, TaskState.IN_PROGRESS, 80, ("新法新规培训课件已编制完成。",)),
)
# Shortcoming position -> the measure positions that address it.
LINKS = {1: (1, 2), 2: (5, 10), 3: (2,)}


class DemoRefused(Refusal):
    """Demo data that cannot be loaded here (the database already holds other data)."""


@dataclass
class DemoSummary:
    report: SourceReport
    tasks: int
    users: list[tuple[str, str, str]]  # (email, name, role)

    def describe(self) -> str:
        lines = [
            f"已载入演示数据：报告《{self.report.title}》，{self.tasks} 项督办任务。",
            f"样例报告原为{seed_year()}年度，演示中视作上一年度（{self.report.year}年度）的报告，"
            "任务时限与进展均围绕今天排布。",
            "演示账号（密码均为 " + DEMO_PASSWORD + "）：",
        ]
        lines += [f"  {email:<30} {name}（{role}）" for email, name, role in self.users]
        return "\n".join(lines)


def seed_report_bytes() -> bytes:
    return resources.files("tracker.demo").joinpath(SEED_FILENAME).read_bytes()


@functools.cache
def seed_year() -> int | None:
    """The year the seed report itself is about (2020)."""
    return parse_report(seed_report_bytes(), SEED_FILENAME).year


def demo_report() -> SourceReport | None:
    """The demo's report, when the demo is loaded and its accounts are active."""
    if not active_demo_accounts():
        return None
    return db.session.scalar(sa.select(SourceReport).where(SourceReport.original_filename == SEED_FILENAME).limit(1))


def database_is_empty() -> bool:
    return all(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
        for model in (User, Department, SourceReport, Task)
    )


def active_demo_accounts() -> list[str]:
    """The demo's accounts still active in this database (their password is published)."""
    emails = [email for email, *_ in USERS]
    return list(db.session.scalars(sa.select(User.email).where(User.email.in_(emails), User.is_active.is_(True))))


def refuse_demo_accounts_in_production() -> None:
    """Raise RuntimeError when a production deployment still has active demo accounts: anyone
    who read the README could sign in with them."""
    if current_app.config["ENV"] != "production":
        return
    try:
        present = active_demo_accounts()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return  # no schema yet: `flask db upgrade` comes first
    if present:
        raise RuntimeError(
            "生产环境中仍有启用的演示账号（密码已公开），拒绝启动："
            + "、".join(present)
            + "。请先用 flask --app tracker create-user 建立正式的管理员账号，再在系统管理中停用这些账号。"
        )


def load_demo(*, today: date, now: datetime) -> DemoSummary:
    """Add the demo data (not committed). Refuses in production and on a database with data."""
    if current_app.config["ENV"] == "production":
        raise DemoRefused("生产环境（TRACKER_ENV=production）不载入演示数据。")
    if not database_is_empty():
        raise DemoRefused("数据库中已有数据，不载入演示数据，以免与真实账号混在一起。")

    departments = {name: Department(name=name, created_at=now) for name in DEPARTMENTS}
    db.session.add_all(departments.values())
    users = {}
    password_hash = generate_password_hash(DEMO_PASSWORD)  # one hash: every demo account shares it
    for email, name, role, department in USERS:
        user = User(email=email, name=name, role=role, department=departments.get(department or ""), created_at=now)
        user.password_hash = password_hash
        users[email] = user
    db.session.add_all(users.values())
    db.session.flush()

    parsed = parse_report(seed_report_bytes(), SEED_FILENAME)
    report = store_report(parsed, filename=SEED_FILENAME, data=None, imported_by=users["fazhi@demo.gov.cn"], now=now)
    report.status = ReportStatus.CONFIRMED
    # The seed is an older year's report; the demo's deadlines and progress are around today, so
    # it plays last year's report: the draft it rolls into is this year's, as of today.
    report.year = today.year - 1
    report.report_date = min(date(today.year, 3, 31), today)

    items = {(item.kind, item.position): item for item in report.items}
    task_count = 0
    for kind, plans in ((ItemKind.MEASURE, MEASURE_PLANS), (ItemKind.SHORTCOMING, SHORTCOMING_PLANS)):
        for position, plan in enumerate(plans, start=1):
            item = items.get((kind, position))
            if item is None:
                continue
            _add_task(item, plan, departments, users, today=today, now=now)
            task_count += 1
    for shortcoming, measures in LINKS.items():
        for measure in measures:
            db.session.add(
                ShortcomingMeasureLink(
                    shortcoming=items[(ItemKind.SHORTCOMING, shortcoming)],
                    measure=items[(ItemKind.MEASURE, measure)],
                    status=LinkStatus.ACCEPTED,
                    decided_by_id=users["fazhi@demo.gov.cn"].id,
                    created_at=now,
                )
            )
    db.session.flush()
    return DemoSummary(report, task_count, [(e, n, r.value) for e, n, r, _ in USERS])


def _add_task(
    item: ReportItem,
    plan: TaskPlan,
    departments: dict[str, Department],
    users: dict[str, User],
    *,
    today: date,
    now: datetime,
) -> Task:
    start = today - timedelta(days=150)
    deadline = today + timedelta(days=plan.deadline_in_days)
    assigned_at = now - timedelta(days=3 if plan.awaiting_acknowledgement else 145)
    task = task_from_item(
        item,
        lead_department=departments[plan.lead],
        co_departments=[departments[name] for name in plan.co],
        assignee=users.get(plan.assignee) if plan.assignee else None,
        start_date=start,
        deadline=deadline,
        original_deadline=deadline,
        state=plan.state,
        percent_done=plan.percent,
        assignment=Assignment.ASSIGNED if plan.awaiting_acknowledgement else Assignment.ACKNOWLEDGED,
        assigned_at=assigned_at,
        acknowledged_at=None if plan.awaiting_acknowledgement else assigned_at + timedelta(days=1),
        created_at=datetime.combine(start, time(1, 0), UTC),
    )
    if plan.state == TaskState.DONE:
        task.completed_at = now - timedelta(days=abs(plan.deadline_in_days) + 5)
        task.completed_on = local_date(task.completed_at)
    author = next((u for u in users.values() if u.department is task.lead_department and u.role == Role.HEAD), None)
    author = author or users["fazhi@demo.gov.cn"]
    if plan.extension is not None:
        _add_extension(task, plan.extension, author, users["fazhi@demo.gov.cn"], now)
    for n, text in enumerate(plan.progress):
        task.progress_updates.append(
            ProgressUpdate(
                author=author,
                department=task.lead_department,
                percent_done=plan.percent * (n + 1) // len(plan.progress),
                text=text,
                created_at=now - timedelta(days=12 * (len(plan.progress) - n)),
            )
        )
    db.session.add(task)
    return task


def _add_extension(task: Task, status: ExtensionStatus, head: User, legal: User, now: datetime) -> None:
    """A pending request for 30 more days, or one approved a month ago that moved the deadline."""
    assert task.deadline is not None
    request = ExtensionRequest(
        requested_by=head,
        reason="培训场地受疫情防控影响推迟，需顺延一个月。",
        current_deadline=task.deadline,
        requested_deadline=task.deadline + timedelta(days=30),
        status=status,
        created_at=now - timedelta(days=2 if status == ExtensionStatus.PENDING else 35),
    )
    if status == ExtensionStatus.APPROVED:
        request.decided_by_id = legal.id
        request.decided_at = now - timedelta(days=33)
        task.original_deadline = task.deadline
        task.deadline = request.requested_deadline
        task.extension_count = 1
    task.extension_requests.append(request)
