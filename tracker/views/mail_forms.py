"""Forms of the mail pages: the outbox filters (a GET form, no CSRF) and the retry button."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from tracker.models import NotificationStatus
from tracker.views.filters import MAIL_KIND_NAMES, MAIL_STATUS_NAMES


class FilterForm(Form):
    """Filters of the outbox, read from the query string; a value that does not fit is ignored."""

    status = SelectField(_l("状态"), default="", validate_choice=False)
    kind = SelectField(_l("类型"), default="", validate_choice=False)
    recipient = StringField(_l("收件人"), validators=[Optional(), Length(max=254)])
    task = IntegerField(_l("任务编号"), validators=[Optional(), NumberRange(min=1)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.status.choices = everything + [(s.value, _(MAIL_STATUS_NAMES[s.value])) for s in NotificationStatus]
        self.kind.choices = everything + [(kind, _(name)) for kind, name in MAIL_KIND_NAMES.items()]

    def values(self) -> dict[str, Any]:
        """The filters that apply, by name; what failed to validate or is unknown is left out."""
        self.validate()
        found: dict[str, Any] = {}
        if self.status.data in {s.value for s in NotificationStatus}:
            found["status"] = self.status.data
        if (self.kind.data or "").strip():
            found["kind"] = self.kind.data.strip()
        if (self.recipient.data or "").strip() and not self.recipient.errors:
            found["recipient"] = self.recipient.data.strip()
        if self.task.data and not self.task.errors:
            found["task"] = self.task.data
        return found


class RetryForm(FlaskForm):
    """The 重新发送 button: no fields, only the CSRF token."""
