"""Forms of the draft page: generate, edit a section, merge or set aside new progress, restore."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from tracker.i18n import N_
from tracker.models import DraftStructure

STRUCTURE_NAMES = {
    DraftStructure.SOURCE: N_("沿用来源报告的结构（工作情况及成效、存在不足及下一步工作对策）"),
    DraftStructure.STATUTORY: N_("按《法治政府建设与责任落实督察工作规定》的五部分"),
}
MAX_SECTION_CHARS = 20000


class GenerateForm(FlaskForm):
    structure = RadioField(_l("草稿结构"), default=DraftStructure.SOURCE.value, validators=[InputRequired()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.structure.choices = [SelectChoice(s.value, _(name)) for s, name in STRUCTURE_NAMES.items()]


class VersionedForm(FlaskForm):
    """Carries the version the page showed, so a save based on an older one is refused."""

    based_on = HiddenField()

    @property
    def based_on_number(self) -> int | None:
        return int(self.based_on.data) if (self.based_on.data or "").isdigit() else None


class SectionForm(VersionedForm):
    key = HiddenField(validators=[InputRequired()])
    text = TextAreaField(_l("正文"), validators=[Length(max=MAX_SECTION_CHARS)])


class PendingForm(VersionedForm):
    """合入 or 暂不合入 the new progress of a hand-edited section."""

    key = HiddenField(validators=[InputRequired()])


class ButtonForm(FlaskForm):
    """A button with nothing but the CSRF token (restore a version, regenerate)."""


REASON_NAMES = {
    "generated": N_("生成"),
    "regenerated": N_("重新生成"),
    "edited": N_("编辑"),
    "merged": N_("合入新进展"),
    "dismissed": N_("暂不合入新进展"),
    "restored": N_("恢复旧版本"),
    "rolled_up": N_("定期汇入新进展"),
}
