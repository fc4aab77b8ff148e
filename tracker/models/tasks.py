from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from tracker.extensions import db
from tracker.models.people import Department, User
from tracker.models.reports import ItemKind, ReportItem, SourceReport
from tracker.models.types import UTCDateTime, enum_column, utcnow


class TaskState(enum.StrEnum):
    NOT_STARTED = "not_started"  # 未开始
    IN_PROGRESS = "in_progress"  # 进行中
    CLOSURE_PENDING = "pending_review"  # 待审核: a closure awaiting 销号 (the stored value keeps its first name)
    DONE = "done"  # 已办结
    ON_HOLD = "on_hold"  # 暂缓
    CANCELLED = "cancelled"  # 已撤销


OPEN_STATES = frozenset({TaskState.NOT_STARTED, TaskState.IN_PROGRESS, TaskState.CLOSURE_PENDING})
# Open and not awaiting 销号: the states a department works in, and is reminded of.
WORKABLE_STATES = frozenset({TaskState.NOT_STARTED, TaskState.IN_PROGRESS})


def _sql_states(states: Iterable[TaskState]) -> str:
    """States as an SQL list, for the predicate of a partial index."""
    return "(" + ", ".join(f"'{state.value}'" for state in sorted(states)) + ")"


# The tasks the reminder planner reminds of.
_REMINDED = f"state IN {_sql_states(WORKABLE_STATES)} AND deadline IS NOT NULL AND lead_department_id IS NOT NULL"


class Assignment(enum.StrEnum):
    """Where the 交办 handshake stands: assigned to a department, acknowledged (签收) by it, or
    returned (退回) to the legal office as misassigned."""

    UNASSIGNED = "unassigned"
    ASSIGNED = "assigned"  # 已交办，待签收
    ACKNOWLEDGED = "acknowledged"  # 已签收
    RETURNED = "returned"  # 已退回


class Priority(enum.StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ExtensionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class UpdateKind(enum.StrEnum):
    PROGRESS = "progress"  # 反馈
    CLOSURE = "closure"  # 办结申请: summary with evidence
    # 协办反馈: a co-department (配合单位) reports its own part; the task's percent and state stay
    # the lead department's.
    ASSIST = "assist"


task_co_departments = sa.Table(
    "task_co_departments",
    db.metadata,
    sa.Column("task_id", sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class Task(db.Model):
    """A measure or shortcoming to carry out, or a task created by hand; milestones have a parent.

    ``version`` is the optimistic lock: SQLAlchemy adds it to every UPDATE, so a save based on a
    stale copy fails with StaleDataError instead of overwriting someone else's change.
    """

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("source_reports.id"), index=True)
    report_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report_items.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    # The unfinished task of an earlier year's report this one carries on (结转), so that the
    # history of a measure spans years.
    carried_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id", ondelete="SET NULL"), index=True)
    kind: Mapped[ItemKind | None] = mapped_column(enum_column(ItemKind))  # None: created by hand
    title: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    lead_department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    start_date: Mapped[date | None]
    deadline: Mapped[date | None] = mapped_column(index=True)
    state: Mapped[TaskState] = mapped_column(enum_column(TaskState), default=TaskState.NOT_STARTED)
    percent_done: Mapped[int] = mapped_column(default=0)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.NORMAL)
    # Indexed: the few tasks not yet acknowledged are what the legal office's queue looks for.
    assignment: Mapped[Assignment] = mapped_column(enum_column(Assignment), default=Assignment.UNASSIGNED, index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str] = mapped_column(sa.Text, default="")  # the latest 退回 reason
    # The deadline first agreed; approved extensions move ``deadline`` only.
    original_deadline: Mapped[date | None]
    extension_count: Mapped[int] = mapped_column(default=0)
    sent_back_count: Mapped[int] = mapped_column(default=0)  # closures returned (退办): for 一次办结率
    closure_summary: Mapped[str] = mapped_column(sa.Text, default="")
    # Per-task changes to the reminder rules (same keys as the rules), or None for the default:
    # SQL NULL, not JSON null, so the planner finds the few tasks that have their own in an index.
    reminder_overrides: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The office's calendar date of completed_at, so "closed on time" is a date comparison in SQL.
    completed_on: Mapped[date | None] = mapped_column(index=True)
    # The latest progress update's time (kept by the flush hook below), so lists, counts and the
    # traffic light need no aggregate over every update.
    last_progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The dashboard's and the list's whole-table passes (counts by department, report, state
        # and light; the urgency order) read only these columns of the top-level tasks: on
        # PostgreSQL an index-only scan of this index instead of the wide table.
        sa.Index(
            "ix_tasks_rollup",
            "lead_department_id",
            "report_id",
            postgresql_include=[
                "id",
                "state",
                "deadline",
                "completed_on",
                "sent_back_count",
                "extension_count",
                "percent_done",
                "last_progress_at",
                "acknowledged_at",
                "created_at",
                "assignee_id",
                "kind",
            ],
            postgresql_where=sa.text("parent_id IS NULL"),
        ),
        # The tasks in one state by id alone (the legal office's 待审核销号 badge): no table read.
        sa.Index("ix_tasks_state", "state", postgresql_include=["id"]),
        # The open top-level tasks by deadline: the dashboard's overdue and due-soon lists take
        # their first rows here instead of walking past every task closed long ago.
        sa.Index(
            "ix_tasks_open_deadline",
            "deadline",
            "id",
            postgresql_where=sa.text(f"parent_id IS NULL AND state IN {_sql_states(OPEN_STATES)}"),
            sqlite_where=sa.text(f"parent_id IS NULL AND state IN {_sql_states(OPEN_STATES)}"),
        ),
        # What the reminder planner reads of the tasks it reminds of (workable, with a deadline
        # and a lead department), matched to its rules by deadline and by quiet spell: on
        # PostgreSQL an index-only scan, no read of the wide table.
        sa.Index(
            "ix_tasks_reminders",
            "deadline",
            postgresql_include=[
                "id",
                "title",
                "lead_department_id",
                "assignee_id",
                "assignment",
                "last_progress_at",
                "acknowledged_at",
                "created_at",
                "reminder_overrides",
            ],
            postgresql_where=sa.text(_REMINDED),
            sqlite_where=sa.text(_REMINDED),
        ),
        # The open tasks by assignment: the legal office's badge counts the returned, unassigned
        # and unacknowledged ones here, without reading the table.
        sa.Index(
            "ix_tasks_open_assignment",
            "assignment",
            "assigned_at",
            postgresql_include=["id", "parent_id", "state"],
            postgresql_where=sa.text(f"state IN {_sql_states(OPEN_STATES)}"),
            sqlite_where=sa.text(f"state IN {_sql_states(OPEN_STATES)}"),
        ),
        # The few tasks with reminder rules of their own, which the planner reads first.
        sa.Index(
            "ix_tasks_own_rules",
            "id",
            postgresql_where=sa.text("reminder_overrides IS NOT NULL"),
            sqlite_where=sa.text("reminder_overrides IS NOT NULL"),
        ),
        # The closed top-level tasks by day of closure: the dashboard's chart of the year.
        sa.Index(
            "ix_tasks_closed_on",
            "completed_on",
            postgresql_include=["id", "lead_department_id"],
            postgresql_where=sa.text("parent_id IS NULL AND state = 'done'"),
            sqlite_where=sa.text("parent_id IS NULL AND state = 'done'"),
        ),
    )

    report: Mapped[SourceReport | None] = relationship()
    report_item: Mapped[ReportItem | None] = relationship()
    parent: Mapped[Task | None] = relationship(back_populates="milestones", remote_side=[id], foreign_keys=[parent_id])
    carried_from: Mapped[Task | None] = relationship(remote_side=[id], foreign_keys=[carried_from_id])
    milestones: Mapped[list[Task]] = relationship(
        back_populates="parent", order_by="Task.deadline", foreign_keys=[parent_id]
    )
    lead_department: Mapped[Department | None] = relationship()
    co_departments: Mapped[list[Department]] = relationship(secondary=task_co_departments)
    assignee: Mapped[User | None] = relationship()
    progress_updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="task", order_by="ProgressUpdate.created_at", cascade="all, delete-orphan"
    )
    extension_requests: Mapped[list[ExtensionRequest]] = relationship(
        back_populates="task", order_by="ExtensionRequest.created_at", cascade="all, delete-orphan"
    )


class ProgressUpdate(db.Model):
    """A 反馈: what was done, and the percent complete as the reporter sees it. For a 协办反馈
    (kind ASSIST) the percent is the co-department's own part, not the task's."""

    __tablename__ = "progress_updates"
    __table_args__ = (sa.Index("ix_progress_updates_task_id_created_at", "task_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[UpdateKind] = mapped_column(enum_column(UpdateKind), default=UpdateKind.PROGRESS)
    # The department that reported: the lead department, or a co-department for a 协办反馈.
    # None for an update on a task that had no lead department.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    percent_done: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    # The form's one-time token: a double-clicked or resent report is stored once.
    submission_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[Task] = relationship(back_populates="progress_updates")
    author: Mapped[User | None] = relationship()
    department: Mapped[Department | None] = relationship()
    attachments: Mapped[list[EvidenceAttachment]] = relationship(back_populates="progress_update")


class EvidenceAttachment(db.Model):
    """An evidence file; the bytes live outside the web root under ``storage_key``."""

    __tablename__ = "evidence_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    progress_update_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("progress_updates.id", ondelete="SET NULL"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    progress_update: Mapped[ProgressUpdate | None] = relationship(back_populates="attachments")


class ExtensionRequest(db.Model):
    """A 延期申请: the department asks for a new deadline; the legal office approves or refuses.
    A task has at most one pending request (a partial unique index), however fast the clicks."""

    __tablename__ = "extension_requests"
    __table_args__ = (
        sa.Index(
            "uq_extension_requests_one_pending",
            "task_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    current_deadline: Mapped[date | None]
    requested_deadline: Mapped[date]
    status: Mapped[ExtensionStatus] = mapped_column(enum_column(ExtensionStatus), default=ExtensionStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[Task] = relationship(back_populates="extension_requests")
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])


@event.listens_for(Session, "before_flush")
def _keep_last_progress(session: Session, flush_context: object, instances: object) -> None:
    """Every new progress update moves its task's ``last_progress_at`` forward, however it was
    created (workflow, demo data, tests). A co-department's 协办反馈 does not: the time drives the
    lead department's "no progress for 30 days" reminders and the yellow light."""
    for update in [obj for obj in session.new if isinstance(obj, ProgressUpdate)]:
        if update.created_at is None:
            update.created_at = utcnow()
        if update.kind == UpdateKind.ASSIST:
            continue
        task = update.task if update.task is not None else session.get(Task, update.task_id)
        if task is not None and (task.last_progress_at is None or update.created_at > task.last_progress_at):
            task.last_progress_at = update.created_at


class OfflineUrge(db.Model):
    """A 催办 done outside the system (a phone call, a visit), logged by the legal office."""

    __tablename__ = "offline_chases"  # its first name: 催办 is "urge" in the code, 催签 "chase"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(sa.String(20))  # phone, visit, meeting, other
    note: Mapped[str] = mapped_column(sa.Text, default="")
    happened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()
