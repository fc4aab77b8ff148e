"""What this system sends, when, and to whom: one entry per kind of mail.

The same table feeds ``flask mail-kinds``, the reminder rules page (so people know what they
will receive), the names of kinds on the mail pages, and the outbox's digest rule.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from tracker.i18n import N_


class MailKind(enum.StrEnum):
    ASSIGNED = "assigned"  # 交办
    REASSIGNED = "reassigned"  # 改派: the department that no longer leads the task
    ACKNOWLEDGED = "acknowledged"  # 签收
    RETURNED = "returned"  # 退回
    STAFF_ASSIGNED = "staff_assigned"  # 指派 to a member of staff
    EXTENSION_REQUESTED = "extension_requested"  # 延期申请
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REFUSED = "extension_refused"
    CLOSURE_SUBMITTED = "closure_submitted"  # 办结申请
    CLOSURE_VERIFIED = "closure_verified"  # 销号
    SENT_BACK = "sent_back"  # 退办
    PUT_ON_HOLD = "put_on_hold"  # 暂缓
    RESUMED = "resumed"  # 恢复
    CANCELLED = "cancelled"  # 撤销
    URGE = "urge"  # 催办
    CHASE_ACKNOWLEDGEMENT = "chase_acknowledgement"  # 催签
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    OVERDUE_LEGAL = "overdue_legal"
    ESCALATION_LEADER = "escalation_leader"
    PROGRESS_REQUEST = "progress_request"
    DIGEST = "digest"
    REMINDERS = "reminders"  # a person's reminders of one planning run, in one mail
    DRAFT_ROLLUP = "draft_rollup"
    PASSWORD_SETUP = "password_setup"  # 设置密码: a new account's one-time link
    PASSWORD_RESET = "password_reset"  # 重置密码: asked for on the sign-in page


# The reminders about a task's deadline, in the order a task's reminders are listed; a new owner
# or deadline makes the queued ones wrong.
DEADLINE_KINDS = (
    MailKind.DUE_SOON,
    MailKind.DUE_TODAY,
    MailKind.OVERDUE,
    MailKind.OVERDUE_LEGAL,
    MailKind.ESCALATION_LEADER,
    MailKind.PROGRESS_REQUEST,
)


# When a kind goes out.
IMMEDIATE = N_("立即（下一次发送，任何一天）")
ON_WORKDAYS = N_("工作日发送时间之后")


@dataclass(frozen=True)
class KindInfo:
    name: str  # the kind's name on the mail pages (a message id: translate where shown)
    trigger: str  # what makes the system send it
    recipients: str  # who receives it
    timing: str  # IMMEDIATE, ON_WORKDAYS, or a schedule in words
    can_digest: bool = False  # a user who chose the weekly digest gets it there instead
    # It holds a one-time sign-in link: its body is for its recipient alone, never on the outbox pages.
    carries_sign_in_link: bool = False

    @property
    def immediate(self) -> bool:
        return self.timing == IMMEDIATE


CATALOGUE: dict[MailKind, KindInfo] = {
    MailKind.ASSIGNED: KindInfo(
        N_("交办通知"), N_("法制部门交办任务，或改由新的牵头单位办理"), N_("牵头单位的部门负责人"), IMMEDIATE
    ),
    MailKind.REASSIGNED: KindInfo(N_("改派通知"), N_("任务改由其他单位牵头"), N_("原牵头单位的部门负责人"), IMMEDIATE),
    MailKind.ACKNOWLEDGED: KindInfo(N_("签收通知"), N_("牵头单位签收任务"), N_("法制部门"), IMMEDIATE, can_digest=True),
    MailKind.RETURNED: KindInfo(N_("退回通知"), N_("牵头单位退回任务（非本单位职责）"), N_("法制部门"), IMMEDIATE),
    MailKind.STAFF_ASSIGNED: KindInfo(
        N_("指派通知"), N_("部门负责人将任务指派给本部门人员"), N_("被指派的工作人员"), IMMEDIATE
    ),
    MailKind.EXTENSION_REQUESTED: KindInfo(N_("延期申请"), N_("牵头单位申请延期"), N_("法制部门"), IMMEDIATE),
    MailKind.EXTENSION_APPROVED: KindInfo(
        N_("延期已同意"), N_("法制部门同意延期"), N_("申请人和牵头单位的部门负责人"), IMMEDIATE
    ),
    MailKind.EXTENSION_REFUSED: KindInfo(
        N_("延期未同意"), N_("法制部门不同意延期（附理由）"), N_("申请人和牵头单位的部门负责人"), IMMEDIATE
    ),
    MailKind.CLOSURE_SUBMITTED: KindInfo(N_("办结申请"), N_("牵头单位申请办结"), N_("法制部门"), IMMEDIATE),
    MailKind.CLOSURE_VERIFIED: KindInfo(
        N_("销号通知"), N_("法制部门审核通过，任务销号"), N_("牵头单位的部门负责人和责任人"), IMMEDIATE
    ),
    MailKind.SENT_BACK: KindInfo(
        N_("退办通知"), N_("法制部门退回办结申请（附理由）"), N_("牵头单位的部门负责人和责任人"), IMMEDIATE
    ),
    MailKind.PUT_ON_HOLD: KindInfo(
        N_("暂缓通知"), N_("法制部门暂缓任务（附理由）"), N_("牵头单位的部门负责人和责任人"), IMMEDIATE
    ),
    MailKind.RESUMED: KindInfo(
        N_("恢复办理通知"), N_("法制部门恢复暂缓的任务"), N_("牵头单位的部门负责人和责任人"), IMMEDIATE
    ),
    MailKind.CANCELLED: KindInfo(
        N_("撤销通知"), N_("法制部门撤销任务（附理由）"), N_("牵头单位的部门负责人和责任人"), IMMEDIATE
    ),
    MailKind.URGE: KindInfo(
        N_("催办"), N_("法制部门催办（每项任务每天至多一次）"), N_("牵头单位的部门负责人和责任人"), IMMEDIATE
    ),
    MailKind.CHASE_ACKNOWLEDGEMENT: KindInfo(
        N_("催签"),
        N_("交办后超过提醒规则的签收时限（默认 2 个工作日）仍未签收，每个工作日一次"),
        N_("牵头单位的部门负责人"),
        ON_WORKDAYS,
    ),
    MailKind.DUE_SOON: KindInfo(
        N_("到期提醒"),
        N_("距完成时限还有提醒规则所列的工作日数（默认 14、7、3、1）"),
        N_("责任人；未指定时为牵头单位的部门负责人"),
        ON_WORKDAYS,
        can_digest=True,
    ),
    MailKind.DUE_TODAY: KindInfo(
        N_("今日到期"), N_("完成时限当天"), N_("责任人；未指定时为牵头单位的部门负责人"), ON_WORKDAYS
    ),
    MailKind.OVERDUE: KindInfo(
        N_("逾期提醒"), N_("逾期后每个工作日"), N_("责任人；未指定时为牵头单位的部门负责人"), ON_WORKDAYS
    ),
    MailKind.OVERDUE_LEGAL: KindInfo(
        N_("逾期通报"), N_("逾期后第一个工作日，之后每周第一个工作日"), N_("法制部门"), ON_WORKDAYS
    ),
    MailKind.ESCALATION_LEADER: KindInfo(
        N_("逾期督办"), N_("逾期达到提醒规则的天数（默认 14 天），之后每周"), N_("局领导"), ON_WORKDAYS
    ),
    MailKind.PROGRESS_REQUEST: KindInfo(
        N_("进展催报"),
        N_("连续多日未反馈进展（默认 30 天）"),
        N_("责任人；未指定时为牵头单位的部门负责人"),
        ON_WORKDAYS,
        can_digest=True,
    ),
    MailKind.DIGEST: KindInfo(
        N_("每周汇总"),
        N_("每周第一个工作日：本部门在办任务、即将到期和逾期任务，以及本周汇总的通知"),
        N_("部门负责人、法制部门，以及选择每周汇总的人员"),
        ON_WORKDAYS,
    ),
    MailKind.REMINDERS: KindInfo(
        N_("当日提醒汇总"),
        N_("同一天给同一人的多条到期、逾期、进展催报和逾期督办提醒，合为一封（只有一条时单独发送）"),
        N_("各条提醒的收件人"),
        ON_WORKDAYS,
    ),
    MailKind.DRAFT_ROLLUP: KindInfo(
        N_("草稿汇入新进展"), N_("下一年度报告草稿汇入了新的进展"), N_("法制部门"), IMMEDIATE
    ),
    MailKind.PASSWORD_SETUP: KindInfo(
        N_("设置密码"),
        N_("系统管理员新建账号（未填写密码）或重新发送设置密码链接"),
        N_("新账号本人"),
        IMMEDIATE,
        carries_sign_in_link=True,
    ),
    MailKind.PASSWORD_RESET: KindInfo(
        N_("重置密码"),
        N_("本人在登录页点击“忘记密码”并填写邮箱"),
        N_("该邮箱的账号本人"),
        IMMEDIATE,
        carries_sign_in_link=True,
    ),
}


def info(kind: str) -> KindInfo | None:
    try:
        return CATALOGUE[MailKind(kind)]
    except ValueError:
        return None


def goes_to_digest(kind: str, mode_is_digest: bool) -> bool:
    """Whether a mail of ``kind`` to someone who chose the weekly digest waits for the digest."""
    if not mode_is_digest:
        return False
    entry = info(kind)
    return entry is not None and entry.can_digest


def as_rows(translate: Any = str) -> list[dict[str, Any]]:
    """The catalogue as a list of plain rows (``translate`` turns message ids into the reader's language)."""
    return [
        {
            "kind": kind.value,
            "name": translate(entry.name),
            "trigger": translate(entry.trigger),
            "recipients": translate(entry.recipients),
            "timing": translate(entry.timing),
            "can_digest": entry.can_digest,
        }
        for kind, entry in CATALOGUE.items()
    ]


# The kinds whose body holds a one-time sign-in link (values, as the outbox stores them).
SIGN_IN_LINK_KINDS = frozenset(kind.value for kind, entry in CATALOGUE.items() if entry.carries_sign_in_link)
