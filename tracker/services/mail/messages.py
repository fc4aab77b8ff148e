"""One function per kind of mail: who receives it, and its subject, body and dedup key.

Subjects and bodies are rendered from ``templates/email/{kind}.txt`` (a ``subject`` and a
``body`` block) and ``templates/email/{kind}.html`` (escaping on). Each message links to its
task, or to the application (digests) or the draft (roll-ups), at ``TRACKER_BASE_URL``.

A dedup key is ``{kind}:{what happened}:{recipient id}``: planning or submitting the same step
twice builds the same key, and the outbox's unique constraint makes the repeat a no-op. Nobody is
told of a step they took themselves (``besides``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from tracker.database import iso_date
from tracker.models import Department, ExtensionRequest, Task, User
from tracker.names import chinese_date
from tracker.services import staffing
from tracker.services.mail.catalogue import MailKind

LINK_LABEL = "查看任务"
BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")  # what empty optional paragraphs leave behind
APP_LINK_LABEL = "登录督办台账"


@dataclass(frozen=True)
class Message:
    kind: MailKind
    recipient: User
    subject: str
    body_text: str
    body_html: str
    dedup_key: str
    task_id: int | None = None
    folds: tuple[int, ...] = field(default=())  # held notifications this digest gathers

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "task_id": self.task_id,
            "recipient": self.recipient.email,
            "subject": self.subject,
            "dedup_key": self.dedup_key,
        }


@dataclass(frozen=True)
class TaskRef:
    """What a mail needs of its task: the id (for the link and the outbox row) and its name."""

    id: int
    name: str


def ref(task: Task | TaskRef) -> TaskRef:
    return task if isinstance(task, TaskRef) else TaskRef(task.id, task_name(task))


# --- rendering --------------------------------------------------------------------------------------------


def base_url() -> str:
    return str(current_app.config.get("BASE_URL") or "").rstrip("/")


def task_url(task_id: int) -> str:
    return f"{base_url()}/tasks/{task_id}"


def dedup_key(kind: MailKind, key: str, person: User) -> str:
    """What names one mail in the outbox: its kind, what happened (``key``), its recipient."""
    return f"{kind.value}:{key}:{person.id}"


def compose(
    kind: MailKind,
    recipients: Iterable[User],
    key: str,
    *,
    task: Task | TaskRef | None = None,
    link: str | None = None,
    link_label: str = LINK_LABEL,
    folds: tuple[int, ...] = (),
    **context: Any,
) -> list[Message]:
    """The messages of one kind about one happening, one per recipient (rendered once)."""
    people = list(recipients)
    if not people:
        return []
    about = ref(task) if task is not None else None
    if link is None and about is not None:
        link = task_url(about.id)
    values = {"name": about.name if about else "", "link": link, "link_label": link_label} | context
    env = current_app.jinja_env
    text_template = env.get_template(f"email/{kind.value}.txt")
    subject = " ".join(_block(text_template, "subject", values).split())
    body_text = BLANK_LINES.sub("\n\n", text_template.render(values).strip()) + "\n"
    body_html = env.get_template(f"email/{kind.value}.html").render(values | {"subject": subject})
    return [
        Message(
            kind,
            person,
            subject,
            body_text,
            body_html,
            dedup_key(kind, key, person),
            about.id if about else None,
            folds,
        )
        for person in people
    ]


def _block(template: Any, name: str, values: dict[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(values)))


def task_name(task: Task) -> str:
    """A task as mails and pages name it: its title, without the report's enumerator ("三是",
    "（一）"), which numbers the report's paragraphs, not the tasks (the ledger has its own 序号)."""
    return task.title


@functools.lru_cache(maxsize=4096)  # a day's lists repeat the same few hundred dates
def cn_date(day: date | None) -> str:
    """A date as official documents write it (2026年12月4日), or that there is none."""
    return chinese_date(day) if day is not None else "未设定"


def stamp(moment: datetime) -> str:
    return f"{moment:%Y%m%d%H%M%S}"


def people(*groups: Iterable[User | None], besides: User | None = None) -> list[User]:
    """Everyone in ``groups`` once, active, in order, leaving out ``besides`` (who acted)."""
    seen: set[int] = set() if besides is None else {besides.id}
    chosen: list[User] = []
    for group in groups:
        for person in group:
            if person is not None and person.is_active and person.id not in seen:
                seen.add(person.id)
                chosen.append(person)
    return chosen


def lead_department_id(task: Task) -> int | None:
    """Milestones belong to their parent's department."""
    return task.lead_department_id or (task.parent.lead_department_id if task.parent is not None else None)


def heads_and_assignee(task: Task) -> list[User]:
    return people(staffing.department_heads(lead_department_id(task)), [task.assignee])


# --- hand-offs ----------------------------------------------------------------------------------------------


def assigned(task: Task, department: Department, actor: User | None, now: datetime) -> list[Message]:
    return compose(
        MailKind.ASSIGNED,
        people(staffing.department_heads(department.id), besides=actor),
        f"{task.id}:{department.id}:{stamp(now)}",
        task=task,
        department=department.name,
        deadline=cn_date(task.deadline),
    )


def reassigned(task: Task, old_department: Department, actor: User | None, now: datetime) -> list[Message]:
    return compose(
        MailKind.REASSIGNED,
        people(staffing.department_heads(old_department.id), besides=actor),
        f"{task.id}:{old_department.id}:{stamp(now)}",
        task=task,
        old_department=old_department.name,
        new_department=task.lead_department.name if task.lead_department else "",
    )


def acknowledged(task: Task, actor: User, note: str, now: datetime) -> list[Message]:
    return compose(
        MailKind.ACKNOWLEDGED,
        people(staffing.legal_officers(), besides=actor),
        f"{task.id}:{stamp(now)}",
        task=task,
        department=task.lead_department.name if task.lead_department else "",
        actor=actor.name,
        note=note,
    )


def returned(task: Task, actor: User, reason: str, now: datetime) -> list[Message]:
    return compose(
        MailKind.RETURNED,
        people(staffing.legal_officers(), besides=actor),
        f"{task.id}:{stamp(now)}",
        task=task,
        actor=actor.name,
        reason=reason,
    )


def staff_assigned(task: Task, staff: User, actor: User, now: datetime) -> list[Message]:
    return compose(
        MailKind.STAFF_ASSIGNED,
        people([staff], besides=actor),
        f"{task.id}:{stamp(now)}",
        task=task,
        actor=actor.name,
        deadline=cn_date(task.deadline),
    )


def extension_requested(request: ExtensionRequest, actor: User, note: str) -> list[Message]:
    return compose(
        MailKind.EXTENSION_REQUESTED,
        people(staffing.legal_officers(), besides=actor),
        str(request.id),
        task=request.task,
        actor=actor.name,
        current=cn_date(request.current_deadline),
        requested=cn_date(request.requested_deadline),
        reason=request.reason,
        note=note,
    )


def extension_decided(request: ExtensionRequest, actor: User, approved: bool) -> list[Message]:
    task = request.task
    return compose(
        MailKind.EXTENSION_APPROVED if approved else MailKind.EXTENSION_REFUSED,
        people([request.requested_by], staffing.department_heads(lead_department_id(task)), besides=actor),
        str(request.id),
        task=task,
        current=cn_date(request.current_deadline),
        requested=cn_date(request.requested_deadline),
        note=request.decision_note,
    )


def closure_submitted(task: Task, actor: User, summary: str, note: str, now: datetime) -> list[Message]:
    return compose(
        MailKind.CLOSURE_SUBMITTED,
        people(staffing.legal_officers(), besides=actor),
        f"{task.id}:{stamp(now)}",
        task=task,
        actor=actor.name,
        summary=summary,
        note=note,
    )


def closure_verified(task: Task, actor: User, now: datetime, note: str = "") -> list[Message]:
    return compose(
        MailKind.CLOSURE_VERIFIED,
        people(heads_and_assignee(task), besides=actor),
        f"{task.id}:{stamp(now)}",
        task=task,
        note=note,
    )


def sent_back(task: Task, actor: User, reason: str) -> list[Message]:
    return compose(
        MailKind.SENT_BACK,
        people(heads_and_assignee(task), besides=actor),
        f"{task.id}:{task.sent_back_count}",
        task=task,
        reason=reason,
    )


def state_changed(kind: MailKind, task: Task, actor: User, reason: str, now: datetime) -> list[Message]:
    """暂缓, 恢复 or 撤销, told to the lead department's heads and the assignee."""
    return compose(
        kind, people(heads_and_assignee(task), besides=actor), f"{task.id}:{stamp(now)}", task=task, reason=reason
    )


def urge(task: Task, actor: User, text: str, today: date) -> list[Message]:
    """催办: at most one a day per task and person (the day is in the key)."""
    return compose(
        MailKind.URGE,
        people(heads_and_assignee(task), besides=actor),
        f"{task.id}:{today.isoformat()}",
        task=task,
        text=text,
    )


# --- reminders (planned) ---------------------------------------------------------------------------------


def chase_key(task_id: int, assigned_at: datetime, today: date) -> str:
    """The middle of a 催签's dedup key: the task, its 交办, the day (one a day per head)."""
    return f"{task_id}:{stamp(assigned_at)}:{today.isoformat()}"


def reminder_key(task_id: int, deadline: date, step: str) -> str:
    """The middle of a deadline reminder's dedup key: task, deadline, step (the kind starts it,
    the recipient ends it)."""
    return f"{task_id}:{deadline.isoformat()}:{step}"


def reminder_key_sql(task_id: Any, deadline: Any, step: Any) -> Any:
    """:func:`reminder_key` as a SQL expression of its columns."""
    return sa.cast(task_id, sa.String) + ":" + iso_date(deadline) + ":" + step


def dedup_key_sql(kind: Any, key: Any, recipient_id: Any) -> Any:
    """:func:`dedup_key` as a SQL expression of its columns."""
    return kind + ":" + key + ":" + sa.cast(recipient_id, sa.String)


def reminder(kind: MailKind, task: TaskRef, recipient: User, key: str, **context: Any) -> Message:
    """A planned reminder (a deadline's, a 催签) as a mail of its own; ``key`` from
    :func:`reminder_key` or :func:`chase_key`, ``context`` what its template says."""
    [message] = compose(kind, [recipient], key, task=task, **context)
    return message


# The order of the groups in a day's list of reminders, the most urgent first, and where the
# rest of a long group is found in the app.
LIST_ORDER = (
    (MailKind.CHASE_ACKNOWLEDGEMENT, "待签收", "/my"),
    (MailKind.OVERDUE, "已逾期", "/tasks?light=red"),
    (MailKind.ESCALATION_LEADER, "逾期督办", "/tasks?light=red"),
    (MailKind.OVERDUE_LEGAL, "逾期通报", "/tasks?light=red"),
    (MailKind.DUE_TODAY, "今日到期", "/tasks?light=yellow"),
    (MailKind.DUE_SOON, "即将到期", "/tasks?light=yellow"),
    (MailKind.PROGRESS_REQUEST, "请反馈进展", "/tasks?light=yellow"),
)
# A group lists this many tasks, the most urgent first; the rest are counted and linked: a list
# of thousands (a province's legal office on a Monday) is read in the app, not in a mail.
LIST_LINES = 100


@dataclass(frozen=True)
class ListItem:
    """One line of a day's list: the reminder's kind, task, the sort key and what to say."""

    kind: MailKind
    task: TaskRef
    deadline: date
    detail: str

    @property
    def line(self) -> str:
        return f"{self.task.name}：{self.detail}"


def reminder_list(recipient: User, items: Sequence[ListItem], key: str) -> Message:
    """One mail listing ``items`` (several reminders to ``recipient``), grouped by kind, most
    urgent first, each with its link. ``key`` names the batch (its dedup key's middle)."""
    groups = []
    for kind, title, rest in LIST_ORDER:
        chosen = sorted((i for i in items if i.kind == kind), key=lambda i: (i.deadline, i.task.id))
        if chosen:
            lines = [
                {"name": i.task.name, "detail": i.detail, "line": i.line, "link": task_url(i.task.id)}
                for i in chosen[:LIST_LINES]
            ]
            more = len(chosen) - len(lines)
            groups.append(
                {"title": title, "count": len(chosen), "lines": lines, "more": more, "more_link": base_url() + rest}
            )
    [mail] = compose(
        MailKind.REMINDERS,
        [recipient],
        key,
        link=base_url() + "/my",
        link_label=APP_LINK_LABEL,
        groups=groups,
        total=len(items),
        counts=[(g["title"], g["count"]) for g in groups],
    )
    return mail


def digest_key(person: User, week: str) -> str:
    """The dedup key of ``person``'s digest of ``week``, known before the digest is written."""
    return dedup_key(MailKind.DIGEST, DIGEST_KEY.format(week=week), person)


DIGEST_KEY = "0:{week}:week"


def digest(
    person: User, week: str, tasks_heading: str, lines: list[str], more: int, held: Sequence[Any]
) -> list[Message]:
    """每周汇总: the week's lines (``more`` tasks beyond them counted) and the notifications held
    for it (``held``: rows with ``subject`` and ``id``)."""
    return compose(
        MailKind.DIGEST,
        [person],
        DIGEST_KEY.format(week=week),
        link=base_url() + "/my",
        link_label=APP_LINK_LABEL,
        folds=tuple(n.id for n in held),
        tasks_heading=tasks_heading,
        lines=lines,
        more=more,
        held=[n.subject for n in held],
    )


def draft_rollup(draft: Any, version: Any, change: Any, structure: str) -> list[Message]:
    """定期汇入: ``version`` of ``draft`` took in new progress (``change``); links to the draft's page."""
    return compose(
        MailKind.DRAFT_ROLLUP,
        staffing.legal_officers(),
        f"{draft.id}:{version.number}",
        link=f"{base_url()}/reports/{draft.report_id}/draft?structure={draft.structure.value}",
        link_label="查看草稿",
        report_title=draft.report.title,
        structure=structure,
        version=version.number,
        change=change,
    )


# --- accounts -----------------------------------------------------------------------------------------------


def password_link(kind: MailKind, user: User, link_id: int, url: str, hours: int) -> list[Message]:
    """设置密码 or 重置密码: the one-time link ``url`` (valid ``hours``) to ``user`` alone; the
    link's id keys the mail, so each new link is a new mail."""
    return compose(
        kind,
        [user],
        str(link_id),
        link=url,
        link_label="设置密码" if kind == MailKind.PASSWORD_SETUP else "重置密码",
        person=user.name,
        email=user.email,
        hours=hours,
    )
