"""The names of states, kinds of report item and roles, as Chinese message ids: translate them
where they are shown (gettext), or use them as they are in official documents."""

from __future__ import annotations

from tracker.i18n import N_
from tracker.models import ItemKind, Role, TaskState

STATE_NAMES = {
    TaskState.NOT_STARTED: N_("未开始"),
    TaskState.IN_PROGRESS: N_("进行中"),
    TaskState.PENDING_REVIEW: N_("待审核"),
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
