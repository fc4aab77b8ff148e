"""Choosing a lead department: the choices say which departments have nobody at their head, and
the message after an assignment warns about them (their tasks would wait on the legal office)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_babel import gettext as _

from tracker.models import Department
from tracker.services import staffing


def department_choices(departments: Sequence[Department]) -> list[tuple[int, str]]:
    headless = staffing.headless_department_ids(d.id for d in departments)
    return [(d.id, _("%(name)s（无部门负责人）", name=d.name) if d.id in headless else d.name) for d in departments]


def headless_warning(departments: Iterable[Department]) -> str | None:
    """A warning naming the chosen lead departments that have no active head, or None."""
    chosen = {d.id: d for d in departments}
    headless = sorted(staffing.headless_department_ids(chosen), key=lambda i: chosen[i].name)
    if not headless:
        return None
    return _(
        "%(names)s没有在岗的部门负责人，无人能签收。任务已列入法制部门的待办，可由法制部门代为签收，"
        "或请系统管理员为其指定负责人。",
        names=_("、").join(chosen[i].name for i in headless),
    )
