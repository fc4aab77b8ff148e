"""Forms of the holiday pages: paste a notice, confirm it, add a day, delete one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from tracker.views.task_forms import ChineseDateField

# A notice is about 1,000 characters; room for one pasted with its web page around it.
NOTICE_MAX_LENGTH = 20_000
HOLIDAY, WORKDAY = "holiday", "workday"


class NoticeForm(FlaskForm):
    text = TextAreaField(
        _l("通知全文"),
        validators=[
            DataRequired(_l("请粘贴通知全文。")),
            Length(max=NOTICE_MAX_LENGTH, message=_l("粘贴的内容过长，请只粘贴通知全文。")),
        ],
    )


class ConfirmNoticeForm(FlaskForm):
    """The reviewed notice comes back whole and is parsed again: the page cannot slip in a day
    that the notice does not say."""

    text = HiddenField(validators=[DataRequired(), Length(max=NOTICE_MAX_LENGTH)])


class DayForm(FlaskForm):
    day = ChineseDateField(_l("日期"), validators=[InputRequired(_l("请填写日期。"))])
    kind = RadioField(
        _l("安排"),
        choices=[SelectChoice(HOLIDAY, _l("放假")), SelectChoice(WORKDAY, _l("上班"))],
        default=HOLIDAY,
        # WTForms' own choice check has its own wording; this one speaks the user's language.
        validators=[AnyOf((HOLIDAY, WORKDAY), message=_l("请选择放假或上班。"))],
        validate_choice=False,
    )
    name = StringField(_l("名称（如“春节”）"), validators=[Length(max=50, message=_l("名称不能超过 50 个字。"))])

    @property
    def is_workday(self) -> bool:
        return self.kind.data == WORKDAY


class ButtonForm(FlaskForm):
    """A button with nothing to fill in (删除): the CSRF token only."""
