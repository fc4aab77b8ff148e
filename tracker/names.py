"""The names of states, kinds of report item and roles, as Chinese message ids: translate them
where they are shown (gettext), or use them as they are in official documents; and dates as
official documents and mails write them."""

from __future__ import annotations

from datetime import date

from tracker.i18n import N_
from tracker.models import ItemKind, Role, TaskState

STATE_NAMES = {
    TaskState.NOT_STARTED: N_("未开始"),
    TaskState.IN_PROGRESS: N_("进行中"),
    TaskState.CLOSURE_PENDING: N_("待审核"),
    TaskState.DONE: N_("已办结"),
    TaskState.ON_HOLD: N_("暂缓"),
    TaskState.CANCELLED: N_("已撤销"),
}
KIND_NAMES = {
    ItemKind.ACHIEVEMENT: N_("工作成效"),
    ItemKind.LEADER_DUTIES: N_("第一责任人职责"),
    ItemKind.SHORTCOMING: N_("存在不足"),
    ItemKind.MEASURE: N_("工作措施"),
}
ROLE_NAMES = {
    Role.ADMIN: N_("系统管理员"),
    Role.LEGAL: N_("法制部门"),
    Role.LEADER: N_("局领导"),
    Role.HEAD: N_("部门负责人"),
    Role.STAFF: N_("工作人员"),
}


def chinese_date(day: date) -> str:
    """A date as official documents (and the mails) write it, unpadded: 2026年12月4日."""
    return f"{day.year}年{day.month}月{day.day}日"
