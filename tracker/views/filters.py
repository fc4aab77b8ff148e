"""Jinja filters and globals: dates shown in the office's time zone, names in the user's language.

The name mappings hold the Chinese names (the message ids, marked with :func:`N_` so that
``pybabel extract`` finds them); the filters translate them when they are shown. The mappings stay
plain Chinese for the command line and the mails, which are not translated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, current_app, g, request
from flask_babel import get_locale, gettext, ngettext, pgettext
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from tracker.clock import local_today, local_zone
from tracker.i18n import EVENT, N_, NE_
from tracker.names import KIND_NAMES, ROLE_NAMES, STATE_NAMES
from tracker.policy import OFFICE_ROLES, Action, can
from tracker.services import drafts, queues
from tracker.services.deadlines import Standing
from tracker.services.mail.catalogue import CATALOGUE
from tracker.services.workflow import Step
from tracker.views.task_forms import URGE_METHOD_NAMES


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


def format_date(value: date | None) -> str:
    """2026年3月5日 in Chinese; 2026-03-05 in English (the pattern is translated)."""
    if not value:
        return ""
    return value.strftime(gettext("%Y年%m月%d日")).replace("年0", "年").replace("月0", "月")


def format_percent(rate: float | None) -> str:
    """0.853 → 85.3%; a rate with nothing to divide by is shown as a dash."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def html_lang() -> str:
    """The ``lang`` attribute of the page: zh-CN or en."""
    return "en" if _english() else "zh-CN"


LIGHT_NAMES = {
    "red": N_("已逾期"),
    "yellow": N_("临近时限或久未更新"),
    "green": N_("正常推进"),
    "grey": N_("已结束或暂缓"),
}
ASSIGNMENT_NAMES = {
    "unassigned": N_("未交办"),
    "assigned": N_("已交办，待签收"),
    "acknowledged": N_("已签收"),
    "returned": N_("已退回"),
}
EVENT_NAMES = {
    "report_imported": NE_("event", "导入报告"),
    "task_edited": NE_("event", "修改任务"),
    "task_assigned": NE_("event", "交办"),
    "task_acknowledged": NE_("event", "签收"),
    "task_returned": NE_("event", "退回"),
    "task_staff_assigned": NE_("event", "指派责任人"),
    "extension_requested": NE_("event", "申请延期"),
    "extension_approved": NE_("event", "同意延期"),
    "extension_refused": NE_("event", "不同意延期"),
    "closure_verified": NE_("event", "审核通过，销号"),
    "closure_sent_back": NE_("event", "退办"),
    "task_carried_over": NE_("event", "结转任务"),
    "task_put_on_hold": NE_("event", "暂缓"),
    "task_resumed": NE_("event", "恢复办理"),
    "task_cancelled": NE_("event", "撤销"),
    "task_urged": NE_("event", "催办"),
    "offline_chase_logged": NE_("event", "记录线下催办"),
    "mail_retried": NE_("event", "重新发送邮件"),
    "reminder_overrides_changed": NE_("event", "调整提醒规则"),
    "milestone_added": NE_("event", "添加阶段任务"),
    "task_created": NE_("event", "生成任务"),
    "progress": NE_("event", "反馈进展"),
    "progress_recorded": NE_("event", "反馈进展"),  # the audit event of a progress report
    "closure_submitted": NE_("event", "申请办结"),
    "link_added": NE_("event", "关联问题与措施"),
    "link_accepted": NE_("event", "采纳关联建议"),
    "closure": NE_("event", "申请办结"),
    "assist": NE_("event", "协办反馈"),  # a co-department's report, shown as an update in the timeline
    "assist_reported": NE_("event", "协办反馈"),  # its audit event, in the dashboard's recent activity
}


def light_reason(standing: Standing) -> str:
    """Why the light is what it is, in words: a yellow light says whether the deadline is near,
    the department has been quiet, or both."""
    if standing.light != "yellow":
        return gettext(LIGHT_NAMES[standing.light])
    reasons = [gettext("临近时限")] if standing.due_soon else []
    if standing.stale:
        reasons.append(gettext("久未更新"))
    return gettext("、").join(reasons) or gettext(LIGHT_NAMES["yellow"])


def countdown(standing: Standing) -> str:
    """ "剩余N个工作日", "今日到期" or "已逾期N个工作日"; empty for closed tasks or no deadline."""
    if standing.light == "grey" or standing.workdays_left is None:
        return ""
    if standing.overdue:
        late = standing.workdays_late or 0
        return ngettext("已逾期%(num)s个工作日", "已逾期%(num)s个工作日", late) if late > 0 else gettext("已逾期")
    if standing.workdays_left <= 0:
        return gettext("今日到期")
    return ngettext("剩余%(num)s个工作日", "剩余%(num)s个工作日", standing.workdays_left)


MAIL_KIND_NAMES = {kind.value: entry.name for kind, entry in CATALOGUE.items()}
MAIL_STATUS_NAMES = {
    "pending": N_("待发送"),
    "sending": N_("发送中"),
    "sent": N_("已发送"),
    "recorded": N_("已记录（未配置邮件服务器）"),
    "failed": N_("发送失败"),
    "cancelled": N_("已作废"),
    "held": N_("待每周汇总"),
    "digested": N_("已汇入每周汇总"),
}


# The top navigation: (endpoint, label, action needed or None for every signed-in user).
NAV_ITEMS: tuple[tuple[str, str, Action | None], ...] = (
    ("dashboard.index", N_("督办看板"), Action.VIEW_DASHBOARD),
    ("tasks.my_work", N_("我的待办"), Action.HAVE_QUEUE),
    ("tasks.index", N_("督办任务"), None),
    ("reports.index", N_("年度报告"), Action.MANAGE_REPORTS),
    ("mail.index", N_("邮件"), Action.MANAGE_MAIL),
    ("calendar.index", N_("节假日"), Action.MANAGE_CALENDAR),
    ("reminder_settings.index", N_("提醒规则"), Action.MANAGE_MAIL),
    ("admin.index", N_("系统管理"), Action.MANAGE_PEOPLE),
    ("account.settings", N_("个人设置"), None),
)


def navigation() -> list[tuple[str, str]]:
    """The navigation entries the signed-in user may use, among the views that exist, with their
    labels in the user's language."""
    return [
        (endpoint, gettext(label))
        for endpoint, label, action in NAV_ITEMS
        if endpoint in current_app.view_functions and (action is None or can(current_user, action))
    ]


def _event_name(action: str) -> str:
    """What happened, in the user's language and in the past ("Acknowledged"); the code itself
    for an event without a name."""
    name = EVENT_NAMES.get(action)
    return pgettext(EVENT, name) if name is not None else action


def _name_filter(names: Mapping[Any, str], default: str | None = None) -> Callable[[Any], Any]:
    """A filter showing the name of a value in the user's language (the value itself if unnamed)."""

    def name_of(value: Any) -> Any:
        name = names.get(value) if value else None
        if name is None:
            return gettext(default) if default is not None else value
        return gettext(name)

    return name_of


def office_queue_count() -> int:
    """How many tasks wait on the legal office, for its badge (0 for anyone else)."""
    if not (current_user.is_authenticated and current_user.role in OFFICE_ROLES):
        return 0
    if "office_queue_count" not in g:
        g.office_queue_count = queues.office_count(local_today())
    return g.office_queue_count


def page_address() -> str | None:
    """The address to show for a page rendered in answer to a POST (a refusal, a conflict, a
    preview), so that reloading it reads the page instead of sending the form again
    (static/app.js puts it in the address bar): the same path when it also answers GET, else the
    page the form was sent from. None for a GET, or when neither is known."""
    if request.method != "POST":
        return None
    try:
        current_app.url_map.bind_to_environ(request.environ).match(request.path, method="GET")
    except HTTPException:
        pass
    else:
        return request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path:
        return None
    return urlunsplit(("", "", referrer.path, referrer.query, ""))


def deadline_bounds() -> dict[str, str]:
    """The data attributes of a form whose deadlines should fall between today and the filing of
    the report that will account for them (:func:`drafts.accounting_filing`): one outside asks the
    user to confirm before the form is sent (static/app.js)."""
    today = local_today()
    filing = drafts.accounting_filing(today, current_app.config["DRAFT_FILING_DATE"])
    return {
        "data-deadline-from": today.isoformat(),
        "data-deadline-until": filing.isoformat(),
        "data-deadline-confirm": gettext(
            "有完成时限早于今天（%(today)s）或晚于明年年度报告的报送日期（%(filing)s）：%%s。确定要提交吗？",
            today=format_date(today),
            filing=format_date(filing),
        ),
    }


def register(app: Flask) -> None:
    """Every helper the templates call, in one place (those that belong to one page's module are
    defined there)."""
    from tracker.services.links import linked_tasks
    from tracker.views.calendar import date_with_weekday, weekday_name
    from tracker.views.drafts import draft_reason
    from tracker.views.mail import unread_mail_count

    app.jinja_env.globals.update(
        linked_tasks=linked_tasks,
        weekday_name=weekday_name,
        date_with_weekday=date_with_weekday,
        unread_mail_count=unread_mail_count,
        can=lambda action, task=None: can(current_user, action, task),
        Action=Action,
        navigation=navigation,
        html_lang=html_lang,
        office_queue_count=office_queue_count,
        page_address=page_address,
        deadline_bounds=deadline_bounds,
        Step=Step,
    )
    app.add_template_filter(draft_reason, "draft_reason")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "cndate")
    app.add_template_filter(format_percent, "percent")
    app.add_template_filter(_name_filter(STATE_NAMES), "state_name")
    app.add_template_filter(_name_filter(KIND_NAMES, N_("其他")), "kind_name")
    app.add_template_filter(_name_filter(ROLE_NAMES), "role_name")
    app.add_template_filter(_name_filter(LIGHT_NAMES), "light_name")
    app.add_template_filter(light_reason, "light_reason")
    app.add_template_filter(_name_filter(ASSIGNMENT_NAMES), "assignment_name")
    app.add_template_filter(_event_name, "event_name")
    app.add_template_filter(countdown, "countdown")
    app.add_template_filter(lambda k: gettext(MAIL_KIND_NAMES[k]) if k in MAIL_KIND_NAMES else k, "mail_kind_name")
    app.add_template_filter(
        lambda s: gettext(MAIL_STATUS_NAMES[s]) if s in MAIL_STATUS_NAMES else s, "mail_status_name"
    )
    app.add_template_filter(
        lambda m: gettext(URGE_METHOD_NAMES[m]) if m in URGE_METHOD_NAMES else m, "urge_method_name"
    )
