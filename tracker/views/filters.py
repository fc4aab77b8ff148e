"""Jinja filters and globals: dates shown in the office's time zone, state names in Chinese."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app
from flask_login import current_user

from tracker.clock import local_zone
from tracker.models import ItemKind, Role, TaskState
from tracker.policy import Action, can
from tracker.services.deadlines import Standing

STATE_NAMES = {
    TaskState.NOT_STARTED: "未开始",
    TaskState.IN_PROGRESS: "进行中",
    TaskState.PENDING_REVIEW: "待审核",
    TaskState.DONE: "已办结",
    TaskState.ON_HOLD: "暂缓",
    TaskState.CANCELLED: "已撤销",
}
KIND_NAMES = {ItemKind.ACHIEVEMENT: "工作成效", ItemKind.SHORTCOMING: "存在不足", ItemKind.MEASURE: "工作措施"}
ROLE_NAMES = {
    Role.ADMIN: "系统管理员",
    Role.LEGAL: "法制部门",
    Role.LEADER: "局领导",
    Role.HEAD: "部门负责人",
    Role.STAFF: "工作人员",
}


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


def format_date(value: date | None) -> str:
    return value.strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月") if value else ""


LIGHT_NAMES = {"red": "已逾期", "yellow": "临近时限或久未更新", "green": "正常推进", "grey": "已结束或暂缓"}
ASSIGNMENT_NAMES = {
    "unassigned": "未交办",
    "assigned": "已交办，待签收",
    "acknowledged": "已签收",
    "returned": "已退回",
}
EVENT_NAMES = {
    "report_imported": "导入报告",
    "task_edited": "修改任务",
    "task_assigned": "交办",
    "task_acknowledged": "签收",
    "task_returned": "退回",
    "task_staff_assigned": "指派责任人",
    "extension_requested": "申请延期",
    "extension_approved": "同意延期",
    "extension_refused": "不同意延期",
    "closure_verified": "审核通过，销号",
    "closure_sent_back": "退办",
    "task_put_on_hold": "暂缓",
    "task_resumed": "恢复办理",
    "task_cancelled": "撤销",
    "task_urged": "催办",
    "milestone_added": "添加阶段任务",
    "progress": "反馈进展",
    "closure": "申请办结",
}


def countdown(standing: Standing) -> str:
    """ "剩余N个工作日", "今日到期" or "已逾期"; empty for closed tasks or no deadline."""
    if standing.light == "grey" or standing.workdays_left is None:
        return ""
    if standing.overdue:
        return "已逾期"
    if standing.workdays_left <= 0:
        return "今日到期"
    return f"剩余{standing.workdays_left}个工作日"


# The top navigation: (endpoint, label, action needed or None for every signed-in user).
NAV_ITEMS: tuple[tuple[str, str, Action | None], ...] = (
    ("tasks.my_work", "我的待办", None),
    ("tasks.index", "督办任务", Action.VIEW_ALL),
    ("reports.index", "年度报告", Action.MANAGE_REPORTS),
    ("admin.index", "系统管理", Action.MANAGE_PEOPLE),
    ("account.settings", "个人设置", None),
)


def navigation() -> list[tuple[str, str]]:
    """The navigation entries the signed-in user may use, among the views that exist."""
    return [
        (endpoint, label)
        for endpoint, label, action in NAV_ITEMS
        if endpoint in current_app.view_functions and (action is None or can(current_user, action))
    ]


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        can=lambda action, task=None: can(current_user, action, task), Action=Action, navigation=navigation
    )
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "cndate")
    app.add_template_filter(lambda s: STATE_NAMES.get(s, s), "state_name")
    app.add_template_filter(lambda k: KIND_NAMES.get(k, "其他") if k else "其他", "kind_name")
    app.add_template_filter(lambda r: ROLE_NAMES.get(r, r), "role_name")
    app.add_template_filter(lambda light: LIGHT_NAMES.get(light, light), "light_name")
    app.add_template_filter(lambda a: ASSIGNMENT_NAMES.get(a, a), "assignment_name")
    app.add_template_filter(lambda e: EVENT_NAMES.get(e, e), "event_name")
    app.add_template_filter(countdown, "countdown")
