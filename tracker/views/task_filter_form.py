"""The task list's filter form: read from the query string (a GET form, no CSRF), it turns into a
:class:`TaskFilter`. A value that does not fit is dropped with a message on its field; the other
filters still apply."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import Form, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from tracker.extensions import db
from tracker.i18n import N_
from tracker.models import Department, SourceReport, TaskState, User
from tracker.policy import DEPARTMENT_ROLES
from tracker.services.task_query import KINDS, LIGHTS, MANUAL_KIND, SORTS, TaskFilter
from tracker.views.filters import KIND_NAMES, LIGHT_NAMES, STATE_NAMES
from tracker.views.guards import MAX_ID
from tracker.views.task_forms import ChineseDateField

SORT_NAMES = {
    "urgency": N_("按紧急程度"),
    "deadline": N_("完成时限由近到远"),
    "-deadline": N_("完成时限由远到近"),
    "title": N_("按任务名称"),
    "state": N_("按状态"),
    "department": N_("按牵头单位"),
    "-updated": N_("最近更新在前"),
    "-percent": N_("进度由高到低"),
}


class TaskFilterForm(Form):
    department = SelectField(_l("牵头单位"), default="", validate_choice=False)
    state = SelectField(_l("状态"), default="", validate_choice=False)
    light = SelectField(_l("状态灯"), default="", validate_choice=False)
    report = SelectField(_l("来源报告"), default="", validate_choice=False)
    kind = SelectField(_l("类别"), default="", validate_choice=False)
    assignee = SelectField(_l("责任人"), default="", validate_choice=False)
    deadline_from = ChineseDateField(_l("时限自"), validators=[Optional()])
    deadline_to = ChineseDateField(_l("时限至"), validators=[Optional()])
    q = StringField(_l("关键词"), validators=[Optional(), Length(max=100)])
    sort = SelectField(_l("排序"), default="urgency", validate_choice=False)
    page = IntegerField(validators=[Optional(), NumberRange(min=1)])

    def __init__(self, args: MultiDict[str, str], **kwargs: Any) -> None:
        super().__init__(args, **kwargs)
        everything = [SelectChoice("", _("全部"))]
        self.state.choices = everything + [SelectChoice(s.value, _(STATE_NAMES[s])) for s in TaskState]
        self.light.choices = everything + [SelectChoice(light, _(LIGHT_NAMES[light])) for light in LIGHTS]
        self.kind.choices = everything + [
            SelectChoice(kind, _(KIND_NAMES[kind]) if kind != MANUAL_KIND else _("自建任务")) for kind in KINDS
        ]
        self.sort.choices = [SelectChoice(name, _(label)) for name, label in SORT_NAMES.items()]

    def fill_choices(self, wanted: TaskFilter, department_ids: set[int] | None = None) -> None:
        """Departments, reports and people to pick from (three queries); ``department_ids``
        limits the departments and people to those a head works with. The people are those of
        the chosen department: a province has thousands, too many for one list."""
        departments = sa.select(Department.id, Department.name).order_by(Department.name)
        people = (
            sa.select(User.id, User.name, Department.name)
            .outerjoin(Department)
            .where(User.role.in_(DEPARTMENT_ROLES))
            .order_by(Department.name, User.name)
        )
        if department_ids is not None:
            departments = departments.where(Department.id.in_(department_ids))
            people = people.where(User.department_id.in_(department_ids))
        people_of = {wanted.department_id} if wanted.department_id is not None else department_ids
        # Keep a chosen person listed even before a department is chosen (a shared address).
        chosen = User.id == wanted.assignee_id if wanted.assignee_id is not None else sa.false()
        people = people.where(sa.or_(User.department_id.in_(people_of or set()), chosen))
        everything = [SelectChoice("", _("全部"))]
        self.department.choices = everything + [
            SelectChoice(str(i), name) for i, name in db.session.execute(departments)
        ]
        self.report.choices = everything + [
            SelectChoice(str(i), f"{year or ''} {title}".strip())
            for i, title, year in db.session.execute(
                sa.select(SourceReport.id, SourceReport.title, SourceReport.year).order_by(SourceReport.id.desc())
            )
        ]
        self.assignee.choices = [SelectChoice("", _("全部") if people_of else _("全部（先选牵头单位）"))] + [
            SelectChoice(str(i), f"{name}（{department}）" if department else name)
            for i, name, department in db.session.execute(people)
        ]

    def task_filter(self) -> TaskFilter:
        """The filter the valid fields describe; invalid ones carry their messages and are left out."""
        self.validate()
        return TaskFilter(
            department_id=_positive(self.department.data),
            state=TaskState(self.state.data) if self.state.data in set(TaskState) else None,
            light=self.light.data if self.light.data in LIGHTS else None,
            report_id=_positive(self.report.data),
            kind=self.kind.data if self.kind.data in KINDS else None,
            assignee_id=_positive(self.assignee.data),
            deadline_from=None if self.deadline_from.errors else self.deadline_from.data,
            deadline_to=None if self.deadline_to.errors else self.deadline_to.data,
            search="" if self.q.errors else (self.q.data or "").strip(),
            sort=self.sort.data if self.sort.data in SORTS else "urgency",
        )

    def page_number(self) -> int:
        return self.page.data if self.page.data and not self.page.errors else 1


def _positive(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 0 < int(value) <= MAX_ID else None
