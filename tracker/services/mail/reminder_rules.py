"""The reminder rules (提醒规则): when reminders and escalations go out, when a task is due soon
and how long an assignment may wait for its 签收, office-wide and per task. (Who may do what is
:mod:`tracker.policy`'s.)

The legal office edits them on the reminder rules page; a task may change the lead days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import g
from flask_babel import gettext as _

from tracker.errors import Refusal
from tracker.extensions import db
from tracker.models import Setting, Task, User
from tracker.services.audit import record_event

RULES_SETTING = "reminder_policy"  # the stored name, from before the rules had theirs
DEFAULT_RULES: dict[str, Any] = {
    "lead_workdays": [14, 7, 3, 1],  # reminders this many working days before the deadline
    "on_the_day": True,
    "leadership_after_days": 14,  # overdue this many days: the leadership is told, then weekly
    "stale_after_days": 30,  # no progress for this many days: ask for an update, and the light turns yellow
    "due_soon_workdays": 5,  # this many working days or fewer left: due soon, the light turns yellow
    "acknowledge_within_workdays": 2,  # not acknowledged (签收) after this many working days: 催签
    "send_hour": 9,  # local time; nothing goes out earlier in the day
}


def load_rules(task: Task | None = None) -> dict[str, Any]:
    """The default rules, as changed in the UI, as changed for this task."""
    rules = DEFAULT_RULES | _changed_in_the_ui()
    if task is not None and task.reminder_overrides:
        rules |= task.reminder_overrides
    return rules


def _changed_in_the_ui() -> dict[str, Any]:
    """The stored changes, read once per request (or scheduler job): the light, the queues and
    the planner all ask, and a row that is not there is looked for again at every ``get``."""
    if "reminder_rules" not in g:
        stored = db.session.get(Setting, RULES_SETTING)
        g.reminder_rules = dict(stored.value) if stored is not None else {}
    return g.reminder_rules


class RulesError(Refusal):
    """Reminder rules that cannot work; the message says why, in Chinese."""

    status = 400


def validate_rules(values: dict[str, Any]) -> dict[str, Any]:
    """The rule keys given, checked: lead days and due soon 1–60 working days, the time to
    acknowledge 1–30 working days, hours 0–23, day counts 1–365."""
    checked: dict[str, Any] = {}
    if "lead_workdays" in values:
        checked["lead_workdays"] = _checked_lead_workdays(values["lead_workdays"])
    for key, low, high, message in (
        ("leadership_after_days", 1, 365, _("逾期报告领导的天数须为 1 到 365 之间的整数。")),
        ("stale_after_days", 1, 365, _("进展催报的天数须为 1 到 365 之间的整数。")),
        ("due_soon_workdays", 1, 60, _("即将到期的工作日数须为 1 到 60 之间的整数。")),
        ("acknowledge_within_workdays", 1, 30, _("签收时限的工作日数须为 1 到 30 之间的整数。")),
        ("send_hour", 0, 23, _("发送时间须为 0 到 23 点之间的整点。")),
    ):
        if key in values:
            if not low <= int(values[key]) <= high:
                raise RulesError(message)
            checked[key] = int(values[key])
    if "on_the_day" in values:
        checked["on_the_day"] = bool(values["on_the_day"])
    return checked


def parse_lead_workdays(text: str) -> list[int]:
    """The lead days as typed in a form ("14,7,3,1", Chinese commas too), checked as
    :func:`validate_rules` checks them: most first, each once. Blank text is [], which the
    office-wide rules refuse and a task's reminders read as "the office-wide days". Raises
    :class:`RulesError` for a part that is no whole number, or a day out of range."""
    try:
        days = [int(part) for part in text.replace("，", ",").split(",") if part.strip()]
    except ValueError as exc:
        raise _lead_workdays_refused() from exc
    return _checked_lead_workdays(days) if days else []


def lead_workdays_text(days: Iterable[int]) -> str:
    """The lead days as the forms show them, for :func:`parse_lead_workdays` to read back: "14,7,3,1"."""
    return ",".join(str(day) for day in days)


def _checked_lead_workdays(days: Iterable[Any]) -> list[int]:
    checked = sorted({int(day) for day in days}, reverse=True)
    if not checked or any(not 1 <= day <= 60 for day in checked):
        raise _lead_workdays_refused()
    return checked


def _lead_workdays_refused() -> RulesError:
    return RulesError(_("提前提醒的工作日数须为 1 到 60 之间的整数，例如 14,7,3,1。"))


def save_rules(values: dict[str, Any], actor: User, now: datetime) -> dict[str, Any]:
    """Store the office-wide rules (audited); returns them as they now stand."""
    checked = validate_rules(values)
    stored = db.session.get(Setting, RULES_SETTING)
    before = stored.value if stored is not None else {}
    if stored is None:
        stored = Setting(name=RULES_SETTING, value=checked)
        db.session.add(stored)
    stored.value = checked
    stored.updated_by_id = actor.id
    stored.updated_at = now
    g.reminder_rules = dict(checked)
    record_event("reminder_policy_changed", now=now, actor=actor, object_type="setting", before=before, after=checked)
    return DEFAULT_RULES | checked
